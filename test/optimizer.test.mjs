// nativeOps().adamwStep against a scalar float64 reference of PyTorch's AdamW
// (torch.optim.AdamW, decoupled weight decay, bias correction, eps outside the sqrt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { nativeOps } from '../dist/esm/index.mjs';

const ops = nativeOps();

/**
 * One AdamW step in float64, element by element (PyTorch semantics):
 *   p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *   p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
 * Returns the new arrays and the magnitude of each update term (for tolerances).
 */
function adamwRef(state, grads, step, h) {
  const n = state.params.length;
  const p = Float64Array.from(state.params), m = Float64Array.from(state.m), v = Float64Array.from(state.v);
  const upd = new Float64Array(n);
  const bc1 = 1 - h.beta1 ** step, bc2 = 1 - h.beta2 ** step;
  for (let i = 0; i < n; i++) {
    const g = grads[i];
    p[i] *= 1 - h.lr * h.weightDecay;
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    upd[i] = (h.lr / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps);
    p[i] -= upd[i];
  }
  return { params: p, m, v, upd };
}

/** Gradients over many magnitudes, both signs, including exact zeros. */
function makeGrads(r, n, scale) {
  return Float32Array.from({ length: n }, (_, i) => {
    if (i % 17 === 5) return 0;
    const mag = scale * 10 ** (r() * 6 - 3);
    return r() < 0.5 ? -mag : mag;
  });
}

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const hyperArb = fc.record({
  lr: fc.double({ min: 1e-5, max: 0.3, noNaN: true }),
  beta1: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.constant(0.9)),
  beta2: fc.oneof(fc.double({ min: 0.5, max: 0.99999, noNaN: true }), fc.constant(0.999)),
  eps: fc.oneof(fc.constant(1e-8), fc.double({ min: 1e-12, max: 1e-3, noNaN: true })),
  weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
  gradScale: fc.double({ min: 1e-3, max: 1e2, noNaN: true }),
  seed: fc.integer({ min: 0, max: 1e9 }),
  startStep: fc.integer({ min: 1, max: 5000 }),
});

// The native step runs in float32 with lr, betas, eps and wd cast to float32 and the bias
// corrections in double. The reference therefore takes the float32-rounded hyperparameters
// (a cast beta2 = 0.99999 changes 1 - beta2 by ~1e-3 relative, which is not an error), and
// per element and step the tolerance is: m, v within 1e-6 of the magnitude of their terms
// (a few float32 roundings); p within 2e-6 |p| (decay product, subtraction) + 1e-4 |update|
// (float32 sqrt/divide/bias-correction casts) + 1e-6 lr.
const f32 = Math.fround;
function roundedHyper(h) {
  return { lr: f32(h.lr), beta1: f32(h.beta1), beta2: f32(h.beta2), eps: f32(h.eps), weightDecay: f32(h.weightDecay) };
}

function compare(native, ref, before, grads, h, label) {
  const n = ref.params.length;
  for (let i = 0; i < n; i++) {
    const g = grads[i];
    const mScale = Math.abs(h.beta1 * before.m[i]) + Math.abs((1 - h.beta1) * g);
    const vScale = Math.abs(h.beta2 * before.v[i]) + Math.abs((1 - h.beta2) * g * g);
    assert.ok(Math.abs(native.m[i] - ref.m[i]) <= 1e-6 * mScale + 1e-38, `${label} m[${i}]: ${native.m[i]} vs ${ref.m[i]}`);
    assert.ok(Math.abs(native.v[i] - ref.v[i]) <= 1e-6 * vScale + 1e-38, `${label} v[${i}]: ${native.v[i]} vs ${ref.v[i]}`);
    const tol = 2e-6 * Math.abs(before.params[i]) + 1e-4 * Math.abs(ref.upd[i]) + 1e-6 * h.lr;
    assert.ok(Math.abs(native.params[i] - ref.params[i]) <= tol,
      `${label} param[${i}]: native ${native.params[i]}, reference ${ref.params[i]} (|update| ${ref.upd[i]}, tol ${tol})`);
  }
}

