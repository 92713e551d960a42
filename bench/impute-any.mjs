// The conditioning: 'any' model of bench/impute.mjs alone on a real table, with other fit options
// and other impute settings: the same split (seed 1, 10000 training rows, 2000 held-out rows with
// 20% MCAR cells removed), scored as bench/impute.mjs scores it (numeric RMSE in sd units and
// categorical accuracy of impute(rows, { point: true }), 50 draws unless a setting says otherwise),
// per column too, and against kNN and chained equations fitted on the same rows (paired bootstrap
// intervals over held-out rows). For trying fit options and point-estimate settings on imputation
// without the whole bench (docs/imputation.md).
//
// Usage: node bench/impute-any.mjs [--fit='{"lr":0.005}'] [--impute='[{}, {"draws":200}]']
//        [--tables=adult,california_housing]
import { parseArgs } from 'node:util';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { loadTable, maskedSplit, pairedDiff, score, signedCi, timed, trainStats } from './lib/impute-data.mjs';
import { knn, mice } from './lib/impute-peers.mjs';

const { values: args } = parseArgs({
  options: {
    fit: { type: 'string', default: '{}' }, impute: { type: 'string', default: '[{}]' },
    tables: { type: 'string', default: 'adult,california_housing' },
  },
});
const SEED = 1; // bench/impute.mjs's seed: the same split and draws
const settings = JSON.parse(args.impute);
const f3 = (v) => v.toFixed(3);

for (const name of args.tables.split(',')) {
  const t = loadTable(name);
  const { train, test, masked } = maskedSplit(t, SEED, 10000, 2000);
  const st = trainStats(t, train);
  const peers = { 'kNN (k = 10)': score(t, st, test, masked, knn(t, st, train, masked)), 'chained equations': score(t, st, test, masked, mice(t, st, train, masked)) };
  for (const [peer, r] of Object.entries(peers)) console.log(`${name}, ${peer}: numeric RMSE ${f3(r.rmseSd)}, accuracy ${f3(r.accuracy)}`);
  const model = new TabularSynthesizer({ seed: SEED, categorical: t.categorical, conditioning: 'any', ...JSON.parse(args.fit) });
  const warnings = [];
  const fit = await timed(() => model.fit(train, { onWarning: (w) => warnings.push(w) }));
  console.log(`${name}, fit ${args.fit}: ${fit.seconds.toFixed(0)} s (final loss ${fit.value.loss.toPrecision(3)})`);
  for (const w of warnings) console.log(`  warning: ${w}`);
  for (const setting of settings) {
    const imputed = await timed(() => model.impute(masked, { draws: 50, point: true, seed: SEED + 5, ...setting }));
    const r = score(t, st, test, masked, imputed.value[0]);
    console.log(`${name}, impute ${JSON.stringify(setting)}: numeric RMSE ${f3(r.rmseSd)}, accuracy ${f3(r.accuracy)}; impute ${imputed.seconds.toFixed(0)} s`);
    console.log(`  per column: ${Object.entries(r.perColumn).map(([k, v]) => `${k} ${f3(v)}`).join(', ')}`);
    for (const [peer, p] of Object.entries(peers)) {
      const d = pairedDiff(r, p, SEED + 31);
      console.log(`  minus ${peer}: RMSE ${signedCi(d.rmse, d.rmseCi)}, accuracy ${signedCi(d.accuracy, d.accuracyCi)}`);
    }
  }
  model.dispose();
}
