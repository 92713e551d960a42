// native/cpu/diffusion_ops.cpp (CUDA twin native/cuda/diffusion_ops.cu). Forward noising
// x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps (addon op forwardNoise): exact float32 arithmetic
// against the user draw stream, and the closed-form marginal mean/variance of x_t for random x0
// and t. The other ops of the file are tested where their oracle lives: epsMse in
// test/observed-mask.test.mjs, ddpmStep / ddimStep / dpmSolverStep in test/oracle.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { nativeOps, noiseSchedule } from '../dist/esm/index.mjs';

const ops = nativeOps();
const T = 1000;
const schedule = noiseSchedule('linear', T);
const STREAM_USER = 8; // kStreamUser: forwardNoise draws eps from the user stream (native/addon/ops_diffusion.cpp)

test('forwardNoise: eps is the user-stream normal draw and xt = sqrtAbar*x0 + sqrt1mAbar*eps in float32, exactly (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 0, max: 2 ** 45 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (rows, cols, seed, rowOffset, step, tSeed) => {
        const x0 = new Float32Array(rows * cols);
        const t = new Int32Array(rows);
        let s = tSeed;
        const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
        for (let i = 0; i < x0.length; i++) x0[i] = (next() - 0.5) * 20;
        for (let i = 0; i < rows; i++) t[i] = Math.floor(next() * T);
        const { xt, eps } = ops.forwardNoise({
          x0, rows, cols, t, sqrtAlphaBars: schedule.sqrtAlphaBars, sqrtOneMinusAlphaBars: schedule.sqrtOneMinusAlphaBars,
          seed, rowOffset, step,
        });
        const z = ops.draws({ seed, stream: STREAM_USER, rowStart: rowOffset, rows, step, cols, kind: 'normal' });
        assert.deepEqual(eps, z);
        for (let i = 0; i < rows; i++) {
          const a = schedule.sqrtAlphaBars[t[i]], b = schedule.sqrtOneMinusAlphaBars[t[i]];
          for (let j = 0; j < cols; j++) {
            const k = i * cols + j;
            // Built with -ffp-contract=off: two float products, one float sum, no FMA.
            const expected = Math.fround(Math.fround(a * x0[k]) + Math.fround(b * eps[k]));
            assert.equal(xt[k], expected, `row ${i} (t = ${t[i]}) col ${j}`);
          }
        }
      },
    ),
    { numRuns: 120, seed: 201 },
  );
});

test('forwardNoise defaults: seed 0, rowOffset 0, step 0; rowOffset and step select independent eps', () => {
  const rows = 4000, cols = 2;
  const x0 = new Float32Array(rows * cols);
  const t = new Int32Array(rows).fill(500);
  const base = { x0, rows, cols, t, sqrtAlphaBars: schedule.sqrtAlphaBars, sqrtOneMinusAlphaBars: schedule.sqrtOneMinusAlphaBars };
  const d = ops.forwardNoise(base);
  assert.deepEqual(d.eps, ops.draws({ seed: 0, stream: STREAM_USER, rowStart: 0, rows, step: 0, cols }));
  const shifted = ops.forwardNoise({ ...base, rowOffset: rows });
  const stepped = ops.forwardNoise({ ...base, step: 1 });
  for (const other of [shifted.eps, stepped.eps]) {
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < other.length; i++) {
      dot += d.eps[i] * other[i];
      na += d.eps[i] ** 2;
      nb += other[i] ** 2;
    }
    // |sample correlation| of independent normals is below 5/sqrt(n) with overwhelming probability.
    assert.ok(Math.abs(dot / Math.sqrt(na * nb)) < 5 / Math.sqrt(other.length));
  }
  // Overlapping offsets reuse the same eps rows: rows [1, n) of offset 0 equal rows [0, n-1) of offset 1.
  const one = ops.forwardNoise({ ...base, rowOffset: 1 });
  assert.deepEqual(one.eps.subarray(0, (rows - 1) * cols), d.eps.subarray(cols));
});

