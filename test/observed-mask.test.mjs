// Missing values in numeric columns: a per-cell "observed" mask (1 = observed, 0 = gap) takes
// the gap cells out of the eps-MSE, in training (Gaussian-only and mixed loops, one-call and
// step-wise fits) and in the held-out loss (denoisingLoss). Gap cells of x0 still enter the
// network's input (x_t = sqrt(abar) x0 + sqrt(1 - abar) eps), so what is invariant is the loss
// and the gradient on gaps, not the fit as a whole; the tests below check exactly that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { TabularDiffusion, nativeOps, noiseSchedule } from '../dist/esm/index.mjs';
import { bytesEqual } from './fixtures/bytes.mjs';

const ops = nativeOps();
const STREAM_MINIBATCH = 2, STREAM_TRAIN_TIME = 3, STREAM_TRAIN_NOISE = 4; // native/core/philox.h


/** The masked eps-MSE written from its definition, in the native summation order (blocks of 1024). */
function maskedMseOracle(epsHat, eps, observed) {
  let count = 0;
  for (const o of observed) count += o;
  const scale = count > 0 ? Math.fround(2 / count) : 0;
  const grad = new Float32Array(eps.length);
  let total = 0;
  for (let start = 0; start < eps.length; start += 1024) {
    let partial = 0;
    for (let i = start; i < Math.min(eps.length, start + 1024); i++) {
      if (!observed[i]) continue;
      const diff = Math.fround(epsHat[i] - eps[i]);
      partial += diff * diff;
      grad[i] = Math.fround(scale * diff);
    }
    total += partial;
  }
  return { loss: count > 0 ? total / count : 0, grad, count };
}

function randomMask(n, seed, pObserved) {
  const u = ops.draws({ rows: n, cols: 1, seed, stream: 301, kind: 'uniform' });
  return Uint8Array.from(u, (v) => (v < pObserved ? 1 : 0));
}

// --- (a) the loss against a JS oracle ------------------------------------------------------

test('epsMse with observed equals the JS oracle: mean over observed cells, gradient exactly 0 on gaps (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, seed, p) => {
      const epsHat = ops.draws({ rows: n, cols: 1, seed, stream: 302 });
      const eps = ops.draws({ rows: n, cols: 1, seed, stream: 303 });
      const observed = randomMask(n, seed, p);
      const got = ops.epsMse(epsHat, eps, { observed });
      const want = maskedMseOracle(epsHat, eps, observed);
      assert.equal(got.loss, want.loss);
      assert.ok(bytesEqual(got.grad, want.grad), 'gradient bytes');
      for (let i = 0; i < n; i++) if (!observed[i]) assert.ok(Object.is(got.grad[i], 0), `gap ${i} has gradient ${got.grad[i]}`);
      // The loss does not depend on the values at gaps.
      const moved = Float32Array.from(epsHat, (v, i) => (observed[i] ? v : v + 100));
      const again = ops.epsMse(moved, eps, { observed });
      assert.equal(again.loss, got.loss);
      assert.ok(bytesEqual(again.grad, got.grad));
    }),
    { numRuns: 60, seed: 7 },
  );
});

test('epsMse: an all-ones mask gives the unmasked bytes; no observed cell gives 0 loss and 0 gradient', () => {
  for (const n of [1, 1023, 1024, 1025, 5000]) {
    const epsHat = ops.draws({ rows: n, cols: 1, seed: n, stream: 302 });
    const eps = ops.draws({ rows: n, cols: 1, seed: n, stream: 303 });
    const plain = ops.epsMse(epsHat, eps);
    const ones = ops.epsMse(epsHat, eps, { observed: new Uint8Array(n).fill(1) });
    assert.equal(ones.loss, plain.loss, `n = ${n}`);
    assert.ok(bytesEqual(ones.grad, plain.grad), `n = ${n}`);
    const none = ops.epsMse(epsHat, eps, { observed: new Uint8Array(n) });
    assert.equal(none.loss, 0);
    assert.ok(none.grad.every((g) => Object.is(g, 0)));
  }
});

/** Batch row i of optimiser step `step`: its data row and timestep (native/core/minibatch.h). */
function minibatchDraw(seed, step, i, rows, T) {
  const key = Uint32Array.of(seed >>> 0, Math.floor(seed / 2 ** 32));
  const b = ops.philox4x32(Uint32Array.of(0, step, i, STREAM_MINIBATCH << 16), key);
  const wide = (BigInt(b[0]) << 32n) | BigInt(b[1]);
  const tb = ops.philox4x32(Uint32Array.of(0, step, i, STREAM_TRAIN_TIME << 16), key);
  return { row: Number(wide % BigInt(rows)), t: Number((BigInt(tb[0]) * BigInt(T)) >> 32n) };
}

