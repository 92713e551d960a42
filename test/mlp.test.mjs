// The native MLP denoiser (NativeModel.forward/backward): forward against a plain JS
// implementation built from layout(), and backward against central finite differences, both
// through the native forward (float32) and through the float64 JS forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { nativeOps } from '../dist/esm/index.mjs';

const ops = nativeOps();

/** Deterministic LCG in [0, 1) for test data. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Layers {in, out, w, b} (offsets) from layout(): entries come as weight, bias per layer. */
function layersOf(layout) {
  const layers = [];
  for (let i = 0; i < layout.length; i += 2) {
    const w = layout[i], b = layout[i + 1];
    assert.equal(w.name, `layers.${i / 2}.weight`);
    assert.equal(b.name, `layers.${i / 2}.bias`);
    layers.push({ in: w.rows, out: w.cols, w: w.offset, b: b.offset });
  }
  return layers;
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const act = (kind, z) => (kind === 'relu' ? (z > 0 ? z : 0) : z * sigmoid(z));

/**
 * Float64 forward pass of the MLP: weights [in x out] row-major, bias, activation on hidden
 * layers, linear output. Returns the output and every hidden pre-activation.
 */
function forwardRef(layers, params, input, rows, kind) {
  let h = Float64Array.from(input);
  const pre = [];
  for (let l = 0; l < layers.length; l++) {
    const L = layers[l];
    const z = new Float64Array(rows * L.out);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < L.out; j++) {
        let s = params[L.b + j];
        for (let k = 0; k < L.in; k++) s += h[i * L.in + k] * params[L.w + k * L.out + j];
        z[i * L.out + j] = s;
      }
    }
    if (l + 1 === layers.length) return { out: z, pre };
    pre.push(z);
    h = z.map((v) => act(kind, v));
  }
  throw new Error('unreachable');
}

/** Sum of |terms| per output (the scale of float32 accumulation error), same shape as out. */
function forwardAbsScale(layers, params, input, rows, kind) {
  let h = Float64Array.from(input, Math.abs);
  for (let l = 0; l < layers.length; l++) {
    const L = layers[l];
    const z = new Float64Array(rows * L.out);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < L.out; j++) {
        let s = Math.abs(params[L.b + j]);
        for (let k = 0; k < L.in; k++) s += h[i * L.in + k] * Math.abs(params[L.w + k * L.out + j]);
        z[i * L.out + j] = s;
      }
    }
    if (l + 1 === layers.length) return z;
    h = z.map((v) => (kind === 'relu' ? v : v * 1.1)); // |silu(z)| <= 1.1 |z|
  }
  throw new Error('unreachable');
}

const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** min over hidden pre-activations of |z|: how close the ReLU pattern is to a kink. */
const minAbsPre = (pre) => Math.min(...pre.map((z) => Math.min(...Array.from(z, Math.abs))));

const shapeArb = fc.record({
  dataDim: fc.integer({ min: 1, max: 5 }),
  contextDim: fc.integer({ min: 0, max: 3 }),
  timeDim: fc.integer({ min: 1, max: 4 }).map((k) => 2 * k),
  hidden: fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 3 }),
  outDim: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  rows: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer({ min: 0, max: 1e6 }),
  threads: fc.integer({ min: 1, max: 3 }),
});

function makeCase(shape, activation) {
  const model = new ops.NativeModel({ ...shape, activation });
  const layers = layersOf(model.layout());
  const inputDim = shape.dataDim + shape.contextDim + shape.timeDim;
  const outDim = shape.outDim ?? shape.dataDim;
  const r = rng(shape.seed + 17);
  // Perturb the initial weights so biases and weights are not all in the same tiny range.
  const params = model.getWeights('params').map((v) => v + (r() - 0.5) * 0.2);
  model.setWeights({ params });
  const input = Float32Array.from({ length: shape.rows * inputDim }, () => (r() - 0.5) * 4);
  const gradOut = Float32Array.from({ length: shape.rows * outDim }, () => r() * 2 - 1);
  return { model, layers, params, input, gradOut, inputDim, outDim };
}

