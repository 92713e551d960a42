// Inpainting's resampling settings against their cost (issue 13: `given` within 1.5x of
// unconditional sampling). One default fit per table (seed 1, the same fits and held-out cells as
// bench/impute.mjs), then each setting of { sampler, steps, eta, jumps, length, start } on:
//   known truth (y = sin(2x) + x/2 + (0.2 + 0.15|x|) e): worst mean error / sd(y) and sd ratio on
//     the grid x = -1.5 .. 1.5, 90% coverage on 1000 fresh rows, cost per row of
//     sample(2000, { given: { x: 0.3 } }) against sample(2000) with the defaults;
//   adult and california_housing (10000 training rows, 500 held-out rows (--holdout), 20% MCAR cells):
//     numeric RMSE (sd units) and categorical accuracy of the mean / mode of 50 draws
//     (impute(rows, { point: true })), of 10 draws and of one draw, and the seconds taken.
// The peers of the same cells (mean/mode, kNN, chained equations) are in bench/impute.mjs.
//
// Usage: node bench/impute-resample.mjs --variants='[{"jumps":3},{"sampler":"ddim","steps":100,"eta":1}]'
//          [--tables=adult,california_housing] [--no-truth] [--cache=DIR] [--out=NAME] [--fresh=ROWS] [--holdout=ROWS]
//        node bench/impute-resample.mjs --report=FILE.json[,FILE.json...]   (markdown of saved runs)
// A setting's sampler keys go to the call, the rest to `resample`; {} is the default.
// --cache=DIR saves each fit as DIR/NAME.tdm and loads it on the next run (same seed, same bytes).
// Writes bench/results/impute-resample-NAME.json (NAME: --out, default "run").
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TabularSynthesizer, predictionInterval } from '../dist/esm/index.mjs';
import {
  dgpRows, loadTable, maskedSplit, score, sd, timed, trainStats, truthCoverage, truthGridRows, worstSdRatio,
} from './lib/impute-data.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SEED = 1;
const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const i = a.indexOf('=');
  return i < 0 ? [a.replace(/^--/, ''), true] : [a.slice(2, i), a.slice(i + 1)];
}));
/** Fresh known-truth rows for the coverage count (1000: standard error 0.01 at 90%). */
const FRESH = Number(args.fresh ?? 1000);
/** Held-out rows per real table (the saved runs before this option: 500). */
const HOLDOUT = Number(args.holdout ?? 500);
const log = (msg) => process.stderr.write(`${msg}\n`);
const label = (v) => JSON.stringify(v);
/** Sampler keys go to the call, the rest to resample. */
const callOptions = (v) => {
  const { sampler, steps, eta, ...resample } = v;
  return { ...(sampler ? { sampler, steps, eta } : {}), resample };
};

async function model(name, train, categorical) {
  const path = args.cache ? join(String(args.cache), `${name}.tdm`) : undefined;
  if (path && existsSync(path)) return TabularSynthesizer.load(path);
  const synth = new TabularSynthesizer({ seed: SEED, ...(categorical ? { categorical } : {}) });
  const r = await timed(() => synth.fit(train, { onWarning: () => {} }));
  log(`${name}: fit ${r.seconds.toFixed(1)} s`);
  if (path) {
    mkdirSync(String(args.cache), { recursive: true });
    await synth.save(path);
  }
  return synth;
}

async function knownTruth(variants) {
  const train = dgpRows(6000, SEED);
  const synth = await model('truth', train);
  const sdY = sd(train.map((r) => r.y));
  const test = dgpRows(FRESH, SEED + 99);
  const out = {};
  for (const v of variants) {
    const rows = await truthGridRows(synth, 1000, SEED + 7, callOptions(v));
    // coverage90: the draws' 5% / 95% quantiles (about 0.87 for exact draws; the runs saved so far);
    // coverage90Pi: predictionInterval's 90% interval (0.90 for exact draws).
    const { coverage, coverageQuantiles } = await truthCoverage(synth, predictionInterval, test, SEED + 3, callOptions(v));
    const n = 2000;
    const unconditional = (await timed(() => synth.sample(n, { seed: 1 }))).seconds;
    const given = (await timed(() => synth.sample(n, { seed: 1, given: { x: 0.3 }, ...callOptions(v) }))).seconds;
    out[label(v)] = {
      maxMeanErrorSdY: Math.max(...rows.map((r) => Math.abs(r.mean - r.truthMean) / sdY)),
      worstSdRatio: worstSdRatio(rows),
      sdRatios: rows.map((r) => r.sd / r.truthSd),
      coverage90: coverageQuantiles,
      coverage90Pi: coverage,
      freshRows: test.length,
      cost: given / unconditional,
    };
    log(`truth ${label(v)}: ${JSON.stringify(out[label(v)])}`);
  }
  synth.dispose();
  return out;
}