test('a one-step masked fit: its loss is the JS oracle\'s and its update is AdamW of the masked gradient (bytes)', async () => {
  const rows = 7, d = 3, timeDim = 4, batch = 24, T = 20, seed = 5, lr = 0.01;
  const sched = noiseSchedule('linear', T, { betaStart: 0.01, betaEnd: 0.2 });
  const x = ops.draws({ rows, cols: d, seed: 40 });
  const observed = randomMask(rows * d, 41, 0.6);
  observed[0] = 0; observed[1] = 1; // at least one gap and one observed cell
  for (let i = 0; i < observed.length; i++) if (!observed[i]) x[i] = 0;
  const model = new ops.NativeModel({ dataDim: d, timeDim, hidden: [16, 16], seed: 9, threads: 1 });
  const params0 = model.getWeights('params');

  // The batch as the native loop builds it: rows, timesteps, eps at (seed, train-noise stream, i, step 0).
  const eps = ops.draws({ seed, stream: STREAM_TRAIN_NOISE, rowStart: 0, rows: batch, step: 0, cols: d });
  const inDim = d + timeDim;
  const input = new Float32Array(batch * inDim);
  const mask = new Uint8Array(batch * d);
  for (let i = 0; i < batch; i++) {
    const { row, t } = minibatchDraw(seed, 0, i, rows, T);
    const a = sched.sqrtAlphaBars[t], s = sched.sqrtOneMinusAlphaBars[t];
    for (let j = 0; j < d; j++) {
      input[i * inDim + j] = Math.fround(Math.fround(a * x[row * d + j]) + Math.fround(s * eps[i * d + j]));
      mask[i * d + j] = observed[row * d + j];
    }
    input.set(ops.timeEmbedding(t, timeDim), i * inDim + d);
  }
  const want = maskedMseOracle(model.forward(input, batch), eps, mask);
  assert.ok(want.count > 0 && want.count < batch * d, 'the batch has gaps and observed cells');
  const { gradParams } = model.backward(input, want.grad, batch);
  const expected = { params: params0.slice(), m: new Float32Array(params0.length), v: new Float32Array(params0.length) };
  ops.adamwStep({ ...expected, grads: gradParams, step: 1, lr });

  const fit = await model.fit({
    x, rows, observed, sqrtAlphaBars: sched.sqrtAlphaBars, sqrtOneMinusAlphaBars: sched.sqrtOneMinusAlphaBars,
    batchSize: batch, steps: 1, lr, seed,
  });
  assert.equal(fit.lastLoss, want.loss);
  assert.ok(bytesEqual(model.getWeights('params'), expected.params), 'params after one step');
  model.release();
});

// --- (b) what gaps change and what they do not ----------------------------------------------

/** Output-layer weights and bias of output column j (weights are [in x out] row-major). */
function outputColumn(model, j) {
  const layout = model.layout();
  const w = layout[layout.length - 2], b = layout[layout.length - 1];
  const p = model.getWeights('params');
  const out = [];
  for (let r = 0; r < w.rows; r++) out.push(p[w.offset + r * w.cols + j]);
  out.push(p[b.offset + j]);
  return Float32Array.from(out);
}

function gaussianData(n, d, seed) {
  return { rows: n, cols: d, data: ops.draws({ rows: n, cols: d, seed, stream: 310 }) };
}

