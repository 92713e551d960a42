// Mixed-type models (numeric + categorical columns on a discrete chain) on the GPU: sampling
// from the same weights draws the CPU's classes and numbers, and a fit on the GPU tracks the
// CPU's fit. Draws come from the same Philox counters on both sides; the networks differ in
// summation order and exp (~1e-6 relative), which now and then flips a class whose
// probability sits at the uniform's edge, and with it the rest of that row's chain.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TabularDiffusion, nativeOps } from '../../dist/esm/index.mjs';
import { GPU, deviceOf, skipReason } from './gpu-env.mjs';
import { mixedData as mixedOf } from './mixture.mjs';

const ops = nativeOps();
const CLASSES = [3, 5];

const mixedData = (n, seed) => mixedOf(ops, n, seed);

const OPTIONS = { hiddenDims: [64, 64], timeDim: 16, nTimesteps: 50, batchSize: 128, maxSteps: 600, seed: 3 };
const CHAINS = [{ method: 'sedd' }, { method: 'sedd', graph: 'uniform', sampler: 'euler' }, { method: 'multinomial' }];

function rowsAgreeing(a, b) {
  let cells = 0, rows = 0;
  const n = a.categorical.rows;
  for (let i = 0; i < n; i++) {
    let same = true;
    for (let c = 0; c < 2; c++) {
      if (a.categorical.data[2 * i + c] === b.categorical.data[2 * i + c]) cells++;
      else same = false;
      if (Math.abs(a.numeric.data[2 * i + c] - b.numeric.data[2 * i + c]) > 1e-3) same = false;
    }
    if (same) rows++;
  }
  return { cells: cells / (2 * n), rows: rows / n };
}

for (const categorical of CHAINS) {
  const label = JSON.stringify(categorical);
  test(`mixed ${label}: GPU sampling from the CPU's weights draws the CPU's rows (>= 99% of rows within 1e-3)`, { skip: skipReason }, async () => {
    const cpu = new TabularDiffusion({ ...OPTIONS, categorical, device: 'cpu' });
    await cpu.fit(mixedData(2000, 1), { categoricalClasses: CLASSES });
    const w = cpu.nativeModel();
    const gpu = new TabularDiffusion({ ...OPTIONS, categorical, device: GPU });
    gpu.restore({ dataDim: 2, contextDim: 0, params: w.getWeights('params'), ema: w.getWeights('ema'), step: w.info().step, categoricalClasses: CLASSES });
    for (const sampler of ['ddpm', 'ddim']) {
      const fixed = { rows: 1, cols: 2, data: Int32Array.of(-1, 4) };
      for (const extra of [{}, { fixed }]) {
        const opts = { seed: 5, sampler, ...(sampler === 'ddim' ? { steps: 10 } : {}), ...extra };
        const a = await cpu.sampleMixed(3000, opts);
        const b = await gpu.sampleMixed(3000, opts);
        const share = rowsAgreeing(a, b);
        assert.ok(share.rows >= 0.99, `${sampler} ${extra.fixed ? 'fixed' : ''}: rows ${share.rows}, cells ${share.cells}`);
        if (extra.fixed) assert.ok(b.categorical.data.every((v, i) => i % 2 === 0 || v === 4), 'held class');
      }
    }
    cpu.dispose();
    gpu.dispose();
  });

  test(`mixed ${label}: a fit on the GPU tracks the CPU's (losses within 2%, same class frequencies within sampling error)`, { skip: skipReason }, async () => {
    const data = mixedData(2000, 2);
    const result = {};
    for (const device of ['cpu', 'cuda']) {
      const dm = new TabularDiffusion({ ...OPTIONS, categorical, device: deviceOf(device) });
      const fit = await dm.fit(data, { categoricalClasses: CLASSES });
      const s = await dm.sampleMixed(20000, { seed: 7 });
      const counts = new Float64Array(3);
      for (let i = 0; i < s.categorical.rows; i++) counts[s.categorical.data[2 * i]] += 1 / s.categorical.rows;
      result[device] = { loss: fit.loss, counts };
      dm.dispose();
    }
    // The same batches and draws on both sides: the loss paths differ only by rounding.
    assert.ok(Math.abs(result.cuda.loss - result.cpu.loss) <= 0.02 * Math.abs(result.cpu.loss), `loss cpu ${result.cpu.loss} cuda ${result.cuda.loss}`);
    // Two samples of 20000 from two fits: class frequencies differ by sampling error (sd < 0.005)
    // plus training noise. How close either gets to the truth (1/3 each) is the model's business,
    // tested on the CPU (sedd-e2e); a short multinomial fit here lands near 0.44 for class 0 on both.
    for (let a = 0; a < 3; a++) {
      assert.ok(Math.abs(result.cuda.counts[a] - result.cpu.counts[a]) < 0.03, `class ${a}: cpu ${result.cpu.counts[a]} cuda ${result.cuda.counts[a]}`);
    }
  });
}
