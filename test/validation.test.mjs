// fit(rows, { validation }) on TabularSynthesizer (src/validation.ts): a seeded share of the rows
// is held out; every validationEvery steps the held-out denoising loss and the fidelity of a
// small sample against the held-out rows are recorded, and the fit ends with the weights of the
// best check. For a conditioning: 'any' model the same, with the held-out loss taken on the
// held-out rows' random observed subsets and an unconditional fidelity sample.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

function rows(n, seed) {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const x = r.normal();
    return { x, y: 2 * x + 0.5 * r.normal(), c: x + 0.3 * r.normal() > 0 ? 'hi' : 'lo' };
  });
}

const FAST = { hiddenDims: [32, 32], timeDim: 16, nTimesteps: 40, maxSteps: 300, batchSize: 64, lr: 3e-3, seed: 2, categorical: ['c'] };

/** Fits with validation; returns the records and each check's sampling weights (EMA, else params). */
async function fitChecked(synth, table, options) {
  const records = [];
  const weights = new Map();
  await synth.fit(table, {
    ...options,
    onValidation: (record) => {
      records.push(record);
      const native = synth.diffusion.nativeModel();
      weights.set(record.step, native.getWeights('ema') ?? native.getWeights('params'));
    },
  });
  return { records, weights };
}

for (const conditioning of ['none', 'any']) {
  test(`validation (conditioning: '${conditioning}'): checks every k steps, keeps the best check's weights, same seed same fit`, async () => {
    const table = rows(500, 5);
    const a = new TabularSynthesizer({ ...FAST, conditioning, conditioningCopies: 2 });
    const b = new TabularSynthesizer({ ...FAST, conditioning, conditioningCopies: 2 });
    try {
      const { records, weights } = await fitChecked(a, table, { validation: 0.2, validationEvery: 100 });
      assert.equal(a.diffusion.dims.contextDim > 0, conditioning === 'any', 'the any model has its context input');
      const v = a.settings.validation;
      assert.equal(v.heldOutRows, 100);
      assert.deepEqual(v.history.map((h) => h.step), [100, 200, 300]);
      assert.deepEqual(v.history, records, 'onValidation saw every check');
      for (const h of v.history) {
        assert.ok(Number.isFinite(h.heldOutLoss) && h.heldOutLoss > 0, `held-out loss ${h.heldOutLoss}`);
        assert.ok(h.fidelity > 0 && h.fidelity <= 1, `fidelity ${h.fidelity}`);
      }
      const best = v.history.reduce((p, h) => (h.fidelity > p.fidelity ? h : p));
      assert.equal(v.bestStep, best.step);
      const native = a.diffusion.nativeModel();
      assert.deepEqual(native.getWeights('ema') ?? native.getWeights('params'), weights.get(best.step));
      // Same seed, same split, same checks and weights.
      await b.fit(table, { validation: 0.2, validationEvery: 100 });
      assert.deepEqual(b.settings.validation.history, v.history);
      assert.deepEqual(b.diffusion.nativeModel().getWeights('params'), native.getWeights('params'));
      // The fitted model samples, and holds given cells (inpainting, or the context of 'any').
      const out = await a.sample(20, { seed: 1, given: { c: 'hi', x: 0.5 }, resample: conditioning === 'none' ? { jumps: 1 } : undefined });
      assert.ok(out.every((r) => r.c === 'hi' && r.x === 0.5 && Number.isFinite(r.y)));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
}
