// Log-density of mixed-type models (native/cpu/density_mixed.cpp, docs/density.md section 5):
// the path integral over the joint chain. Oracle: a network whose output is a constant, with a
// numeric eps of 0 (the Gaussian part's expectation is then a 1-D integral computed here) and a
// SEDD head equal to the exact concrete score of independent categorical columns with known
// laws (the discrete part is then log P(classes) up to the prior's 1e-3 mass). Also: the
// discrete part against nll (an independent native path), determinism, masked cells,
// finiteness and separation on a table with categoricals, gaps and a point mass, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { TabularDiffusion, TabularSynthesizer, nativeOps } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

const CLASSES = [3, 4];
const LAWS = [[0.6, 0.3, 0.1], [0.1, 0.2, 0.3, 0.4]];

function mixedData(n, seed, d = 2) {
  const { normal, uniform } = rng(seed);
  const numeric = new Float32Array(n * d), categorical = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let u = uniform(), k = 0;
      while (k + 1 < CLASSES[c] && u > LAWS[c][k]) u -= LAWS[c][k++];
      categorical[2 * i + c] = k;
    }
    for (let j = 0; j < d; j++) numeric[i * d + j] = normal() + (j === 0 ? categorical[2 * i] - 1 : 0);
  }
  return { numeric: { rows: n, cols: d, data: numeric }, categorical: { rows: n, cols: 2, data: categorical } };
}

/**
 * A SEDD (absorbing) model with every weight 0 and a final bias of [0 for the numeric eps |
 * log(law) + log(classes) per class, 0 for MASK]: after SEDD's scaling its log score at MASK is
 * log(law_y e^-sigma / (1 - e^-sigma)), the exact concrete score of independent columns.
 */
async function oracleModel(T) {
  // One training step: the weights are overwritten below.
  const dm = new TabularDiffusion({ hiddenDims: [8], timeDim: 4, nTimesteps: T, betaEnd: 0.04, seed: 1, threads: 1, maxSteps: 1, batchSize: 8 });
  await dm.fit(mixedData(16, 1), { categoricalClasses: CLASSES });
  const native = dm.nativeModel();
  const params = new Float32Array(native.getWeights('params').length);
  const bias = [0, 0];
  LAWS.forEach((law, c) => bias.push(...law.map((p) => Math.log(p) + Math.log(CLASSES[c])), 0));
  params.set(bias, params.length - bias.length);
  native.setWeights({ params, ema: null });
  return dm;
}

/**
 * The estimator's expectation for eps_hat = 0 over the observed cells (d of them, squared norm
 * x2): log N(x; 0, (1 + eta0^2) I) + int [ref^2 (x2 + b^2 d) - 2 eta ref d] d rho, ref = eta / (1 + eta^2),
 * b^2 = eta^2 - eta0^2, on the clock rho = log eta piecewise linear in t (docs/density.md section 2).
 */
function zeroEpsGaussian(alphaBars, x2, d) {
  const rho = Array.from(alphaBars, (a) => 0.5 * Math.log((1 - a) / a));
  const eta0 = Math.exp(rho[0]);
  let s = -0.5 * d * Math.log(2 * Math.PI * (1 + eta0 * eta0)) - 0.5 * x2 / (1 + eta0 * eta0);
  const f = (r) => {
    const eta = Math.exp(r), ref = eta / (1 + eta * eta);
    return ref * ref * (x2 + (eta * eta - eta0 * eta0) * d) - 2 * eta * ref * d;
  };
  const steps = 20000, h = (rho[rho.length - 1] - rho[0]) / steps;
  for (let i = 0; i < steps; i++) s += h * f(rho[0] + (i + 0.5) * h);
  return s;
}

