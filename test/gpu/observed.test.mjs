// CPU/CUDA parity of the observed mask (missing values masked out of the eps-MSE): the masked
// op, one masked training step, and whole masked fits (Gaussian-only and mixed) whose losses
// and samples track the CPU's. The CPU backend is the reference (test/observed-mask.test.mjs
// checks it against a JS oracle); each assertion states its tolerance and why.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TabularDiffusion, nativeOps, noiseSchedule } from '../../dist/esm/index.mjs';
import { GPU, deviceOf, skipReason } from './gpu-env.mjs';

const ops = nativeOps();

function bytesEqual(a, b) {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function randomMask(n, seed, pObserved) {
  const u = ops.draws({ rows: n, cols: 1, seed, stream: 301, kind: 'uniform' });
  return Uint8Array.from(u, (v) => (v < pObserved ? 1 : 0));
}

// Column 0 ~ N(5, 1) observed in 70% of rows (gaps hold 0), column 1 ~ N(0, 1) always observed.
function gappyData(n, seed) {
  const z = ops.draws({ rows: n, cols: 2, seed });
  const u = ops.draws({ rows: n, cols: 1, seed: seed + 1, kind: 'uniform' });
  const data = new Float32Array(n * 2), observed = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    const seen = u[i] < 0.7;
    data[2 * i] = seen ? 5 + z[2 * i] : 0;
    observed[2 * i] = seen ? 1 : 0;
    data[2 * i + 1] = z[2 * i + 1];
    observed[2 * i + 1] = 1;
  }
  return { X: { rows: n, cols: 2, data }, observed };
}

const columnMean = (m, j) => {
  let s = 0;
  for (let i = 0; i < m.rows; i++) s += m.data[i * m.cols + j];
  return s / m.rows;
};

test('masked eps-MSE: gradient bit-identical (zeros on gaps), loss to 1e-12 (double partial sums in another order)', { skip: skipReason }, () => {
  for (const n of [1, 1023, 1025, 300000]) {
    const h = ops.draws({ rows: n, cols: 1, seed: n, stream: 100 }), e = ops.draws({ rows: n, cols: 1, seed: n + 9, stream: 100 });
    for (const observed of [randomMask(n, n, 0.6), new Uint8Array(n), new Uint8Array(n).fill(1)]) {
      const cpu = ops.epsMse(h, e, { observed }), gpu = ops.epsMse(h, e, { observed, device: GPU });
      assert.ok(bytesEqual(cpu.grad, gpu.grad), `grad n=${n}`);
      assert.ok(Math.abs(cpu.loss - gpu.loss) <= 1e-12 * cpu.loss, `loss n=${n}: ${cpu.loss} vs ${gpu.loss}`);
    }
  }
});

test('one masked training step: CUDA loss within 1e-6 and gradient (first Adam moment) within 1e-4 of the CPU', { skip: skipReason }, async () => {
  const rows = 300, d = 3, T = 50;
  const sched = noiseSchedule('linear', T, { betaStart: 0.002, betaEnd: 0.2 });
  const x = ops.draws({ rows, cols: d, seed: 1 });
  const observed = randomMask(rows * d, 2, 0.5);
  for (let i = 0; i < observed.length; i++) if (!observed[i]) x[i] = 0;
  const result = {};
  for (const device of ['cpu', 'cuda']) {
    const model = new ops.NativeModel({ dataDim: d, timeDim: 8, hidden: [32, 32], seed: 3, device: deviceOf(device) });
    const fit = await model.fit({
      x, rows, observed, sqrtAlphaBars: sched.sqrtAlphaBars, sqrtOneMinusAlphaBars: sched.sqrtOneMinusAlphaBars,
      batchSize: 128, steps: 1, lr: 1e-3, seed: 4,
    });
    result[device] = { loss: fit.lastLoss, adamM: model.getWeights('adamM') };
    model.release();
  }
  // Same batch, same eps, same mask: the GPU differs by summation order and exp (~1e-6).
  assert.ok(Math.abs(result.cuda.loss - result.cpu.loss) <= 1e-6 * result.cpu.loss, `loss cpu ${result.cpu.loss} cuda ${result.cuda.loss}`);
  // After one step the first moment is 0.1 x the gradient (parameters themselves move by about
  // +-lr whatever the gradient's size, so a near-zero gradient may flip sign: not compared).
  let worst = 0, scale = 0;
  for (let i = 0; i < result.cpu.adamM.length; i++) {
    worst = Math.max(worst, Math.abs(result.cuda.adamM[i] - result.cpu.adamM[i]));
    scale = Math.max(scale, Math.abs(result.cpu.adamM[i]));
  }
  assert.ok(worst / scale < 1e-4, `gradient max |cuda - cpu| / max |cpu| = ${worst / scale}`);
});

