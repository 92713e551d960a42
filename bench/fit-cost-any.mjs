// What conditioning: 'any' costs at fit: the default model and an 'any' model fitted with the
// defaults on the imputation bench's training rows (seed 1, 10000 rows), one after the other in
// the same process, so run it alone (docs/imputation.md, "What an 'any' model costs").
//
// Usage: node bench/fit-cost-any.mjs [--tables=adult,california_housing]
import { parseArgs } from 'node:util';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { loadTable, maskedSplit, timed } from './lib/impute-data.mjs';
import { machineInfo, machineLine } from './lib/machine.mjs';

const { values: args } = parseArgs({ options: { tables: { type: 'string', default: 'adult,california_housing' } } });
const SEED = 1;
console.log(`# ${machineLine(machineInfo())}`);
for (const name of args.tables.split(',')) {
  const t = loadTable(name);
  const { train } = maskedSplit(t, SEED, 10000, 2000);
  const seconds = {};
  for (const conditioning of ['none', 'any']) {
    const model = new TabularSynthesizer({ seed: SEED, categorical: t.categorical, conditioning });
    const fit = await timed(() => model.fit(train, { onWarning: () => {} }));
    seconds[conditioning] = fit.seconds;
    console.log(`${name}, conditioning '${conditioning}': fit ${fit.seconds.toFixed(1)} s, ${model.settings.diffusion.maxSteps} steps`);
    model.dispose();
  }
  console.log(`${name}: 'any' / default fit time ${(seconds.any / seconds.none).toFixed(2)}x`);
}
