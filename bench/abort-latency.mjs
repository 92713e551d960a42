// Time from abort() to the fit's rejection (issue 12 target: <= 100 ms for any model).
// The case: a 2048x2048 network at batch 4096, where one optimiser step takes about
// half a second, so an abort checked only between steps waited up to a whole step.
//   node bench/abort-latency.mjs [--quick] [--threads N]
import { nativeOps, noiseSchedule } from '../dist/esm/index.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const threads = Number(args[args.indexOf('--threads') + 1]) || 2;
const ops = nativeOps();
const s = noiseSchedule('linear', 100);
const cases = quick
  ? [{ hidden: [2048, 2048], batch: 4096, tries: 3 }]
  : [{ hidden: [512, 512], batch: 1024, tries: 5 }, { hidden: [2048, 2048], batch: 4096, tries: 5 }, { hidden: [4096], batch: 8192, tries: 3 }];

for (const c of cases) {
  const m = new ops.NativeModel({ dataDim: 8, timeDim: 32, hidden: c.hidden, threads, seed: 1 });
  const rows = 8192;
  const x = Float32Array.from({ length: rows * 8 }, (_, i) => Math.sin(i));
  const latencies = [];
  for (let k = 0; k < c.tries; k++) {
    let aborted = 0;
    const done = m.fit({ x, rows, sqrtAlphaBars: s.sqrtAlphaBars, sqrtOneMinusAlphaBars: s.sqrtOneMinusAlphaBars, steps: 1e6, batchSize: c.batch, seed: k })
      .then(() => 'resolved', (e) => e.name);
    // Abort at a point unrelated to step boundaries.
    await new Promise((r) => setTimeout(r, 300 + 137 * k));
    aborted = performance.now();
    m.abort();
    const how = await done;
    latencies.push(performance.now() - aborted);
    if (how !== 'AbortError') throw new Error(`fit ended with ${how}`);
  }
  m.release();
  latencies.sort((a, b) => a - b);
  console.log(`hidden ${JSON.stringify(c.hidden)} batch ${c.batch} threads ${threads}: abort -> rejection ms ` +
    `median ${latencies[latencies.length >> 1].toFixed(1)}, max ${latencies[latencies.length - 1].toFixed(1)} (${c.tries} tries)`);
}
