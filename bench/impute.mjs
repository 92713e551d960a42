// Imputation and conditional sampling (issue 13 targets), with the peers run in the same script:
//
//  1. Known truth: y = sin(2x) + x/2 + (0.2 + 0.15|x|) e, x ~ N(0, 1). sample(n, { given: { x } })
//     against E[y | x] and sd(y | x) on a grid of x, and the coverage of 90% prediction intervals
//     (predictionInterval) from impute(..., { draws: 50 }) on fresh rows. Peers: k-nearest neighbours in x (k = 50) and a
//     linear-Gaussian regression (what MICE's linear model draws from).
//     Two methods: inpainting on a plain model (its default chain, DDIM-200 with eta 1 and 10
//     jumps of 5; the full DDPM chain with 1, 10 and 20 jumps of 10: CHAINS) and a model trained
//     with conditioning: 'any'.
//  2. Imputation on adult and california_housing (bench/data/): rows with gaps dropped, a seeded
//     split, 20% of the held-out cells removed at random (MCAR); numeric RMSE in sd units (train
//     sd) and categorical accuracy, for ours (mean / mode of 10 and of 50 draws, the latter what
//     impute(rows, { point: true }) returns, and a single draw) against
//     column mean/mode, kNN (k = 10) and a chained-equations imputer (ridge / softmax regression),
//     the peers fitted on the same training rows; ours minus each peer with a paired bootstrap
//     interval over held-out rows.
//  3. Cost: seconds per row of sample(n, { given }) against sample(n).
//
// Fits use the library defaults (what a user gets); --quick caps them at T = 100 and 3000 steps.
//
// Usage: node bench/impute.mjs [--quick] [--seed=N] [--threads=N] [--holdout=ROWS (default 2000)]
// Writes bench/results/impute-latest.json (or impute-quick.json) and prints markdown.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TabularSynthesizer, predictionInterval } from '../dist/esm/index.mjs';
import {
  DATASETS, TRUTH_GRID, dgpRows, f, intervalHits, loadTable, maskedSplit, mean, pairedDiff, s, score, sd, signedCi, timed, trainStats, truthCoverage,
  truthGridRows, withoutByRow, worstSdRatio,
} from './lib/impute-data.mjs';
import { knn, meanMode, mice } from './lib/impute-peers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * Draws pooled by the bench's point estimates (the library's default for point: true). The 10-draw
 * and one-draw figures are prefixes of the same draws: the first m draws of a call are those of a
 * call asking for m (test/impute.test.mjs).
 */
const POINT_DRAWS = 50;
/** Fit options besides seed and threads: the defaults, except in --quick (development only). */
/**
 * Inpainting chains compared (given / impute options): the library's default chain (DDIM-200, eta 1,
 * 10 jumps of 5 over the last quarter) and the full DDPM chain with 1, 10 and 20 jumps of 10.
 */
const CHAINS = [
  ['default chain (DDIM-200, eta 1, 10 jumps of 5)', {}],
  ['DDPM, jumps 1', { sampler: 'ddpm', resample: { jumps: 1 } }],
  ['DDPM, 10 jumps of 10', { sampler: 'ddpm' }],
  ['DDPM, 20 jumps of 10', { sampler: 'ddpm', resample: { jumps: 20 } }],
];
const fitOptions = (quick) => (quick ? { nTimesteps: 100, maxSteps: 3000 } : {});
/** "T = 500, 36300 steps": what a fitted synthesizer chose. */
const fitLabel = (synth) => `T = ${synth.diffusion.options.nTimesteps}, ${synth.diffusion.options.maxSteps} training steps`;
const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=');
  return [k, v ?? true];
}));
const QUICK = args.quick === true;
const SEED = Number(args.seed ?? 1);
const THREADS = args.threads !== undefined ? Number(args.threads) : undefined;
/** Held-out rows per real table (20% of their cells removed); 2000 gives about 2400 numeric cells on adult. */
const HOLDOUT = Number(args.holdout ?? 2000);
const log = (msg) => process.stderr.write(`${msg}\n`);

