// The tensor-core sampling kernel (precision bf16/fp16): its network against the CPU's fp32
// network and against the tiled GPU path of the same precision, its determinism, and whole
// sampling runs whose metrics match the CPU's within sampling error.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TabularDiffusion, distributionMetrics, nativeOps, noiseSchedule } from '../../dist/esm/index.mjs';
import { GPU, gpuOnlySkip } from './gpu-env.mjs';
import { columns, mixture as mixtureOf } from './mixture.mjs';

const ops = nativeOps();
const T = 100;
const sched = noiseSchedule('linear', T);

// One DDIM step from t = T-1 straight to x0: out = (x_T - sqrt(1 - abar) eps) / sqrt(abar),
// so eps = (x_T - sqrt(abar) out) / sqrt(1 - abar), well conditioned at the noisy end. This
// reads the network's eps_hat for n rows out of the sampler itself.
async function epsFromOneStep(model, { n, d, seed, context }) {
  const out = await model.sample({
    n, seed, sampler: 'ddim', timesteps: Int32Array.of(T - 1), eta: 0, betas: sched.betas, alphaBars: sched.alphaBars,
    ...(context ? { context, contextRows: n } : {}),
  });
  const xT = ops.draws({ rows: n, cols: d, seed, stream: 6, step: 0 });  // the sampler's x_T (stream SampleInit)
  const abar = sched.alphaBars[T - 1];
  return Float64Array.from(out, (v, i) => (xT[i] - Math.sqrt(abar) * v) / Math.sqrt(1 - abar));
}

const rms = (a) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
const relRms = (a, b) => rms(a.map((v, i) => v - b[i])) / rms(b);

function twins(options, precision) {
  const cpu = new ops.NativeModel({ ...options, threads: 1 });
  const gpu = new ops.NativeModel({ ...options, device: GPU, precision });
  gpu.setWeights({ params: cpu.getWeights('params') });
  return { cpu, gpu };
}

async function withTiledPath(fn) {
  process.env.TABULAR_DIFFUSION_CUDA_FUSED = '0';  // read by every sample job when it starts
  try {
    return await fn();
  } finally {
    delete process.env.TABULAR_DIFFUSION_CUDA_FUSED;
  }
}

// Networks: the benchmark's (d = 10, 128 x 128) and one with per-row context and widths that
// are not multiples of 16 (padding of every fragment), with ReLU.
const NETWORKS = [
  { name: 'd10 128x128 silu', options: { dataDim: 10, contextDim: 0, timeDim: 64, hidden: [128, 128], activation: 'silu', seed: 3 } },
  { name: 'd5 ctx3 100x36x72 relu', options: { dataDim: 5, contextDim: 3, timeDim: 16, hidden: [100, 36, 72], activation: 'relu', seed: 4 } },
  { name: 'd21 64 silu', options: { dataDim: 21, contextDim: 0, timeDim: 8, hidden: [64], activation: 'silu', seed: 5 } },
];
// Relative RMS error of eps_hat against the CPU's fp32 network: a few units of the format's
// rounding (bf16 2^-9, fp16 2^-12 relative) accumulated over the layers.
const BOUND_VS_CPU = { bf16: 2e-2, fp16: 3e-3 };

for (const { name, options } of NETWORKS) {
  for (const precision of ['bf16', 'fp16']) {
    test(`tensor-core sampler (${name}, ${precision}): eps_hat within ${BOUND_VS_CPU[precision]} relative RMS of the CPU fp32 network, closer still to the tiled ${precision} path`, { skip: gpuOnlySkip }, async () => {
      const n = 5000, d = options.dataDim;
      const context = options.contextDim > 0 ? ops.draws({ rows: n, cols: options.contextDim, seed: 9, stream: 100 }) : undefined;
      const { cpu, gpu } = twins(options, precision);
      const args = { n, d, seed: 11, context };
      const reference = await epsFromOneStep(cpu, args);
      const fused = await epsFromOneStep(gpu, args);
      const tiled = await withTiledPath(() => epsFromOneStep(gpu, args));
      const vsCpu = relRms(fused, reference), tiledVsCpu = relRms(tiled, reference), vsTiled = relRms(fused, tiled);
      assert.ok(vsCpu < BOUND_VS_CPU[precision], `fused vs CPU: ${vsCpu}`);
      // Same rounding points as the tiled path; only summation order and the SiLU formula differ.
      assert.ok(vsTiled < Math.max(0.5 * tiledVsCpu, 1e-4), `fused vs tiled ${vsTiled}, tiled vs CPU ${tiledVsCpu}`);
      console.log(`# ${name} ${precision}: relative RMS vs CPU fused ${vsCpu.toExponential(2)}, tiled ${tiledVsCpu.toExponential(2)}; fused vs tiled ${vsTiled.toExponential(2)}`);
      cpu.release();
      gpu.release();
    });
  }
}

test('tensor-core sampler: same seed, same bytes for any split of the rows into calls', { skip: gpuOnlySkip }, async () => {
  const options = NETWORKS[0].options;
  const gpu = new ops.NativeModel({ ...options, device: GPU, precision: 'bf16' });
  const base = { seed: 21, sampler: 'ddpm', timesteps: Int32Array.from({ length: T }, (_, i) => T - 1 - i), betas: sched.betas, alphaBars: sched.alphaBars };
  const whole = await gpu.sample({ ...base, n: 3001 });
  const head = await gpu.sample({ ...base, n: 1234 });
  const tail = await gpu.sample({ ...base, n: 3001 - 1234, rowOffset: 1234 });
  const joined = new Float32Array(whole.length);
  joined.set(head, 0);
  joined.set(tail, head.length);
  assert.ok(Buffer.from(whole.buffer).equals(Buffer.from(joined.buffer)));
  assert.ok(Buffer.from(whole.buffer).equals(Buffer.from((await gpu.sample({ ...base, n: 3001 })).buffer)), 'repeatable');
  gpu.release();
});

const mixture = (n, seed) => mixtureOf(ops, n, seed);

test('a CPU-trained model sampled on the tensor cores (bf16, fp16) matches its CPU samples within sampling error', { skip: gpuOnlySkip }, async () => {
  const truth = columns(mixture(20000, 2));
  const options = { hiddenDims: [128, 128], maxSteps: 1500, seed: 7 };
  const cpu = new TabularDiffusion({ ...options, device: 'cpu' });
  await cpu.fit(mixture(4000, 1));
  const weights = cpu.nativeModel();
  const state = { dataDim: 2, contextDim: 0, params: weights.getWeights('params'), ema: weights.getWeights('ema'), step: weights.info().step };
  const reference = distributionMetrics(truth, columns(await cpu.sample(20000, { seed: 9 })));
  for (const precision of ['bf16', 'fp16']) {
    const gpu = new TabularDiffusion({ ...options, device: GPU, precision });
    gpu.restore(state);
    const metrics = distributionMetrics(truth, columns(await gpu.sample(20000, { seed: 9 })));
    for (const col of [0, 1]) {
      const a = reference.columns[col].ks, b = metrics.columns[col].ks;
      assert.ok(b < 0.06, `${precision} KS column ${col}: ${b}`);
      assert.ok(Math.abs(a - b) < 0.03, `${precision} KS column ${col}: cpu ${a} vs gpu ${b}`);
    }
    gpu.dispose();
  }
  cpu.dispose();
});
