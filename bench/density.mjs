// Log-density estimators (docs/density.md), measured:
//  1. the paper's experiment: a model trained on a 3-D Gaussian mixture; KL(true || model)
//     estimated with the path integral and with the ODE; accuracy against the truth and time
//     as functions of throws (1..1000) and, for reference, with the exact predictor (oracle);
//  2. speed at the Trex configuration (d = 10, 128x128, 10k rows, 2 threads): the path
//     integral with 100 throws, the ODE at the step count that matches its accuracy against a
//     10-D Gaussian-mixture truth, and the per-row cost spread;
//  3. the memorisation gap on adult: mean log-density of training rows minus held-out rows;
//  4. the same with the default (mixed) model: categoricals and numeric modes on SEDD.
// Usage: node bench/density.mjs [--quick] [--only 1,2,3]. Prints markdown (the committed run:
// bench/results/density.md); writes bench/results/density.json. Timings depend on the
// machine's load, printed at the start.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'csv-parse/sync';

import { machineInfo, machineLine, sourceInfo } from './lib/machine.mjs';
import { ROOT } from './lib/library.mjs';

const lib = await import(join(ROOT, 'dist', 'esm', 'index.mjs'));
const { TabularDiffusion, TabularSynthesizer, nativeOps } = lib;
const { logMixture, drawMixture, MIXTURE } = await import(join(ROOT, 'test', 'fixtures', 'density-oracle.mjs'));
const { rng } = await import(join(ROOT, 'test', 'fixtures', 'rng.mjs'));

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',').map(Number) : [1, 2, 3, 4];
const ops = nativeOps();
const results = { machine: machineInfo(), quick: QUICK, source: sourceInfo(ROOT) };
// Say so only when it was measured: a load above 2 on this 2-core machine means other jobs ran.
const shared = results.machine.loadAverage[0] > 2
  ? ' The machine was shared with other jobs (2 cores, load average above 2): timings are low and noisy.' : '';
console.log(`# bench/density.mjs${QUICK ? ' --quick' : ''}\n\n${machineLine(results.machine)}; ${results.source.line}.${shared}\n`);

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const sd = (a) => { const m = mean(a); return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1)); };
const rms = (a) => Math.sqrt(mean(a.map((v) => v * v)));
const time = async (fn) => { const t0 = performance.now(); const r = await fn(); return { r, s: (performance.now() - t0) / 1000 }; };
const rowsOf = (x, d) => Array.from({ length: x.length / d }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)));

/** A mixture in d dimensions: K components with random means and diagonal-ish covariances. */
function mixtureND(d, K, seed) {
  const { uniform, normal } = rng(seed);
  const covs = new Float64Array(K * d * d);
  for (let k = 0; k < K; k++) for (let a = 0; a < d; a++) covs[k * d * d + a * d + a] = 0.2 + 0.4 * uniform();
  return { dim: d, weights: Float64Array.from({ length: K }, () => 0.5 + uniform()), means: Float64Array.from({ length: K * d }, () => 1.2 * normal()), covs };
}

async function trainOn(mix, n, { hidden = [128, 128], steps, seed = 1, threads = 2 }) {
  const x = drawMixture(mix, n, rng(seed));
  const m = new TabularDiffusion({
    hiddenDims: hidden, timeDim: 64, nTimesteps: 1000, betaEnd: 0.04, maxSteps: steps, lr: 2e-3, lrDecay: true,
    emaDecay: 0.999, batchSize: 512, seed, threads,
  });
  const { s } = await time(() => m.fit(rowsOf(x, mix.dim)));
  return { m, fitSeconds: s };
}

