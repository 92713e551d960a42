// The conditioning: 'any' model of bench/impute.mjs alone on a real table, with other fit options:
// the same split (seed 1, 10000 training rows, 2000 held-out rows with 20% MCAR cells removed),
// scored as bench/impute.mjs scores it (numeric RMSE in sd units and categorical accuracy of
// impute(rows, { point: true }), 50 draws), per column too. The peers' figures for the same cells
// are in bench/results/impute-latest.md. For trying fit options on imputation without the whole
// bench (docs/imputation.md).
//
// Usage: node bench/impute-any.mjs [--fit='{"lr":0.005}'] [--tables=adult,california_housing]
import { parseArgs } from 'node:util';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { loadTable, maskedSplit, score, timed, trainStats } from './lib/impute-data.mjs';

const { values: args } = parseArgs({ options: { fit: { type: 'string', default: '{}' }, tables: { type: 'string', default: 'adult,california_housing' } } });
const SEED = 1; // bench/impute.mjs's seed: the same split and draws

for (const name of args.tables.split(',')) {
  const t = loadTable(name);
  const { train, test, masked } = maskedSplit(t, SEED, 10000, 2000);
  const model = new TabularSynthesizer({ seed: SEED, categorical: t.categorical, conditioning: 'any', ...JSON.parse(args.fit) });
  const warnings = [];
  const fit = await timed(() => model.fit(train, { onWarning: (w) => warnings.push(w) }));
  const imputed = await timed(() => model.impute(masked, { draws: 50, point: true, seed: SEED + 5 }));
  const r = score(t, trainStats(t, train), test, masked, imputed.value[0]);
  console.log(`${name}, fit ${args.fit}: numeric RMSE ${r.rmseSd.toFixed(3)}, accuracy ${r.accuracy.toFixed(3)}; ` +
    `fit ${fit.seconds.toFixed(0)} s (final loss ${fit.value.loss.toPrecision(3)}), impute ${imputed.seconds.toFixed(0)} s`);
  console.log(`  per column: ${Object.entries(r.perColumn).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
  for (const w of warnings) console.log(`  warning: ${w}`);
  model.dispose();
}
