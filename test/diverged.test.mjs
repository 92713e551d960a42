// Rows whose reverse chain runs away from the data are drawn again (src/diffusion/diverged.ts).
// A real runaway chain is rare and model-specific (a few rows in 10^4 on california_housing with a
// [512, 512] network), so the tests set `redrawLimit` on a small fitted model so that ordinary
// rows count as runaways: the rows inside the limit must come back untouched, the others redrawn inside it,
// deterministically and whatever the split of the call; a row that never gets inside is a clear
// error.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { TabularDiffusion, TabularSynthesizer, nativeOps } from '../dist/esm/index.mjs';

const require = createRequire(import.meta.url);
const { DEFAULT_REDRAW_LIMIT, divergedRows, oneRowArgs, redrawSeed } = require('../dist/cjs/diffusion/diverged.js');

const ops = nativeOps();
const OPTIONS = { hiddenDims: [32, 32], timeDim: 8, nTimesteps: 50, maxSteps: 300, batchSize: 128, seed: 4 };

async function fitted(scale = 1) {
  const dm = new TabularDiffusion(OPTIONS);
  await dm.fit({ rows: 1000, cols: 2, data: ops.draws({ rows: 1000, cols: 2, seed: 1 }).map((v) => scale * v) });
  return dm;
}

async function withWarnings(fn) {
  const seen = [];
  const on = (w) => { if (w.code === 'TABDIFF_REDRAWN_ROWS') seen.push(w.message); };
  process.on('warning', on);
  try {
    const value = await fn();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    return [value, seen];
  } finally {
    process.off('warning', on);
  }
}

test('divergedRows, redrawSeed, oneRowArgs', () => {
  const out = Float32Array.of(5.9, 0, 6.1, 0, 0, NaN, 0, -Infinity, 1e4, 0);
  assert.deepEqual(divergedRows(out, 5, 2, 6), [1, 2, 3, 4]);
  assert.deepEqual(divergedRows(out, 5, 2, DEFAULT_REDRAW_LIMIT), [2, 3]); // the default: not finite only
  assert.deepEqual(divergedRows(out, 5, 2, 6, { knownMask: Uint8Array.of(1, 0), knownRows: 1 }), [2, 3]); // column 0 holds the caller's values
  const perRow = Uint8Array.of(0, 0, 1, 0, 0, 1, 0, 0, 0, 0);
  assert.deepEqual(divergedRows(out, 5, 2, 6, { knownMask: perRow, knownRows: 5 }), [3, 4]); // row 1's 6.1 and row 2's NaN are observed
  assert.equal(redrawSeed(5, 0), 5);
  assert.notEqual(redrawSeed(5, 1), redrawSeed(5, 2));
  assert.ok(Number.isSafeInteger(redrawSeed(Number.MAX_SAFE_INTEGER, 8)));
  const args = { n: 3, rowOffset: 10, seed: 5, context: Float32Array.of(1, 2, 3), contextRows: 3, known: Float32Array.of(7, 8), knownMask: Uint8Array.of(1, 0), knownRows: 1 };
  const one = oneRowArgs(args, 2, 1);
  assert.deepEqual([one.n, one.rowOffset, one.seed, one.contextRows, Array.from(one.context), one.knownRows, Array.from(one.known)],
    [1, 12, redrawSeed(5, 1), 1, [3], 1, [7, 8]]);
  assert.equal('fixed' in one, false);
});

test('rows beyond the limit are drawn again inside it; the others are untouched; same bytes for any split', async () => {
  const dm = await fitted();
  try {
    const n = 2000, limit = 2.6;
    const plain = await dm.sample(n, { seed: 9 });
    const outside = divergedRows(plain.data, n, 2, limit);
    assert.ok(outside.length > 3 && outside.length < n / 4, `rows outside: ${outside.length}`);
    const [redrawn, seen] = await withWarnings(() => dm.sample(n, { seed: 9, redrawLimit: limit }));
    assert.deepEqual(divergedRows(redrawn.data, n, 2, limit), []);
    const moved = new Set(outside);
    for (let i = 0; i < n; i++) {
      const same = redrawn.data[2 * i] === plain.data[2 * i] && redrawn.data[2 * i + 1] === plain.data[2 * i + 1];
      assert.equal(same, !moved.has(i), `row ${i}`);
    }
    const named = outside.slice(0, 5).join(', ') + (outside.length > 5 ? ', ...' : '');
    assert.deepEqual(seen, [`${outside.length} of ${n} sampled rows ran away from the training data in the reverse chain and were drawn again (rows ${named})`]);
    // A row's redraws depend on (seed, row) alone: rows [700, 1300) of the call, drawn by themselves.
    const part = await dm.sample(600, { seed: 9, offset: 700, batchSize: 97, redrawLimit: limit });
    assert.deepEqual(part.data, redrawn.data.subarray(1400, 2600));
    assert.deepEqual((await dm.sample(n, { seed: 9, redrawLimit: limit })).data, redrawn.data);
    // The step-by-step path (per-step hooks) redraws the same rows to the same bytes; its hooks see first draws.
    let last = null;
    const hook = { onSampleStep: (st) => { last = Float32Array.from(st.x.data); } };
    await new Promise((r) => setImmediate(r)); // the previous call's warning first
    const [stepwise, seenStepwise] = await withWarnings(() => dm.sample(n, { seed: 9, redrawLimit: limit, callbacks: [hook] }));
    assert.deepEqual(stepwise.data, redrawn.data);
    assert.deepEqual(last, plain.data);
    assert.deepEqual(seenStepwise, seen);
    await assert.rejects(dm.sample(5, { redrawLimit: 0 }), /redrawLimit: expected a positive number, got 0/);
  } finally {
    dm.dispose();
  }
});