// ---- 1. known truth (bench/lib/impute-data.mjs: y = f(x) + s(x) e) ------------------------
async function knownTruth() {
  const train = dgpRows(QUICK ? 3000 : 6000, SEED);
  const synth = new TabularSynthesizer({ ...fitOptions(QUICK), seed: SEED, ...(THREADS ? { threads: THREADS } : {}) });
  const fit = await timed(() => synth.fit(train));
  log(`known truth: fit ${fit.seconds.toFixed(1)} s`);
  const ys = train.map((r) => r.y);
  const sdY = sd(ys);
  const grid = TRUTH_GRID;
  const draws = QUICK ? 400 : 1000;
  const anySynth = new TabularSynthesizer({ ...fitOptions(QUICK), seed: SEED, conditioning: 'any', ...(THREADS ? { threads: THREADS } : {}) });
  const fitAny = await timed(() => anySynth.fit(train));
  log(`known truth: fit (conditioning 'any') ${fitAny.seconds.toFixed(1)} s`);
  const variants = [...CHAINS.map(([name, opts]) => [`inpaint, ${name}`, synth, opts]), ["trained 'any'", anySynth, {}]];
  const methods = {};
  for (const [name, model, opts] of variants) methods[name] = await truthGridRows(model, draws, SEED + 7, opts);
  // Peers: kNN in x (k = 50) and linear-Gaussian regression, on the same training rows.
  const sortedX = train.slice().sort((a, b) => a.x - b.x);
  const knnY = (x0, k = 50) => {
    const near = sortedX.map((r) => ({ d: Math.abs(r.x - x0), y: r.y })).sort((a, b) => a.d - b.d).slice(0, k).map((r) => r.y);
    return near;
  };
  methods['kNN (k = 50)'] = grid.map((x0) => {
    const y = knnY(x0);
    return { x: x0, mean: mean(y), sd: sd(y), truthMean: f(x0), truthSd: s(x0) };
  });
  const mx = mean(train.map((r) => r.x)), my = mean(ys);
  const beta = train.reduce((a, r) => a + (r.x - mx) * (r.y - my), 0) / train.reduce((a, r) => a + (r.x - mx) ** 2, 0);
  const resid = sd(train.map((r) => r.y - my - beta * (r.x - mx)));
  const lin = (x0) => my + beta * (x0 - mx);
  methods['linear-Gaussian'] = grid.map((x0) => ({ x: x0, mean: lin(x0), sd: resid, truthMean: f(x0), truthSd: s(x0) }));

  // Coverage of 90% intervals on fresh rows.
  // 1000 rows: a 90% coverage then carries a standard error of 0.01 (0.02 at the 200 used before).
  const test = dgpRows(QUICK ? 200 : 1000, SEED + 99);
  // Two intervals from the same draws: predictionInterval (ranks (m + 1) 5% and (m + 1) 95%, which
  // cover a new draw of the same law 90% of the time) and, for comparison with runs before it, the
  // draws' own 5% / 95% quantiles, which cover about 87% even for exact draws (m = 50).
  const coverage = {}, coverageQuantiles = {};
  const hits = (y, v) => intervalHits(predictionInterval, y, v);
  for (const [name, model, opts] of variants) {
    ({ coverage: coverage[name], coverageQuantiles: coverageQuantiles[name] } = await truthCoverage(model, predictionInterval, test, SEED + 3, opts));
  }
  {
    let hitK = 0, hitKQ = 0, hitL = 0;
    for (const r of test) {
      const [a, b] = hits(knnY(r.x), r.y);
      hitK += a;
      hitKQ += b;
      if (Math.abs(r.y - lin(r.x)) <= 1.6449 * resid) hitL++;
    }
    coverage['kNN (k = 50)'] = hitK / test.length;
    coverageQuantiles['kNN (k = 50)'] = hitKQ / test.length;
    coverage['linear-Gaussian'] = hitL / test.length;
    coverageQuantiles['linear-Gaussian'] = hitL / test.length;
  }
  const summary = Object.fromEntries(Object.entries(methods).map(([name, rows]) => [name, {
    maxMeanErrorSdY: Math.max(...rows.map((r) => Math.abs(r.mean - r.truthMean) / sdY)),
    maxMeanErrorCondSd: Math.max(...rows.map((r) => Math.abs(r.mean - r.truthMean) / r.truthSd)),
    worstSdRatio: worstSdRatio(rows),
    coverage90: coverage[name],
    coverage90Quantiles: coverageQuantiles[name],
  }]));
  // Cost per row: unconditional vs given.
  const n = QUICK ? 1000 : 2000;
  const cost = {};
  cost.unconditional = (await timed(() => synth.sample(n, { seed: 1 }))).seconds / n;
  for (const [name, opts] of CHAINS) cost[`given, ${name}`] = (await timed(() => synth.sample(n, { seed: 1, given: { x: 0.3 }, ...opts }))).seconds / n;
  cost["'any' model, unconditional"] = (await timed(() => anySynth.sample(n, { seed: 1 }))).seconds / n;
  cost["'any' model, given"] = (await timed(() => anySynth.sample(n, { seed: 1, given: { x: 0.3 } }))).seconds / n;
  synth.dispose();
  anySynth.dispose();
  return { trainRows: train.length, testRows: test.length, fit: fitLabel(synth), fitAny: fitLabel(anySynth), sdY, grid: methods, summary, cost, fitSeconds: fit.seconds, fitAnySeconds: fitAny.seconds };
}