// Column 1 is a gap in every row: its output unit gets no gradient, so AdamW (weight decay 0)
// leaves its weights exactly at their initial values, whatever the gaps hold. The rest of the
// network does see the gap values (they are in x_t), so a different fill changes the fit.
for (const kind of ['gaussian', 'mixed']) {
  test(`${kind}: a column that is all gaps keeps its output weights bit for bit; the fill value still reaches the input`, async () => {
    const n = 200, d = 3;
    const base = gaussianData(n, d, 50);
    const observed = new Uint8Array(n * d).fill(1);
    for (let i = 0; i < n; i++) observed[i * d + 1] = 0;
    const categorical = { rows: n, cols: 1, data: Int32Array.from({ length: n }, (_, i) => i % 3) };
    const withFill = (v) => {
      const data = base.data.slice();
      for (let i = 0; i < n; i++) data[i * d + 1] = v;
      const numeric = { rows: n, cols: d, data };
      return kind === 'mixed' ? { numeric, categorical } : numeric;
    };
    const run = async (X, fitOptions) => {
      const dm = new TabularDiffusion({ hiddenDims: [16, 16], timeDim: 8, nTimesteps: 20, batchSize: 32, maxSteps: 15, lr: 0.01, seed: 2 });
      const init = new TabularDiffusion({ hiddenDims: [16, 16], timeDim: 8, nTimesteps: 20, batchSize: 32, maxSteps: 0, lr: 0.01, seed: 2 });
      await dm.fit(X, fitOptions);
      await init.fit(X, fitOptions);
      const r = { col: outputColumn(dm.nativeModel(), 1), init: outputColumn(init.nativeModel(), 1), params: dm.nativeModel().getWeights('params') };
      dm.dispose();
      init.dispose();
      return r;
    };
    const a = await run(withFill(0), { observed });
    const b = await run(withFill(7), { observed });
    const unmasked = await run(withFill(0), {});
    assert.ok(bytesEqual(a.col, a.init), 'fill 0: output column of the gap unchanged');
    assert.ok(bytesEqual(b.col, b.init), 'fill 7: output column of the gap unchanged');
    assert.ok(!bytesEqual(unmasked.col, unmasked.init), 'without the mask the column trains');
    assert.ok(!bytesEqual(a.params, b.params), 'the fill value enters the input, so the fits differ');
  });
}

// --- (c) an all-ones mask is no mask, byte for byte ------------------------------------------

async function fitBytes(X, options, fitOptions) {
  const dm = new TabularDiffusion(options);
  const losses = [];
  const fit = await dm.fit(X, { ...fitOptions, progressInterval: 5, onProgress: (p) => losses.push(p.loss) });
  const m = dm.nativeModel();
  const out = { loss: fit.loss, losses, params: m.getWeights('params'), ema: m.getWeights('ema') };
  dm.dispose();
  return out;
}

function assertSameFit(a, b, label) {
  assert.equal(a.loss, b.loss, `${label}: last loss`);
  assert.deepEqual(a.losses, b.losses, `${label}: progress losses`);
  assert.ok(bytesEqual(a.params, b.params), `${label}: params`);
  assert.ok(a.ema === null ? b.ema === null : bytesEqual(a.ema, b.ema), `${label}: ema`);
}

test('all-ones mask == no mask, byte for byte: Gaussian fit and mixed fit', async () => {
  const n = 300;
  const numeric = gaussianData(n, 2, 60);
  const options = { hiddenDims: [32, 32], timeDim: 8, nTimesteps: 30, batchSize: 64, maxSteps: 40, lr: 3e-3, emaDecay: 0.9, lrDecay: true, maxGradNorm: 1, seed: 4 };
  const ones = new Uint8Array(n * 2).fill(1);
  assertSameFit(await fitBytes(numeric, options, { observed: ones }), await fitBytes(numeric, options, {}), 'gaussian');
  const mixed = { numeric, categorical: { rows: n, cols: 2, data: Int32Array.from({ length: 2 * n }, (_, i) => (i * 7) % (i % 2 ? 4 : 3)) } };
  for (const categorical of [{ method: 'sedd' }, { method: 'multinomial' }]) {
    assertSameFit(await fitBytes(mixed, { ...options, categorical }, { observed: ones }), await fitBytes(mixed, { ...options, categorical }, {}), `mixed ${categorical.method}`);
  }
});

test('a masked fit run step by step (callbacks, reuseData) equals the one-call masked fit and differs from the unmasked one', async () => {
  const n = 250, d = 2;
  const X = gaussianData(n, d, 70);
  const observed = randomMask(n * d, 71, 0.6);
  for (let i = 0; i < observed.length; i++) if (!observed[i]) X.data[i] = 0;
  const mixed = { numeric: X, categorical: { rows: n, cols: 1, data: Int32Array.from({ length: n }, (_, i) => i % 4) } };
  for (const input of [X, mixed]) {
    const options = { hiddenDims: [16, 16], timeDim: 8, nTimesteps: 20, batchSize: 32, maxSteps: 12, lr: 3e-3, seed: 8 };
    const oneCall = await fitBytes(input, options, { observed });
    const stepwise = await (async () => {
      const dm = new TabularDiffusion(options);
      const fit = await dm.fit(input, { observed, callbacks: [{ onStepEnd: () => true }] });
      const out = { loss: fit.loss, params: dm.nativeModel().getWeights('params') };
      dm.dispose();
      return out;
    })();
    const unmasked = await fitBytes(input, options, {});
    assert.equal(stepwise.loss, oneCall.loss);
    assert.ok(bytesEqual(stepwise.params, oneCall.params), 'step-wise reuses the mask');
    assert.ok(!bytesEqual(unmasked.params, oneCall.params), 'the mask changes the fit');
  }
});

