// Child job: peak RSS and time of drawing n rows from a saved TabularSynthesizer, either
// streamed (sampleStream piped into a writable that drops rows) or all at once (sample(n)).
// Spec: { modelPath, n, mode: 'stream' | 'array', sampler, steps, threads, chunkRows }.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { library } from '../lib/library.mjs';

const spec = JSON.parse(process.argv[2]);
const lib = library();

async function main() {
  const synth = await lib.TabularSynthesizer.load(spec.modelPath, { threads: spec.threads });
  const baseRssKB = process.resourceUsage().maxRSS;
  const options = { seed: 7, sampler: spec.sampler, steps: spec.steps, chunkRows: spec.chunkRows };
  let rows = 0;
  const t0 = performance.now(), c0 = process.cpuUsage();
  if (spec.mode === 'stream') {
    const sink = new Writable({ objectMode: true, highWaterMark: 1024, write(_row, _enc, cb) { rows++; cb(); } });
    await pipeline(synth.sampleStream(spec.n, options), sink);
  } else {
    rows = (await synth.sample(spec.n, options)).length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  console.log(JSON.stringify({ mode: spec.mode, n: spec.n, rows, seconds, cpuSeconds, baseRssKB, maxRssKB: process.resourceUsage().maxRSS }));
  synth.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
