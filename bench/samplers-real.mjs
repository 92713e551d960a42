// Few-step samplers on a real table, one fit with the library defaults: share of sampled cells
// beyond each numeric column's 0.1% / 99.9% real quantiles (0.2% expected), Shape, Trend,
// correlation error and sampling time, for DDPM, DDIM-50 (eta 0 and 1), DPM-Solver++ 25, DDIM-100.
// Usage: npm run build:ts && node bench/samplers-real.mjs [data.csv] ['<synthesizer options json>']
// (default bench/data/abalone.csv). Scored against the training rows, as many synthetic rows.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { parse } from 'csv-parse/sync';

const require = createRequire(import.meta.url);
const { TabularSynthesizer, distributionMetrics } = require('../dist/cjs/index.js');

const file = process.argv[2] ?? new URL('./data/abalone.csv', import.meta.url).pathname;
const rows = parse(readFileSync(file), { columns: true });
const synth = new TabularSynthesizer(JSON.parse(process.argv[3] ?? '{}'));
const t0 = performance.now();
await synth.fit(rows, { onWarning: () => {} });
console.log(`${file}: fit ${((performance.now() - t0) / 1000).toFixed(1)} s; ${synth.settings.notes.join(' | ')}`);
const numeric = synth.transformer.columns.filter((c) => c.kind !== 'categorical').map((c) => c.name);
const categorical = synth.transformer.columns.filter((c) => c.kind === 'categorical').map((c) => c.name);
const tails = {};
for (const c of numeric) {
  const v = rows.map((r) => r[c].trim()).filter((s) => s !== '' && Number.isFinite(Number(s))).map(Number).sort((a, b) => a - b);
  tails[c] = [v[Math.floor(0.001 * v.length)], v[Math.floor(0.999 * v.length)]];
}
const samplers = [
  { sampler: 'ddpm' }, { sampler: 'ddim', steps: 50 }, { sampler: 'ddim', steps: 50, eta: 1 },
  { sampler: 'dpm-solver++', steps: 25 }, { sampler: 'ddim', steps: 100 },
];
console.log('| sampler | beyond 0.1%/99.9% | Shape | Trend | corr. error | sample s |\n|---|---|---|---|---|---|');
for (const s of samplers) {
  const t1 = performance.now();
  const fake = await synth.sample(rows.length, { seed: 3, ...s });
  const seconds = (performance.now() - t1) / 1000;
  let beyond = 0;
  let cells = 0;
  for (const c of numeric) {
    for (const r of fake) {
      if (r[c] === null) continue;
      cells++;
      if (r[c] < tails[c][0] || r[c] > tails[c][1]) beyond++;
    }
  }
  const m = distributionMetrics(rows, fake, { categorical });
  console.log(`| ${JSON.stringify(s)} | ${((100 * beyond) / cells).toFixed(2)}% | ${m.summary.shape.toFixed(4)} | ${m.summary.trend.toFixed(4)} | ${m.correlationError.toFixed(4)} | ${seconds.toFixed(1)} |`);
}
