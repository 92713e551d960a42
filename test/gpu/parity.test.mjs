// CPU/CUDA parity, op by op, on random inputs. The CPU backend is the reference; each
// assertion states its tolerance and why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';

import { nativeOps, noiseSchedule } from '../../dist/esm/index.mjs';
import { GPU, gpuOnlySkip, skipReason } from './gpu-env.mjs';
import { bytesEqual } from '../fixtures/bytes.mjs';

const ops = nativeOps();
const RUNS = 25;

function maxRelError(actual, expected, floor = 1e-6) {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(floor, Math.abs(expected[i])));
  }
  return worst;
}

const floats = (n, seed) => ops.draws({ rows: n, cols: 1, seed, stream: 100 });

test('Philox normals: identical bits on CPU and CUDA', { skip: skipReason }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 37 }), fc.nat(), fc.nat(1000), fc.nat(2 ** 40),
      (rows, cols, seed, step, rowStart) => {
        const opts = { rows, cols, seed, step, rowStart, stream: 7 };
        return bytesEqual(ops.draws({ ...opts, device: GPU }), ops.draws(opts));
      }),
    { numRuns: RUNS },
  );
});

test('forward noising: identical bits (no FMA on either side)', { skip: skipReason }, () => {
  const sched = noiseSchedule('cosine', 200);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 20 }), fc.nat(), (rows, cols, seed) => {
      const x0 = floats(rows * cols, seed);
      const t = Int32Array.from({ length: rows }, (_, i) => (i * 7919 + seed) % 200);
      const args = { x0, rows, cols, t, sqrtAlphaBars: sched.sqrtAlphaBars, sqrtOneMinusAlphaBars: sched.sqrtOneMinusAlphaBars, seed, step: 3 };
      const cpu = ops.forwardNoise(args), gpu = ops.forwardNoise({ ...args, device: GPU });
      return bytesEqual(cpu.eps, gpu.eps) && bytesEqual(cpu.xt, gpu.xt);
    }),
    { numRuns: RUNS },
  );
});

test('DDPM, DDIM and DPM-Solver++ steps: identical bits', { skip: skipReason }, () => {
  const sched = noiseSchedule('linear', 100);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 99 }), fc.nat(),
      (rows, cols, t, seed) => {
        const base = { x: floats(rows * cols, seed), epsHat: floats(rows * cols, seed + 1), rows, cols, t, alphaBars: sched.alphaBars, seed };
        for (const variance of ['beta', 'posterior']) {
          const a = ops.ddpmStep({ ...base, betas: sched.betas, variance });
          const b = ops.ddpmStep({ ...base, betas: sched.betas, variance, device: GPU });
          if (!bytesEqual(a, b)) return false;
        }
        for (const eta of [0, 1]) {
          if (!bytesEqual(ops.ddimStep({ ...base, prev: t - 1, eta }), ops.ddimStep({ ...base, prev: t - 1, eta, device: GPU }))) return false;
        }
        const p1 = floats(rows * cols, seed + 2), p2 = Float32Array.from(p1);
        const before = t + 1 < 100 ? t + 1 : -1;  // -1: a first-order step (t = 99 has no step before it)
        const a = ops.dpmSolverStep({ ...base, prev: t - 1, before, x0Prev: p1 });
        const b = ops.dpmSolverStep({ ...base, prev: t - 1, before, x0Prev: p2, device: GPU });
        return bytesEqual(a, b) && bytesEqual(p1, p2);
      }),
    { numRuns: RUNS },
  );
});

test('eps-MSE: gradient bit-identical, loss to 1e-12 (double partial sums in another order)', { skip: skipReason }, () => {
  for (const n of [1, 1023, 1025, 300000]) {
    const h = floats(n, n), e = floats(n, n + 9);
    const cpu = ops.epsMse(h, e), gpu = ops.epsMse(h, e, { device: GPU });
    assert.ok(bytesEqual(cpu.grad, gpu.grad), `grad n=${n}`);
    assert.ok(Math.abs(cpu.loss - gpu.loss) <= 1e-12 * cpu.loss, `loss n=${n}: ${cpu.loss} vs ${gpu.loss}`);
  }
});

test('AdamW: within 2e-6 relative (the GPU may fuse multiply-adds)', { skip: skipReason }, () => {
  const n = 5000;
  const make = () => ({ params: floats(n, 1), grads: floats(n, 2), m: floats(n, 3).map((v) => v * 0.1), v: floats(n, 4).map((v) => v * v) });
  const a = make(), b = make();
  for (let step = 1; step <= 5; step++) {
    const hp = { step, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 };
    ops.adamwStep({ ...a, ...hp });
    ops.adamwStep({ ...b, ...hp, device: GPU });
  }
  assert.ok(maxRelError(b.params, a.params) < 2e-6, `params ${maxRelError(b.params, a.params)}`);
});

// Rigorous per-output bound: rounding each input to a format with unit roundoff u changes each
// product by at most (2u + u^2)|a||b|, and two fp32 sums of k terms in different orders differ
// by at most 2 gamma_k sum |a||b| (gamma_k ~ k 2^-24). So |gpu - cpu| <= bound * (|A||B|)_ij.
const UNIT_ROUNDOFF = { fp32: 0, fp16: 2 ** -11, bf16: 2 ** -8 };

test('GEMM: every output within the rounding bound of its precision (fp32, fp16, bf16)', { skip: gpuOnlySkip }, () => {
  const shapes = [[256, 128, 74], [256, 10, 128], [1000, 512, 512], [7, 3, 5], [4096, 128, 10]];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true]]) {
      const a = floats(m * k, m), b = floats(k * n, n);
      const ref = new Float32Array(m * n), absRef = new Float32Array(m * n);
      ops.sgemm({ m, n, k, a, b, c: ref, transA, transB });
      ops.sgemm({ m, n, k, a: a.map(Math.abs), b: b.map(Math.abs), c: absRef, transA, transB });
      for (const precision of ['fp32', 'fp16', 'bf16']) {
        const u = UNIT_ROUNDOFF[precision];
        const factor = 1.01 * (2 * u + u * u + 2 * k * 2 ** -24);
        const c = new Float32Array(m * n);
        ops.sgemm({ m, n, k, a, b, c, transA, transB, device: GPU, precision });
        let worst = 0;
        for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]) / (factor * absRef[i] + 1e-30));
        assert.ok(worst <= 1, `${m}x${n}x${k} ${transA}/${transB} ${precision}: error is ${worst.toFixed(3)} of the bound`);
      }
    }
  }
});
