// fit(X, { redrawData: { every, draw } }) (src/diffusion.ts): the training rows are replaced
// every `every` steps, the optimiser, EMA and step count carrying on; and its use by
// conditioning: 'any' models (src/conditioning/any.ts, anyFitData), whose observed subsets are
// drawn afresh after about one pass instead of a few fixed copies.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { TabularDiffusion, TabularSynthesizer } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

const require = createRequire(import.meta.url);
const { anyFitData, contextLayout, MIN_REDRAW_STEPS } = require('../dist/cjs/conditioning/any.js');

const OPTS = { hiddenDims: [16, 16], timeDim: 8, nTimesteps: 20, maxSteps: 70, batchSize: 16, lr: 3e-3, seed: 4, threads: 1 };

function matrix(rows, cols, seed) {
  const r = rng(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => r.normal()) };
}

async function weightsAfter(X, options) {
  const d = new TabularDiffusion(OPTS);
  try {
    await d.fit(X, options);
    const native = d.nativeModel();
    return { params: native.getWeights('params'), ema: native.getWeights('ema') };
  } finally {
    d.dispose();
  }
}

test('redrawData: redrawing the same rows gives the bytes of one fit; other rows change them; same bytes whatever the checkpoints', async () => {
  const X = matrix(40, 3, 1);
  const calls = [];
  const same = await weightsAfter(X, { redrawData: { every: 20, draw: (k) => (calls.push(k), { X }) } });
  assert.deepEqual(calls, [1, 2, 3], 'segments start at steps 20, 40, 60 of 70');
  assert.deepEqual(same, await weightsAfter(X, {}), 'optimiser, EMA, step and learning-rate decay carry across the redraws');

  const other = (k) => ({ X: matrix(30 + k, 3, 10 + k) });
  const redrawn = await weightsAfter(X, { redrawData: { every: 20, draw: other } });
  assert.notDeepEqual(redrawn.params, same.params, 'the redrawn rows are trained on');
  const seen = [];
  const checked = await weightsAfter(X, {
    redrawData: { every: 20, draw: other },
    checkpoints: { every: 15, check: (s) => void seen.push(s.step) },
  });
  assert.deepEqual(seen, [15, 30, 45, 60, 70], 'checks at their own boundaries (and the end)');
  assert.deepEqual(checked, redrawn);
  // Step by step (a per-step callback) reads the same rows at the same steps.
  const stepwise = await weightsAfter(X, { redrawData: { every: 20, draw: other }, callbacks: [{ onStepEnd: () => {} }] });
  assert.deepEqual(stepwise, redrawn);
});

test('redrawData: bad redraws are errors naming the segment', async () => {
  const X = matrix(40, 3, 1);
  await assert.rejects(weightsAfter(X, { redrawData: { every: 20, draw: () => ({ X: matrix(40, 2, 2) }) } }),
    /redrawData\.draw\(1\): the rows must have the fit's columns/);
  await assert.rejects(weightsAfter(X, { redrawData: { every: 20, draw: () => ({ X: { rows: 1, cols: 3, data: new Float32Array([0, NaN, 0]) } }) } }),
    /redrawData\.draw\(1\)\.X/);
  await assert.rejects(weightsAfter(X, { redrawData: { every: 0, draw: () => ({ X }) } }), /redrawData\.every/);
  await assert.rejects(weightsAfter(X, { redrawData: { every: 5 } }), /redrawData: expected \{ every, draw\(segment\) \}/);
});

test("conditioning 'any': the observed subsets are drawn afresh after about one pass over the copies, deterministically", () => {
  const r = rng(3);
  const rows = Array.from({ length: 200 }, () => ({ x: r.normal(), y: r.normal(), c: r.uniform() < 0.5 ? 'a' : 'b' }));
  const synth = new TabularSynthesizer({ categorical: ['c'] });
  const tf = synth.transformer;
  const m = tf.fitTransformMixed(rows);
  const L = contextLayout(tf);
  const classes = tf.categoricalCardinalities;
  // 4 copies of 200 rows at batch 256: one pass is 4 steps, under the floor; the draw then holds enough rows for the floor's steps
  const small = anyFitData(L, m, 4, 7, 256, classes);
  assert.equal(small.redrawData.every, MIN_REDRAW_STEPS);
  assert.equal(small.first.X.numeric.rows, Math.ceil((MIN_REDRAW_STEPS * 256) / 200) * 200);
  // a larger table: one pass of 4 copies
  const big = anyFitData(L, m, 4, 7, 2, classes);
  assert.equal(big.redrawData.every, Math.max(MIN_REDRAW_STEPS, 400));
  assert.equal(big.first.X.numeric.rows, 800);
  // every draw holds the training rows (copies in order) with its own subsets; the same seed, the same draws
  const a = big.redrawData.draw(1), b = big.redrawData.draw(2);
  assert.deepEqual(a.X.numeric.data.subarray(0, m.numeric.data.length), m.numeric.data);
  assert.deepEqual(a.X.categorical.data.subarray(0, m.categorical.data.length), m.categorical.data);
  assert.notDeepEqual(a.context.data, b.context.data, 'fresh subsets');
  assert.notDeepEqual(a.context.data, big.first.context.data);
  assert.deepEqual(anyFitData(L, m, 4, 7, 2, classes).redrawData.draw(2), b);
});
