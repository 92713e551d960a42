// Event-loop lag while sampleStream writes rows (issue 12 target: <= 20 ms max): rows are
// produced by the native sampler off the main thread, but turning a chunk into row objects
// runs on it. Measures the largest gap between 1 ms timer ticks during the stream.
//   node bench/stream-lag.mjs [--rows N] [--chunk N]
import { TabularSynthesizer } from '../dist/esm/index.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const rows = arg('--rows', 300000);
const chunkRows = arg('--chunk', 65536);

const table = Array.from({ length: 2000 }, (_, i) => ({
  a: Math.sin(i) * 10, b: (i * 7) % 13, c: ['x', 'y', 'z'][i % 3], d: Math.cos(i) + 2, e: i % 2, f: (i * 3) % 17 + 0.5, g: ['p', 'q'][i % 2], h: i % 5,
}));
const s = new TabularSynthesizer({ maxSteps: 50, hiddenDims: [64, 64], seed: 1, threads: 2 });
await s.fit(table, { onWarning: () => {} });

let last = performance.now();
let worst = 0;
const gaps = [];
const timer = setInterval(() => {
  const now = performance.now();
  gaps.push(now - last);
  worst = Math.max(worst, now - last);
  last = now;
}, 1);
const t0 = performance.now();
let count = 0;
for await (const _row of s.sampleStream(rows, { seed: 1, chunkRows, sampler: 'ddim', steps: 10 })) count++;
clearInterval(timer);
gaps.sort((a, b) => a - b);
console.log(`sampleStream ${count} rows (8 columns, chunkRows ${chunkRows}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
  `event-loop gap max ${worst.toFixed(1)} ms, p99 ${gaps[Math.floor(gaps.length * 0.99)].toFixed(1)} ms`);
