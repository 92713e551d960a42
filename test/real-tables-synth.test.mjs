// TabularSynthesizer on real-looking tables: gaps (MCAR and MAR) modelled and reproduced,
// dates fitted and sampled in their own format, a model file that holds no training value,
// identifier columns left out, and one clear error for each kind of bad table.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

/** Small and quick, but trained enough for rates within a few points. */
const QUICK = { hiddenDims: [64, 64], timeDim: 16, nTimesteps: 100, maxSteps: 4000, batchSize: 256, lr: 3e-3, seed: 5 };


const rate = (rows, name, where = () => true) => {
  const sel = rows.filter(where);
  return sel.filter((r) => r[name] === null).length / sel.length;
};

let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tabdiff-real-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('gaps are modelled', () => {
  const n = 2000;
  const r = rng(11);
  // MCAR: 30% gaps in a and b (numeric) and in c (categorical); MAR: d is missing far more
  // often when g = 'hi' (60%) than when g = 'lo' (10%).
  const rows = Array.from({ length: n }, () => {
    const x = r.normal();
    const g = x > 0 ? 'hi' : 'lo';
    return {
      a: r.uniform() < 0.3 ? '' : (10 + 2 * x).toFixed(3),
      b: r.uniform() < 0.3 ? 'NA' : (x + r.normal()).toFixed(3),
      c: r.uniform() < 0.3 ? null : ['p', 'q', 'r'][Math.floor(r.uniform() * 3)],
      g,
      d: r.uniform() < (g === 'hi' ? 0.6 : 0.1) ? '?' : (5 + x * 0.5 + 0.2 * r.normal()).toFixed(3),
    };
  });
  let synth;
  let fake;
  before(async () => {
    synth = new TabularSynthesizer(QUICK);
    await synth.fit(rows);
    fake = await synth.sample(4000, { seed: 9 });
  });
  after(() => synth?.dispose());

  test('MCAR: sampled gap rates within 3 points of the real ones', () => {
    for (const name of ['a', 'b', 'c']) {
      const real = rate(rows.map((row) => ({ [name]: row[name] === '' || row[name] === 'NA' || row[name] === null ? null : row[name] })), name);
      const got = rate(fake, name);
      assert.ok(Math.abs(got - real) <= 0.03, `${name}: sampled gap rate ${got.toFixed(3)} vs real ${real.toFixed(3)}`);
    }
  });

  test('MAR: the gap rate of d given g is reproduced within 5 points', () => {
    for (const g of ['hi', 'lo']) {
      const real = rows.filter((row) => row.g === g).filter((row) => row.d === '?').length / rows.filter((row) => row.g === g).length;
      const got = rate(fake, 'd', (row) => row.g === g);
      assert.ok(Math.abs(got - real) <= 0.05, `g = ${g}: sampled ${got.toFixed(3)} vs real ${real.toFixed(3)}`);
    }
  });

  test('observed values are not pulled towards a fill value', () => {
    const values = fake.filter((row) => row.a !== null).map((row) => row.a);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    assert.ok(Math.abs(mean - 10) < 0.3, `mean of the sampled a values ${mean} (real about 10)`);
    assert.ok(fake.every((row) => row.a === null || typeof row.a === 'number'));
  });

  test('gap columns are reported', () => {
    const cols = Object.fromEntries(synth.transformer.columns.map((c) => [c.name, c]));
    assert.equal(cols.a.missing, true);
    assert.equal(cols.c.missing, true);
    assert.equal(cols.g.missing, false);
  });
});

