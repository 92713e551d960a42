// npm run bench:csv-read: the CLI's CSV reading before and after streaming into typed columns.
// One CSV of --rows N (default 1e6) rows x 9 columns (8 numeric, 1 categorical), read in a fresh
// child process per reader; reports wall time and the child's peak resident memory (maxRSS).
//   rows:    csv-parse/sync into row objects of strings (what src/cli/csv.ts's readCsv does)
//   columns: src/io/csv-columns.ts (csv-parse stream API -> Float64Array / dictionary codes)
// Never part of npm test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rowsArg = process.argv.find((a) => a.startsWith('--rows='));
const n = rowsArg ? Number(rowsArg.slice(7)) : 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'td-csv-bench-'));
const file = join(dir, 'big.csv');
let s = 1;
const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
const chunks = ['a,b,c,d,e,f,g,h,cat\n'];
for (let i = 0; i < n; i++) {
  const nums = Array.from({ length: 8 }, () => (u() * 1e4).toFixed(3));
  chunks.push(`${nums.join(',')},${['red', 'green', 'blue', 'other'][i % 4]}\n`);
}
writeFileSync(file, chunks.join(''));
const readers = {
  rows: `const t0 = performance.now(); const rows = require('csv-parse/sync').parse(require('fs').readFileSync(${JSON.stringify(file)}), { columns: true, bom: true, trim: true, skip_empty_lines: true });
         const ms = performance.now() - t0; console.log(JSON.stringify({ rows: rows.length, ms, maxRssMB: process.resourceUsage().maxRSS / 1024 }));`,
  columns: `const t0 = performance.now(); require(${JSON.stringify(join(root, 'dist', 'cjs', 'io', 'csv-columns.js'))}).readCsvColumns(${JSON.stringify(file)}).then((t) => {
         const ms = performance.now() - t0; console.log(JSON.stringify({ rows: t.nRows, ms, maxRssMB: process.resourceUsage().maxRSS / 1024 })); });`,
};
const results = {};
for (const [name, code] of Object.entries(readers)) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '-e', code], { cwd: root, encoding: 'utf8' });
  results[name] = r.status === 0 ? JSON.parse(r.stdout) : { error: r.stderr.trim().split('\n').pop() };
}
const mb = statSync(file).size / 1e6;
console.log(`CSV ${n} rows x 9 columns, ${mb.toFixed(0)} MB; ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}\n`);
console.log('| reader | wall s | peak RSS MB |\n|---|---|---|');
for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${r.error ? r.error : (r.ms / 1000).toFixed(1)} | ${r.error ? '-' : r.maxRssMB.toFixed(0)} |`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'csv-read.json'), `${JSON.stringify({ rows: n, fileMB: mb, node: process.version, results, date: new Date().toISOString() }, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });
