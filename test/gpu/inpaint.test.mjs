// Inpainting on the GPU (native/cuda/inpaint.cu) against the CPU reference (native/cpu/inpaint.cpp):
// the substitution and the jump ops to the bit, and whole inpainting jobs (RePaint's moves, the
// categorical chain's jumps, observed classes held) from the CPU's weights drawing the CPU's rows.
// Draws come from the same Philox counters on both sides; the networks differ in summation order
// and exp (~1e-6 relative), which now and then flips a class and with it the rest of that row.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { TabularDiffusion, TabularSynthesizer, nativeOps, noiseSchedule } from '../../dist/esm/index.mjs';
import { GPU, skipReason } from './gpu-env.mjs';
import { bytesEqual } from '../fixtures/bytes.mjs';
import { mixedData as mixedOf, mixture as mixtureOf } from './mixture.mjs';

const ops = nativeOps();
const T = 100;
const { alphaBars, betas } = noiseSchedule('linear', T, { betaStart: 1e-4 * (1000 / T), betaEnd: 0.02 * (1000 / T) });

// rows x cols known cells: every third cell observed (per row) or one shared row.
function known(rows, cols, seed) {
  const values = ops.draws({ rows, cols, seed, stream: 400 });
  const mask = Uint8Array.from({ length: rows * cols }, (_, i) => (i % 3 === 0 ? 1 : 0));
  return { values, mask };
}


test('inpaintStep: the CUDA twin takes the CPU\'s step and substitution to the bit', { skip: skipReason }, () => {
  const rows = 1000, cols = 7;
  const x = ops.draws({ rows, cols, seed: 1 });
  const epsHat = ops.draws({ rows, cols, seed: 2 });
  for (const knownRows of [1, rows]) {
    const k = known(knownRows, cols, 3);
    for (const step of [
      { sampler: 'ddpm', t: 60 }, { sampler: 'ddpm', t: 0 }, { sampler: 'ddim', t: 60, prev: 40, eta: 1 },
      { sampler: 'ddim', t: 10, prev: -1, eta: 0 },
    ]) {
      for (const pass of [0, 3]) {
        const args = { x, epsHat, rows, cols, alphaBars, betas, seed: 9, rowOffset: 17, pass, known: k.values, knownMask: k.mask, knownRows, ...step };
        const cpu = ops.inpaintStep(args);
        const gpu = ops.inpaintStep({ ...args, device: GPU });
        assert.ok(bytesEqual(gpu, cpu), `${JSON.stringify(step)} pass ${pass} knownRows ${knownRows}`);
      }
    }
  }
});

test('inpaintJump: the CUDA twin draws the CPU\'s jump to the bit', { skip: skipReason }, () => {
  const rows = 999, cols = 5;
  const x = ops.draws({ rows, cols, seed: 4 });
  for (const [from, to, step] of [[0.9, 0.5, 12], [0.3, 0.3, 0], [1, 1e-3, 301]]) {
    const args = { x, rows, cols, abarFrom: from, abarTo: to, seed: 5, rowOffset: 3, step };
    assert.ok(bytesEqual(ops.inpaintJump({ ...args, device: GPU }), ops.inpaintJump(args)), `jump ${from} -> ${to}`);
  }
});

// Share of rows whose every cell agrees (numbers within 1e-3, classes equal).
function rowsAgreeing(a, b, cols, ac = null, bc = null, catCols = 0) {
  let same = 0;
  const n = a.length / cols;
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (let j = 0; j < cols; j++) if (Math.abs(a[i * cols + j] - b[i * cols + j]) > 1e-3) ok = false;
    for (let j = 0; j < catCols; j++) if (ac[i * catCols + j] !== bc[i * catCols + j]) ok = false;
    if (ok) same++;
  }
  return same / n;
}

// The observed cells of every output row, bit for bit.
function assertObserved(out, k, rows, cols, label) {
  const knownRows = k.values.length / cols;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const at = (knownRows === 1 ? 0 : i) * cols + j;
      if (k.mask[at] && !Object.is(out[i * cols + j], k.values[at])) {
        assert.fail(`${label}: row ${i} column ${j} is ${out[i * cols + j]}, observed ${k.values[at]}`);
      }
    }
  }
}

const OPTIONS = { hiddenDims: [64, 64], timeDim: 16, nTimesteps: T, batchSize: 128, maxSteps: 600, seed: 3 };
const SAMPLERS = [
  { sampler: 'ddpm', resample: { jumps: 3, length: 5, start: 0.5 } },
  { sampler: 'ddim', steps: 40, eta: 1, resample: { jumps: 4, length: 5, start: 0.75 } },
  { sampler: 'dpm-solver++', steps: 20 },
];