describe('dates', () => {
  const n = 600;
  const r = rng(3);
  const day0 = Date.UTC(2020, 0, 1);
  const rows = Array.from({ length: n }, () => {
    const t = day0 + Math.floor(r.uniform() * 365) * 86400000;
    return {
      day: new Date(t).toISOString().slice(0, 10),
      at: new Date(t + Math.floor(r.uniform() * 86400) * 1000).toISOString().slice(0, 19).replace('T', ' '),
      v: r.normal(),
    };
  });
  test('fit and sample keep the format, stay in the training range, keep the order statistics', async () => {
    const synth = new TabularSynthesizer(QUICK);
    await synth.fit(rows);
    const fake = await synth.sample(2000, { seed: 1 });
    synth.dispose();
    const sorted = (xs) => xs.slice().sort();
    const realDays = sorted(rows.map((row) => row.day));
    for (const row of fake) {
      assert.match(row.day, /^\d{4}-\d{2}-\d{2}$/);
      assert.match(row.at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.ok(row.day >= realDays[0] && row.day <= realDays[n - 1], `${row.day} outside the training range`);
    }
    const fakeDays = sorted(fake.map((row) => row.day));
    const ms = (s) => Date.parse(`${s}T00:00:00Z`) / 86400000;
    for (const q of [0.1, 0.5, 0.9]) {
      const a = ms(realDays[Math.floor(q * n)]);
      const b = ms(fakeDays[Math.floor(q * fakeDays.length)]);
      assert.ok(Math.abs(a - b) <= 25, `quantile ${q}: ${realDays[Math.floor(q * n)]} vs ${fakeDays[Math.floor(q * fakeDays.length)]}`);
    }
  });
});

describe('a saved model holds no training value', () => {
  test('no float or string of a small table with unique values appears in the file', async () => {
    const r = rng(21);
    const n = 80;
    const rows = Array.from({ length: n }, (_, i) => ({
      id: `user-${(1e6 * r.uniform()).toFixed(0)}-${i}`,
      u: r.normal() * 3.7 + 1.234567,
      w: Math.exp(r.normal()) * 1000.5,
      k: ['alpha', 'beta', 'gamma'][i % 3],
    }));
    const warnings = [];
    const synth = new TabularSynthesizer({ ...QUICK, maxSteps: 20 });
    await synth.fit(rows, { onWarning: (m) => warnings.push(m) });
    assert.match(warnings.join('\n'), /"id"/, 'the identifier column is reported');
    assert.deepEqual(synth.transformer.columns.map((c) => c.name), ['u', 'w', 'k']);
    const file = join(dir, 'private.tdm');
    await synth.save(file);
    synth.dispose();
    const bytes = readFileSync(file);
    const text = bytes.toString('latin1');
    for (const row of rows) {
      assert.ok(!text.includes(row.id), `identifier ${row.id} found in the file`);
      for (const v of [row.u, row.w]) {
        assert.ok(!text.includes(JSON.stringify(v)), `value ${v} found as text`);
        const f64 = Buffer.alloc(8);
        f64.writeDoubleLE(v);
        assert.ok(bytes.indexOf(f64) < 0, `value ${v} found as float64 bytes`);
      }
    }
  });
});

describe('bad tables get one clear error', () => {
  const fit = (rows, options = {}) => new TabularSynthesizer({ ...QUICK, maxSteps: 1, ...options }).fit(rows);
  test('an all-gap column', async () => {
    await assert.rejects(fit([{ a: 1, b: '' }, { a: 2, b: 'NA' }, { a: 3, b: null }]), /column "b".*every one of its 3 rows is a gap/);
  });
  test('a column that is a date in some rows and a number in others', async () => {
    await assert.rejects(fit([{ a: 1, b: '2020-01-02' }, { a: 2, b: '17' }, { a: 3, b: '2020-03-04' }]), /column "b": row 0 holds a date .* row 1 holds "17"/);
  });
  test('a date column with one distinct value', async () => {
    await assert.rejects(fit([{ a: 1, b: '2020-01-02' }, { a: 2, b: '2020-01-02' }, { a: 3, b: '' }]), /column "b": a date column with one distinct value/);
  });
  test("missing: 'error' names the count and the first rows", async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ a: i % 37 === 5 ? '' : i + 0.5, b: i % 2 })); // not integers: not an identifier
    await assert.rejects(fit(rows, { missing: 'error' }), (err) => {
      assert.equal(err.name, 'TabularDataError');
      assert.equal(err.column, 'a');
      assert.match(err.message, /column "a": 8 rows \(rows\[5\], rows\[42\], rows\[79\], rows\[116\], rows\[153\], \.\.\. 3 more\) hold gaps/);
      return true;
    });
  });
});