// --- the held-out loss ----------------------------------------------------------------------

// For a mask M and its complement ~M on the same rows (the same inputs and draws):
//   loss(M) count(M) + loss(~M) count(~M) = loss(no mask) rows d
// for the Gaussian loss, and for the mixed loss as well (its categorical term, the same in all
// three, cancels because count(M) + count(~M) = rows d). An ignored mask breaks loss(M) != loss(~M).
for (const kind of ['gaussian', 'mixed']) {
  test(`denoisingLoss (${kind}) with observed: gaps are left out (complementary masks add up to the unmasked loss)`, async () => {
    const n = 120, d = 3;
    const numeric = gaussianData(n, d, 80);
    const X = kind === 'mixed' ? { numeric, categorical: { rows: n, cols: 1, data: Int32Array.from({ length: n }, (_, i) => i % 3) } } : numeric;
    const dm = new TabularDiffusion({ hiddenDims: [16, 16], timeDim: 8, nTimesteps: 20, batchSize: 32, maxSteps: 30, seed: 3 });
    await dm.fit(X);
    const M = randomMask(n * d, 81, 0.5);
    const notM = Uint8Array.from(M, (v) => 1 - v);
    const count = M.reduce((s, v) => s + v, 0);
    const opts = { seed: 5, draws: 3 };
    const all = dm.denoisingLoss(X, opts);
    const lm = dm.denoisingLoss(X, { ...opts, observed: M });
    const ln = dm.denoisingLoss(X, { ...opts, observed: notM });
    assert.notEqual(lm, ln);
    const combined = (lm * count + ln * (n * d - count)) / (n * d);
    assert.ok(Math.abs(combined - all) <= 1e-9 * Math.abs(all), `${combined} vs ${all}`);
    const ones = dm.denoisingLoss(X, { ...opts, observed: new Uint8Array(n * d).fill(1) });
    if (kind === 'gaussian') assert.equal(ones, all);
    else assert.ok(Math.abs(ones - all) <= 1e-12 * Math.abs(all));
    if (kind === 'gaussian') {
      assert.throws(() => dm.denoisingLoss(X, { observed: new Uint8Array(n * d) }), /observed: no cell of X is observed/);
    }
    dm.dispose();
  });
}

// --- (d) the point of it: gaps no longer pull the distribution toward the fill value ----------

test('column 0 ~ N(5, 1) observed in 70% of rows, gaps filled with 0: masked fit samples mean ~5, unmasked is pulled toward 0', async () => {
  const n = 2000;
  const z = ops.draws({ rows: n, cols: 2, seed: 11 });
  const u = ops.draws({ rows: n, cols: 1, seed: 12, kind: 'uniform' });
  const data = new Float32Array(n * 2), observed = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    const seen = u[i] < 0.7;
    data[2 * i] = seen ? 5 + z[2 * i] : 0;
    observed[2 * i] = seen ? 1 : 0;
    data[2 * i + 1] = z[2 * i + 1];
    observed[2 * i + 1] = 1;
  }
  const stats = async (fitOptions) => {
    const dm = new TabularDiffusion({ hiddenDims: [64, 64], timeDim: 16, nTimesteps: 50, maxSteps: 1500, batchSize: 128, lr: 3e-3, seed: 1 });
    await dm.fit({ rows: n, cols: 2, data }, fitOptions);
    const s = await dm.sample(4000, { seed: 3 });
    dm.dispose();
    let m = 0;
    for (let i = 0; i < 4000; i++) m += s.data[2 * i];
    m /= 4000;
    let v = 0;
    for (let i = 0; i < 4000; i++) v += (s.data[2 * i] - m) ** 2;
    return { mean: m, sd: Math.sqrt(v / 3999) };
  };
  const masked = await stats({ observed });
  const unmasked = await stats({});
  // Masked: the observed law N(5, 1) (short fit: mean within 0.4, sd within [0.7, 1.4]).
  assert.ok(Math.abs(masked.mean - 5) < 0.4, `masked mean ${masked.mean}`);
  assert.ok(masked.sd > 0.7 && masked.sd < 1.4, `masked sd ${masked.sd}`);
  // Unmasked: the mixture 0.7 N(5, 1) + 0.3 delta_0 (mean 3.5, sd ~2.4).
  assert.ok(unmasked.mean < 4.3, `unmasked mean ${unmasked.mean}`);
  assert.ok(unmasked.sd > 1.8, `unmasked sd ${unmasked.sd}`);
});

