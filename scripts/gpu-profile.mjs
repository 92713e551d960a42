// One sampling job of the benchmark's network (d = 10, hidden 128x128, time_dim 64, T = 100,
// DDPM) on the GPU, for profiling: run with TABULAR_DIFFUSION_CUDA_TIMING=1 for the chain and
// copy times, or under ncu. Usage: node scripts/gpu-profile.mjs [rows] [precision] [repeats]
import { nativeOps, noiseSchedule } from '../dist/esm/index.mjs';

const [rows = 1000000, precision = 'bf16', repeats = 2] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v)));
const T = 100;
const sched = noiseSchedule('linear', T);
const ops = nativeOps();
const model = new ops.NativeModel({ dataDim: 10, contextDim: 0, timeDim: 64, hidden: [128, 128], activation: 'silu', seed: 1, device: 'cuda', precision });
const args = { n: rows, seed: 1, sampler: 'ddpm', timesteps: Int32Array.from({ length: T }, (_, i) => T - 1 - i), betas: sched.betas, alphaBars: sched.alphaBars };
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  await model.sample(args);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${precision} ${rows} rows: ${seconds.toFixed(4)} s end to end, ${((rows * T) / seconds).toExponential(3)} row-steps/s`);
}
model.release();
