// The probability-flow ODE log-density estimator (native/cpu/density_ode.cpp, docs/density.md
// section 3) against exact log-densities with the exact noise predictors of
// test/fixtures/density-oracle.mjs: exact divergence (forward-mode / analytic trace) and
// Hutchinson probes; then determinism and the exact-vs-Hutchinson agreement on a trained MLP.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { TabularDiffusion, nativeOps } from '../dist/esm/index.mjs';
import { ETA0_SQ, GAUSSIAN, MIXTURE, SCHEDULE, drawMixture, logMixture } from './fixtures/density-oracle.mjs';
import { rng } from './fixtures/rng.mjs';

const ops = nativeOps();
const N = 40;
const truth = (mix, x) => Array.from({ length: x.length / mix.dim }, (_, i) => logMixture(mix, Array.from(x.subarray(i * mix.dim, (i + 1) * mix.dim)), ETA0_SQ));

for (const [name, mix, tol] of [['Gaussian N(m, S)', GAUSSIAN, 0.01], ['3-D Gaussian mixture', MIXTURE, 0.02]]) {
  test(`ODE, exact divergence, exact predictor of a ${name}: every row within ${tol} nats`, () => {
    const x = drawMixture(mix, N, rng(6));
    const exact = truth(mix, x);
    const { logp, se } = ops.densityLogp({ mixture: mix, x, rows: N, alphaBars: SCHEDULE.alphaBars, method: 'ode', steps: 100 });
    for (let i = 0; i < N; i++) {
      assert.equal(se[i], 0);
      assert.ok(Math.abs(logp[i] - exact[i]) < tol, `row ${i}: ${logp[i]} vs exact ${exact[i]}`);
    }
  });
}

test('ODE: RK4 converges (error shrinks with steps)', () => {
  const x = drawMixture(MIXTURE, 10, rng(8));
  const exact = truth(MIXTURE, x);
  const err = (steps) => {
    const { logp } = ops.densityLogp({ mixture: MIXTURE, x, rows: 10, alphaBars: SCHEDULE.alphaBars, method: 'ode', steps });
    return Math.max(...exact.map((v, i) => Math.abs(logp[i] - v)));
  };
  const [e16, e32, e128] = [err(16), err(32), err(128)];
  assert.ok(e32 < e16 / 4 && e128 < e32, `max errors ${e16}, ${e32}, ${e128}`);
});

test('ODE, Hutchinson probes: within 3 standard errors of the exact log-density; deterministic', () => {
  const x = drawMixture(MIXTURE, 20, rng(7));
  const exact = truth(MIXTURE, x);
  const o = { mixture: MIXTURE, x, rows: 20, alphaBars: SCHEDULE.alphaBars, method: 'ode', steps: 100, probes: 16, seed: 2 };
  const { logp, se } = ops.densityLogp(o);
  for (let i = 0; i < 20; i++) {
    assert.ok(se[i] > 0, `row ${i}: SE ${se[i]}`);
    assert.ok(Math.abs(logp[i] - exact[i]) < 3 * se[i] + 2e-3, `row ${i}: ${logp[i]} +- ${se[i]} vs ${exact[i]}`);
  }
  const again = ops.densityLogp({ ...o, threads: 2, chunkRows: 3 });
  assert.deepEqual(again.logp, logp);
  const part = ops.densityLogp({ ...o, x: x.subarray(5 * 3, 9 * 3), rows: 4, rowOffset: 5 });
  assert.deepEqual(part.logp, logp.subarray(5, 9));
});

