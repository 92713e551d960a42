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