// ---- 2. imputation on real tables: the peers, then ours ---------------------------------------
async function realTable(name) {
  const t = loadTable(name);
  const nTrain = QUICK ? 4000 : 10000, nTest = QUICK ? 200 : HOLDOUT;
  const { train, test, masked } = maskedSplit(t, SEED, nTrain, nTest);
  const st = trainStats(t, train);
  const results = {};
  results['mean / mode'] = score(t, st, test, masked, meanMode(t, st, masked));
  // The peers see the same training rows as our models.
  const k = await timed(() => knn(t, st, train, masked));
  results['kNN (k = 10)'] = { ...score(t, st, test, masked, k.value), seconds: k.seconds };
  const m = await timed(() => mice(t, st, train, masked));
  results['MICE-style (ridge / softmax)'] = { ...score(t, st, test, masked, m.value), seconds: m.seconds };
  log(`${name}: baselines done`);
  const synth = new TabularSynthesizer({ ...fitOptions(QUICK), seed: SEED, categorical: t.categorical, ...(THREADS ? { threads: THREADS } : {}) });
  const fit = await timed(() => synth.fit(train, { onWarning: (w) => log(`${name}: ${w}`) }));
  log(`${name}: fit ${fit.seconds.toFixed(1)} s`);
  for (const [label, opts] of CHAINS) {
    const impute = (draws, point) => synth.impute(masked, { draws, point, seed: SEED + 5, ...opts, onWarning: (w) => log(`${name}: ${w}`) });
    const r = await timed(() => impute(POINT_DRAWS, true));
    results[`ours, ${label}: mean/mode of 10 draws`] = score(t, st, test, masked, (await impute(10, true))[0]);
    results[`ours, ${label}: mean/mode of ${POINT_DRAWS} draws (point: true)`] = { ...score(t, st, test, masked, r.value[0]), seconds: r.seconds };
    results[`ours, ${label}: one draw`] = score(t, st, test, masked, (await impute(1, false))[0]);
    log(`${name}: ours ${label} ${r.seconds.toFixed(1)} s`);
  }
  const anySynth = new TabularSynthesizer({ ...fitOptions(QUICK), seed: SEED, categorical: t.categorical, conditioning: 'any', ...(THREADS ? { threads: THREADS } : {}) });
  const fitAny = await timed(() => anySynth.fit(train, { onWarning: () => {} }));
  log(`${name}: fit (conditioning 'any') ${fitAny.seconds.toFixed(1)} s`);
  {
    const impute = (draws, point) => anySynth.impute(masked, { draws, point, seed: SEED + 5 });
    const r = await timed(() => impute(POINT_DRAWS, true));
    results["ours, trained 'any': mean/mode of 10 draws"] = score(t, st, test, masked, (await impute(10, true))[0]);
    results[`ours, trained 'any': mean/mode of ${POINT_DRAWS} draws (point: true)`] = { ...score(t, st, test, masked, r.value[0]), seconds: r.seconds };
    results["ours, trained 'any': one draw"] = score(t, st, test, masked, (await impute(1, false))[0]);
  }
  const n = QUICK ? 500 : 1000;
  const given = { [t.numeric[0]]: test[0][t.numeric[0]], [t.categorical[0]]: test[0][t.categorical[0]] };
  const cost = { unconditional: (await timed(() => synth.sample(n, { seed: 1 }))).seconds / n };
  for (const [chain, opts] of CHAINS) cost[`given, ${chain}`] = (await timed(() => synth.sample(n, { seed: 1, given, ...opts }))).seconds / n;
  cost["'any' model, unconditional"] = (await timed(() => anySynth.sample(n, { seed: 1 }))).seconds / n;
  cost["'any' model, given"] = (await timed(() => anySynth.sample(n, { seed: 1, given }))).seconds / n;
  synth.dispose();
  anySynth.dispose();
  // Ours (the pooled point estimates) minus each peer, paired on the same held-out cells.
  const paired = [];
  for (const ours of Object.keys(results).filter((key) => key.endsWith('(point: true)'))) {
    for (const peer of ['mean / mode', 'kNN (k = 10)', 'MICE-style (ridge / softmax)']) {
      paired.push({ ours, peer, ...pairedDiff(results[ours], results[peer], SEED + 31) });
    }
  }
  return {
    trainRows: nTrain, testRows: nTest, droppedRowsWithGaps: t.dropped, fit: fitLabel(synth), fitAny: fitLabel(anySynth), fitSeconds: fit.seconds, fitAnySeconds: fitAny.seconds, results, paired, cost, given: Object.keys(given),
  };
}