test('layout(): contiguous [in x out] weights then bias per layer, total = paramCount, init within +-1/sqrt(in)', () => {
  const model = new ops.NativeModel({ dataDim: 3, contextDim: 2, timeDim: 6, hidden: [7, 5], outDim: 4, seed: 9 });
  const layout = model.layout();
  assert.deepEqual(layout.map((e) => [e.name, e.rows, e.cols, e.offset]), [
    ['layers.0.weight', 11, 7, 0],
    ['layers.0.bias', 1, 7, 77],
    ['layers.1.weight', 7, 5, 84],
    ['layers.1.bias', 1, 5, 119],
    ['layers.2.weight', 5, 4, 124],
    ['layers.2.bias', 1, 4, 144],
  ]);
  const info = model.info();
  assert.equal(info.paramCount, 148);
  assert.equal(info.inputDim, 11);
  const params = model.getWeights('params');
  assert.equal(params.length, 148);
  for (const L of layersOf(layout)) {
    const bound = 1 / Math.sqrt(L.in);
    for (let i = L.w; i < L.b + L.out; i++) assert.ok(Math.abs(params[i]) <= bound, `param ${i} = ${params[i]} outside +-${bound}`);
  }
  // Not all zero or constant: a real random init.
  assert.ok(new Set(params).size > 140);
  // Same seed, same init; another seed, another init.
  const again = new ops.NativeModel({ dataDim: 3, contextDim: 2, timeDim: 6, hidden: [7, 5], outDim: 4, seed: 9 });
  const other = new ops.NativeModel({ dataDim: 3, contextDim: 2, timeDim: 6, hidden: [7, 5], outDim: 4, seed: 10 });
  assert.deepEqual(again.getWeights('params'), params);
  assert.notDeepEqual(other.getWeights('params'), params);
  for (const m of [model, again, other]) m.release();
});

test('forward matches a float64 JS MLP built from the layout (property, SiLU and ReLU)', () => {
  for (const activation of ['silu', 'relu']) {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const c = makeCase(shape, activation);
        const out = c.model.forward(c.input, shape.rows);
        assert.equal(out.length, shape.rows * c.outDim);
        const ref = forwardRef(c.layers, c.params, c.input, shape.rows, activation);
        const scale = forwardAbsScale(c.layers, c.params, c.input, shape.rows, activation);
        for (let i = 0; i < out.length; i++) {
          // float32 sums of at most ~30 terms per layer over <= 4 layers: error <= ~depth*width*2^-24
          // times the sum of |terms|; 1e-5 * scale covers it with margin, and any indexing slip
          // (transposed weights, missing bias) is O(scale).
          assert.ok(Math.abs(out[i] - ref.out[i]) <= 1e-5 * scale[i] + 1e-7, `out[${i}] = ${out[i]}, reference ${ref.out[i]}`);
        }
        c.model.release();
      }),
      { numRuns: 60, seed: activation === 'silu' ? 301 : 302 },
    );
  }
});

