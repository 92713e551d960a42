// The runaway limit (src/synthesizer/runaway.ts) each bundled table gets with the defaults, and
// whether fit's far-from-data warning fires on it (it should not: it is meant for fits that
// diverged or stopped far too early). Full tables, seed 1; about 6 minutes on 2 cores.
//
// Usage: node bench/runaway-limits.mjs   (results: bench/results/runaway-limits.md)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse } from 'csv-parse/sync';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { lalondeRows } from './lib/data.mjs';
import { machineInfo, machineLine } from './lib/machine.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
const tables = { lalonde: () => lalondeRows() };
for (const n of ['abalone', 'california_housing', 'adult']) tables[n] = () => parse(readFileSync(join(DATA, `${n}.csv`)), { columns: true });
console.log(`# bench/runaway-limits.mjs (${machineLine(machineInfo())})\n`);
console.log('| table | rows | fit s | redrawLimit | far-from-data warnings | settings note |');
console.log('|---|---|---|---|---|---|');
for (const [name, read] of Object.entries(tables)) {
  const rows = read();
  const warnings = [];
  const m = new TabularSynthesizer({ seed: 1 });
  const t0 = Date.now();
  await m.fit(rows, { onWarning: (w) => warnings.push(w) });
  const far = warnings.filter((w) => w.startsWith('fit: ')).length;
  console.log(`| ${name} | ${rows.length} | ${((Date.now() - t0) / 1000).toFixed(0)} | ${m.settings.redrawLimit} | ${far} | ${m.settings.notes.at(-1)} |`);
  m.dispose();
}
