// Model-level CPU/CUDA parity: the MLP forward/backward, then a whole fit + sample on the GPU
// whose metrics match the CPU run's within sampling error.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { TabularDiffusion, nativeOps, distributionMetrics } from '../../dist/esm/index.mjs';
import { GPU, deviceOf, gpuAvailable, gpuOnlySkip, skipReason } from './gpu-env.mjs';
import { columns, mixture as mixtureOf } from './mixture.mjs';

const ops = nativeOps();

const mixture = (n, seed) => mixtureOf(ops, n, seed);

test('MLP forward and backward: CUDA within 1e-4 of the CPU (fp32; different summation order and exp)', { skip: skipReason }, () => {
  for (const [hidden, activation] of [[[64, 64], 'silu'], [[128, 256, 32], 'relu']]) {
    const options = { dataDim: 5, contextDim: 2, timeDim: 8, hidden, activation, seed: 3, threads: 1 };
    const cpu = new ops.NativeModel(options);
    const gpu = new ops.NativeModel({ ...options, device: GPU });
    const rows = 300, inDim = 5 + 2 + 8;
    const input = ops.draws({ rows, cols: inDim, seed: 4 });
    const gradOut = ops.draws({ rows, cols: 5, seed: 5 });
    const rel = (a, b) => { let w = 0, s = 0; for (let i = 0; i < a.length; i++) { w = Math.max(w, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); } return w / s; };
    assert.ok(rel(gpu.forward(input, rows), cpu.forward(input, rows)) < 1e-4, `forward ${hidden}`);
    const g = gpu.backward(input, gradOut, rows), c = cpu.backward(input, gradOut, rows);
    assert.ok(rel(g.gradParams, c.gradParams) < 1e-4, `gradParams ${hidden}`);
    assert.ok(rel(g.gradInput, c.gradInput) < 1e-4, `gradInput ${hidden}`);
    cpu.release();
    gpu.release();
  }
});

test('fit + sample on the GPU matches the CPU run within sampling error', { skip: skipReason }, async () => {
  const data = mixture(4000, 1);
  const truth = columns(mixture(20000, 2));
  const summaries = {};
  for (const device of ['cpu', 'cuda']) {
    const dm = new TabularDiffusion({ hiddenDims: [128, 128], maxSteps: 1500, seed: 7, device: deviceOf(device) });
    await dm.fit(data);
    const s = await dm.sample(20000, { seed: 9 });
    summaries[device] = distributionMetrics(truth, columns(s));
    dm.dispose();
  }
  // Two runs of the same model class on 20000 rows: per-column KS differ by sampling error
  // (~0.014) plus training noise; both must also be good fits on their own.
  for (const col of [0, 1]) {
    const a = summaries.cpu.columns[col].ks, b = summaries.cuda.columns[col].ks;
    assert.ok(b < 0.06, `cuda KS column ${col}: ${b}`);
    assert.ok(Math.abs(a - b) < 0.04, `KS column ${col}: cpu ${a} vs cuda ${b}`);
  }
});

// The fp32 persistent kernel against the layer-by-layer path (whose output GEMM applies the
// reverse step in its epilogue), for every sampler: the same Philox noise on both sides, so the
// only differences are summation order and exp, about 1e-6 a step.
for (const [sampler, steps] of [['ddim', 20], ['dpm-solver++', 20], ['ddpm', 100]]) {
  test(`fused persistent sampler equals the layer-by-layer GPU path (${sampler}, ${steps} steps) within ${steps}e-4`, { skip: gpuOnlySkip }, () => {
    const run = (fused) => execFileSync(process.execPath, ['--input-type=module', '-e', `
      import { TabularDiffusion } from ${JSON.stringify(new URL('../../dist/esm/index.mjs', import.meta.url).href)};
      const data = { rows: 500, cols: 3, data: Float32Array.from({ length: 1500 }, (_, i) => Math.sin(i * 0.37)) };
      const dm = new TabularDiffusion({ hiddenDims: [64, 64], nTimesteps: 100, maxSteps: 200, seed: 1, device: 'cuda' });
      await dm.fit(data);
      const s = await dm.sample(3000, { seed: 2, sampler: '${sampler}', steps: ${steps} });
      process.stdout.write(Buffer.from(s.data.buffer).toString('base64'));
    `], { env: { ...process.env, TABULAR_DIFFUSION_CUDA_FUSED: fused ? '1' : '0' } }).toString();
    const a = new Float32Array(Buffer.from(run(true), 'base64').buffer.slice(0));
    const b = new Float32Array(Buffer.from(run(false), 'base64').buffer.slice(0));
    assert.equal(a.length, b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(worst < 1e-4 * steps, `max |fused - tiled| = ${worst}`);
  });
}

test('device "cuda" is an error, and "auto" the CPU, when no GPU is usable', { skip: gpuAvailable ? 'a GPU is present' : false }, () => {
  assert.throws(() => new TabularDiffusion({ device: 'cuda' }), /cuda/);
  assert.equal(new TabularDiffusion({ device: 'auto' }).backend.device, 'cpu');
});