test('backward matches central finite differences of the native forward (property, SiLU)', () => {
  // L(theta) = sum(out * gradOutput), so dL/dtheta = gradParams and dL/dinput = gradInput.
  // Native outputs are float32, so FD uses h = 1e-2 (rounding noise ~ 2^-24 |L| / h) and
  // the step actually taken after float32 rounding of theta +- h. Truncation error is
  // O(h^2 |L'''|) ~ 1e-4. Bound: |fd - g| <= 1e-2 * max(|fd|, |g|) + 2e-3 * max|g| (+1e-5):
  // a wrong backward (missing activation derivative, transposed GEMM) is off by O(|g|).
  fc.assert(
    fc.property(shapeArb, (shape) => {
      const c = makeCase(shape, 'silu');
      const { gradParams, gradInput } = c.model.backward(c.input, c.gradOut, shape.rows);
      assert.equal(gradParams.length, c.params.length);
      assert.equal(gradInput.length, c.input.length);
      const gMaxP = Math.max(...Array.from(gradParams, Math.abs));
      const gMaxI = Math.max(...Array.from(gradInput, Math.abs));
      const L = (params, input) => {
        if (params) c.model.setWeights({ params });
        return dot(c.model.forward(input ?? c.input, shape.rows), c.gradOut);
      };
      const r = rng(shape.seed + 99);
      const h = 1e-2;
      const check = (fd, g, gMax, what) => {
        const tol = 1e-2 * Math.max(Math.abs(fd), Math.abs(g)) + 2e-3 * gMax + 1e-5;
        assert.ok(Math.abs(fd - g) <= tol, `${what}: finite difference ${fd}, backward ${g} (tol ${tol})`);
      };
      for (let s = 0; s < 12; s++) {
        const i = Math.floor(r() * c.params.length);
        const plus = c.params.slice(), minus = c.params.slice();
        plus[i] += h;
        minus[i] -= h;
        const fd = (L(plus) - L(minus)) / (plus[i] - minus[i]);
        check(fd, gradParams[i], gMaxP, `param ${i}`);
      }
      c.model.setWeights({ params: c.params });
      for (let s = 0; s < 6; s++) {
        const i = Math.floor(r() * c.input.length);
        const plus = c.input.slice(), minus = c.input.slice();
        plus[i] += h;
        minus[i] -= h;
        const fd = (L(null, plus) - L(null, minus)) / (plus[i] - minus[i]);
        check(fd, gradInput[i], gMaxI, `input ${i}`);
      }
      c.model.release();
    }),
    { numRuns: 40, seed: 303 },
  );
});

test('backward matches float64 finite differences of the JS reference on every parameter and input (property, SiLU and ReLU)', () => {
  // The JS forward is float64, so h = 1e-6 gives FD error ~1e-9; what remains is the float32
  // arithmetic of the native backward: relative 1e-4 of the gradient's scale covers it.
  // For ReLU, coordinates whose +-h step would flip a pre-activation sign are skipped.
  for (const activation of ['silu', 'relu']) {
    let checked = 0;
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const c = makeCase(shape, activation);
        const { gradParams, gradInput } = c.model.backward(c.input, c.gradOut, shape.rows);
        const h = 1e-6;
        const base = forwardRef(c.layers, c.params, c.input, shape.rows, activation);
        if (activation === 'relu' && minAbsPre(base.pre) < 1e-4) return; // too close to a kink everywhere
        const L = (params, input) => {
          const f = forwardRef(c.layers, params, input, shape.rows, activation);
          return { value: dot(f.out, c.gradOut), pre: f.pre };
        };
        const samePattern = (a, b) => a.every((z, l) => z.every((v, k) => (v > 0) === (b[l][k] > 0)));
        const gMaxP = Math.max(...Array.from(gradParams, Math.abs), 1e-3);
        const gMaxI = Math.max(...Array.from(gradInput, Math.abs), 1e-3);
        const params64 = Float64Array.from(c.params);
        for (let i = 0; i < params64.length; i++) {
          const p = params64.slice(), m = params64.slice();
          p[i] += h;
          m[i] -= h;
          const lp = L(p, c.input), lm = L(m, c.input);
          if (activation === 'relu' && !(samePattern(lp.pre, base.pre) && samePattern(lm.pre, base.pre))) continue;
          const fd = (lp.value - lm.value) / (2 * h);
          assert.ok(Math.abs(fd - gradParams[i]) <= 1e-4 * gMaxP + 1e-4 * Math.abs(fd), `${activation} param ${i}: fd ${fd}, backward ${gradParams[i]}`);
          checked++;
        }
        const input64 = Float64Array.from(c.input);
        for (let i = 0; i < input64.length; i++) {
          const p = input64.slice(), m = input64.slice();
          p[i] += h;
          m[i] -= h;
          const lp = L(c.params, p), lm = L(c.params, m);
          if (activation === 'relu' && !(samePattern(lp.pre, base.pre) && samePattern(lm.pre, base.pre))) continue;
          const fd = (lp.value - lm.value) / (2 * h);
          assert.ok(Math.abs(fd - gradInput[i]) <= 1e-4 * gMaxI + 1e-4 * Math.abs(fd), `${activation} input ${i}: fd ${fd}, backward ${gradInput[i]}`);
          checked++;
        }
        c.model.release();
      }),
      { numRuns: 30, seed: activation === 'silu' ? 304 : 305 },
    );
    assert.ok(checked > 1000, `${activation}: only ${checked} coordinates checked`);
  }
});

