// The CLI's data in and out, each case in a child process as a user runs it: delimiters, decimal
// numbers only, output written through a temporary file (never removing what it did not create,
// reporting the real write error), Parquet and JSON Lines, and the streaming CSV reader's memory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parse } from 'csv-parse/sync';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist', 'cjs', 'cli', 'main.js');
let dir;

function tabdiff(args, options = {}) {
  const env = { ...process.env, ...(options.env ?? {}) };
  delete env.TABDIFF_DEBUG;
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

function ok(r) {
  assert.equal(r.code, 0, `exit ${r.code} ${r.signal ?? ''}: ${r.stderr}`);
  return r;
}

/** x numeric, g categorical, y ~ x: deterministic. */
function table(n, sep = ',') {
  let s = 7;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const lines = [['x', 'g', 'y'].join(sep)];
  for (let i = 0; i < n; i++) {
    const x = (u() * 4 - 2).toFixed(3);
    lines.push([x, ['p', 'q', 'r'][i % 3], (Number(x) * 2 + u()).toFixed(3)].join(sep));
  }
  return `${lines.join('\n')}\n`;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tabdiff-io-'));
  writeFileSync(join(dir, 'comma.csv'), table(120));
  ok(tabdiff(['fit', 'comma.csv', '-o', 'm.tdm', '--steps', '40', '--seed', '1']));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('semicolon- and tab-delimited files are read as their columns, and the CLI says what it detected', () => {
  writeFileSync(join(dir, 'semi.csv'), table(120, ';'));
  const semi = ok(tabdiff(['fit', 'semi.csv', '-o', 'semi.tdm', '--steps', '20']));
  assert.match(semi.stderr, /semi\.csv: fields separated by semicolon/);
  assert.match(semi.stderr, /columns x:\S+ g:categorical y:/);
  writeFileSync(join(dir, 'tab.tsv'), table(120, '\t'));
  const tab = ok(tabdiff(['eval', 'comma.csv', 'tab.tsv']));
  assert.match(tab.stderr, /tab\.tsv: fields separated by tab/);
  assert.match(tab.stdout, /\| g +\| categorical/);
  // Forced: the file read with commas is one column, and the CLI says how to change that.
  const forced = tabdiff(['fit', 'semi.csv', '-o', 'forced.tdm', '--steps', '5', '--delimiter', ',']);
  assert.match(forced.stderr, /one column named "x;g;y"; if its fields are separated by another character, pass --delimiter/);
  const bad = tabdiff(['fit', 'semi.csv', '-o', 'x.tdm', '--delimiter', 'ab']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--delimiter.*expected one character/);
});

test('numbers in CSV cells are decimal: 0x10 is not 16', () => {
  writeFileSync(join(dir, 'hex.csv'), 'x,y\n1,2\n2,3\n0x10,4\n3,5\n4,6\n');
  const r = tabdiff(['fit', 'hex.csv', '-o', 'hex.tdm', '--steps', '5']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /hex\.csv: line 4, column "x": "0x10" is not a number \(numbers in CSV cells are decimal\)/);
  // A column of such text is categorical: it comes back as the text, never as 16.
  const rows = ['h,y', ...Array.from({ length: 60 }, (_, i) => `${['0x10', '0x20', '1e'][i % 3]},${i % 7}`)];
  writeFileSync(join(dir, 'hexcat.csv'), `${rows.join('\n')}\n`);
  const fit = ok(tabdiff(['fit', 'hexcat.csv', '-o', 'hexcat.tdm', '--steps', '20']));
  assert.match(fit.stderr, /columns h:categorical y:/);
  const out = parse(ok(tabdiff(['sample', 'hexcat.tdm', '-n', '50', '--seed', '2'])).stdout, { columns: true });
  assert.ok(out.every((row) => ['0x10', '0x20', '1e'].includes(row.h)), JSON.stringify(out.slice(0, 3)));
});

test('sample -o into a device: the real error (ENOSPC) is reported and the device node is not removed', (t) => {
  const node = join(dir, 'full');
  // A private copy of /dev/full (char 1,7: every write fails with ENOSPC), so a regression deletes only it.
  const mk = spawnSync('mknod', [node, 'c', '1', '7']);
  if (mk.status !== 0) {
    t.skip('mknod is not permitted here');
    return;
  }
  for (const format of ['csv', 'parquet']) {
    const r = tabdiff(['sample', 'm.tdm', '-n', '5000', '--seed', '1', '-o', node, '--format', format]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no space left on device/);
    assert.doesNotMatch(r.stderr, /cannot release/);
    assert.ok(lstatSync(node).isCharacterDevice(), 'the device node is gone');
  }
  // The same through a symlink to the device: the link and the node both stay.
  symlinkSync(node, join(dir, 'full-link'));
  const r = tabdiff(['sample', 'm.tdm', '-n', '5000', '--seed', '1', '-o', 'full-link', '--format', 'jsonl']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /no space left on device/);
  assert.ok(lstatSync(join(dir, 'full-link')).isSymbolicLink());
  assert.ok(lstatSync(node).isCharacterDevice());
});

test('sample -o through a symlink writes the file it points to and keeps the link; no temporary file is left', () => {
  writeFileSync(join(dir, 'real.csv'), 'old\n');
  symlinkSync('real.csv', join(dir, 'link.csv'));
  ok(tabdiff(['sample', 'm.tdm', '-n', '30', '--seed', '4', '-o', 'link.csv']));
  assert.ok(lstatSync(join(dir, 'link.csv')).isSymbolicLink());
  const rows = parse(readFileSync(join(dir, 'real.csv')), { columns: true });
  assert.equal(rows.length, 30);
  assert.deepEqual(Object.keys(rows[0]), ['x', 'g', 'y']);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('an interrupted sample leaves the existing output file as it was and removes its temporary file', async () => {
  writeFileSync(join(dir, 'keep.csv'), 'keep\n');
  const child = spawn(process.execPath, [MAIN, 'sample', 'm.tdm', '-n', '50000000', '--seed', '1', '--chunk-rows', '2000', '-o', 'keep.csv'], { cwd: dir });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  // Interrupt once the temporary file holds some rows.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const tmp = readdirSync(dir).find((f) => f.startsWith('.keep.csv.tmp-'));
    if (tmp && statSync(join(dir, tmp)).size > 0) break;
    assert.ok(Date.now() < deadline, `no temporary file appeared: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted/);
  assert.equal(readFileSync(join(dir, 'keep.csv'), 'utf8'), 'keep\n');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('JSON Lines and Parquet out, Parquet in: the same rows as CSV, and a model fits from Parquet', async () => {
  const csv = parse(ok(tabdiff(['sample', 'm.tdm', '-n', '300', '--seed', '9', '-o', '-'])).stdout, { columns: true });
  ok(tabdiff(['sample', 'm.tdm', '-n', '300', '--seed', '9', '-o', 's.jsonl']));
  ok(tabdiff(['sample', 'm.tdm', '-n', '300', '--seed', '9', '-o', 's.parquet']));
  const jsonl = readFileSync(join(dir, 's.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  const { parquetReadObjects, asyncBufferFromFile } = await import('hyparquet');
  const pq = await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, 's.parquet')) });
  assert.equal(jsonl.length, 300);
  assert.equal(pq.length, 300);
  for (let i = 0; i < 300; i++) {
    assert.equal(jsonl[i].g, csv[i].g);
    assert.equal(pq[i].g, csv[i].g);
    assert.equal(String(jsonl[i].x), csv[i].x);
    // Parquet keeps the float64; CSV and JSON Lines keep 9 significant digits of it.
    assert.equal(Number(pq[i].x.toPrecision(9)), Number(csv[i].x));
  }
  // Parquet in (with a gap), the model's columns and kinds as from CSV.
  const { parquetWriteFile } = await import('hyparquet-writer');
  const x = Array.from({ length: 150 }, (_, i) => (i === 5 ? null : Math.sin(i) * 3));
  parquetWriteFile({
    filename: join(dir, 'in.parquet'),
    columnData: [
      { name: 'x', data: x, type: 'DOUBLE' },
      { name: 'g', data: x.map((_, i) => ['p', 'q', 'r'][i % 3]), type: 'STRING' },
      { name: 'k', data: x.map((_, i) => i % 5), type: 'INT32' },
      { name: 'c', data: x.map(() => 'only'), type: 'STRING' },
    ],
  });
  const fit = ok(tabdiff(['fit', 'in.parquet', '-o', 'pq.tdm', '--steps', '30']));
  assert.match(fit.stderr, /fitted 150 rows x 4 columns/);
  assert.match(fit.stderr, /columns x:continuous\(q; gaps\) g:categorical k:integer\(q\) c:categorical\(constant "only"\)/);
  const wrongType = tabdiff(['fit', 'in.parquet', '-o', 'bad.tdm', '--integer', 'g']);
  assert.equal(wrongType.code, 1);
  assert.match(wrongType.stderr, /in\.parquet: column "g" is listed as numeric but holds text values/);
  const notParquet = tabdiff(['fit', 'comma.csv', '-o', 'bad.tdm', '--format', 'parquet']);
  assert.equal(notParquet.code, 1);
  assert.match(notParquet.stderr, /comma\.csv: not a readable Parquet file/);
  const toStdout = tabdiff(['sample', 'm.tdm', '-n', '3', '--format', 'parquet']);
  assert.equal(toStdout.code, 1);
  assert.match(toStdout.stderr, /parquet output needs a file/);
});

test('the streaming CSV reader holds 300,000 rows x 8 numeric columns in a 48 MB heap', () => {
  const cols = 8;
  const lines = [Array.from({ length: cols }, (_, j) => `c${j}`).join(',')];
  for (let i = 0; i < 300_000; i++) lines.push(Array.from({ length: cols }, (_, j) => ((i * 7919 + j * 104729) % 100003) / 97).join(','));
  writeFileSync(join(dir, 'big.csv'), `${lines.join('\n')}\n`);
  // As strings in row objects (the reader before) this table needs well over 48 MB of heap;
  // as Float64Array columns (outside the JavaScript heap) it fits.
  const probe = `
    const { readCsvColumns } = require(${JSON.stringify(join(root, 'dist', 'cjs', 'io', 'csv-columns.js'))});
    readCsvColumns('big.csv').then((t) => {
      const sum = t.data.c3.reduce((a, b) => a + b, 0);
      console.log(JSON.stringify({ rows: t.nRows, numeric: t.numeric.length, c3: t.data.c3 instanceof Float64Array, sum }));
    });
  `;
  const r = spawnSync(process.execPath, ['--max-old-space-size=48', '-e', probe], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const got = JSON.parse(r.stdout);
  let sum = 0;
  for (let i = 0; i < 300_000; i++) sum += ((i * 7919 + 3 * 104729) % 100003) / 97;
  assert.deepEqual({ ...got, sum: Math.round(got.sum) }, { rows: 300_000, numeric: 8, c3: true, sum: Math.round(sum) });
  // And the old way (csv-parse/sync into row objects) runs out of that heap: the bound is real.
  const old = `require('csv-parse/sync').parse(require('fs').readFileSync('big.csv'), { columns: true });`;
  const oldRun = spawnSync(process.execPath, ['--max-old-space-size=48', '-e', old], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_PATH: join(root, 'node_modules') } });
  assert.notEqual(oldRun.status, 0, 'row objects fit in the same heap: the test no longer tells the readers apart');
});