test('oracle: constant network with the exact score of independent categoricals; masked cells leave the Gaussian part', async () => {
  const dm = await oracleModel(1000);
  const n = 24, x = mixedData(n, 7);
  const observed = new Uint8Array(n * 2).fill(1);
  for (let i = 0; i < n; i += 3) observed[i * 2 + (i % 2)] = 0;
  for (let i = 2; i < n; i += 6) observed.fill(0, i * 2, i * 2 + 2);
  const r = await dm.logDensity(x, { throws: 2000, seed: 3, observed });
  let z2 = 0;
  for (let i = 0; i < n; i++) {
    let x2 = 0, d = 0;
    for (let j = 0; j < 2; j++) if (observed[i * 2 + j]) { x2 += x.numeric.data[i * 2 + j] ** 2; d++; }
    const logP = Math.log(LAWS[0][x.categorical.data[2 * i]]) + Math.log(LAWS[1][x.categorical.data[2 * i + 1]]);
    const expected = zeroEpsGaussian(dm.schedule.alphaBars, x2, d) + logP;
    // 0.02: the prior's mismatch (mass e^-sigma(1) = 1e-3 left unmasked) and the time grid's first
    // cell [0, 1/T], each below 0.01 nats here; the rest is Monte Carlo error.
    const err = r.logDensity[i] - expected;
    assert.ok(Math.abs(err) < 3 * r.standardError[i] + 0.02, `row ${i}: ${r.logDensity[i]} vs ${expected} (se ${r.standardError[i]})`);
    z2 += (err / r.standardError[i]) ** 2;
    // The discrete part alone: the exact log-probability of the classes (the head ignores the numeric cells).
    const se = r.discreteStandardError[i];
    assert.ok(Math.abs(r.discrete[i] - logP) < 3 * se + 0.02, `row ${i}: discrete ${r.discrete[i]} vs log P ${logP} (se ${se})`);
  }
  console.log(`oracle: mean z^2 = ${(z2 / n).toFixed(2)} over ${n} rows`);
  // A masked cell's value is not data: changing it changes nothing.
  const moved = { numeric: { ...x.numeric, data: x.numeric.data.map((v, i) => (observed[i] ? v : v + 5)) }, categorical: x.categorical };
  const r2 = await dm.logDensity(moved, { throws: 2000, seed: 3, observed });
  assert.deepEqual(r2.logDensity, r.logDensity);
  dm.dispose();
});

for (const categorical of [{ method: 'sedd' }, { method: 'sedd', graph: 'uniform' }, { method: 'multinomial' }]) {
  const method = JSON.stringify(categorical);
  test(`trained ${method} model: the discrete part agrees with nll (an independent native path) on average`, async () => {
    const T = 100;
    const dm = new TabularDiffusion({ hiddenDims: [64, 64], timeDim: 16, nTimesteps: T, seed: 3, threads: 2, categorical, maxSteps: 600, batchSize: 128 });
    await dm.fit(mixedData(800, 2), { categoricalClasses: CLASSES });
    const x = mixedData(200, 9);
    const r = await dm.logDensity(x, { throws: 400 });
    const nll = await dm.nll(x);
    const diff = Array.from(r.discrete, (v, i) => v + nll.nll[i]);
    const mean = diff.reduce((a, b) => a + b) / diff.length;
    const se = Math.sqrt(diff.reduce((a, b) => a + (b - mean) ** 2, 0) / (diff.length - 1) / diff.length);
    console.log(`${method}: mean discrete part + nll = ${mean.toFixed(4)} ± ${se.toFixed(4)}`);
    assert.ok(Math.abs(mean) < 3 * se, `${mean} ± ${se}`);
    assert.ok(r.logDensity.every(Number.isFinite) && r.standardError.every((s) => s > 0));
    dm.dispose();
  });
}

test('mixed logDensity: same seed same bytes whatever the threads; rows [a, b) alone equal those rows of a larger call', async () => {
  const x = mixedData(300, 4);
  const fit = async (threads) => {
    const dm = new TabularDiffusion({ hiddenDims: [32, 32], timeDim: 8, nTimesteps: 50, seed: 5, threads, maxSteps: 50, batchSize: 64 });
    await dm.fit(x, { categoricalClasses: CLASSES });
    return dm;
  };
  const [one, two] = [await fit(1), await fit(2)];
  const observed = new Uint8Array(300 * 2).fill(1);
  observed[5] = 0;
  observed[301] = 0;
  const a = await one.logDensity(x, { throws: 20, seed: 9, observed });
  const b = await two.logDensity(x, { throws: 20, seed: 9, observed });
  assert.deepEqual(a.logDensity, b.logDensity);
  assert.deepEqual(a.standardError, b.standardError);
  assert.deepEqual(a.discrete, b.discrete);
  const tail = {
    numeric: { rows: 100, cols: 2, data: x.numeric.data.subarray(400) },
    categorical: { rows: 100, cols: 2, data: x.categorical.data.subarray(400) },
  };
  const c = await two.logDensity(tail, { throws: 20, seed: 9, offset: 200, observed: observed.subarray(400) });
  assert.deepEqual(c.logDensity, a.logDensity.subarray(200));
  // Chunks of 7 rows spread over 2 threads: the same bytes.
  const chunked = nativeOps().densityLogp({
    model: two.nativeModel(), x: x.numeric.data, categorical: x.categorical.data, observed, rows: 300,
    alphaBars: two.schedule.alphaBars, throws: 20, seed: 9, chunkRows: 7,
  });
  assert.deepEqual(chunked.logp, a.logDensity);
  assert.deepEqual(chunked.discrete, a.discrete);
  const other = await one.logDensity(x, { throws: 20, seed: 10, observed });
  assert.notDeepEqual(other.logDensity, a.logDensity);
  one.dispose();
  two.dispose();
});