test('ReLU backward matches native central differences away from kinks', () => {
  // Larger fixed shape; skip coordinates where the JS reference shows a +-h step changes the
  // ReLU pattern (FD is meaningless across a kink). Same tolerance reasoning as the SiLU test.
  const shape = { dataDim: 4, contextDim: 2, timeDim: 4, hidden: [16, 12], rows: 3, seed: 4242, threads: 2 };
  const c = makeCase(shape, 'relu');
  const { gradParams, gradInput } = c.model.backward(c.input, c.gradOut, shape.rows);
  const base = forwardRef(c.layers, c.params, c.input, shape.rows, 'relu');
  const gMax = Math.max(...Array.from(gradParams, Math.abs));
  const h = 1e-3;
  let checked = 0;
  for (let i = 0; i < c.params.length; i += 3) {
    const plus = c.params.slice(), minus = c.params.slice();
    plus[i] += h;
    minus[i] -= h;
    const rp = forwardRef(c.layers, plus, c.input, shape.rows, 'relu');
    const rm = forwardRef(c.layers, minus, c.input, shape.rows, 'relu');
    const flips = [rp, rm].some((r) => r.pre.some((z, l) => z.some((v, k) => (v > 0) !== (base.pre[l][k] > 0))));
    if (flips) continue;
    c.model.setWeights({ params: plus });
    const lp = dot(c.model.forward(c.input, shape.rows), c.gradOut);
    c.model.setWeights({ params: minus });
    const lm = dot(c.model.forward(c.input, shape.rows), c.gradOut);
    const fd = (lp - lm) / (plus[i] - minus[i]);
    // Piecewise linear in each weight between kinks: no truncation error; float32 rounding
    // noise ~ 2^-24 * sum|out*g| / h ~ 1e-4.
    assert.ok(Math.abs(fd - gradParams[i]) <= 5e-3 * Math.abs(gradParams[i]) + 2e-3 * gMax, `param ${i}: fd ${fd}, backward ${gradParams[i]}`);
    checked++;
  }
  assert.ok(checked > 100, `only ${checked} parameters checked`);
  // Units that are off in every row have exactly zero weight gradients into the next layer.
  const L1 = c.layers[1];
  for (let k = 0; k < L1.in; k++) {
    const dead = Array.from({ length: shape.rows }, (_, i) => base.pre[0][i * L1.in + k]).every((v) => v <= 0);
    if (!dead) continue;
    for (let j = 0; j < L1.out; j++) assert.equal(gradParams[L1.w + k * L1.out + j], 0);
  }
  assert.equal(gradInput.length, c.input.length);
  c.model.release();
});

test('backward is bit-identical across thread counts on a larger batch (threaded GEMM)', () => {
  const shape = { dataDim: 7, contextDim: 3, timeDim: 16, hidden: [64, 48], rows: 300, seed: 8 };
  const results = [1, 2, 3].map((threads) => {
    const c = makeCase({ ...shape, threads }, 'silu');
    const out = c.model.forward(c.input, shape.rows);
    const g = c.model.backward(c.input, c.gradOut, shape.rows);
    c.model.release();
    return { out, ...g };
  });
  for (const r of results.slice(1)) {
    assert.deepEqual(r.out, results[0].out);
    assert.deepEqual(r.gradParams, results[0].gradParams);
    assert.deepEqual(r.gradInput, results[0].gradInput);
  }
  // Bias gradient = column sums of gradOutput for the last layer (exact float64 check within float32 summation error).
  const c = makeCase({ ...shape, threads: 1 }, 'silu');
  const last = c.layers[c.layers.length - 1];
  for (let j = 0; j < last.out; j++) {
    let s = 0, sa = 0;
    for (let i = 0; i < shape.rows; i++) {
      s += c.gradOut[i * last.out + j];
      sa += Math.abs(c.gradOut[i * last.out + j]);
    }
    assert.ok(Math.abs(results[0].gradParams[last.b + j] - s) <= 300 * 2 ** -24 * sa, `bias ${j}`);
  }
  c.model.release();
});