test('all-ones mask on the GPU gives the unmasked GPU fit, byte for byte (Gaussian and mixed)', { skip: skipReason }, async () => {
  const n = 500;
  const X = ops.draws({ rows: n, cols: 2, seed: 5 });
  const numeric = { rows: n, cols: 2, data: X };
  const mixed = { numeric, categorical: { rows: n, cols: 1, data: Int32Array.from({ length: n }, (_, i) => i % 3) } };
  const ones = new Uint8Array(n * 2).fill(1);
  for (const input of [numeric, mixed]) {
    const run = async (fitOptions) => {
      const dm = new TabularDiffusion({ hiddenDims: [32, 32], timeDim: 8, nTimesteps: 50, batchSize: 64, maxSteps: 50, seed: 6, device: GPU });
      const fit = await dm.fit(input, fitOptions);
      const out = { loss: fit.loss, params: dm.nativeModel().getWeights('params') };
      dm.dispose();
      return out;
    };
    const a = await run({ observed: ones }), b = await run({});
    assert.equal(a.loss, b.loss);
    assert.ok(bytesEqual(a.params, b.params));
  }
});

test('masked fit on the GPU tracks the CPU\'s: losses within 2%, sampled column 0 mean ~5 on both (gaps ignored)', { skip: skipReason }, async () => {
  const { X, observed } = gappyData(4000, 11);
  const result = {};
  for (const device of ['cpu', 'cuda']) {
    const dm = new TabularDiffusion({ hiddenDims: [64, 64], timeDim: 16, nTimesteps: 50, maxSteps: 1500, batchSize: 128, lr: 3e-3, seed: 1, device: deviceOf(device) });
    const fit = await dm.fit(X, { observed });
    const s = await dm.sample(20000, { seed: 3 });
    result[device] = { loss: fit.loss, mean0: columnMean(s, 0), mean1: columnMean(s, 1) };
    dm.dispose();
  }
  // The same batches and draws on both sides: the loss paths differ only by rounding.
  assert.ok(Math.abs(result.cuda.loss - result.cpu.loss) <= 0.02 * Math.abs(result.cpu.loss), `loss cpu ${result.cpu.loss} cuda ${result.cuda.loss}`);
  for (const device of ['cpu', 'cuda']) assert.ok(Math.abs(result[device].mean0 - 5) < 0.4, `${device} column 0 mean ${result[device].mean0}`);
  // Two fits, 20000 samples each: sampling error ~0.01, the rest is training noise.
  assert.ok(Math.abs(result.cuda.mean0 - result.cpu.mean0) < 0.15, `column 0: cpu ${result.cpu.mean0} cuda ${result.cuda.mean0}`);
  assert.ok(Math.abs(result.cuda.mean1 - result.cpu.mean1) < 0.15, `column 1: cpu ${result.cpu.mean1} cuda ${result.cuda.mean1}`);
});

test('masked mixed fit on the GPU tracks the CPU\'s: losses within 2%, numeric column 0 mean ~5 on both', { skip: skipReason }, async () => {
  const n = 3000;
  const { X, observed } = gappyData(n, 21);
  const input = { numeric: X, categorical: { rows: n, cols: 1, data: Int32Array.from({ length: n }, (_, i) => (X.data[2 * i + 1] > 0 ? 1 : 0)) } };
  const result = {};
  for (const device of ['cpu', 'cuda']) {
    const dm = new TabularDiffusion({ hiddenDims: [64, 64], timeDim: 16, nTimesteps: 50, maxSteps: 1500, batchSize: 128, lr: 3e-3, seed: 2, device: deviceOf(device) });
    const fit = await dm.fit(input, { observed });
    const s = await dm.sampleMixed(20000, { seed: 4 });
    result[device] = { loss: fit.loss, mean0: columnMean(s.numeric, 0) };
    dm.dispose();
  }
  assert.ok(Math.abs(result.cuda.loss - result.cpu.loss) <= 0.02 * Math.abs(result.cpu.loss), `loss cpu ${result.cpu.loss} cuda ${result.cuda.loss}`);
  for (const device of ['cpu', 'cuda']) assert.ok(Math.abs(result[device].mean0 - 5) < 0.4, `${device} column 0 mean ${result[device].mean0}`);
  assert.ok(Math.abs(result.cuda.mean0 - result.cpu.mean0) < 0.15, `column 0: cpu ${result.cpu.mean0} cuda ${result.cuda.mean0}`);
});