test('one AdamW step matches the float64 PyTorch reference from arbitrary states (property over hyperparameters)', () => {
  fc.assert(
    fc.property(hyperArb, (hp) => {
      const h = roundedHyper(hp);
      const r = rng(hp.seed);
      const n = 257;
      const params = Float32Array.from({ length: n }, () => (r() - 0.5) * 4);
      const m = Float32Array.from({ length: n }, () => (r() - 0.5) * hp.gradScale * (1 - h.beta1 ** hp.startStep));
      const v = Float32Array.from({ length: n }, () => r() * hp.gradScale ** 2 * (1 - h.beta2 ** hp.startStep));
      const grads = makeGrads(r, n, hp.gradScale);
      const before = { params: params.slice(), m: m.slice(), v: v.slice() };
      const ref = adamwRef(before, grads, hp.startStep, h);
      const gradsCopy = grads.slice();
      const ret = ops.adamwStep({ params, grads, m, v, step: hp.startStep, ...hp });
      assert.equal(ret, undefined);
      assert.deepEqual(grads, gradsCopy, 'grads must not be modified');
      compare({ params, m, v }, ref, before, grads, h, `step ${hp.startStep}`);
    }),
    { numRuns: 200, seed: 401 },
  );
});

test('a 25-step AdamW trajectory from zero moments tracks the reference step by step (property)', () => {
  fc.assert(
    fc.property(hyperArb, (hp) => {
      const h = roundedHyper(hp);
      const r = rng(hp.seed + 1);
      const n = 64;
      const params = Float32Array.from({ length: n }, () => (r() - 0.5) * 2);
      const m = new Float32Array(n), v = new Float32Array(n);
      for (let step = 1; step <= 25; step++) {
        const grads = makeGrads(r, n, hp.gradScale);
        const before = { params: params.slice(), m: m.slice(), v: v.slice() };
        const ref = adamwRef(before, grads, step, h);
        ops.adamwStep({ params, grads, m, v, step, lr: hp.lr, beta1: hp.beta1, beta2: hp.beta2, eps: hp.eps, weightDecay: hp.weightDecay });
        compare({ params, m, v }, ref, before, grads, h, `step ${step}`);
      }
    }),
    { numRuns: 60, seed: 402 },
  );
});

test('a whole trajectory in float64 stays within a drift bound of the native float32 one', () => {
  // Reference run entirely in float64 (not re-synchronised): float32 rounding drifts, but with
  // lr = 1e-2 over 50 steps each step moves p by <= ~lr, and the drift stays below 1e-4.
  const h = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  const r = rng(7);
  const n = 100;
  const params = Float32Array.from({ length: n }, () => (r() - 0.5) * 2);
  const m = new Float32Array(n), v = new Float32Array(n);
  let ref = { params: Float64Array.from(params), m: new Float64Array(n), v: new Float64Array(n) };
  for (let step = 1; step <= 50; step++) {
    const grads = Float32Array.from({ length: n }, (_, i) => Math.sin(i + step) + 0.1 * (r() - 0.5));
    ref = adamwRef(ref, grads, step, roundedHyper(h));
    ops.adamwStep({ params, grads, m, v, step, ...h });
  }
  for (let i = 0; i < n; i++) assert.ok(Math.abs(params[i] - ref.params[i]) < 1e-4, `param ${i}: ${params[i]} vs ${ref.params[i]}`);
});