/** A table with two categoricals, a numeric column with gaps and one with a point mass at 0. */
function table(n, seed) {
  const { normal, uniform } = rng(seed);
  return Array.from({ length: n }, () => {
    const g = uniform() < 0.6 ? 'a' : 'b';
    const h = g === 'a' ? (uniform() < 0.8 ? 'x' : 'y') : (uniform() < 0.3 ? 'x' : 'y');
    return {
      g, h,
      v: uniform() < 0.15 ? '' : (g === 'a' ? 10 : 14) + normal(),
      w: uniform() < 0.3 ? 0 : Math.exp(1 + 0.5 * normal()),
    };
  });
}

test('table with categoricals, gaps and a point mass (default mixed model): finite, and outliers score higher than held-out rows', async () => {
  const s = new TabularSynthesizer({ hiddenDims: [64, 64], timeDim: 16, maxSteps: 800, nTimesteps: 100, seed: 2, threads: 2, quantile: false });
  await s.fit(table(1500, 3), { onWarning: () => {} });
  assert.deepEqual(s.diffusion.dims.categoricalClasses.length > 0, true);
  const held = table(200, 11);
  const r = await s.logDensity(held, { throws: 100 });
  assert.ok(r.logDensity.every(Number.isFinite), 'every held-out row has a finite log-density');
  assert.ok(held.some((row) => row.v === '') && held.some((row) => row.w === 0));
  assert.equal(r.parts.find((p) => p.part === 'discrete').status, 'estimate');
  assert.ok(r.discrete.every(Number.isFinite) && r.discreteStandardError.every((v) => v > 0));
  assert.match(r.parts.find((p) => p.part === 'v').note, /probability .*not a density/);
  // Outliers: a value 8 sd from its group, or the rare combination with an impossible value.
  const outliers = held.slice(0, 50).map((row, i) => (i % 2 === 0
    ? { ...row, v: row.g === 'a' ? 18 : 6 }
    : { ...row, w: 60 }));
  const o = await s.logDensity(outliers, { throws: 100 });
  const scoreHeld = Array.from(r.logDensity, (v) => -v).sort((p, q) => p - q);
  const median = scoreHeld[100];
  for (let i = 0; i < 50; i++) {
    assert.ok(-o.logDensity[i] > median, `outlier ${i}: score ${-o.logDensity[i]} vs held-out median ${median}`);
    // And against its own unshifted row.
    assert.ok(o.logDensity[i] < r.logDensity[i], `outlier ${i}: ${o.logDensity[i]} vs the row it came from ${r.logDensity[i]}`);
  }
  s.dispose();
});

test('a table of categorical columns only: logDensity is the discrete part, finite', async () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ a: ['x', 'y', 'z'][i % 3], b: i % 3 === 0 || i % 7 < 3 ? 'p' : 'q' }));
  const s = new TabularSynthesizer({ hiddenDims: [32], timeDim: 8, maxSteps: 100, nTimesteps: 50, threads: 1 });
  await s.fit(rows, { onWarning: () => {} });
  const r = await s.logDensity(rows.slice(0, 6), { throws: 20 });
  assert.deepEqual(r.logDensity, r.discrete);
  assert.ok(r.logDensity.every((v) => Number.isFinite(v) && v < 0));
  assert.match(r.parts[0].note, /no numeric columns/);
  s.dispose();
});