// ---- 1. 3-D Gaussian mixture -----------------------------------------------------------------
if (only.includes(1)) {
  console.log('## 1. 3-D Gaussian mixture (the paper\'s experiment)\n');
  const steps = QUICK ? 3000 : 10000;
  const { m, fitSeconds } = await trainOn(MIXTURE, 20000, { steps });
  const nTest = QUICK ? 500 : 2000;
  const xt = drawMixture(MIXTURE, nTest, rng(99));
  const truth = rowsOf(xt, 3).map((r) => logMixture(MIXTURE, r));
  console.log(`Model: 128x128 MLP, T = 1000 (linear betas 1e-4..0.04), ${steps} steps on 20000 rows (${fitSeconds.toFixed(1)} s); ${nTest} fresh test rows.\n`);
  const kl = {};
  const table = [];
  for (const throws of [1, 2, 10, 100, 1000]) {
    const { r, s } = await time(() => m.logDensity(rowsOf(xt, 3), { throws, seed: 7 }));
    const diffs = truth.map((t, i) => t - r.logDensity[i]);
    const oracle = ops.densityLogp({ mixture: MIXTURE, x: xt, rows: nTest, alphaBars: m.schedule.alphaBars, throws, seed: 7 });
    const oracleErr = truth.map((t, i) => oracle.logp[i] - t);
    table.push({ throws, seconds: s, rowsPerSecond: nTest / s, kl: mean(diffs), klSe: sd(diffs) / Math.sqrt(nTest), rmsVsTruth: rms(diffs), oracleRms: rms(oracleErr), meanSe: mean(Array.from(r.standardError)) });
    if (throws === 100) kl.path = { value: mean(diffs), se: sd(diffs) / Math.sqrt(nTest) };
  }
  const odeRows = [];
  for (const stepsOde of [10, 25, 50, 100]) {
    const { r, s } = await time(() => m.logDensity(rowsOf(xt, 3), { method: 'ode', steps: stepsOde }));
    const diffs = truth.map((t, i) => t - r.logDensity[i]);
    const oracle = ops.densityLogp({ mixture: MIXTURE, x: xt, rows: nTest, alphaBars: m.schedule.alphaBars, method: 'ode', steps: stepsOde });
    odeRows.push({ steps: stepsOde, seconds: s, rowsPerSecond: nTest / s, kl: mean(diffs), klSe: sd(diffs) / Math.sqrt(nTest), rmsVsTruth: rms(diffs), oracleRms: rms(truth.map((t, i) => oracle.logp[i] - t)) });
    if (stepsOde === 100) kl.ode = { value: mean(diffs), se: sd(diffs) / Math.sqrt(nTest) };
  }
  console.log('| path integral throws | time (s) | rows/s | KL(true‖model) ± SE | RMS(log p_true − estimate) | mean per-row SE | oracle RMS error |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of table) console.log(`| ${t.throws} | ${t.seconds.toFixed(2)} | ${t.rowsPerSecond.toFixed(0)} | ${t.kl.toFixed(4)} ± ${t.klSe.toFixed(4)} | ${t.rmsVsTruth.toFixed(3)} | ${Number.isNaN(t.meanSe) ? '—' : t.meanSe.toFixed(3)} | ${t.oracleRms.toFixed(3)} |`);
  console.log('\n| ODE RK4 steps (exact divergence) | time (s) | rows/s | KL(true‖model) ± SE | RMS(log p_true − estimate) | oracle RMS error |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const t of odeRows) console.log(`| ${t.steps} | ${t.seconds.toFixed(2)} | ${t.rowsPerSecond.toFixed(0)} | ${t.kl.toFixed(4)} ± ${t.klSe.toFixed(4)} | ${t.rmsVsTruth.toFixed(3)} | ${t.oracleRms.toFixed(4)} |`);
  const gap = kl.path.value - kl.ode.value;
  const gapSe = Math.hypot(kl.path.se, kl.ode.se);
  console.log(`\nKL(true‖model): path integral (100 throws) ${kl.path.value.toFixed(4)} ± ${kl.path.se.toFixed(4)}, ODE (100 steps) ${kl.ode.value.toFixed(4)} ± ${kl.ode.se.toFixed(4)}; difference ${gap.toFixed(4)} (${(gap / gapSe).toFixed(2)} combined SE; the two share the test rows, so the combined SE overstates the noise of the difference).\n`);
  results.mixture3d = { steps, fitSeconds, nTest, path: table, ode: odeRows, kl };
  m.dispose();
}

// ---- 2. speed at d = 10 ------------------------------------------------------------------------
if (only.includes(2)) {
  console.log('## 2. Speed at d = 10, 128x128, 10k rows, 2 threads\n');
  const mix = mixtureND(10, 4, 5);
  const steps = QUICK ? 1500 : 5000;
  const { m, fitSeconds } = await trainOn(mix, 20000, { steps });
  const n = 10000;
  const x = drawMixture(mix, n, rng(77));
  const rows = rowsOf(x, 10);
  const truth = rows.map((r) => logMixture(mix, r));
  console.log(`Model trained ${steps} steps on 20000 rows of a 10-D, 4-component mixture (${fitSeconds.toFixed(1)} s).\n`);
  const path = await time(() => m.logDensity(rows, { throws: 100, seed: 1 }));
  const pathErr = rms(truth.map((t, i) => t - path.r.logDensity[i]));
  const odeSub = QUICK ? 500 : 2000;
  const odeRows = [];
  for (const s of [2, 4, 8, 16, 32]) {
    const o = await time(() => m.logDensity(rows.slice(0, odeSub), { method: 'ode', steps: s }));
    odeRows.push({ steps: s, rowsPerSecond: odeSub / o.s, rmsVsTruth: rms(truth.slice(0, odeSub).map((t, i) => t - o.r.logDensity[i])) });
  }
  // The sampler on the same model, machine and load: the throughput one throw is compared with.
  const samp = await time(() => m.sample(n, { sampler: 'ddim', steps: 100, seed: 1 }));
  console.log(`Sampling (DDIM, 100 steps) in the same run: ${(n * 100 / samp.s / 1e6).toFixed(2)} M network evaluations/s.\n`);
  console.log(`Path integral, 100 throws: ${(n / path.s).toFixed(0)} rows/s (${(n * 100 / path.s / 1e6).toFixed(2)} M network evaluations/s), RMS(log p_true − estimate) ${pathErr.toFixed(3)}.\n`);
  console.log('| ODE RK4 steps | rows/s | RMS(log p_true − estimate) |');
  console.log('|---:|---:|---:|');
  for (const o of odeRows) console.log(`| ${o.steps} | ${o.rowsPerSecond.toFixed(0)} | ${o.rmsVsTruth.toFixed(3)} |`);
  const match = odeRows.find((o) => o.rmsVsTruth <= pathErr);
  const ratio = match ? (n / path.s) / match.rowsPerSecond : NaN;
  console.log(match
    ? `\nFirst ODE setting at least as accurate: ${match.steps} steps, ${match.rowsPerSecond.toFixed(0)} rows/s: the path integral is ${ratio.toFixed(1)}x faster at equal accuracy.`
    : '\nNo ODE setting tried reached the path integral\'s accuracy.');
  // Per-row cost: 10 groups of rows sorted by true density (typical to outlying rows).
  const order = truth.map((t, i) => [t, i]).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
  // Three interleaved rounds, the fastest of each group kept: the machine's load varies.
  const perRow = new Array(10).fill(Infinity);
  for (let round = 0; round < 3; round++) {
    for (let g = 0; g < 10; g++) {
      const idx = order.slice(g * 1000, (g + 1) * 1000);
      const t = await time(() => m.logDensity(idx.map((i) => rows[i]), { throws: 100, seed: 1 }));
      perRow[g] = Math.min(perRow[g], t.s / 1000);
    }
  }
  const spread = Math.max(...perRow) / Math.min(...perRow);
  console.log(`Per-row time over 10 groups of 1000 rows from most to least likely (fastest of 3 rounds): ${perRow.map((v) => (v * 1e6).toFixed(0)).join(', ')} µs; max/min ${spread.toFixed(2)} (same work per row; the spread is the machine's).\n`);
  results.speed = { samplingEvalsPerSecond: n * 100 / samp.s, fitSeconds, steps, pathRowsPerSecond: n / path.s, pathRms: pathErr, ode: odeRows, equalAccuracyRatio: ratio, perRowSeconds: perRow, perRowSpread: spread };
  m.dispose();
}

/** Sections 3 and 4: adult in a seeded order, nTrain training rows and the next 2000 held out. */
function adultSplit() {
  const all = parse(readFileSync(join(ROOT, 'bench', 'data', 'adult.csv'), 'utf8'), { columns: true, trim: true });
  const { uniform } = rng(3);
  const shuffled = all.map((r) => [uniform(), r]).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  const nTrain = QUICK ? 5000 : 20000;
  return { nTrain, train: shuffled.slice(0, nTrain), held: shuffled.slice(nTrain, nTrain + 2000) };
}

// ---- 3. memorisation gap on adult ---------------------------------------------------------------
if (only.includes(3)) {
  console.log('## 3. Memorisation gap on adult\n');
  const { nTrain, train, held } = adultSplit();
  const steps = QUICK ? 2000 : 8000;
  const s = new TabularSynthesizer({
    categorical: { method: 'onehot' }, pointMasses: false, maxSteps: steps, seed: 1, threads: 2, nTimesteps: 1000, betaEnd: 0.04,
  });
  const { s: fitSeconds } = await time(() => s.fit(train, { onWarning: () => {} }));
  const g = await lib.memorisationGap(s, train.slice(0, 2000), held, { throws: 100, seed: 2 });
  console.log(`TabularSynthesizer (one-hot categoricals, no point masses, quantile-normal numerics, T = 1000), ${steps} steps on ${nTrain} rows (${fitSeconds.toFixed(0)} s).`);
  console.log(`Model coordinates (100 throws): training rows ${g.trainMean.toFixed(2)}, held-out rows ${g.heldOutMean.toFixed(2)} (2000 each); gap ${g.gap.toFixed(3)} ± ${g.standardError.toFixed(3)} nats.`);
  console.log(g.userUnits
    ? `User units over the rows finite there (${g.userUnits.trainRows} + ${g.userUnits.heldOutRows}): gap ${g.userUnits.gap.toFixed(3)} ± ${g.userUnits.standardError.toFixed(3)} nats.\n`
    : 'User units: fewer than 2 rows per side have a finite log-density, so the gap is given in model coordinates only.\n');
  const gap = g.gap, se = g.standardError;
  results.adult = { nTrain, steps, fitSeconds, ...g, gap, se };
  s.dispose();
}

// ---- 4. memorisation gap on adult, default mixed model ------------------------------------------
if (only.includes(4)) {
  console.log('## 4. Memorisation gap on adult, default (mixed) model\n');
  const { nTrain, train, held } = adultSplit();
  // The defaults (SEDD categoricals, point masses, auto network, T and steps); --quick caps the
  // steps (development only).
  const steps = QUICK ? 2000 : undefined;
  const s = new TabularSynthesizer({ ...(QUICK ? { maxSteps: steps } : {}), seed: 1, threads: 2 });
  const { r: fitted, s: fitSeconds } = await time(() => s.fit(train, { onWarning: () => {} }));
  const cfg = s.diffusion.options;
  const { r: g, s: gapSeconds } = await time(() => lib.memorisationGap(s, train.slice(0, 2000), held, { throws: 100, seed: 2 }));
  const { s: sampleSeconds } = await time(() => s.sample(2000, { seed: 1, sampler: 'ddim', steps: 100 }));
  const r = await s.logDensity(held.slice(0, 200), { throws: 100, seed: 2 });
  const masked = held.slice(0, 2000).filter((row) => Object.values(row).some((v) => v === '' || v === '?')).length;
  console.log(`TabularSynthesizer with the defaults (categorical ${JSON.stringify(s.diffusion.categoricalOptions.method)}, ` +
    `${s.diffusion.dims.categoricalClasses.length} columns on the discrete chain, network ${JSON.stringify(cfg.hiddenDims)}, T = ${cfg.nTimesteps}) ` +
    `${steps ? `except at most ${steps} steps: ` : ''}${fitted.steps} steps, on ${nTrain} rows (${fitSeconds.toFixed(0)} s).`);
  console.log(`Model coordinates with the discrete part (100 throws): training rows ${g.trainMean.toFixed(2)}, held-out rows ${g.heldOutMean.toFixed(2)} ` +
    `(${g.trainRows} + ${g.heldOutRows}; left out ${g.leftOut.train} + ${g.leftOut.heldOut}); gap ${g.gap.toFixed(3)} ± ${g.standardError.toFixed(3)} nats.`);
  console.log(g.userUnits
    ? `User units over the rows finite there (${g.userUnits.trainRows} + ${g.userUnits.heldOutRows}): gap ${g.userUnits.gap.toFixed(3)} ± ${g.userUnits.standardError.toFixed(3)} nats.`
    : 'User units: fewer than 2 rows per side have a finite log-density.');
  console.log(`First 200 held-out rows: mean discrete part ${mean(Array.from(r.discrete)).toFixed(2)}, mean per-row standard error ${mean(Array.from(r.standardError)).toFixed(2)} nats; ` +
    `${masked} of the 2000 held-out rows have an empty or '?' cell.`);
  console.log(`Speed: the gap's 4000 rows x 100 throws in ${gapSeconds.toFixed(1)} s (${(4000 / gapSeconds).toFixed(0)} rows/s, ` +
    `${(0.4 / gapSeconds).toFixed(3)} M network evaluations/s); DDIM sampling of 2000 rows at 100 steps in the same run: ` +
    `${(0.2 / sampleSeconds).toFixed(3)} M evaluations/s.\n`);
  results.adultMixed = { nTrain, steps, stepsTaken: fitted.steps, fitSeconds, gapSeconds, sampleSeconds, ...g, discreteMean: mean(Array.from(r.discrete)) };
  s.dispose();
}

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
// --only runs some sections: the others keep their results from the file's earlier runs, and
// `sections` records which machine and commit each section's figures come from.
const jsonPath = join(ROOT, 'bench', 'results', `density${QUICK ? '-quick' : ''}.json`);
const earlier = only.length < 4 && existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {};
const sections = { ...(earlier.sections ?? {}) };
for (const n of only) sections[n] = { machine: results.machine, source: results.source };
writeFileSync(jsonPath, `${JSON.stringify({ ...earlier, ...results, sections }, null, 2)}\n`);