test('a row that never comes back inside the limit is an error naming the row', async () => {
  const dm = await fitted(5); // rows spread about 5 wide: most fall outside a limit of 1
  try {
    await assert.rejects(dm.sample(3000, { seed: 2, redrawLimit: 1 }), /sample: the reverse chain of row \d+ ran beyond redrawLimit 1 in 9 draws/);
  } finally {
    dm.dispose();
  }
});

test('inpainting: observed cells never count; given rows are redrawn with their own given cells', async () => {
  const rows = Array.from({ length: 400 }, (_, i) => ({ a: Math.sin(i) * 2, b: (i % 11) / 3 + Math.cos(i) }));
  const synth = new TabularSynthesizer({ hiddenDims: [32, 32], nTimesteps: 40, maxSteps: 300, seed: 3, quantile: false });
  await synth.fit(rows);
  try {
    const dm = synth.diffusion;
    const n = 1500;
    // Column 0 (a) observed at 1.5 standard units in every row, per-row arrays (knownRows = n).
    const known = { values: new Float32Array(2 * n), mask: new Uint8Array(2 * n), rows: n };
    for (let i = 0; i < n; i++) { known.values[2 * i] = 1.5; known.mask[2 * i] = 1; }
    const plain = await dm.sample(n, { seed: 4, known, resample: { jumps: 1 } });
    const outside = divergedRows(plain.data, n, 2, 1.2, { knownMask: known.mask, knownRows: n });
    assert.ok(outside.length > 3, `rows outside: ${outside.length}`);
    // A limit under the observed value: only the free column counts.
    const redrawn = await dm.sample(n, { seed: 4, known, resample: { jumps: 1 }, redrawLimit: 1.2 });
    for (let i = 0; i < n; i++) {
      assert.equal(redrawn.data[2 * i], 1.5, `row ${i}: observed cell`);
      assert.ok(Math.abs(redrawn.data[2 * i + 1]) <= 1.2, `row ${i}: free cell ${redrawn.data[2 * i + 1]}`);
    }
  } finally {
    synth.dispose();
  }
});

test('TabularSynthesizer passes redrawLimit to sample, sampleStream and impute', async () => {
  const rows = Array.from({ length: 400 }, (_, i) => ({ a: Math.sin(i) * 2, b: (i % 11) / 3 + Math.cos(i), g: i % 3 === 0 ? 'x' : 'y' }));
  const synth = new TabularSynthesizer({ hiddenDims: [32, 32], nTimesteps: 40, maxSteps: 300, seed: 3 });
  await synth.fit(rows);
  try {
    const plain = await synth.sample(300, { seed: 6 });
    const [tight, seen] = await withWarnings(() => synth.sample(300, { seed: 6, redrawLimit: 1.5 }));
    assert.equal(seen.length, 1, 'one warning');
    const count = Number(/^(\d+) of 300/.exec(seen[0])[1]);
    const changed = tight.filter((r, i) => r.a !== plain[i].a || r.b !== plain[i].b || r.g !== plain[i].g).length;
    assert.ok(count > 0 && changed === count, `redrawn ${count}, changed ${changed}`);
    const streamed = [];
    for await (const row of synth.sampleStream(300, { seed: 6, redrawLimit: 1.5, chunkRows: 128 })) streamed.push(row);
    assert.deepEqual(streamed, tight);
    const [filled] = await synth.impute([{ a: null, b: 1, g: 'x' }], { seed: 2, redrawLimit: 1.5 });
    assert.ok(Number.isFinite(filled[0].a));
    await assert.rejects(synth.sample(5, { redrawLimit: -1 }), /redrawLimit: expected a positive number/);
  } finally {
    synth.dispose();
  }
});