test('AdamW known values: first step moves each parameter by lr against the gradient sign; defaults are PyTorch\'s', () => {
  // From zero moments, step 1: m_hat = g, v_hat = g^2, so the update is lr * g/(|g| + eps).
  const params = Float32Array.of(1, -2, 0.5, 3);
  const grads = Float32Array.of(0.3, -4, 1e-3, 0);
  const m = new Float32Array(4), v = new Float32Array(4);
  ops.adamwStep({ params, grads, m, v, step: 1 }); // lr 1e-3, betas (0.9, 0.999), eps 1e-8, wd 0
  const expected = [1 - 1e-3, -2 + 1e-3, 0.5 - 1e-3 * (1e-3 / (1e-3 + 1e-8)), 3];
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(params[i] - expected[i]) < 2e-7 * 4, `param ${i}: ${params[i]} vs ${expected[i]}`);
  assert.ok(Math.abs(m[1] - -0.4) < 1e-7);
  // (1 - beta2) with beta2 = 0.999 cast to float32 is 0.00099998713..., hence the float32 form.
  assert.ok(Math.abs(v[1] - (1 - f32(0.999)) * 16) < 1e-6 * 0.016, `v[1] = ${v[1]}`);
  // Decoupled weight decay acts with zero gradient: p *= 1 - lr*wd exactly as PyTorch.
  const p2 = Float32Array.of(2);
  ops.adamwStep({ params: p2, grads: new Float32Array(1), m: new Float32Array(1), v: new Float32Array(1), step: 1, lr: 0.1, weightDecay: 0.5 });
  assert.ok(Math.abs(p2[0] - 2 * (1 - 0.05)) < 1e-6, `decayed to ${p2[0]}`);
  // Bias correction matters at later steps: step 1000 with the same moments gives a different update.
  const pa = Float32Array.of(0), pb = Float32Array.of(0);
  const mk = () => ({ m: Float32Array.of(0.05), v: Float32Array.of(0.0004) });
  ops.adamwStep({ params: pa, grads: Float32Array.of(0.5), ...mk(), step: 2, lr: 0.01 });
  ops.adamwStep({ params: pb, grads: Float32Array.of(0.5), ...mk(), step: 1000, lr: 0.01 });
  const refA = adamwRef({ params: [0], m: [0.05], v: [0.0004] }, [0.5], 2, roundedHyper({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }));
  const refB = adamwRef({ params: [0], m: [0.05], v: [0.0004] }, [0.5], 1000, roundedHyper({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }));
  assert.ok(Math.abs(pa[0] - refA.params[0]) < 1e-6 * 0.01);
  assert.ok(Math.abs(pb[0] - refB.params[0]) < 1e-6 * 0.01);
  assert.ok(Math.abs(pa[0] - pb[0]) > 1e-3, 'bias correction has no effect');
});

test('the native training step uses the same AdamW: model adamM/adamV after one fit step match the reference moments', async () => {
  // One fit step from zero moments: adamM = (1 - b1) g and adamV = (1 - b2) g^2 for the
  // gradient g of that step, so adamV == (1 - b2)/(1 - b1)^2 * adamM^2 (relative 1e-5, float32).
  const model = new ops.NativeModel({ dataDim: 2, timeDim: 4, hidden: [8], seed: 1, threads: 1 });
  const T = 10;
  const sa = Float32Array.from({ length: T }, (_, t) => Math.sqrt(1 - 0.05 * (t + 1)));
  const sb = Float32Array.from(sa, (a) => Math.sqrt(1 - a * a));
  const x = Float32Array.from({ length: 40 }, (_, i) => Math.cos(i));
  const p0 = model.getWeights('params');
  await model.fit({ x, rows: 20, sqrtAlphaBars: sa, sqrtOneMinusAlphaBars: sb, steps: 1, batchSize: 16, lr: 1e-2, beta1: 0.8, beta2: 0.99, weightDecay: 0.1, seed: 3 });
  const mm = model.getWeights('adamM'), vv = model.getWeights('adamV'), p1 = model.getWeights('params');
  let nonzero = 0;
  for (let i = 0; i < mm.length; i++) {
    const g = mm[i] / f32(1 - f32(0.8));
    const expectV = (1 - f32(0.99)) * g * g;
    assert.ok(Math.abs(vv[i] - expectV) <= 1e-5 * expectV + 1e-30, `adamV[${i}]`);
    if (g !== 0) nonzero++;
    // First step: p1 = p0 (1 - lr wd) - lr * g/(|g| + eps).
    const expectP = p0[i] * (1 - 1e-3) - 1e-2 * (g / (Math.abs(g) + 1e-8));
    assert.ok(Math.abs(p1[i] - expectP) <= 1e-6 + 1e-4 * 1e-2, `param ${i}: ${p1[i]} vs ${expectP}`);
  }
  assert.ok(nonzero > mm.length / 2);
  assert.equal(model.info().step, 1);
  model.release();
});