test('x_t has the closed-form marginal mean sqrt(abar) x0 and variance 1 - abar for random x0 and t (property)', () => {
  // n rows share the same x0 row and the same t; rowOffset keeps each property run's eps fresh.
  const n = 20000, cols = 4;
  let run = 0;
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: cols, maxLength: cols }),
      fc.integer({ min: 0, max: T - 1 }),
      (x0Row, tValue) => {
        const x0 = new Float32Array(n * cols);
        for (let i = 0; i < n; i++) x0.set(x0Row, i * cols);
        const t = new Int32Array(n).fill(tValue);
        const { xt } = ops.forwardNoise({
          x0, rows: n, cols, t, sqrtAlphaBars: schedule.sqrtAlphaBars, sqrtOneMinusAlphaBars: schedule.sqrtOneMinusAlphaBars,
          seed: 2024, rowOffset: (run++) * n,
        });
        const abar = schedule.alphaBars[tValue];
        for (let j = 0; j < cols; j++) {
          let s1 = 0, s2 = 0;
          for (let i = 0; i < n; i++) s1 += xt[i * cols + j];
          const mean = s1 / n;
          for (let i = 0; i < n; i++) s2 += (xt[i * cols + j] - mean) ** 2;
          const variance = s2 / (n - 1);
          const expMean = Math.sqrt(abar) * Math.fround(x0Row[j]);
          const expVar = 1 - abar;
          // Sampling error: 5 SEs (mean: sqrt(var/n); variance: var*sqrt(2/(n-1))), plus the
          // float32 rounding of x0 and the coefficients (relative 2^-23 of |sqrt(abar) x0| <= 8).
          const tolMean = 5 * Math.sqrt(expVar / n) + 1e-6 * (1 + Math.abs(expMean));
          const tolVar = 5 * expVar * Math.sqrt(2 / (n - 1)) + 1e-6 * expVar;
          assert.ok(Math.abs(mean - expMean) < tolMean, `t=${tValue} col ${j}: mean ${mean} vs ${expMean} (tol ${tolMean})`);
          assert.ok(Math.abs(variance - expVar) < tolVar, `t=${tValue} col ${j}: variance ${variance} vs ${expVar} (tol ${tolVar})`);
        }
      },
    ),
    { numRuns: 40, seed: 202, examples: [[[0, 1, -3, 7.5], 0], [[2, -2, 0.5, -8], T - 1]] },
  );
});

test('each row uses its own t: a batch with mixed timesteps matches rows noised one t at a time', () => {
  const rows = 64, cols = 3;
  const x0 = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 3);
  const t = Int32Array.from({ length: rows }, (_, i) => (i * 37) % T);
  const common = { cols, sqrtAlphaBars: schedule.sqrtAlphaBars, sqrtOneMinusAlphaBars: schedule.sqrtOneMinusAlphaBars, seed: 5, step: 11 };
  const all = ops.forwardNoise({ ...common, x0, rows, t });
  for (let i = 0; i < rows; i += 7) {
    const one = ops.forwardNoise({ ...common, x0: x0.slice(i * cols, (i + 1) * cols), rows: 1, t: Int32Array.of(t[i]), rowOffset: i });
    assert.deepEqual(one.xt, all.xt.slice(i * cols, (i + 1) * cols), `row ${i}`);
    assert.deepEqual(one.eps, all.eps.slice(i * cols, (i + 1) * cols), `row ${i}`);
  }
  // At t = 0 x_t is almost x0; at t = T-1 almost pure noise.
  const lo = ops.forwardNoise({ ...common, x0, rows, t: new Int32Array(rows).fill(0) });
  const hi = ops.forwardNoise({ ...common, x0, rows, t: new Int32Array(rows).fill(T - 1) });
  for (let k = 0; k < x0.length; k++) {
    assert.ok(Math.abs(lo.xt[k] - x0[k]) < 0.011 * 6 + 1e-4 * Math.abs(x0[k]));
    assert.ok(Math.abs(hi.xt[k] - hi.eps[k]) < 0.01 * (1 + Math.abs(x0[k])));
  }
});

test('the marginal holds for the cosine schedule too, at a few t (mean and variance)', () => {
  const cos = noiseSchedule('cosine', 200);
  const n = 40000;
  for (const tValue of [0, 50, 120, 199]) {
    const x0 = new Float32Array(n).fill(1.5);
    const { xt } = ops.forwardNoise({
      x0, rows: n, cols: 1, t: new Int32Array(n).fill(tValue), sqrtAlphaBars: cos.sqrtAlphaBars,
      sqrtOneMinusAlphaBars: cos.sqrtOneMinusAlphaBars, seed: 77, step: tValue,
    });
    const abar = cos.alphaBars[tValue];
    let s1 = 0;
    for (const v of xt) s1 += v;
    const mean = s1 / n;
    let s2 = 0;
    for (const v of xt) s2 += (v - mean) ** 2;
    const variance = s2 / (n - 1);
    // 5 standard errors of the sample mean and sample variance, plus float32 rounding.
    assert.ok(Math.abs(mean - 1.5 * Math.sqrt(abar)) < 5 * Math.sqrt((1 - abar) / n) + 1e-6, `t=${tValue} mean ${mean}`);
    assert.ok(Math.abs(variance - (1 - abar)) < 5 * (1 - abar) * Math.sqrt(2 / n) + 1e-6, `t=${tValue} variance ${variance}`);
  }
});