test('softRedrawLimit: rows beyond it are redrawn; a row that never gets inside keeps its first draw, counted in the warning', async () => {
  const dm = await fitted();
  try {
    const n = 2000;
    const plain = await dm.sample(n, { seed: 9 });
    // A soft limit as the hard one above: the same rows move, to the same draws.
    const hard = await dm.sample(n, { seed: 9, redrawLimit: 2.6 });
    const [soft] = await withWarnings(() => dm.sample(n, { seed: 9, softRedrawLimit: 2.6 }));
    assert.deepEqual(soft.data, hard.data);
    // A soft limit no row can meet: every row is tried 8 more times and keeps its first draw, no error.
    const [kept, seen] = await withWarnings(() => dm.sample(50, { seed: 9, softRedrawLimit: 1e-6 }));
    assert.deepEqual(kept.data, plain.data.subarray(0, 100));
    assert.equal(seen.length, 1);
    assert.match(seen[0], /^50 of 50 sampled rows ran away .*; 50 stayed beyond 0\.000001 in all 8 redraws and keep a draw as it came/);
    // The hard limit still fails where the soft one keeps.
    await assert.rejects(dm.sample(50, { seed: 9, softRedrawLimit: 1e-6, redrawLimit: 1e-6 }), /ran beyond redrawLimit/);
    await assert.rejects(dm.sample(5, { softRedrawLimit: 0 }), /softRedrawLimit: expected a positive number, got 0/);
  } finally {
    dm.dispose();
  }
});

test('TabularSynthesizer chooses its runaway limit at fit: 4x the largest training value in its space, or none for a model far from its data', async () => {
  const { runawayLimit, checkedLimit, rowsBeyond, MIN_LIMIT, PROBE_SHARE } = require('../dist/cjs/synthesizer/runaway.js');
  assert.equal(runawayLimit({ rows: 2, cols: 2, data: Float32Array.of(1, -3, 2, 0) }), MIN_LIMIT);
  assert.equal(runawayLimit({ rows: 1, cols: 2, data: Float32Array.of(-30, 2) }), 120);
  const probe = (beyond) => ({ rows: 1000, cols: 1, data: Float32Array.from({ length: 1000 }, (_, i) => (i < beyond ? 50 : 1)) });
  assert.equal(checkedLimit(20, rowsBeyond(20, probe(PROBE_SHARE * 1000)), 1000), 20);
  assert.equal(checkedLimit(20, rowsBeyond(20, probe(PROBE_SHARE * 1000 + 1)), 1000), null);
  assert.equal(rowsBeyond(20, probe(7)), 7);
  assert.equal(rowsBeyond(20, { numeric: probe(3), categorical: { rows: 1000, cols: 0, data: new Int32Array(0) } }), 3);

  const rows = Array.from({ length: 400 }, (_, i) => ({ a: Math.sin(i) * 2, b: (i % 11) / 3 + Math.cos(i), g: i % 3 === 0 ? 'x' : 'y' }));
  const trained = new TabularSynthesizer({ hiddenDims: [32, 32], nTimesteps: 40, maxSteps: 300, seed: 3 });
  const raw = new TabularSynthesizer({ hiddenDims: [32, 32], nTimesteps: 40, maxSteps: 1, lr: 1e-6, seed: 3 });
  try {
    const trainedWarnings = [];
    await trained.fit(rows, { onWarning: (w) => trainedWarnings.push(w) });
    assert.deepEqual(trainedWarnings, []);
    const limit = trained.settings.redrawLimit;
    assert.equal(limit, runawayLimit(trained.transformer.fitTransformMixed(rows).numeric));
    assert.ok(trained.settings.notes.some((n) => n.startsWith('runaway rows: sampled rows beyond')));
    // its samples: the limit is passed as the soft limit (a hard limit at the same size gives the same rows)
    assert.deepEqual(await trained.sample(300, { seed: 6 }), await trained.sample(300, { seed: 6, redrawLimit: limit }));
    // kept in the model file
    const path = join(tmpdir(), `tabdiff-runaway-${process.pid}.tdm`);
    await trained.save(path);
    const back = await TabularSynthesizer.load(path);
    try {
      assert.equal(back.settings.redrawLimit, limit);
    } finally {
      back.dispose();
      rmSync(path, { force: true });
    }
    // one step at a tiny rate: the untrained network's chains end far out, so no size limit
    const rawWarnings = [];
    await raw.fit(rows, { onWarning: (w) => rawWarnings.push(w) });
    assert.equal(raw.settings.redrawLimit, null);
    // ...and the fit says so: the count of probe rows beyond, the loss, what to change
    assert.equal(rawWarnings.length, 1);
    assert.match(rawWarnings[0], /^fit: \d+ of 512 rows sampled from the fitted model lie beyond \d+ in the model's space \(4x the training data's largest value; final training loss [\d.e+-]+\): the model is far from its data\. Its training diverged or its reverse chain is unstable \(lower lr\), or it was too short \(more maxSteps\)/);
    assert.ok(raw.settings.notes.some((n) => /no size limit \(more than 0\.5% of 512 probe rows/.test(n)));
  } finally {
    trained.dispose();
    raw.dispose();
  }
});