test('ODE on a trained MLP: forward-mode exact divergence agrees with many Hutchinson probes; thread-invariant', async () => {
  const { normal } = rng(4);
  const X = Array.from({ length: 300 }, () => [normal(), normal() * 0.7 + 0.3, normal()]);
  const fit = async (threads) => {
    const m = new TabularDiffusion({ hiddenDims: [32, 32], timeDim: 16, maxSteps: 150, nTimesteps: 100, seed: 9, threads });
    await m.fit(X);
    return m;
  };
  const [one, two] = [await fit(1), await fit(2)];
  const rows = X.slice(0, 12);
  const exact = await one.logDensity(rows, { method: 'ode', steps: 20 });
  assert.equal(exact.kind, 'deterministic');
  assert.deepEqual((await two.logDensity(rows, { method: 'ode', steps: 20 })).logDensity, exact.logDensity);
  const hutch = await one.logDensity(rows, { method: 'ode', steps: 20, probes: 64, seed: 1 });
  assert.equal(hutch.kind, 'estimate');
  for (let i = 0; i < rows.length; i++) {
    assert.ok(Math.abs(hutch.logDensity[i] - exact.logDensity[i]) < 3 * hutch.standardError[i] + 1e-3,
      `row ${i}: Hutchinson ${hutch.logDensity[i]} +- ${hutch.standardError[i]}, exact ${exact.logDensity[i]}`);
  }
  one.dispose();
  two.dispose();
});

test('ODE through the MLP forward-mode pass: a ReLU network computing eps = A x_t gives the analytic log-density of its linear flow', () => {
  // Hidden units relu(x_j) and relu(-x_j), output A (h+ - h-): eps(x_t, t) = A x_t for every t.
  // The flow dy/drho = eta alpha A y integrates to y_end = expm(c A) x with
  // c = asinh(eta_end) - asinh(eta_0), and the divergence integral is c tr(A).
  const d = 2, timeDim = 2, A = [[0.3, -0.2], [0.5, 0.1]];
  const model = new ops.NativeModel({ dataDim: d, timeDim, hidden: [2 * d], activation: 'relu', threads: 1 });
  const inDim = d + timeDim, H = 2 * d;
  const params = new Float32Array(inDim * H + H + H * d + d);
  for (let j = 0; j < d; j++) {
    params[j * H + 2 * j] = 1;
    params[j * H + 2 * j + 1] = -1;
  }
  const w1 = inDim * H + H;
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < d; k++) {
      params[w1 + (2 * j) * d + k] = A[k][j];
      params[w1 + (2 * j + 1) * d + k] = -A[k][j];
    }
  }
  model.setWeights({ params, ema: null });
  const ab = SCHEDULE.alphaBars, T = ab.length;
  const eta = (t) => Math.sqrt((1 - ab[t]) / ab[t]);
  const c = Math.asinh(eta(T - 1)) - Math.asinh(eta(0));
  // expm(c A) by scaling and squaring of the Taylor series.
  const mul = (P, Q) => P.map((r, i) => Q[0].map((_, k) => r.reduce((s, v, j) => s + v * Q[j][k], 0)));
  let E = [[1, 0], [0, 1]], term = [[1, 0], [0, 1]];
  const B = A.map((r) => r.map((v) => (v * c) / 1024));
  for (let n = 1; n < 20; n++) {
    term = mul(term, B).map((r) => r.map((v) => v / n));
    E = E.map((r, i) => r.map((v, k) => v + term[i][k]));
  }
  for (let i = 0; i < 10; i++) E = mul(E, E);
  const alphaEnd = 1 / Math.sqrt(1 + eta(T - 1) ** 2);
  const x = Float32Array.of(0.7, -1.2, -0.3, 0.4, 1.5, 2);
  const { logp } = ops.densityLogp({ model, x, rows: 3, alphaBars: ab, method: 'ode', steps: 200 });
  for (let i = 0; i < 3; i++) {
    const y = [0, 1].map((k) => E[k][0] * x[2 * i] + E[k][1] * x[2 * i + 1]);
    const expected = d * Math.log(alphaEnd) + y.reduce((s, v) => s - 0.5 * Math.log(2 * Math.PI) - 0.5 * (alphaEnd * v) ** 2, 0) + c * (A[0][0] + A[1][1]);
    assert.ok(Math.abs(logp[i] - expected) < 1e-3, `row ${i}: ${logp[i]} vs analytic ${expected}`);
  }
  model.release();
});