test('Gaussian model: GPU inpainting from the CPU\'s weights draws the CPU\'s rows (>= 99% within 1e-3), observed cells exact', { skip: skipReason }, async () => {
  const cpu = new TabularDiffusion({ ...OPTIONS, device: 'cpu' });
  await cpu.fit(mixtureOf(ops, 2000, 1));
  const w = cpu.nativeModel();
  const gpu = new TabularDiffusion({ ...OPTIONS, device: GPU });
  gpu.restore({ dataDim: 2, contextDim: 0, params: w.getWeights('params'), ema: w.getWeights('ema'), step: w.info().step });
  const n = 3000;
  for (const knownRows of [1, n]) {
    const k = known(knownRows, 2, 6);
    for (const s of SAMPLERS) {
      const opts = { seed: 5, ...s, known: { values: k.values, mask: k.mask, rows: knownRows } };
      const a = await cpu.sample(n, opts);
      const b = await gpu.sample(n, opts);
      const label = `${s.sampler} knownRows ${knownRows}`;
      assertObserved(b.data, k, n, 2, label);
      const share = rowsAgreeing(a.data, b.data, 2);
      assert.ok(share >= 0.99, `${label}: rows agreeing ${share}`);
    }
  }
  cpu.dispose();
  gpu.dispose();
});

const mixedData = (n, seed) => mixedOf(ops, n, seed);

for (const categorical of [{ method: 'sedd' }, { method: 'multinomial' }]) {
  test(`mixed ${JSON.stringify(categorical)}: GPU inpainting with jumps on both chains draws the CPU's rows (>= 99%)`, { skip: skipReason }, async () => {
    const classes = [3, 5];
    const cpu = new TabularDiffusion({ ...OPTIONS, categorical, device: 'cpu' });
    await cpu.fit(mixedData(2000, 1), { categoricalClasses: classes });
    const w = cpu.nativeModel();
    const gpu = new TabularDiffusion({ ...OPTIONS, categorical, device: GPU });
    gpu.restore({ dataDim: 2, contextDim: 0, params: w.getWeights('params'), ema: w.getWeights('ema'), step: w.info().step, categoricalClasses: classes });
    const n = 3000;
    const k = known(n, 2, 7);
    const fixed = { rows: 1, cols: 2, data: Int32Array.of(-1, 4) };
    for (const s of SAMPLERS.slice(0, 2)) {
      const opts = { seed: 5, ...s, fixed, known: { values: k.values, mask: k.mask, rows: n } };
      const a = await cpu.sampleMixed(n, opts);
      const b = await gpu.sampleMixed(n, opts);
      assertObserved(b.numeric.data, k, n, 2, s.sampler);
      assert.ok(b.categorical.data.every((v, i) => i % 2 === 0 || v === 4), 'held class');
      const share = rowsAgreeing(a.numeric.data, b.numeric.data, 2, a.categorical.data, b.categorical.data, 2);
      assert.ok(share >= 0.99, `${s.sampler}: rows agreeing ${share}`);
    }
    cpu.dispose();
    gpu.dispose();
  });
}

test('impute on a model loaded onto the GPU fills the CPU\'s gaps (>= 99% of rows) and keeps the observed cells', { skip: skipReason }, async () => {
  const u = ops.draws({ rows: 1500, cols: 3, seed: 8, kind: 'uniform' });
  const rows = Array.from({ length: 1500 }, (_, i) => ({
    x: u[3 * i] * 4, y: 2 * u[3 * i] + u[3 * i + 1], g: u[3 * i + 2] < 0.5 ? 'a' : 'b',
  }));
  const synth = new TabularSynthesizer({ seed: 2, maxSteps: 800, nTimesteps: T });
  await synth.fit(rows);
  const dir = mkdtempSync(join(tmpdir(), 'td-gpu-impute-'));
  try {
    await synth.save(join(dir, 'm.tdm'));
    const onGpu = await TabularSynthesizer.load(join(dir, 'm.tdm'), { device: GPU });
    const holes = rows.slice(0, 400).map((r, i) => (i % 3 === 0 ? { ...r, y: null } : i % 3 === 1 ? { ...r, x: null } : { ...r, g: null }));
    const [a] = await synth.impute(holes, { seed: 4 });
    const [b] = await onGpu.impute(holes, { seed: 4 });
    let same = 0;
    b.forEach((r, i) => {
      for (const key of ['x', 'y', 'g']) if (holes[i][key] !== null) assert.equal(r[key], holes[i][key], `row ${i} ${key}`);
      if (r.g === a[i].g && Math.abs(r.x - a[i].x) < 1e-3 * (1 + Math.abs(a[i].x)) && Math.abs(r.y - a[i].y) < 1e-3 * (1 + Math.abs(a[i].y))) same++;
    });
    assert.ok(same / b.length >= 0.99, `rows agreeing ${same / b.length}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
