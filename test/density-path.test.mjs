// The path-integral log-density estimator (native/cpu/density_path.cpp, docs/density.md
// section 2) against exact log-densities: the exact noise predictor of a 3-D Gaussian and of a
// 3-D Gaussian mixture plugged in natively (densityLogp's `mixture`), truths from
// test/fixtures/density-oracle.mjs. Then determinism and bad input on a small trained model.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { TabularDiffusion, nativeOps } from '../dist/esm/index.mjs';
import { ETA0_SQ, GAUSSIAN, MIXTURE, SCHEDULE, drawMixture, logMixture } from './fixtures/density-oracle.mjs';
import { rng } from './fixtures/rng.mjs';

const ops = nativeOps();
const N = 40;

function truth(mix, x, extra = ETA0_SQ) {
  const d = mix.dim;
  return Array.from({ length: x.length / d }, (_, i) => logMixture(mix, Array.from(x.subarray(i * d, (i + 1) * d)), extra));
}

for (const [name, mix] of [['Gaussian N(m, S)', GAUSSIAN], ['3-D Gaussian mixture', MIXTURE]]) {
  test(`path integral, exact predictor of a ${name}: every row within 3 standard errors of the exact log-density`, () => {
    const x = drawMixture(mix, N, rng(5));
    const exact = truth(mix, x);
    // The target smooths the data by N(0, eta0^2 I); that differs from the data's own density by < 2e-3 nats here.
    truth(mix, x, 0).forEach((v, i) => assert.ok(Math.abs(v - exact[i]) < 2e-3, `row ${i}: smoothing changes the density by ${v - exact[i]}`));
    const { logp, se } = ops.densityLogp({ mixture: mix, x, rows: N, alphaBars: SCHEDULE.alphaBars, throws: 1000, seed: 1 });
    let z2 = 0;
    for (let i = 0; i < N; i++) {
      assert.ok(se[i] > 0 && Number.isFinite(se[i]), `row ${i}: standard error ${se[i]}`);
      const z = (logp[i] - exact[i]) / se[i];
      z2 += z * z;
      assert.ok(Math.abs(z) < 3, `row ${i}: estimate ${logp[i]} +- ${se[i]}, exact ${exact[i]} (${z.toFixed(2)} SE)`);
    }
    // The stratified levels make the reported SE conservative, but not uselessly so.
    assert.ok(z2 / N > 0.1, `mean squared z ${z2 / N}: the standard errors are far too large`);
  });
}

test('path integral: the standard error falls like 1/sqrt(throws) and the estimate stays consistent', () => {
  const x = drawMixture(MIXTURE, 8, rng(9));
  const exact = truth(MIXTURE, x);
  const few = ops.densityLogp({ mixture: MIXTURE, x, rows: 8, alphaBars: SCHEDULE.alphaBars, throws: 100, seed: 3 });
  const many = ops.densityLogp({ mixture: MIXTURE, x, rows: 8, alphaBars: SCHEDULE.alphaBars, throws: 10000, seed: 3 });
  for (let i = 0; i < 8; i++) {
    const ratio = few.se[i] / many.se[i];
    assert.ok(ratio > 5 && ratio < 20, `row ${i}: SE ratio ${ratio} for 100x the throws (expected about 10)`);
    assert.ok(Math.abs(many.logp[i] - exact[i]) < 3 * many.se[i] + 1e-3, `row ${i}: ${many.logp[i]} vs ${exact[i]}`);
  }
});

test('path integral: same seed same bytes, whatever the threads; rows [a, b) alone equal those rows of a larger call', () => {
  const x = drawMixture(MIXTURE, 30, rng(11));
  const base = { mixture: MIXTURE, alphaBars: SCHEDULE.alphaBars, throws: 21, seed: 77 };
  const all = ops.densityLogp({ ...base, x, rows: 30, threads: 1, chunkRows: 7 });
  const threaded = ops.densityLogp({ ...base, x, rows: 30, threads: 3, chunkRows: 4 });
  assert.deepEqual(threaded.logp, all.logp);
  assert.deepEqual(threaded.se, all.se);
  const part = ops.densityLogp({ ...base, x: x.subarray(10 * 3, 17 * 3), rows: 7, rowOffset: 10 });
  assert.deepEqual(part.logp, all.logp.subarray(10, 17));
  const other = ops.densityLogp({ ...base, x, rows: 30, seed: 78 });
  assert.notDeepEqual(other.logp, all.logp);
});

