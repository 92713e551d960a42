// tabdiff score (src/cli/score.ts), run as a user runs it: a child process on a model saved by
// the library and a CSV of rows to score.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parse } from 'csv-parse/sync';
import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cjs', 'cli', 'main.js');
let dir;
let rows;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tabdiff-score-'));
  const { normal } = rng(12);
  rows = Array.from({ length: 200 }, () => ({ a: 2 + normal(), b: 10 * normal() }));
  const s = new TabularSynthesizer({ hiddenDims: [16], timeDim: 8, maxSteps: 60, nTimesteps: 50, threads: 1, quantile: false });
  await s.fit(rows, { onWarning: () => {} });
  await s.save(join(dir, 'm.tdm'));
  s.dispose();
  writeFileSync(join(dir, 'data.csv'), `a,b\n${rows.slice(0, 5).map((r) => `${r.a},${r.b}`).join('\n')}\n`);
  writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n1,oops\n');
  writeFileSync(join(dir, 'extra.csv'), 'a,b,c\n1,2,3\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const tabdiff = (args) => spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

test('tabdiff score writes one row per input row: its line, -logDensity, logDensity, standard error and model-coordinate log-density; same as the library', async () => {
  const r = tabdiff(['score', 'm.tdm', 'data.csv', '-o', 'scores.csv', '--throws', '10', '--seed', '3']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /scored 5 rows \(path-integral\)/);
  const out = parse(readFileSync(join(dir, 'scores.csv'), 'utf8'), { columns: true });
  assert.deepEqual(out.map((o) => o.line), ['2', '3', '4', '5', '6']);
  const s = await TabularSynthesizer.load(join(dir, 'm.tdm'));
  const csvRows = out.map((_, i) => ({ a: String(rows[i].a), b: String(rows[i].b) }));
  const lib = await s.logDensity(csvRows, { throws: 10, seed: 3 });
  s.dispose();
  out.forEach((o, i) => {
    assert.ok(Math.abs(Number(o.logDensity) - lib.logDensity[i]) < 1e-6 * (1 + Math.abs(lib.logDensity[i])), `row ${i}`);
    assert.equal(Number(o.score), -Number(o.logDensity));
    assert.ok(Number(o.standardError) > 0);
    assert.ok(Math.abs(Number(o.modelLogDensity) - lib.gaussian[i]) < 1e-6 * (1 + Math.abs(lib.gaussian[i])));
  });
});

test('tabdiff score: bad rows are one-line errors naming the file line and column', () => {
  const bad = tabdiff(['score', 'm.tdm', 'bad.csv']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^tabdiff: bad\.csv: .*"b".*line 3|^tabdiff: bad\.csv: .*line 3.*b/);
  const extra = tabdiff(['score', 'm.tdm', 'extra.csv']);
  assert.equal(extra.status, 1);
  assert.match(extra.stderr, /^tabdiff: extra\.csv: rows: unknown column "c" in line 2/);
  const method = tabdiff(['score', 'm.tdm', 'data.csv', '--method', 'exact']);
  assert.equal(method.status, 1);
  assert.match(method.stderr, /method/);
});

test('tabdiff eval --model --train reports the memorisation gap', () => {
  writeFileSync(join(dir, 'train.csv'), `a,b\n${rows.slice(0, 40).map((r) => `${r.a},${r.b}`).join('\n')}\n`);
  writeFileSync(join(dir, 'held.csv'), `a,b\n${rows.slice(150, 190).map((r) => `${r.a},${r.b}`).join('\n')}\n`);
  const r = tabdiff(['eval', 'held.csv', 'train.csv', '--model', 'm.tdm', '--train', 'train.csv']);
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/Memorisation gap under m\.tdm \(path integral, 100 throws, model coordinates\): mean log-density of 40 rows of train\.csv (-?[\d.]+) minus 40 rows of held\.csv (-?[\d.]+) = (-?[\d.]+) ± ([\d.]+) nats/);
  assert.ok(m, r.stdout);
  assert.ok(Math.abs(Number(m[1]) - Number(m[2]) - Number(m[3])) < 2e-3);
  const lonely = tabdiff(['eval', 'held.csv', 'train.csv', '--model', 'm.tdm']);
  assert.equal(lonely.status, 1);
  assert.match(lonely.stderr, /--model and --train go together/);
});

test('tabdiff score on a default mixed model (a categorical column, gaps): finite scores, equal to the library, discrete part listed', async () => {
  const { normal, uniform } = rng(13);
  const mixedRows = Array.from({ length: 300 }, () => {
    const g = uniform() < 0.5 ? 'p' : 'q';
    return { g, v: uniform() < 0.2 ? '' : String((g === 'p' ? 0 : 3) + normal()) };
  });
  const s = new TabularSynthesizer({ hiddenDims: [16], timeDim: 8, maxSteps: 60, nTimesteps: 50, threads: 1 });
  await s.fit(mixedRows, { onWarning: () => {} });
  await s.save(join(dir, 'mixed.tdm'));
  const test = mixedRows.slice(0, 6);
  writeFileSync(join(dir, 'mixed.csv'), `g,v\n${test.map((r) => `${r.g},${r.v}`).join('\n')}\n`);
  const r = tabdiff(['score', 'mixed.tdm', 'mixed.csv', '-o', 'mixed-scores.csv', '--throws', '10', '--seed', '3']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /discrete \(estimate\)/);
  const out = parse(readFileSync(join(dir, 'mixed-scores.csv'), 'utf8'), { columns: true });
  const lib = await s.logDensity(test, { throws: 10, seed: 3 });
  s.dispose();
  assert.ok(test.some((row) => row.v === ''));
  out.forEach((o, i) => {
    assert.ok(Number.isFinite(Number(o.logDensity)), `row ${i}: ${o.logDensity}`);
    assert.ok(Math.abs(Number(o.logDensity) - lib.logDensity[i]) < 1e-6 * (1 + Math.abs(lib.logDensity[i])), `row ${i}`);
  });
  // A class the model never saw: probability 0, so the CLI writes -Infinity / Infinity for that
  // row (src/density/unseen.ts) and the other rows keep the scores they get alone.
  writeFileSync(join(dir, 'unseen.csv'), `g,v\n${test[0].g},${test[0].v}\nnew,1.5\n${test[1].g},${test[1].v}\n`);
  const u = tabdiff(['score', 'mixed.tdm', 'unseen.csv', '-o', 'unseen-scores.csv', '--throws', '10', '--seed', '3']);
  assert.equal(u.status, 0, u.stderr);
  assert.match(u.stderr, /1 row\(s\) with a category the model never saw/);
  const uo = parse(readFileSync(join(dir, 'unseen-scores.csv'), 'utf8'), { columns: true });
  assert.deepEqual(uo.map((o) => o.line), ['2', '3', '4']);
  assert.equal(uo[1].logDensity, '-Infinity');
  assert.equal(uo[1].score, 'Infinity');
  assert.ok(Math.abs(Number(uo[0].logDensity) - lib.logDensity[0]) < 1e-6 * (1 + Math.abs(lib.logDensity[0])));
  assert.ok(Number.isFinite(Number(uo[2].logDensity)));
  const ode = tabdiff(['score', 'mixed.tdm', 'mixed.csv', '--method', 'ode']);
  assert.equal(ode.status, 1);
  assert.match(ode.stderr, /'ode' is not available for models with categorical columns/);
});
