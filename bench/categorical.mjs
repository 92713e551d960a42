// Training and sampling throughput with categorical columns (issue 4): the same table through
// each categorical method, 1 thread, rates per CPU-second (steadier than wall time on a shared
// machine). Data: 20k rows, 4 numeric columns whose means depend on 4 categorical columns of 5
// classes. Writes bench/results/categorical-latest.json and prints a markdown table.
// Usage: node bench/categorical.mjs [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TabularSynthesizer, nativeOps } from '../dist/esm/index.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const ROWS = 20000, TRAIN_STEPS = quick ? 300 : 1500, SAMPLE_ROWS = quick ? 5000 : 20000;

function table() {
  const u = nativeOps().draws({ rows: ROWS, cols: 8, seed: 1, stream: 400, kind: 'uniform' });
  const z = nativeOps().draws({ rows: ROWS, cols: 4, seed: 2, stream: 401 });
  const rows = [];
  for (let i = 0; i < ROWS; i++) {
    const row = {};
    const cats = [0, 1, 2, 3].map((c) => Math.floor(u[i * 8 + c] * 5));
    cats.forEach((v, c) => { row[`c${c}`] = `k${v}`; });
    for (let j = 0; j < 4; j++) row[`x${j}`] = cats[j] - 2 + 0.5 * z[i * 4 + j];
    rows.push(row);
  }
  return rows;
}

const cpuSeconds = () => { const r = process.resourceUsage(); return (r.userCPUTime + r.systemCPUTime) / 1e6; };

const CASES = [
  ['Gaussian only (numeric columns)', null],
  ['one-hot in the Gaussian chain', { method: 'onehot' }],
  ['SEDD absorbing, analytic', { method: 'sedd', graph: 'absorbing', sampler: 'analytic' }],
  ['SEDD uniform, Euler', { method: 'sedd', graph: 'uniform', sampler: 'euler' }],
  ['multinomial (Tab-DDPM)', { method: 'multinomial' }],
];

const data = table();
const numericOnly = data.map(({ x0, x1, x2, x3 }) => ({ x0, x1, x2, x3 }));
const results = [];
for (const [name, categorical] of CASES) {
  const synth = new TabularSynthesizer({
    hiddenDims: [128, 128], timeDim: 64, nTimesteps: 100, batchSize: 256, maxSteps: TRAIN_STEPS, seed: 1, threads: 1,
    ...(categorical ? { categorical: { columns: ['c0', 'c1', 'c2', 'c3'], ...categorical } } : {}),
  });
  let t0 = cpuSeconds();
  await synth.fit(categorical ? data : numericOnly);
  const trainRate = TRAIN_STEPS / (cpuSeconds() - t0);
  const rates = {};
  for (const [label, opts] of [['DDPM-100', { sampler: 'ddpm' }], ['DDIM-20', { sampler: 'ddim', steps: 20 }]]) {
    t0 = cpuSeconds();
    await synth.sampleColumns(SAMPLE_ROWS, { seed: 3, ...opts });
    rates[label] = SAMPLE_ROWS / (cpuSeconds() - t0);
  }
  synth.dispose();
  results.push({ name, trainStepsPerCpuSecond: trainRate, sampleRowsPerCpuSecond: rates });
}

const lines = ['| model | train steps/s | sample rows/s, DDPM-100 | sample rows/s, DDIM-20 |', '|---|---|---|---|'];
for (const r of results) {
  lines.push(`| ${r.name} | ${r.trainStepsPerCpuSecond.toFixed(0)} | ${r.sampleRowsPerCpuSecond['DDPM-100'].toFixed(0)} | ${r.sampleRowsPerCpuSecond['DDIM-20'].toFixed(0)} |`);
}
console.log(`categorical throughput, ${ROWS} rows (4 numeric + 4 categorical x 5 classes), 128x128, T = 100, 1 thread, ${cpus()[0]?.model ?? 'cpu'}`);
console.log(lines.join('\n'));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'categorical-latest-quick.json' : 'categorical-latest.json'),
  JSON.stringify({ date: new Date().toISOString(), quick, rows: ROWS, trainSteps: TRAIN_STEPS, sampleRows: SAMPLE_ROWS, results }, null, 2));