test('logDensity on a trained model: deterministic, slice-invariant and thread-invariant; score = -logDensity', async () => {
  const { normal } = rng(3);
  const X = Array.from({ length: 300 }, () => [normal(), 0.5 * normal() + 1]);
  const fit = async (threads) => {
    const m = new TabularDiffusion({ hiddenDims: [32, 32], timeDim: 16, maxSteps: 150, nTimesteps: 100, seed: 4, threads });
    await m.fit(X);
    return m;
  };
  const [one, two] = [await fit(1), await fit(2)];
  const rows = X.slice(0, 50);
  const a = await one.logDensity(rows, { throws: 12, seed: 5 });
  const b = await two.logDensity(rows, { throws: 12, seed: 5 });
  assert.deepEqual(b.logDensity, a.logDensity);
  assert.equal(a.kind, 'estimate');
  const slice = await one.logDensity(rows.slice(20, 35), { throws: 12, seed: 5, offset: 20 });
  assert.deepEqual(slice.logDensity, a.logDensity.subarray(20, 35));
  assert.deepEqual(await one.score(rows, { throws: 12, seed: 5 }), a.logDensity.map((v) => -v));
  assert.ok(a.logDensity.every(Number.isFinite));
  one.dispose();
  two.dispose();
});

test('bad input: clear errors naming the argument, row and column', async () => {
  const bad = Float32Array.from([0, 0, 0, 1, NaN, 2]);
  assert.throws(() => ops.densityLogp({ mixture: MIXTURE, x: bad, rows: 2, alphaBars: SCHEDULE.alphaBars }), /^RangeError: x: .*index 4/);
  assert.throws(() => ops.densityLogp({ mixture: MIXTURE, x: new Float32Array(5), rows: 2, alphaBars: SCHEDULE.alphaBars }), /x/);
  assert.throws(() => ops.densityLogp({ x: new Float32Array(3), rows: 1, alphaBars: SCHEDULE.alphaBars }), /model/);
  assert.throws(() => ops.densityLogp({ mixture: { ...MIXTURE, covs: new Float64Array(27) }, x: new Float32Array(3), rows: 1, alphaBars: SCHEDULE.alphaBars }), /mixture\.covs: component 0 is not positive definite/);
  assert.throws(() => ops.densityLogp({ mixture: MIXTURE, x: new Float32Array(3), rows: 1, alphaBars: new Float64Array([0.5, 0.9]) }), /alphaBars: must decrease/);
  assert.throws(() => ops.densityLogp({ mixture: MIXTURE, x: new Float32Array(3), rows: 1, alphaBars: SCHEDULE.alphaBars, method: 'exact' }), /method/);
  assert.throws(() => ops.densityLogp({ model: {}, x: new Float32Array(3), rows: 1, alphaBars: SCHEDULE.alphaBars }));
  const m = new TabularDiffusion({ hiddenDims: [8], timeDim: 4, maxSteps: 5, nTimesteps: 20, threads: 1 });
  await assert.rejects(m.logDensity([[0, 0]]), /fit/);
  await m.fit([[0, 1], [1, 0], [2, 2]]);
  await assert.rejects(m.logDensity([[0, NaN]]), /X: row 0, column 1: NaN is not a finite number/);
  await assert.rejects(m.logDensity([[0, 1, 2]]), /X: has 3 columns, the model was fitted on 2/);
  await assert.rejects(m.logDensity([[0, 1]], { throws: 0 }), /throws: expected an integer/);
  await assert.rejects(m.logDensity([[0, 1]], { method: 'ode', throws: 5 }), /throws: applies to method 'path-integral'/);
  await assert.rejects(m.logDensity([[0, 1]], { method: 'flow' }), /method: expected/);
  const ctrl = new AbortController();
  ctrl.abort();
  await assert.rejects(m.logDensity([[0, 1]], { signal: ctrl.signal }), { name: 'AbortError' });
  m.dispose();
});

test('logDensity with a context: one broadcast row equals the same row repeated; the context changes the density', async () => {
  const { normal } = rng(8);
  const X = Array.from({ length: 200 }, () => [normal(), normal()]);
  const C = X.map((r) => [r[0] > 0 ? 1 : 0]);
  const m = new TabularDiffusion({ hiddenDims: [16], timeDim: 8, maxSteps: 60, nTimesteps: 50, seed: 3, threads: 1 });
  await m.fit(X, { context: C });
  const rows = X.slice(0, 10);
  const broadcast = await m.logDensity(rows, { throws: 8, seed: 2, context: [[1]] });
  const repeated = await m.logDensity(rows, { throws: 8, seed: 2, context: rows.map(() => [1]) });
  assert.deepEqual(repeated.logDensity, broadcast.logDensity);
  const other = await m.logDensity(rows, { throws: 8, seed: 2, context: [[0]] });
  assert.notDeepEqual(other.logDensity, broadcast.logDensity);
  await assert.rejects(m.logDensity(rows, { throws: 8 }), /context/);
  m.dispose();
});