// ---- run -----------------------------------------------------------------------------------
const started = new Date().toISOString();
// --tables=adult (comma list) and --no-truth run a part (development); the committed results run all.
const truth = args['no-truth'] ? null : await knownTruth();
const tables = {};
for (const name of Object.keys(DATASETS)) if (!args.tables || String(args.tables).split(',').includes(name)) tables[name] = await realTable(name);
const report = { started, quick: QUICK, seed: SEED, threads: THREADS ?? 'default', truth, tables };
mkdirSync(join(HERE, 'results'), { recursive: true });
const PARTIAL = Boolean(args['no-truth'] || args.tables);
writeFileSync(join(HERE, 'results', QUICK ? 'impute-quick.json' : PARTIAL ? 'impute-partial.json' : 'impute-latest.json'), `${JSON.stringify(report, withoutByRow, 2)}\n`);

const f3 = (x) => x.toFixed(3);
/** "default chain ... 1.31x, DDPM, jumps 1 1.09x, ..., 'any' model 0.99x": each given cost over the unconditional one. */
const costRatios = (cost) => [...CHAINS.map(([name]) => [name, cost[`given, ${name}`]]), ["'any' model", cost["'any' model, given"]]]
  .map(([name, v]) => `${name} ${(v / cost.unconditional).toFixed(2)}x`).join(', ');
const lines = [`# bench/impute.mjs (${QUICK ? 'quick' : 'full'}, seed ${SEED}, ${started})`, ''];
if (truth) {
  lines.push(`## Known truth: y = sin(2x) + x/2 + (0.2 + 0.15|x|) e (${truth.trainRows} training rows, defaults: ${truth.fit}, 'any' model ${truth.fitAny}; sd(y) = ${f3(truth.sdY)})`, '');
  lines.push(`| method | max abs(mean - E[y|x]) / sd(y) (target <= 0.1) | same / sd(y|x) | worst sd ratio (target 0.9-1.1) | coverage of 90% prediction intervals on ${truth.testRows} fresh rows (target 0.85-0.95) | same with the draws' 5% / 95% quantiles (exact draws: 0.87) |`);
  lines.push('|---|---|---|---|---|---|');
  for (const [name, v] of Object.entries(truth.summary)) {
    lines.push(`| ${name} | ${f3(v.maxMeanErrorSdY)} | ${f3(v.maxMeanErrorCondSd)} | ${f3(v.worstSdRatio)} | ${f3(v.coverage90)} | ${f3(v.coverage90Quantiles)} |`);
  }
  lines.push('', `Cost per row (ms): ${Object.entries(truth.cost).map(([k, v]) => `${k} ${(v * 1000).toFixed(3)}`).join(', ')}; ratio given/unconditional: ` +
    `${costRatios(truth.cost)} (target <= 1.5x)`, '');
}
for (const [name, r] of Object.entries(tables)) {
  lines.push(`## ${name}: ${r.trainRows} training rows, ${r.testRows} held-out rows with 20% MCAR cells removed (rows with gaps dropped first: ${r.droppedRowsWithGaps}); defaults: ${r.fit}, 'any' model ${r.fitAny}`, '');
  lines.push('| imputer | numeric RMSE (sd units, lower is better) | categorical accuracy | seconds |');
  lines.push('|---|---|---|---|');
  for (const [k, v] of Object.entries(r.results)) lines.push(`| ${k} | ${f3(v.rmseSd)} | ${f3(v.accuracy)} | ${v.seconds !== undefined ? v.seconds.toFixed(1) : ''} |`);
  lines.push('', `Ours minus peer on the same ${Object.values(r.results)[0].numericCells} numeric and ${Object.values(r.results)[0].categoricalCells} categorical cells (95% bootstrap interval over held-out rows; RMSE: negative is ours better; accuracy: positive is ours better):`, '');
  lines.push('| ours | peer | numeric RMSE difference | categorical accuracy difference |', '|---|---|---|---|');
  for (const p of r.paired) lines.push(`| ${p.ours} | ${p.peer} | ${signedCi(p.rmse, p.rmseCi)} | ${signedCi(p.accuracy, p.accuracyCi)} |`);
  const cols = Object.keys(Object.values(r.results)[0].perColumn);
  lines.push('', 'Per column (numeric: RMSE in sd units; categorical: accuracy):', '');
  lines.push(`| imputer | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`);
  for (const [k, v] of Object.entries(r.results)) lines.push(`| ${k} | ${cols.map((c) => f3(v.perColumn[c])).join(' | ')} |`);
  lines.push('', `Cost per row (ms), given ${r.given.join(' + ')}: ${Object.entries(r.cost).map(([k, v]) => `${k} ${(v * 1000).toFixed(3)}`).join(', ')}; ratio ` +
    `${costRatios(r.cost)} (ratios against the inpainting model's unconditional sampling)`, '');
}
process.stdout.write(`${lines.join('\n')}\n`);