async function realTable(name, variants) {
  const t = loadTable(name);
  const { train, test, masked } = maskedSplit(t, SEED, 10000, HOLDOUT);
  const st = trainStats(t, train);
  const synth = await model(name, train, t.categorical);
  const out = {};
  for (const v of variants) {
    // The library's own pooling (point: true); the first m draws of a call are those of a call
    // asking for m, so 10 and 1 draws are prefixes of the 50.
    const impute = (draws, point) => synth.impute(masked, { draws, point, seed: SEED + 5, ...callOptions(v), onWarning: () => {} });
    const r = await timed(() => impute(50, true));
    const p50 = score(t, st, test, masked, r.value[0]);
    const p10 = score(t, st, test, masked, (await impute(10, true))[0]);
    const one = score(t, st, test, masked, (await impute(1, false))[0]);
    out[label(v)] = {
      rmse50: p50.rmseSd, accuracy50: p50.accuracy, rmse10: p10.rmseSd, accuracy10: p10.accuracy, rmse1: one.rmseSd, accuracy1: one.accuracy,
      seconds: r.seconds, perColumn50: p50.perColumn, heldOutRows: test.length,
    };
    log(`${name} ${label(v)}: RMSE ${p50.rmseSd.toFixed(3)}, accuracy ${p50.accuracy.toFixed(3)}, ${r.seconds.toFixed(1)} s`);
  }
  synth.dispose();
  return out;
}

function report(files) {
  const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
  const merge = (key) => Object.assign({}, ...runs.map((r) => r.results[key] ?? {}));
  const truth = merge('truth');
  const f3 = (x) => (x === undefined ? '' : x.toFixed(3));
  const lines = [
    `# bench/impute-resample.mjs (runs of ${runs.map((r) => r.started).join(', ')}; seed ${runs[0].seed}; this 2-core machine)`, '',
    ...[...new Set(runs.map((r) => r.note).filter(Boolean))].map((note) => `Note: ${note}.\n`),
    'Known truth (6000 training rows, default fit; target: mean error <= 0.1 sd(y), sd ratio 0.9-1.1, coverage 0.85-0.95, cost <= 1.5x):', '',
    '| setting | max mean error / sd(y) | worst sd ratio | sd ratios x = -1.5 .. 1.5 | 90% coverage, draws\' 5% / 95% quantiles (exact draws: 0.87; fresh rows) | same, predictionInterval (exact draws: 0.90; runs after it) | cost vs sample() |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(truth).map(([k, r]) => `| \`${k}\` | ${f3(r.maxMeanErrorSdY)} | ${r.worstSdRatio.toFixed(2)} | ${r.sdRatios.map((q) => q.toFixed(2)).join(' ')} | ${f3(r.coverage90)} (${r.freshRows ?? 1000}) | ${f3(r.coverage90Pi)} | ${r.cost.toFixed(2)}x |`),
  ];
  for (const name of ['adult', 'california_housing']) {
    const t = merge(name);
    if (Object.keys(t).length === 0) continue;
    lines.push('', `${name} (10000 training rows, held-out rows as noted, 20% MCAR cells; point estimate = mean / mode of 50 draws):`, '',
      '| setting | held-out rows | numeric RMSE (sd), 50 / 10 / 1 draws | categorical accuracy, 50 / 10 / 1 draws | seconds (50 draws) |', '|---|---|---|---|---|',
      ...Object.entries(t).map(([k, r]) => `| \`${k}\` | ${r.heldOutRows ?? 500} | ${f3(r.rmse50)} / ${f3(r.rmse10)} / ${f3(r.rmse1)} | ${f3(r.accuracy50)} / ${f3(r.accuracy10)} / ${f3(r.accuracy1)} | ${r.seconds.toFixed(1)} |`));
  }
  return `${lines.join('\n')}\n`;
}

if (args.report) {
  process.stdout.write(report(String(args.report).split(',')));
} else {
  const variants = JSON.parse(args.variants ?? '[{}]');
  const started = new Date().toISOString();
  const results = {};
  if (!args['no-truth']) results.truth = await knownTruth(variants);
  for (const name of String(args.tables ?? 'adult,california_housing').split(',').filter(Boolean)) results[name] = await realTable(name, variants);
  mkdirSync(join(HERE, 'results'), { recursive: true });
  const file = join(HERE, 'results', `impute-resample-${args.out ?? 'run'}.json`);
  writeFileSync(file, `${JSON.stringify({ started, seed: SEED, variants, results }, null, 2)}\n`);
  process.stdout.write(report([file]));
}
