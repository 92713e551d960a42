// Child job: the same denoising MLP (weights of our trained model) through onnxruntime-node,
// next to our own forward pass (NativeModel.forward, the full unfolded MLP) on the same input.
// Spec: { cfg, loadPath, ortDir, chunk, evals, reps, threads }. Prints rows/s for both, the
// largest difference between the two outputs, and maxRssKB.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { library } from '../lib/library.mjs';
import { mlpOnnx } from '../lib/onnx.mjs';
import { median } from '../lib/stats.mjs';

const spec = JSON.parse(process.argv[2]);
const { cfg } = spec;
const ort = createRequire(join(spec.ortDir, 'package.json'))('onnxruntime-node');
const lib = library();

async function main() {
  const model = new lib.TabularDiffusion({ hiddenDims: cfg.hiddenDims, timeDim: cfg.timeDim, nTimesteps: cfg.nTimesteps, threads: spec.threads });
  const buf = readFileSync(spec.loadPath);
  const params = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  model.restore({ dataDim: cfg.d, contextDim: 0, params, ema: null, step: 0 });
  const native = model.nativeModel();
  const layout = native.layout();
  const layers = [];
  for (let l = 0; ; l++) {
    const w = layout.find((e) => e.name === `layers.${l}.weight`);
    const b = layout.find((e) => e.name === `layers.${l}.bias`);
    if (!w || !b) break;
    layers.push({ in: w.rows, out: w.cols, weight: params.subarray(w.offset, w.offset + w.rows * w.cols), bias: params.subarray(b.offset, b.offset + b.cols) });
  }
  const onnx = mlpOnnx(layers);
  const session = await ort.InferenceSession.create(onnx, {
    intraOpNumThreads: spec.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const rows = spec.chunk, inDim = layers[0].in;
  // Input rows as the sampler builds them: x ~ N(0, 1)-ish data columns, then e(t) for one t.
  const input = new Float32Array(rows * inDim);
  const e = lib.nativeOps().timeEmbedding(37, cfg.timeDim);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cfg.d; j++) input[i * inDim + j] = Math.sin(i * 12.9898 + j * 78.233) * 1.5;
    input.set(e, i * inDim + cfg.d);
  }
  const feeds = { h0: new ort.Tensor('float32', input, [rows, inDim]) };
  const ortOut = (await session.run(feeds)).eps.data;
  const ours = native.forward(input, rows);
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ortOut[i]));

  // Rates per process CPU-second (ORT runs with one intra-op thread; ours with threads 1).
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const ortRates = [], ourRates = [];
  for (let r = 0; r < spec.reps; r++) {
    let t0 = cpu();
    for (let i = 0; i < spec.evals; i++) await session.run(feeds);
    ortRates.push((rows * spec.evals) / (cpu() - t0));
    t0 = cpu();
    for (let i = 0; i < spec.evals; i++) native.forward(input, rows);
    ourRates.push((rows * spec.evals) / (cpu() - t0));
  }
  console.log(JSON.stringify({
    ortVersion: ort.env?.versions?.node ?? 'unknown', rows, evals: spec.evals, maxAbsDiff: maxDiff,
    ortRowsPerSec: median(ortRates), oursForwardRowsPerSec: median(ourRates), maxRssKB: process.resourceUsage().maxRSS,
  }));
  model.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
