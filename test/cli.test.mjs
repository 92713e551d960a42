// The tabdiff command line, run as a user runs it: a child process in a temporary folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parse } from 'csv-parse/sync';
import { backendInfo } from '../dist/esm/index.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist', 'cjs', 'cli', 'main.js');
const HEADER = ['x', 'k', 'g', 'flag', 'y'];
const CATEGORIES = ['alpha', 'beta', 'gamma'];

let dir;

/** Runs `node main.js ...args` in the temporary folder; never throws. */
function tabdiff(args, env = {}) {
  const childEnv = { ...process.env, ...env };
  delete childEnv.TABDIFF_DEBUG;
  delete childEnv.TABDIFF_PROGRESS;
  Object.assign(childEnv, env);
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, env: childEnv, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** A bad-input failure: exit code 1 and exactly one line `tabdiff: ...` on stderr, no stack trace. */
function assertOneLineError(r, pattern) {
  assert.equal(r.signal, null, 'the process was killed');
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0], /^tabdiff: \S/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'stack trace on stderr');
  if (pattern) assert.match(lines[0], pattern);
}

/** A small mixed table, deterministic: numeric x, integer k, categorical g, binary flag, y ~ x. */
function smallCsv(n = 160) {
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const lines = [HEADER.join(',')];
  for (let i = 0; i < n; i++) {
    const x = (u() + u() + u() - 1.5) * 2;
    const g = CATEGORIES[i % 3];
    const k = Math.floor(u() * 6);
    const flag = u() < 0.3 ? 1 : 0;
    const y = (1.5 * x + (u() - 0.5)).toFixed(4);
    lines.push(`${x.toFixed(4)},${k},${g},${flag},${y}`);
  }
  return `${lines.join('\n')}\n`;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tabdiff-cli-'));
  writeFileSync(join(dir, 'data.csv'), smallCsv());
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('fit / sample / eval round trip', () => {
  before(() => {
    // Tiny model, few steps: this checks plumbing, not quality.
    const r = tabdiff(['fit', 'data.csv', '-o', 'model.tdm', '--steps', '150', '--hidden', '32,32', '--timesteps', '20', '--seed', '1', '--categorical', 'g']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('fit writes a model file and says so on stderr, nothing on stdout', () => {
    assert.ok(existsSync(join(dir, 'model.tdm')));
    const r = tabdiff(['fit', 'data.csv', '-o', 'model2.tdm', '--steps', '20', '--hidden', '16', '--timesteps', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /fitted 160 rows x 5 columns/);
    assert.ok(existsSync(join(dir, 'model2.tdm')));
    // stderr is a pipe here, not a TTY: no progress bar (no cursor control sequences).
    assert.doesNotMatch(r.stderr, /\x1b\[|\r|steps \|/);
    // ...while forcing it on draws one (so the check above can fail).
    const forced = tabdiff(['fit', 'data.csv', '-o', 'model2.tdm', '--steps', '20', '--hidden', '16', '--timesteps', '10'], { TABDIFF_PROGRESS: '1' });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /20\/20 steps/);
  });

  test('sample writes n rows with the training header in order; categories come from training', () => {
    const r = tabdiff(['sample', 'model.tdm', '-n', '300', '-o', 'out.csv', '--seed', '7', '--chunk-rows', '128']);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(join(dir, 'out.csv'), 'utf8');
    assert.equal(text.split('\n')[0], HEADER.join(','));
    const rows = parse(text, { columns: true });
    assert.equal(rows.length, 300);
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), HEADER);
      assert.ok(CATEGORIES.includes(row.g), `category ${row.g}`);
      assert.ok(row.flag === '0' || row.flag === '1', `flag ${row.flag}`);
      assert.ok(Number.isInteger(Number(row.k)), `k ${row.k}`);
      assert.ok(Number.isFinite(Number(row.x)) && Number.isFinite(Number(row.y)));
    }
  });

  test('the same seed gives the same file; stdout (-o - and no -o) gives the same bytes', () => {
    const a = tabdiff(['sample', 'model.tdm', '-n', '300', '-o', 'out2.csv', '--seed', '7']);
    assert.equal(a.code, 0, a.stderr);
    const file = readFileSync(join(dir, 'out2.csv'), 'utf8');
    // Chunking (--chunk-rows 128 above, the default here) must not change the rows.
    assert.equal(file, readFileSync(join(dir, 'out.csv'), 'utf8'));
    const b = tabdiff(['sample', 'model.tdm', '-n', '300', '-o', '-', '--seed', '7']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stdout, file);
    const c = tabdiff(['sample', 'model.tdm', '-n', '300', '--seed', '7']);
    assert.equal(c.stdout, file);
    const d = tabdiff(['sample', 'model.tdm', '-n', '300', '--seed', '8']);
    assert.notEqual(d.stdout, file);
  });

  test('sample with ddim and -n 0 (header only)', () => {
    const r = tabdiff(['sample', 'model.tdm', '-n', '5', '--sampler', 'ddim', '--steps', '5', '--seed', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parse(r.stdout, { columns: true }).length, 5);
    const z = tabdiff(['sample', 'model.tdm', '-n', '0']);
    assert.equal(z.code, 0, z.stderr);
    assert.equal(z.stdout, `${HEADER.join(',')}\n`);
  });

  test('eval prints the metrics table and the baseline comparison', () => {
    const r = tabdiff(['eval', 'data.csv', 'out.csv', '--categorical', 'g']);
    assert.equal(r.code, 0, r.stderr);
    for (const column of HEADER) assert.match(r.stdout, new RegExp(`^\\| ${column} `, 'm'));
    assert.match(r.stdout, /\| g +\| categorical \|/);
    assert.match(r.stdout, /correlation error: \d/);
    assert.match(r.stdout, /^\| model +\|/m);
    assert.match(r.stdout, /^\| independent +\|/m);
    assert.match(r.stdout, /^\| copula +\|/m);
    const json = tabdiff(['eval', 'data.csv', 'out.csv', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(parsed).sort(), ['copula', 'independent', 'model']);
    assert.equal(parsed.model.summary.nSynthetic, 300);
  });

  test('info prints the backend', () => {
    const r = tabdiff(['info']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /backend: +\w+/);
    assert.match(r.stdout, /default threads: +\d+/);
  });

  test('a corrupted model file is a one-line error', () => {
    const bytes = readFileSync(join(dir, 'model.tdm'));
    writeFileSync(join(dir, 'truncated.tdm'), bytes.subarray(0, bytes.length >> 1));
    assertOneLineError(tabdiff(['sample', 'truncated.tdm', '-n', '3']), /truncated\.tdm/);
    writeFileSync(join(dir, 'notamodel.tdm'), 'treat,age,educ,race\n1,37,11,black\n');
    assertOneLineError(tabdiff(['sample', 'notamodel.tdm', '-n', '3']), /not a tabular-diffusion model/);
    assertOneLineError(tabdiff(['sample', 'missing.tdm', '-n', '3']), /missing\.tdm/);
  });
});

test('columns named __proto__, constructor and toString (and such category labels) go through fit and sample intact', () => {
  // Column and category names are user data: used as plain-object keys they would set a
  // prototype (the column vanishes) or find Object.prototype's members instead of a column.
  const header = ['__proto__', 'constructor', 'toString', 'y'];
  const labels = ['__proto__', 'constructor', 'hasOwnProperty'];
  let s = 99;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const lines = [header.join(',')];
  for (let i = 0; i < 160; i++) {
    const p = (u() + u() + u() - 1.5) * 2;
    lines.push(`${p.toFixed(4)},${labels[i % 3]},${i % 4},${(1.5 * p + u() - 0.5).toFixed(4)}`);
  }
  writeFileSync(join(dir, 'proto.csv'), `${lines.join('\n')}\n`);
  const fit = tabdiff(['fit', 'proto.csv', '-o', 'proto.tdm', '--steps', '150', '--hidden', '32,32', '--timesteps', '20', '--seed', '1', '--categorical', 'toString']);
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stderr, /fitted 160 rows x 4 columns/);
  assert.match(fit.stderr, /columns __proto__:\S+ constructor:categorical toString:categorical y:/);
  const r = tabdiff(['sample', 'proto.tdm', '-n', '300', '-o', 'proto-out.csv', '--seed', '3']);
  assert.equal(r.code, 0, r.stderr);
  // Rows as arrays: csv-parse's `columns: true` would itself assign row.__proto__.
  const [head, ...rows] = parse(readFileSync(join(dir, 'proto-out.csv'), 'utf8'));
  assert.deepEqual(head, header);
  assert.equal(rows.length, 300);
  const p = rows.map((row) => Number(row[0]));
  for (const row of rows) {
    assert.equal(row.length, 4);
    assert.ok(row[0] !== '' && Number.isFinite(Number(row[0])), `__proto__ ${row[0]}`);
    assert.ok(labels.includes(row[1]), `constructor ${row[1]}`);
    assert.ok(['0', '1', '2', '3'].includes(row[2]), `toString ${row[2]}`);
    assert.ok(Number.isFinite(Number(row[3])), `y ${row[3]}`);
  }
  // Sampled, not a constant or a lost column filled in: values spread over the training range.
  const mean = p.reduce((a, b) => a + b, 0) / p.length;
  assert.ok(Math.abs(mean) < 1, `__proto__ mean ${mean}`);
  assert.ok(Math.min(...p) < -0.5 && Math.max(...p) > 0.5, `__proto__ range ${Math.min(...p)}..${Math.max(...p)}`);
  for (const label of labels) assert.ok(rows.some((row) => row[1] === label), `label ${label} never sampled`);
});

describe('bad input: one line on stderr, exit code 1, no stack trace', () => {
  const cases = [
    ['ragged rows', 'ragged.csv', 'a,b,c\n1,2,3\n4,5\n', /ragged\.csv: .*line 3/i],
    ['non-numeric value in a numeric column', 'bad-number.csv', 'a,b\n1,2\n3,4\n5,oops\n7,8\n', /bad-number\.csv: line 4, column "b": "oops" is not a number/],

    ['an unclosed quote', 'quote.csv', 'a,b\n1,"2\n3,4\n', /quote\.csv: .*quote/i],
    ['an empty file', 'empty.csv', '', /empty\.csv: empty file/],
    ['a header without rows', 'header-only.csv', 'a,b\n', /no data rows/],
    ['a header naming a column twice', 'twice.csv', 'a,a\n1,2\n', /column "a" twice/],
  ];
  for (const [what, name, content, pattern] of cases) {
    test(what, () => {
      writeFileSync(join(dir, name), content);
      const r = tabdiff(['fit', name, '-o', 'never.tdm', '--steps', '5']);
      assertOneLineError(r, pattern);
      assert.ok(!existsSync(join(dir, 'never.tdm')), 'no model file after a failure');
    });
  }

  test('a missing file', () => {
    assertOneLineError(tabdiff(['fit', 'nope.csv', '-o', 'never.tdm']), /nope\.csv: no such file/);
    assertOneLineError(tabdiff(['eval', 'data.csv', 'nope.csv']), /nope\.csv: no such file/);
  });

  test('an unknown option, an unknown command, a missing argument', () => {
    assertOneLineError(tabdiff(['fit', 'data.csv', '-o', 'm.tdm', '--bogus']), /unknown option '--bogus'/);
    assertOneLineError(tabdiff(['fitt', 'data.csv']), /unknown command 'fitt'/);
    assertOneLineError(tabdiff(['sample', 'model.tdm']), /required option '-n/);
  });

  test('invalid numbers', () => {
    for (const args of [
      ['fit', 'data.csv', '-o', 'm.tdm', '--steps', 'abc'],
      ['fit', 'data.csv', '-o', 'm.tdm', '--steps', '1.5'],
      ['fit', 'data.csv', '-o', 'm.tdm', '--lr', '-1'],
      ['fit', 'data.csv', '-o', 'm.tdm', '--hidden', '128,x'],
      ['sample', 'model.tdm', '-n', '-3'],
      ['sample', 'model.tdm', '-n', '10', '--seed', '12abc'],
    ]) {
      assertOneLineError(tabdiff(args), /is invalid\. expected/);
    }
  });

  test('an invalid choice and a library-level error are one line too', () => {
    assertOneLineError(tabdiff(['sample', 'model.tdm', '-n', '3', '--sampler', 'euler']), /euler/);
    // bf16 sampling needs the CUDA backend (skipped where a GPU is present: it would just work).
    if (!backendInfo().cuda.available) {
      assertOneLineError(tabdiff(['sample', 'model.tdm', '-n', '3', '--precision', 'bf16']), /precision: 'bf16' needs the CUDA backend/);
    }
    assertOneLineError(tabdiff(['sample', 'model.tdm', '-n', '3', '--precision', 'fp8']), /fp8/);
    // DDPM always runs all steps: the library's RangeError, shown as one line.
    assertOneLineError(tabdiff(['sample', 'model.tdm', '-n', '3', '--steps', '5']), /steps: DDPM runs all/);
    // A column named in an option but not in the data.
    assertOneLineError(tabdiff(['fit', 'data.csv', '-o', 'm.tdm', '--categorical', 'nosuch']), /"nosuch"/);
    // The output folder does not exist: found before fitting.
    assertOneLineError(tabdiff(['fit', 'data.csv', '-o', join('no', 'such', 'dir', 'm.tdm')]), /does not exist/);
  });

  test('TABDIFF_DEBUG=1 adds the stack trace', () => {
    const r = tabdiff(['fit', 'nope.csv', '-o', 'never.tdm'], { TABDIFF_DEBUG: '1' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\n\s+at /);
    assert.match(r.stderr, /^tabdiff: nope\.csv: no such file$/m);
  });
});

describe('real tables on the command line', () => {
  let dir2;
  before(() => {
    dir2 = mkdtempSync(join(tmpdir(), 'tabdiff-cli-gaps-'));
  });
  after(() => rmSync(dir2, { recursive: true, force: true }));

  test('gaps are modelled: fit and sample a CSV with empty and NA cells; --missing error names the file line', () => {
    const lines = ['a,b,c'];
    for (let i = 0; i < 60; i++) lines.push(`${i % 7 === 3 ? '' : (i * 0.37).toFixed(2)},${i % 5 === 0 ? 'NA' : i % 3},${i % 4 === 1 ? '?' : ['x', 'y'][i % 2]}`);
    writeFileSync(join(dir2, 'gaps.csv'), lines.join('\n') + '\n');
    const fit = spawnSync(process.execPath, [MAIN, 'fit', 'gaps.csv', '-o', 'gaps.tdm', '--steps', '30'], { cwd: dir2, encoding: 'utf8' });
    assert.equal(fit.status, 0, fit.stderr);
    assert.match(fit.stderr + fit.stdout, /30 training steps \(yours\)/, 'the chosen settings are printed');
    const sample = spawnSync(process.execPath, [MAIN, 'sample', 'gaps.tdm', '-n', '200', '--seed', '1'], { cwd: dir2, encoding: 'utf8' });
    assert.equal(sample.status, 0, sample.stderr);
    const out = sample.stdout.trim().split('\n');
    assert.equal(out[0], 'a,b,c');
    assert.equal(out.length, 201);
    const strict = spawnSync(process.execPath, [MAIN, 'fit', 'gaps.csv', '-o', 'never.tdm', '--steps', '5', '--missing', 'error'], { cwd: dir2, encoding: 'utf8' });
    assert.equal(strict.status, 1);
    // Row 0 of column a has a value; rows[3] (file line 5) is its first gap.
    assert.match(strict.stderr, /gaps\.csv: column "a": 9 rows \(line 5, line 12, line 19, line 26, line 33, \.\.\. 4 more\) hold gaps/);
    assert.ok(!existsSync(join(dir2, 'never.tdm')));
  });
});
