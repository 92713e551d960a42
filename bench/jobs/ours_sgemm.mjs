// Child job: nativeOps().sgemm (threads: 1 unless given) on the given shapes, timed as
// bench/peers/numpy_sgemm.py times OpenBLAS: batches of ~3 ms over a window per shape, median
// batch rate, in process CPU time (gflops; robust to other load on a shared machine) and in wall
// time (gflopsWall). Spec: { shapes: [{ m, n, k, transA, transB }], window, threads }.
import { shapeKey } from '../lib/flops.mjs';
import { library } from '../lib/library.mjs';
import { median } from '../lib/stats.mjs';

const spec = JSON.parse(process.argv[2]);
const ops = library().nativeOps();
const threads = spec.threads ?? 1;
const window = spec.window ?? 0.3;

function uniform(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const gflops = {}, gflopsWall = {};
for (const s of spec.shapes) {
  const a = uniform(s.m * s.k, 1), b = uniform(s.k * s.n, 2), c = new Float32Array(s.m * s.n);
  const args = { m: s.m, n: s.n, k: s.k, a, b, c, transA: s.transA, transB: s.transB, threads };
  const flops = 2 * s.m * s.n * s.k;
  for (let i = 0; i < 3; i++) ops.sgemm(args);
  const batch = Math.max(1, Math.floor(100e6 / flops));
  const rates = [], cpuRates = [];
  const start = performance.now();
  while (performance.now() - start < window * 1000 || rates.length < 5) {
    const t0 = performance.now(), c0 = cpuSeconds();
    for (let i = 0; i < batch; i++) ops.sgemm(args);
    rates.push((flops * batch) / ((performance.now() - t0) / 1000) / 1e9);
    cpuRates.push((flops * batch) / (cpuSeconds() - c0) / 1e9);
  }
  gflops[shapeKey(s)] = +median(cpuRates).toFixed(3);
  gflopsWall[shapeKey(s)] = +median(rates).toFixed(3);
}
console.log(JSON.stringify({ side: 'ours', kernel: ops.backendInfo().gemmKernel, threads, gflops, gflopsWall, maxRssKB: process.resourceUsage().maxRSS }));