// --- (e) bad input ----------------------------------------------------------------------------

function detachedMask(n) {
  const m = new Uint8Array(n).fill(1);
  structuredClone(m.buffer, { transfer: [m.buffer] });
  return m;
}

test('bad observed masks: clear errors from TabularDiffusion and from the addon, and the model stays usable', async () => {
  const n = 20, d = 2;
  const X = gaussianData(n, d, 90);
  const dm = new TabularDiffusion({ hiddenDims: [8], timeDim: 4, nTimesteps: 10, batchSize: 8, maxSteps: 3, seed: 1 });
  await assert.rejects(dm.fit(X, { observed: new Uint8Array(n * d - 1) }), { name: 'RangeError', message: /observed: has 39 values, expected rows x numeric columns = 20 x 2 = 40/ });
  const two = new Uint8Array(n * d).fill(1);
  two[3] = 2;
  await assert.rejects(dm.fit(X, { observed: two }), { name: 'RangeError', message: /observed: row 2, column 2 holds 2/ });
  await assert.rejects(dm.fit(X, { observed: detachedMask(n * d) }), { name: 'TypeError', message: /observed: its ArrayBuffer is detached/ });
  await assert.rejects(dm.fit(X, { observed: new Array(n * d).fill(1) }), { name: 'TypeError', message: /observed: expected a Uint8Array/ });
  await assert.rejects(dm.fit(X, { observed: new Uint8ClampedArray(n * d).fill(1) }), { name: 'TypeError' });
  await dm.fit(X, { observed: new Uint8Array(n * d).fill(1) });
  assert.throws(() => dm.denoisingLoss(X, { observed: two }), /observed: row 2, column 2 holds 2/);
  assert.throws(() => dm.denoisingLoss(X, { observed: new Uint8Array(3) }), /observed: has 3 values/);
  dm.dispose();

  // The addon checks on its own (it is public as nativeOps()).
  const sched = noiseSchedule('linear', 10);
  const model = new ops.NativeModel({ dataDim: d, timeDim: 4, hidden: [8], seed: 1 });
  const fit = (observed) => model.fit({ x: X.data, rows: n, observed, sqrtAlphaBars: sched.sqrtAlphaBars, sqrtOneMinusAlphaBars: sched.sqrtOneMinusAlphaBars, batchSize: 8, steps: 2 });
  assert.throws(() => fit(new Uint8Array(5)), { name: 'RangeError', message: /observed: expected length 40, got 5/ });
  assert.throws(() => fit(two), { name: 'RangeError', message: /observed: value 2 at index 3 is not 0 \(gap\) or 1 \(observed\)/ });
  assert.throws(() => fit(detachedMask(n * d)), { name: 'TypeError', message: /observed: its ArrayBuffer is detached/ });
  assert.throws(() => fit(new Float32Array(n * d)), { name: 'TypeError', message: /observed: expected a Uint8Array/ });
  assert.throws(() => ops.epsMse(new Float32Array(4), new Float32Array(4), { observed: Uint8Array.of(1, 0, 3, 1) }), /observed: value 3 at index 2/);
  assert.throws(() => ops.epsMse(new Float32Array(4), new Float32Array(4), { observed: new Uint8Array(3) }), /observed: expected length 4/);
  const r = await fit(new Uint8Array(n * d).fill(1));
  assert.equal(r.steps, 2);
  // reuseData trains on the first call's copy (the caller may change or detach its mask).
  const mask = randomMask(n * d, 91, 0.5);
  await fit(mask);
  structuredClone(mask.buffer, { transfer: [mask.buffer] });
  const again = await model.fit({ x: new Float32Array(0), rows: n, reuseData: true, sqrtAlphaBars: sched.sqrtAlphaBars, sqrtOneMinusAlphaBars: sched.sqrtOneMinusAlphaBars, batchSize: 8, steps: 2 });
  assert.equal(again.steps, 2);
  model.release();
});