test('mixed models: bad input gives clear errors', async () => {
  const dm = await oracleModel(50);
  const x = mixedData(4, 2);
  await assert.rejects(dm.logDensity(x.numeric), /pass \{ numeric, categorical \}/);
  const bad = { numeric: x.numeric, categorical: { ...x.categorical, data: x.categorical.data.map((v, i) => (i === 5 ? 4 : v)) } };
  await assert.rejects(dm.logDensity(bad), /row 2, column 1 holds class 4, expected 0\.\.3/);
  await assert.rejects(dm.logDensity(x, { method: 'ode' }), /'ode' is not available for models with categorical columns/);
  await assert.rejects(dm.logDensity(x, { observed: new Uint8Array(3) }), /observed/);
  await assert.rejects(dm.logDensity(x, { observed: new Uint8Array(8).fill(2) }), /observed/);
  const nanX = { numeric: { ...x.numeric, data: x.numeric.data.map((v, i) => (i === 3 ? NaN : v)) }, categorical: x.categorical };
  await assert.rejects(dm.logDensity(nanX), /X\.numeric/);
  dm.dispose();
  const s = new TabularSynthesizer({ hiddenDims: [16], timeDim: 4, maxSteps: 5, nTimesteps: 20, seed: 2, threads: 1 });
  await s.fit(table(60, 1), { onWarning: () => {} });
  await assert.rejects(s.logDensity(table(3, 2), { observed: new Uint8Array(6) }), /observed: TabularSynthesizer.logDensity derives it/);
  await assert.rejects(s.logDensity([{ g: 'a', h: 'x', v: 1, w: 0, extra: 1 }]), /unknown column "extra" in row 0/);
  await assert.rejects(s.logDensity(table(3, 2), { method: 'ode' }), /'ode' is not available/);
  s.dispose();
});

test('a class the model never saw: log-density -Infinity (probability 0), score +Infinity, every other row as it is alone', async () => {
  for (const categorical of [undefined, { method: 'onehot' }]) {
    const s = new TabularSynthesizer({ hiddenDims: [16], timeDim: 4, maxSteps: 20, nTimesteps: 20, seed: 2, threads: 1, quantile: false, ...(categorical ? { categorical, pointMasses: false } : {}) });
    await s.fit(table(60, 1).map((r) => ({ ...r, v: r.v === '' ? 12 : r.v })), { onWarning: () => {} });
    const rows = table(4, 5).map((r) => ({ ...r, v: r.v === '' ? 12 : r.v }));
    const withNew = [rows[0], { ...rows[1], h: 'brand-new' }, rows[2], { ...rows[3], g: 'c' }];
    const opts = { throws: 8, seed: 3 };
    const r = await s.logDensity(withNew, opts);
    const alone = await s.logDensity(rows, opts);
    const label = JSON.stringify(categorical ?? 'default');
    assert.deepEqual([...r.logDensity].map((v, i) => (i % 2 ? v : 'row')), ['row', -Infinity, 'row', -Infinity], label);
    for (const i of [0, 2]) assert.equal(r.logDensity[i], alone.logDensity[i], `${label} row ${i}`);
    assert.ok([...alone.logDensity].every(Number.isFinite), label);
    assert.equal(r.gaussian[1], -Infinity);
    assert.equal(r.standardError[3], 0);
    assert.match(r.parts.find((p) => p.part === 'h').note, /1 row\(s\) with a category the model never saw: -Infinity/);
    assert.deepEqual([...(await s.score(withNew, opts))].filter((v) => v === Infinity).length, 2);
    s.dispose();
  }
});

test('densityLogp (native) on a mixed model: bad categorical, observed and method arguments are errors naming them', async () => {
  const dm = await oracleModel(50);
  const ops = nativeOps();
  const x = mixedData(3, 2);
  const base = { model: dm.nativeModel(), x: x.numeric.data, categorical: x.categorical.data, rows: 3, alphaBars: dm.schedule.alphaBars, throws: 4 };
  assert.equal(ops.densityLogp(base).logp.length, 3);
  const cases = [
    [{ categorical: undefined }, /categorical/],
    [{ categorical: new Float32Array(6) }, /categorical/],
    [{ categorical: new Int32Array(5) }, /categorical/],
    [{ categorical: Int32Array.of(0, 0, 0, 9, 0, 0) }, /categorical: row 1, column 1 holds class 9, expected 0\.\.3/],
    [{ categorical: Int32Array.of(0, 0, -1, 0, 0, 0) }, /categorical: row 1, column 0 holds class -1/],
    [{ observed: new Uint8Array(5) }, /observed/],
    [{ observed: new Uint8Array(6).fill(3) }, /observed/],
    [{ method: 'ode' }, /method.*'path-integral' only/],
    [{ x: new Float32Array(5) }, /x/],
  ];
  for (const [edit, re] of cases) assert.throws(() => ops.densityLogp({ ...base, ...edit }), re, JSON.stringify(Object.keys(edit)));
  // A Gaussian mixture takes no categorical input.
  assert.throws(() => ops.densityLogp({
    mixture: { dim: 1, weights: Float64Array.of(1), means: Float64Array.of(0), covs: Float64Array.of(1) },
    x: new Float32Array(3), rows: 3, alphaBars: dm.schedule.alphaBars, categorical: new Int32Array(3),
  }), /categorical: applies to models with categorical columns/);
  dm.dispose();
});
