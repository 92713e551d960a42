// One model of bench/impute.mjs's known truth (y = sin(2x) + x/2 + (0.2 + 0.15|x|) e, 6000 rows,
// data seed 1) refitted with other fit options and fit seeds, measured as bench/impute.mjs
// measures it: sd ratios and mean errors on the grid x = -1.5 .. 1.5 (1000 draws each) and the
// coverage of 90% prediction intervals of 50 imputed draws on 1000 fresh rows. For trying levers
// on the too-wide x = 0 spread (docs/imputation.md, "Known truth").
//
// Usage: node bench/known-truth-levers.mjs [--fit='{"lr":0.005}'] [--seeds=1,2,3] [--model=any|plain] [--rows=6000]
// Prints one markdown row per fit seed.
import { parseArgs } from 'node:util';

import { TabularSynthesizer, predictionInterval } from '../dist/esm/index.mjs';
import { dgpRows, sd, timed, truthCoverage, truthGridRows } from './lib/impute-data.mjs';

const { values: args } = parseArgs({
  options: {
    fit: { type: 'string', default: '{}' }, seeds: { type: 'string', default: '1' },
    model: { type: 'string', default: 'any' }, rows: { type: 'string', default: '6000' },
  },
});
if (args.model !== 'any' && args.model !== 'plain') throw new Error(`--model: expected any or plain, got ${args.model}`);
const DATA_SEED = 1; // bench/impute.mjs's seed: the same rows, grid draws and fresh rows
const train = dgpRows(Number(args.rows), DATA_SEED);
const test = dgpRows(1000, DATA_SEED + 99);
const sdY = sd(train.map((r) => r.y));
const f2 = (v) => v.toFixed(2), f3 = (v) => v.toFixed(3);

console.log(`| ${args.model} model, fit ${args.fit}, ${args.rows} rows | fit seed | sd ratios at x = -1.5 .. 1.5 | max mean error / sd(y) | coverage | fit s |`);
console.log('|---|---|---|---|---|---|');
for (const seed of args.seeds.split(',').map(Number)) {
  const model = new TabularSynthesizer({ seed, ...(args.model === 'any' ? { conditioning: 'any' } : {}), ...JSON.parse(args.fit) });
  const fit = await timed(() => model.fit(train, { onWarning: (w) => process.stderr.write(`${w}\n`) }));
  const rows = await truthGridRows(model, 1000, DATA_SEED + 7);
  const { coverage } = await truthCoverage(model, predictionInterval, test, DATA_SEED + 3);
  const meanError = Math.max(...rows.map((r) => Math.abs(r.mean - r.truthMean) / sdY));
  console.log(`| | ${seed} | ${rows.map((r) => f2(r.sd / r.truthSd)).join(' ')} | ${f3(meanError)} | ${f3(coverage)} | ${fit.seconds.toFixed(0)} |`);
  model.dispose();
}
