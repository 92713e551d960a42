// GPU sampling benchmark (npm run bench:gpu): row-steps/s of the CUDA backend at the Trex
// configuration (d = 10, hidden 128x128, time_dim 64, T = 100, DDPM) for 1e4, 1e5 and 1e6 rows,
// in fp32 and bf16, against PyTorch on the same GPU in the same command. Writes
// bench/results/gpu-latest.json. Without a usable GPU it says why and exits 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TabularDiffusion, backendInfo } from '../dist/esm/index.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROWS = (process.env.TD_GPU_BENCH_ROWS ?? '10000,100000,1000000').split(',').map(Number);
const STEPS = 100;
const DIM = 10;

const cuda = backendInfo().cuda;
if (!cuda.available) {
  console.log(`bench:gpu skipped: ${cuda.reason}`);
  process.exit(0);
}

async function ours(precision) {
  const data = { rows: 1000, cols: DIM, data: Float32Array.from({ length: 1000 * DIM }, (_, i) => Math.sin(i * 0.1)) };
  const dm = new TabularDiffusion({ hiddenDims: [128, 128], timeDim: 64, nTimesteps: STEPS, maxSteps: 50, seed: 1, device: 'cuda', precision });
  await dm.fit(data);
  await dm.sample(1000, { seed: 1 });  // warm-up: context, module load
  const out = [];
  for (const n of ROWS) {
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      await dm.sample(n, { seed: r });
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    out.push({ precision, rows: n, seconds: best, rowStepsPerSec: (n * STEPS) / best });
  }
  dm.dispose();
  return out;
}

function torchPeer() {
  try {
    const text = execFileSync(process.env.TD_PYTHON ?? 'python3', [join(here, 'peers', 'torch_gpu_sample.py'), '--rows', ROWS.join(','), '--steps', String(STEPS), '--dim', String(DIM)], { encoding: 'utf8' });
    return JSON.parse(text.trim().split('\n').pop());
  } catch (err) {
    return { skipped: `PyTorch peer failed: ${String(err.message).split('\n')[0]} (run bench/setup for python3-torch)` };
  }
}

// Training: optimizer steps/s of the same network on the GPU and on the CPU (all cores), in
// this process; the CPU is the peer here (PyTorch training is not timed).
async function training() {
  const data = { rows: 20000, cols: DIM, data: Float32Array.from({ length: 20000 * DIM }, (_, i) => Math.sin(i * 0.1)) };
  const out = {};
  for (const device of ['cuda', 'cpu']) {
    const dm = new TabularDiffusion({ hiddenDims: [128, 128], timeDim: 64, nTimesteps: STEPS, maxSteps: 400, seed: 1, device });
    const t0 = performance.now();
    await dm.fit(data);
    out[device] = 400 / ((performance.now() - t0) / 1000);
    dm.dispose();
  }
  return { stepsPerSec: out, batchSize: new TabularDiffusion().options.batchSize };
}

// Mixed-type sampling: 8 numeric columns and categorical columns of 3, 5 and 10 classes on the
// default SEDD chain (absorbing), 1e5 rows, DDPM-100, GPU against the CPU (all cores).
async function mixedSampling() {
  const n = 2000, classes = [3, 5, 10];
  const data = {
    numeric: { rows: n, cols: 8, data: Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i * 0.1)) },
    categorical: { rows: n, cols: 3, data: Int32Array.from({ length: n * 3 }, (_, i) => (i * 7) % classes[i % 3]) },
  };
  const rows = 100000, out = {};
  for (const [device, precision] of [['cuda', 'fp32'], ['cuda', 'bf16'], ['cpu', 'fp32']]) {
    const dm = new TabularDiffusion({ hiddenDims: [128, 128], timeDim: 64, nTimesteps: STEPS, maxSteps: 50, seed: 1, device, precision });
    await dm.fit(data, { categoricalClasses: classes });
    await dm.sampleMixed(1000, { seed: 1 });
    const t0 = performance.now();
    await dm.sampleMixed(rows, { seed: 2 });
    out[`${device}-${precision}`] = (rows * STEPS) / ((performance.now() - t0) / 1000);
    dm.dispose();
  }
  return { rows, rowStepsPerSec: out };
}

const results = [...(await ours('fp32')), ...(await ours('bf16')), ...(await ours('fp16'))];
const train = await training();
const mixed = await mixedSampling();
const peer = torchPeer();
const lines = ['| precision | rows | ours row-steps/s | PyTorch row-steps/s | ratio |', '|---|---|---|---|---|'];
for (const r of results) {
  const p = peer.results?.find((q) => q.precision === r.precision && q.rows === r.rows);
  lines.push(`| ${r.precision} | ${r.rows} | ${r.rowStepsPerSec.toExponential(3)} | ${p ? p.rowStepsPerSec.toExponential(3) : 'n/a'} | ${p ? (r.rowStepsPerSec / p.rowStepsPerSec).toFixed(2) : 'n/a'} |`);
}
const report = { date: new Date().toISOString(), device: cuda.device, config: { dim: DIM, hidden: [128, 128], timeDim: 64, T: STEPS, sampler: 'ddpm' }, ours: results, peer, training: train, mixed };
console.log(`GPU: ${cuda.device}; PyTorch: ${peer.device ?? peer.skipped}`);
console.log(lines.join('\n'));
const m = mixed.rowStepsPerSec;
console.log(`mixed sampling (8 numeric + 3 categorical columns, SEDD, ${mixed.rows} rows): cuda fp32 ${m['cuda-fp32'].toExponential(3)}, cuda bf16 ${m['cuda-bf16'].toExponential(3)}, cpu ${m['cpu-fp32'].toExponential(3)} row-steps/s; fp32 ratio ${(m['cuda-fp32'] / m['cpu-fp32']).toFixed(1)}`);
console.log(`training (batch ${train.batchSize}, 400 steps): cuda ${train.stepsPerSec.cuda.toFixed(0)} steps/s, cpu ${train.stepsPerSec.cpu.toFixed(0)} steps/s, ratio ${(train.stepsPerSec.cuda / train.stepsPerSec.cpu).toFixed(2)}`);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'gpu-latest.json'), JSON.stringify(report, null, 2));
