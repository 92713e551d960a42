// npm run bench:parquet: the measurement behind the CLI's Parquet library (src/io/parquet.ts).
// Writes and reads one table of the shape `tabdiff sample` produces (8 float64 columns and one
// string column of 4 categories; 1e6 rows, or --rows N) with hyparquet + hyparquet-writer (pure
// JavaScript) and with parquet-wasm (Rust compiled to WebAssembly, fed through apache-arrow),
// both with snappy; then reads each file with the other library (interoperability).
// Prints a markdown table and writes bench/results/parquet.json. Never part of npm test.
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const rowsArg = process.argv.find((a) => a.startsWith('--rows='));
const n = rowsArg ? Number(rowsArg.slice(7)) : 1_000_000;
const work = mkdtempSync(join(tmpdir(), 'td-parquet-bench-'));

const { ParquetWriter, fileWriter } = await import('hyparquet-writer');
const { parquetReadObjects, parquetRead, asyncBufferFromFile } = await import('hyparquet');
const arrow = await import('apache-arrow');
const pw = await import('parquet-wasm');

// The table: numeric columns as Float64Array (as sampleColumns returns them), race as strings.
let s = 1;
const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
const names = ['treat', 'age', 'educ', 'married', 'nodegree', 're74', 're75', 're78'];
const numeric = Object.fromEntries(names.map((name) => [name, Float64Array.from({ length: n }, () => Math.round(rand() * 1e6) / 100)]));
const race = Array.from({ length: n }, () => ['black', 'hispan', 'white', 'other'][Math.floor(rand() * 4)]);

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  return r instanceof Promise ? r.then((v) => [v, performance.now() - t0]) : [r, performance.now() - t0];
}
const results = [];

// hyparquet-writer: row groups of 65,536 rows, as the CLI writes sample chunks.
const hyFile = join(work, 'hy.parquet');
const [, hyWrite] = time(() => {
  const w = new ParquetWriter({
    writer: fileWriter(hyFile),
    schema: [{ name: 'root', num_children: names.length + 1 }, ...names.map((name) => ({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' })), { name: 'race', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }],
  });
  for (let a = 0; a < n; a += 65536) {
    const b = Math.min(n, a + 65536);
    w.write({ columnData: [...names.map((name) => ({ name, data: numeric[name].subarray(a, b) })), { name: 'race', data: race.slice(a, b) }], rowGroupSize: b - a });
  }
  w.finish();
});
const [hyRows, hyRead] = await time(async () => {
  let rows = 0;
  await parquetRead({ file: await asyncBufferFromFile(hyFile), columns: [...names, 'race'], onChunk: (c) => { if (c.columnName === 'race') rows += c.rowEnd - c.rowStart; } });
  return rows;
});
results.push({ library: 'hyparquet + hyparquet-writer', writeMs: hyWrite, readMs: hyRead, bytes: statSync(hyFile).size, rowsRead: hyRows });

// parquet-wasm: build an Arrow table, IPC stream, write; read back to Arrow.
const pwFile = join(work, 'pw.parquet');
const [, pwWrite] = time(() => {
  const table = arrow.tableFromArrays({ ...numeric, race });
  const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).build();
  writeFileSync(pwFile, pw.writeParquet(wasmTable, props));
});
const [pwRows, pwRead] = time(() => {
  const t = arrow.tableFromIPC(pw.readParquet(readFileSync(pwFile)).intoIPCStream());
  return t.numRows;
});
results.push({ library: 'parquet-wasm + apache-arrow', writeMs: pwWrite, readMs: pwRead, bytes: statSync(pwFile).size, rowsRead: pwRows });

// Interoperability: each library reads the other's file, values compared on two columns.
const fromPw = await parquetReadObjects({ file: await asyncBufferFromFile(pwFile), columns: ['re78', 'race'], rowEnd: 1000 });
const fromHy = arrow.tableFromIPC(pw.readParquet(readFileSync(hyFile)).intoIPCStream());
const interop = fromPw.every((r, i) => r.re78 === numeric.re78[i] && r.race === race[i]) &&
  fromHy.numRows === n && fromHy.getChild('re78').get(n - 1) === numeric.re78[n - 1] && fromHy.getChild('race').get(n - 1) === race[n - 1];

const wasmBytes = statSync(join(dirname(fileURLToPath(import.meta.resolve('parquet-wasm'))), 'parquet_wasm_bg.wasm')).size;
const lines = [
  `Parquet, ${n} rows x 9 columns (8 float64, 1 string), snappy; ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}`,
  '',
  '| library | write ms | read ms | file MB | rows read |',
  '|---|---|---|---|---|',
  ...results.map((r) => `| ${r.library} | ${r.writeMs.toFixed(0)} | ${r.readMs.toFixed(0)} | ${(r.bytes / 1e6).toFixed(1)} | ${r.rowsRead} |`),
  '',
  `each reads the other's file with the same values: ${interop}`,
  `parquet-wasm's .wasm alone: ${(wasmBytes / 1e6).toFixed(1)} MB`,
];
console.log(lines.join('\n'));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'parquet.json'), `${JSON.stringify({ rows: n, node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, results, interop, wasmBytes, date: new Date().toISOString() }, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
