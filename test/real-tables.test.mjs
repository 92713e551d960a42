// Real tables at the transformer level: gaps, point masses, dates, identifier columns, padding,
// the private model state, and the errors bad cells give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { rng as seedRng } from './fixtures/rng.mjs';

const require = createRequire(import.meta.url);
const { TabularTransformer, TabularDataError, GAP_TOKENS, isGap } = require('../dist/cjs/transformer.js');
const { MIN_GROUP } = require('../dist/cjs/table/quantile-map.js');

const DAY = 86_400_000;
const EPS32 = 2 ** -24;
const EPS64 = 2 ** -52;

/** Gap cells of every spelling: null, undefined, NaN and GAP_TOKENS in several cases and paddings. */
const GAPS = [null, undefined, NaN, '', '   ', 'NA', ' n/a ', '#N/A', 'nan', '-NaN', 'NULL', 'None', '?', ' ? '];
const DATE_GAPS = [...GAPS, new Date(NaN)];

/** Seeded uniform in (0, 1) (mulberry32). */
const uniformOf = (seed) => seedRng(seed).uniform;
const normalOf = (u) => () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());

/** Round-trip bound of a standardised value: float32 z (see transformer.test.mjs). */
function standardTol(x, mean, sd) {
  return Math.abs(x - mean) * EPS32 * (1 + 1e-6) + 8 * EPS64 * (Math.abs(x) + Math.abs(mean)) + sd * 2 ** -149 + 4 * Number.MIN_VALUE;
}

// ------------------------------------------------------------------------------------------
// Random real tables. Every cell is { cell, num, out }: what goes in, its number in the model's
// units (NaN for a gap), and what must come back (null for a gap).

const gapCell = (gaps) => fc.constantFrom(...gaps).map((cell) => ({ cell, num: NaN, out: null }));
const pad = (s, p) => (p === 1 ? ` ${s}` : p === 2 ? `${s}  ` : s);
const padArb = fc.integer({ min: 0, max: 2 });

const numberCell = fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 3 })).map(([x, p]) =>
  // as a number, or as a (padded) string the way a CSV holds it
  ({ cell: p === 0 ? x : pad(String(x), p), num: p === 0 ? x : Number(String(x)), out: p === 0 ? x : Number(String(x)) }));
const zeroInflatedCell = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ cell: 0, num: 0, out: 0 }) },
  { weight: 3, arbitrary: fc.double({ min: 0.01, max: 1e5, noNaN: true }).map((x) => ({ cell: x, num: x, out: x })) },
);
const intCell = fc.integer({ min: -100000, max: 100000 }).map((k) => ({ cell: k, num: k, out: k }));
const binCell = fc.constantFrom(0, 1, '0', ' 1 ').map((v) => ({ cell: v, num: Number(v), out: Number(v) }));
const catCell = fc.constantFrom(' a', 'b ', '  c  ', 'x y', 'ü', 'A', 'a').map((v) => ({ cell: v, num: NaN, out: v.trim() }));
const dateCell = fc.tuple(fc.integer({ min: -25567, max: 47482 }), padArb).map(([d, p]) => {
  const s = new Date(d * DAY).toISOString().slice(0, 10); // 1900-01-01 .. 2099-12-31
  return { cell: pad(s, p), num: d, out: s };
});

/**
 * Date-times within a window of 30 days (seconds) or 1 hour (Date objects, milliseconds): a
 * standardised value is stored as float32, so a value comes back exactly (after rounding to
 * the unit) only while |x - mean| * 2^-24 < 0.5 units; 30 days is 2.6e6 s (error <= 0.16 s),
 * one hour 3.6e6 ms (<= 0.22 ms). Wider spans: see the Date-object test below.
 */
const dateTimeColumn = (withSeconds) =>
  fc.record({ base: fc.integer({ min: -2e9, max: 4e9 }), sep: fc.constantFrom('T', ' '), zone: fc.constantFrom('', 'Z') }).map(({ base, sep, zone }) => {
    const step = withSeconds ? 1 : 60;
    const t0 = Math.floor(base / step) * step;
    return fc.integer({ min: 0, max: (30 * 86400) / step }).map((k) => {
      const t = t0 + k * step;
      const iso = new Date(t * 1000).toISOString();
      const s = `${iso.slice(0, 10)}${sep}${iso.slice(11, withSeconds ? 19 : 16)}${zone}`;
      return { cell: s, num: t, out: s };
    });
  });
const dateObjectColumn = fc.integer({ min: -2e12, max: 4e12 }).map((base) =>
  fc.integer({ min: 0, max: 3_600_000 }).map((k) => ({ cell: new Date(base + k), num: base + k, out: new Date(base + k) })));

/** name -> [kind, value cell arbitrary (or an arbitrary of one), gap cells] */
const COLUMNS = {
  num: ['number', fc.constant(numberCell), GAPS],
  zi: ['number', fc.constant(zeroInflatedCell), GAPS],
  int: ['number', fc.constant(intCell), GAPS],
  bin: ['binary', fc.constant(binCell), GAPS],
  cat: ['categorical', fc.constant(catCell), GAPS],
  day: ['date', fc.constant(dateCell), GAPS],
  sec: ['date', dateTimeColumn(true), GAPS],
  min: ['date', dateTimeColumn(false), GAPS],
  obj: ['date', dateObjectColumn, DATE_GAPS],
};

/** Tables of 4..maxRows rows; rows 0 and 1 hold values (distinct ones in date columns), the rest ~25% gaps. */
function realTableArb(maxRows = 40) {
  return fc.integer({ min: 4, max: maxRows }).chain((n) =>
    fc.record(
      Object.fromEntries(
        Object.entries(COLUMNS).map(([name, [kind, valueArbArb, gaps]]) => [
          name,
          valueArbArb.chain((valueArb) =>
            fc.tuple(
              fc.tuple(valueArb, valueArb).filter(([a, b]) => kind !== 'date' || a.num !== b.num),
              fc.array(fc.oneof({ weight: 3, arbitrary: valueArb }, { weight: 1, arbitrary: gapCell(gaps) }), { minLength: n - 2, maxLength: n - 2 }),
            ).map(([head, rest]) => [...head, ...rest]),
          ),
        ]),
      ),
    ).map((cols) => ({
      n,
      cols,
      rows: Array.from({ length: n }, (_, i) => Object.fromEntries(Object.keys(COLUMNS).map((name) => [name, cols[name][i].cell]))),
    })),
  );
}

/** Decoded rows against the cells' `out`: exact, but float32 precision for continuous values. */
function assertRows(tf, back, cols, label) {
  const meta = Object.fromEntries(tf.columns.map((c) => [c.name, c]));
  assert.deepEqual(Object.keys(back[0]), Object.keys(COLUMNS), `${label}: column order`);
  back.forEach((row, i) => {
    for (const name of Object.keys(COLUMNS)) {
      const want = cols[name][i].out;
      const got = row[name];
      const where = `${label}: ${name} row ${i} (cell ${String(cols[name][i].cell)})`;
      if (want === null) {
        assert.equal(got, null, `${where}: a gap comes back as null`);
      } else if (want instanceof Date) {
        assert.ok(got instanceof Date, `${where}: a Date`);
        assert.equal(got.getTime(), want.getTime(), where);
      } else if (typeof want === 'string') {
        assert.equal(got, want, where);
      } else {
        const c = meta[name];
        if (c.kind === 'continuous' && !c.pointMasses.includes(want)) {
          assert.equal(typeof got, 'number', where);
          assert.ok(Math.abs(got - want) <= standardTol(want, c.mean, c.sd), `${where}: ${got} vs ${want}`);
        } else {
          assert.ok(got === want, `${where}: ${got} vs ${want} (${c.kind})`);
        }
      }
    }
  });
}

/** The observed mask is 0 exactly at the value cells of gaps and point masses. */
function assertObserved(tf, m, cols, n) {
  const W = m.numeric.cols;
  let any = false;
  const expected = new Uint8Array(n * W).fill(1);
  for (const c of tf.columns) {
    if (c.kind === 'categorical') continue;
    for (let i = 0; i < n; i++) {
      const x = cols[c.name][i].num;
      if (Number.isNaN(x) || c.pointMasses.includes(x)) {
        any = true;
        // The placeholder is one of the column's own observed cells (resampled, seeded).
        const own = [];
        for (let r = 0; r < n; r++) if (m.observed[r * W + c.offset]) own.push(m.numeric.data[r * W + c.offset]);
        const v = m.numeric.data[i * W + c.offset];
        assert.ok(own.length === 0 ? v === 0 : own.includes(v), `${c.name} row ${i}: placeholder ${v} is one of the column's observed cells`);
        expected[i * W + c.offset] = 0;
      }
    }
  }
  if (!any) assert.equal(m.observed, null, 'observed is null when every value is observed');
  else assert.deepEqual(m.observed, expected);
}

test('round trip of real tables: gaps, dates, padding, integers, binaries, categories; both encodings, records and columns, via JSON (property)', () => {
  fc.assert(
    fc.property(realTableArb(), fc.constantFrom('onehot', 'index'), fc.boolean(), ({ n, cols, rows }, encoding, columnar) => {
      const input = columnar ? Object.fromEntries(Object.keys(COLUMNS).map((name) => [name, rows.map((r) => r[name])])) : rows;
      // identifiers: 'keep': an int column without gaps may be unique and about consecutive (tested below)
      const tf = new TabularTransformer({ categoricalEncoding: encoding, identifiers: 'keep' });
      const m = tf.fitTransformMixed(input);
      const kinds = Object.fromEntries(tf.columns.map((c) => [c.name, c.kind]));
      for (const name of ['day', 'sec', 'min', 'obj']) assert.equal(kinds[name], 'date', name);
      assert.equal(kinds.cat, 'categorical');
      assert.equal(kinds.bin, 'binary');
      for (const c of tf.columns) assert.equal(c.missing, cols[c.name].some((x) => x.out === null), `${c.name}: missing`);
      assertObserved(tf, m, cols, n);
      assertRows(tf, tf.inverseTransformMixed(m, { clip: false }), cols, 'clip off');
      // with the default clip, gaps stay null and values stay inside the training range
      const clipped = tf.inverseTransformMixed(m);
      for (const c of tf.columns) {
        if (c.kind === 'categorical') continue;
        const nums = cols[c.name].filter((x) => x.out !== null).map((x) => x.num);
        const [lo, hi] = [Math.min(...nums), Math.max(...nums)];
        clipped.forEach((r, i) => {
          const v = r[c.name];
          if (cols[c.name][i].out === null) return assert.equal(v, null);
          const x = v instanceof Date ? v.getTime() : typeof v === 'string' ? parseOut(c.name, v) : v;
          assert.ok(x >= lo && x <= hi, `${c.name} row ${i}: ${v} outside the training range`);
        });
      }
      // the saved state gives the same matrices and rows
      const tf2 = TabularTransformer.fromJSON(JSON.stringify(tf));
      assert.deepEqual(tf2.transformMixed(input), m);
      assertRows(tf2, tf2.inverseTransformMixed(m, { clip: false }), cols, 'fromJSON');
    }),
    { numRuns: 120 },
  );
});

/** A date column's output string as its model number (days or seconds). */
function parseOut(name, s) {
  if (name === 'day') return Date.parse(`${s}T00:00:00Z`) / DAY;
  return Date.parse(`${s.replace(' ', 'T').replace(/Z$/, '')}Z`) / 1000;
}

test('gaps: one mode part per numeric column (value, gap, masses), a gap class per categorical one, and the observed mask', () => {
  const positives = Array.from({ length: 20 }, (_, k) => 10 + k * 3.5);
  // 40 rows: 16 zeros (a point mass), 4 gaps, 20 distinct positive values
  const inc = [...positives.slice(0, 10), 0, null, 0, 0, 'NA', 0, 0, 0, ' ? ', 0, ...positives.slice(10), 0, 0, 0, NaN, 0, 0, 0, 0, 0, 0];
  const color = inc.map((_, i) => (i % 7 === 3 ? '' : i % 2 ? ' red' : 'blue '));
  const rows = { inc, color };
  const n = inc.length;
  const gapAt = inc.map((v) => isGap(v));
  const zeroAt = inc.map((v) => v === 0);
  for (const encoding of ['onehot', 'index']) {
    const tf = new TabularTransformer({ categoricalEncoding: encoding });
    const m = tf.fitTransformMixed(rows);
    const [ci, cc] = tf.columns;
    assert.equal(ci.kind, 'continuous');
    assert.equal(ci.missing, true);
    assert.deepEqual(ci.pointMasses, [0]);
    assert.equal(cc.missing, true);
    assert.deepEqual(cc.categories, ['blue', 'red'], 'trimmed; the gap is not a category');
    // classes of the mode: 0 = value, 1 = gap, 2 = the mass 0; of the category: blue, red, gap (last)
    const modeOf = (i) => (gapAt[i] ? 1 : zeroAt[i] ? 2 : 0);
    const catOf = (i) => (color[i] === '' ? 2 : color[i].trim() === 'blue' ? 0 : 1);
    const W = m.numeric.cols;
    if (encoding === 'onehot') {
      assert.deepEqual(tf.transformedNames, ['inc', 'inc=(value)', 'inc=(gap)', 'inc==0', 'color=blue', 'color=red', 'color=(gap)']);
      assert.deepEqual([ci.offset, ci.width, ci.categoricalIndex, cc.offset, cc.width, cc.categoricalIndex], [0, 4, -1, 4, 3, -1]);
      assert.equal(m.categorical.cols, 0);
      for (let i = 0; i < n; i++) {
        const row = Array.from(m.numeric.data.subarray(i * W, (i + 1) * W));
        assert.deepEqual(row.slice(1, 4), [0, 1, 2].map((k) => (k === modeOf(i) ? 1 : 0)), `row ${i}: mode one-hot`);
        assert.deepEqual(row.slice(4), [0, 1, 2].map((k) => (k === catOf(i) ? 1 : 0)), `row ${i}: category one-hot`);
      }
    } else {
      assert.deepEqual(tf.transformedNames, ['inc']);
      assert.deepEqual(tf.categoricalNames, ['inc#mode', 'color']);
      assert.deepEqual(tf.categoricalCardinalities, [3, 3]);
      assert.deepEqual([ci.offset, ci.width, ci.categoricalIndex, cc.categoricalIndex], [0, 1, 0, 1]);
      for (let i = 0; i < n; i++) {
        assert.equal(m.categorical.data[i * 2], modeOf(i), `row ${i}: mode class`);
        assert.equal(m.categorical.data[i * 2 + 1], catOf(i), `row ${i}: category class`);
      }
    }
    // observed: 0 exactly at the value cells of gaps and zeros; those cells hold 0
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < W; k++) {
        const masked = k === 0 && (gapAt[i] || zeroAt[i]);
        assert.equal(m.observed[i * W + k], masked ? 0 : 1, `observed row ${i} col ${k}`);
        if (masked) {
          const own = [];
          for (let r = 0; r < n; r++) if (m.observed[r * W + k]) own.push(m.numeric.data[r * W + k]);
          assert.ok(own.includes(m.numeric.data[i * W + k]), `row ${i}: the placeholder is one of the column's observed cells`);
        }
      }
    }
    const back = tf.inverseTransformMixed(m, { clip: false });
    back.forEach((r, i) => {
      assert.equal(r.inc === null, gapAt[i], `row ${i}: gap <-> null`);
      if (zeroAt[i]) assert.equal(r.inc, 0);
      assert.equal(r.color, color[i] === '' ? null : color[i].trim());
    });
    // the mode decides: a gap mode gives null whatever the value cell holds; the value mode
    // (with the default clip) never gives a mass, as the value part was fitted without it
    const probe = { rows: 2, cols: W, data: new Float32Array(2 * W) };
    const probeCat = { rows: 2, cols: m.categorical.cols, data: new Int32Array(2 * m.categorical.cols) };
    probe.data[0] = 3;
    probe.data[W] = -50;
    if (encoding === 'onehot') {
      probe.data.set([0, 1, 0, 1, 0, 0], 1);
      probe.data.set([1, 0, 0, 0, 1, 0], W + 1);
    } else {
      probeCat.data.set([1, 0, 0, 1]);
    }
    const [gapRow, valueRow] = tf.inverseTransformMixed({ numeric: probe, categorical: probeCat });
    assert.equal(gapRow.inc, null);
    assert.equal(valueRow.inc, ci.min);
    assert.ok(ci.min >= positives[0], 'clip range of the value part: the positive values');
  }
});

test('gaps: the gap rate survives the encoding, for each gap spelling, in numeric, binary and categorical columns', () => {
  const u = uniformOf(5);
  const n = 3000;
  const tokens = [...GAPS];
  const table = { x: [], b: [], c: [] };
  const gaps = { x: 0, b: 0, c: 0 };
  for (let i = 0; i < n; i++) {
    for (const [name, rate] of [['x', 0.3], ['b', 0.1], ['c', 0.5]]) {
      if (u() < rate) {
        table[name].push(tokens[Math.floor(u() * tokens.length)]);
        gaps[name]++;
      } else table[name].push(name === 'x' ? u() * 100 : name === 'b' ? (u() < 0.5 ? 1 : 0) : ['p', 'q', 'r'][Math.floor(u() * 3)]);
    }
  }
  const tf = new TabularTransformer({ categoricalEncoding: 'index' });
  const m = tf.fitTransformMixed(table);
  assert.deepEqual(tf.categoricalNames, ['x#mode', 'b#mode', 'c']);
  const C = m.categorical.cols;
  const gapClass = [1, 1, 3];
  ['x', 'b', 'c'].forEach((name, k) => {
    let count = 0;
    for (let i = 0; i < n; i++) if (m.categorical.data[i * C + k] === gapClass[k]) count++;
    assert.equal(count, gaps[name], `${name}: ${count} gap classes for ${gaps[name]} gaps`);
  });
  assert.deepEqual([...GAP_TOKENS].sort(), ['', '#n/a', '-nan', '?', 'n/a', 'na', 'nan', 'none', 'null']);
  assert.equal(isGap(new Date(NaN)), true);
  assert.equal(isGap(0), false);
  assert.equal(isGap('0'), false);
  assert.equal(isGap('n.a.'), false, 'only the listed tokens');
});

test("gaps: missing: 'error', an all-gap column, a date-and-number column and a one-date column are errors naming column and rows", () => {
  const x = Array.from({ length: 40 }, (_, i) => ([3, 7, 8, 12, 20, 25, 30].includes(i) ? (i % 2 ? 'NA' : null) : i * 1.5));
  assert.throws(
    () => new TabularTransformer({ missing: 'error' }).fit({ x, y: x.map((_, i) => i % 3) }),
    (e) =>
      e instanceof TabularDataError && e.column === 'x' && e.row === 3 && /"x"/.test(e.message) &&
      /7 rows \(rows\[3\], rows\[7\], rows\[8\], rows\[12\], rows\[20\], \.\.\. 2 more\)/.test(e.message),
  );
  assert.throws(
    () => new TabularTransformer().fit({ a: [1, 2, 3], b: [null, 'NA', ' ? '] }),
    (e) => e instanceof TabularDataError && e.column === 'b' && /"b"/.test(e.message) && /every one of its 3 rows is a gap/.test(e.message),
  );
  for (const [d, dateRow, otherRow] of [
    [['2020-01-01', null, '2020-02-01', ' 17 ', '2020-03-01'], 0, 3],
    [[12.5, '2021-05-05T10:00', '2021-05-06T10:00'], 1, 0],
    [[new Date(0), new Date(DAY), 3], 0, 2],
  ]) {
    assert.throws(
      () => new TabularTransformer().fit({ d, k: d.map((_, i) => i % 2) }),
      (e) =>
        e instanceof TabularDataError && e.column === 'd' && e.row === otherRow &&
        new RegExp(`row ${dateRow} holds a date`).test(e.message) && new RegExp(`row ${otherRow} holds`).test(e.message) && /dates or numbers, not both/.test(e.message),
      `dates in row ${dateRow}, a number in row ${otherRow}`,
    );
  }
  assert.throws(
    () => new TabularTransformer().fit({ d: ['2020-01-01', ' 2020-01-01', null, '2020-01-01'], k: [1, 2, 3, 4] }),
    (e) => e instanceof TabularDataError && e.column === 'd' && /"d"/.test(e.message) && /one distinct value \(2020-01-01\)/.test(e.message),
  );
  // dates among free text: a categorical column, not an error
  const tf = new TabularTransformer().fit({ d: ['2020-01-01', 'soon', '2020-01-01', 'never'] });
  assert.equal(tf.columns[0].kind, 'categorical');
});

test('point masses: a zero-inflated column gets the mass [0] and a value part fitted on the non-zero values only', () => {
  const u = uniformOf(11);
  const normal = normalOf(u);
  const n = 2000;
  const income = Array.from({ length: n }, () => (u() < 0.4 ? 0 : Math.exp(10 + normal())));
  const nonzero = Float64Array.from(income.filter((v) => v !== 0)).sort();
  const tfq = new TabularTransformer({ quantile: true });
  const m = tfq.fitTransformMixed({ income });
  const c = tfq.columns[0];
  assert.deepEqual(c.pointMasses, [0]);
  assert.equal(c.missing, false);
  const { knots, probs } = tfq.toJSON().columns[0].quantile;
  const g = Math.floor(nonzero.length / MIN_GROUP);
  assert.equal(knots.length, Math.min(g, 1000), 'knots of the non-zero values only');
  // knot k: mean of group k of the sorted non-zero values, at its mid probability among them
  for (let k = 0; k < knots.length; k++) {
    const start = Math.floor((k * nonzero.length) / knots.length);
    const end = Math.floor(((k + 1) * nonzero.length) / knots.length);
    const mean = nonzero.slice(start, end).reduce((s, v) => s + v, 0) / (end - start);
    assert.ok(Math.abs(knots[k] - mean) <= 1e-12 * mean, `knot ${k}`);
    assert.equal(probs[k], (start + end) / 2 / nonzero.length);
  }
  assert.ok(knots[0] > 0 && c.min === knots[0], 'the clip range starts above 0');
  // the zeros are the mode's mass class; their value cells are masked
  const W = m.numeric.cols;
  assert.deepEqual(tfq.transformedNames, ['income', 'income=(value)', 'income==0']);
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const isZero = income[i] === 0;
    zeros += isZero;
    assert.equal(m.observed[i * W], isZero ? 0 : 1);
    assert.equal(m.numeric.data[i * W + 2], isZero ? 1 : 0);
  }
  // the value part's normal scores are standard normal over the non-zero rows (not pulled by 40% zeros)
  const zs = [];
  for (let i = 0; i < n; i++) if (income[i] !== 0) zs.push(m.numeric.data[i * W]);
  const mean = zs.reduce((s, v) => s + v, 0) / zs.length;
  assert.ok(Math.abs(mean) < 0.01, `mean score ${mean}`);
  const back = tfq.inverseTransformMixedColumns(m).income;
  assert.equal(back.filter((v) => v === 0).length, zeros, 'zeros come back from the mode only');
  // standardised: mean and sd of the non-zero values
  const tfs = new TabularTransformer().fit({ income });
  const mu = nonzero.reduce((s, v) => s + v, 0) / nonzero.length;
  const sd = Math.sqrt(nonzero.reduce((s, v) => s + (v - mu) ** 2, 0) / nonzero.length);
  assert.ok(Math.abs(tfs.columns[0].mean - mu) <= 1e-12 * mu);
  assert.ok(Math.abs(tfs.columns[0].sd - sd) <= 1e-9 * sd);
  // pointMasses: false: no mode; the zeros are values and the range starts at 0
  const tfn = new TabularTransformer({ pointMasses: false, quantile: true }).fit({ income });
  assert.deepEqual(tfn.columns[0].pointMasses, []);
  assert.equal(tfn.columns[0].min, 0);
  assert.equal(tfn.outputDim, 1);
});

test('point masses: most frequent first, at most 3, at least 5% and 5 rows, only in columns of >= 20 distinct values', () => {
  const u = uniformOf(3);
  const n = 1000;
  const draw = () => {
    const r = u();
    return r < 0.3 ? 0 : r < 0.42 ? 99 : r < 0.5 ? -1 : r < 0.56 ? 7 : r < 0.59 ? 3 : Math.round(u() * 1e6) / 100;
  };
  const x = Array.from({ length: n }, draw);
  const tf = new TabularTransformer().fit({ x });
  assert.deepEqual(tf.columns[0].pointMasses, [0, 99, -1], 'the three most frequent of 0 (30%), 99 (12%), -1 (8%), 7 (6%); not 3 (3%)');
  // few distinct values: no masses (the value part has ties enough)
  assert.deepEqual(new TabularTransformer().fit({ k: Array.from({ length: 100 }, (_, i) => i % 19) }).columns[0].pointMasses, []);
  // 5% of 40 rows is 2, but a mass (saved verbatim) needs 5 rows: 4 x 3.25 is no mass, 5 x 3.25 is
  const small = (reps) => [...Array.from({ length: 30 }, (_, i) => i * 1.5 + 0.25), ...Array(reps).fill(3.25)];
  assert.deepEqual(new TabularTransformer().fit({ x: small(3) }).columns[0].pointMasses, [], '4 rows');
  assert.deepEqual(new TabularTransformer().fit({ x: small(4) }).columns[0].pointMasses, [3.25], '5 rows');
});

test('point masses: a column of exact amounts gets every amount held by 5+ rows and 0.1% of them as a mass; a dense grid of integers does not', () => {
  const u = uniformOf(5);
  // capital-gain-like: 90% zeros, 30 amounts sparse on 0..99,999, each held by 8-40 rows, and 12 rare amounts (1 row each)
  const amounts = Array.from({ length: 30 }, (_, k) => 1000 + k * 3331);
  const counts = amounts.map((_, k) => 8 + k);
  const rare = Array.from({ length: 12 }, (_, k) => 2500 + k * 7919 + 0.5);
  const x = [...amounts.flatMap((a, k) => Array(counts[k]).fill(a)), ...rare];
  const nz = x.length;
  const n = 10 * nz;
  while (x.length < n) x.push(0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [x[i], x[j]] = [x[j], x[i]];
  }
  const tf = new TabularTransformer({ quantile: true });
  const m = tf.fitTransformMixed({ x });
  const c = tf.columns[0];
  const want = [0, ...amounts.map((a, k) => [a, counts[k]]).sort((p, q) => q[1] - p[1] || p[0] - q[0]).map(([a]) => a)];
  assert.deepEqual(c.pointMasses, want, 'every amount of 5+ rows, most frequent first');
  assert.ok(c.min >= rare[0] && c.max <= rare.at(-1), `the value part holds the rare amounts only: [${c.min}, ${c.max}]`);
  const back = tf.inverseTransformMixedColumns(m).x;
  x.forEach((v, i) => assert.ok(!want.includes(v) || back[i] === v, `row ${i}: ${v} came back as ${back[i]}`));
  assert.equal(m.observed.filter((o, i) => i % m.numeric.cols === 0 && o === 1).length, rare.length, 'only the rare amounts are Gaussian cells');
  // each mass's share of the observed rows is kept (range conditions weigh it), and read back; files without it still load
  const state = tf.toJSON();
  assert.deepEqual(state.columns[0].massShares, want.map((v) => x.filter((y) => y === v).length / n));
  assert.deepEqual(TabularTransformer.fromJSON(JSON.stringify(state)).toJSON(), state);
  const old = JSON.parse(JSON.stringify(state));
  delete old.columns[0].massShares;
  assert.deepEqual(TabularTransformer.fromJSON(old).columns[0].pointMasses, want);
  const forged = JSON.parse(JSON.stringify(state));
  forged.columns[0].massShares[0] = 0.99;
  assert.throws(() => TabularTransformer.fromJSON(forged), /massShares must be in \(0, 1\] and sum to at most 1/);
  // in 20,000 rows an amount needs 20 of them (0.1%): the 12 amounts held by 8-19 rows go to the value part
  const longer = [...x, ...Array(20000 - n).fill(0)];
  assert.deepEqual(new TabularTransformer().fit({ x: longer }).columns[0].pointMasses, want.filter((v) => v === 0 || counts[amounts.indexOf(v)] >= 20));
  // 4 rows is under the privacy floor: such amounts stay in the value part
  const four = [...Array(4).fill(123456), ...x];
  assert.ok(!new TabularTransformer().fit({ x: four }).columns[0].pointMasses.includes(123456));
  // more than 2% of the rows on rare amounts: not a column of amounts, the usual rule (the zeros only)
  const spread = [...x, ...Array.from({ length: 0.03 * n }, (_, i) => 50000 + i * 1.25)];
  assert.deepEqual(new TabularTransformer().fit({ x: spread }).columns[0].pointMasses, [0]);
  // a dense grid (ages 17..90, every value held by many rows) is no column of amounts
  const age = Array.from({ length: 5000 }, () => 17 + Math.floor(u() * 74));
  assert.deepEqual(new TabularTransformer().fit({ age }).columns[0].pointMasses, []);
  // every value held by 5+ rows: the least frequent go back to the value part so it keeps 10 rows
  const codes = Array.from({ length: 30 }, (_, k) => k ** 3 + k);
  const coded = codes.flatMap((a, k) => Array(k < 2 ? 5 : 20).fill(a));
  const cc = new TabularTransformer().fit({ coded }).columns[0];
  assert.equal(cc.pointMasses.length, 28);
  assert.ok(!cc.pointMasses.includes(codes[0]) && !cc.pointMasses.includes(codes[1]));
});

test('dates: formats kept (date, date-time with T or space, minutes or seconds or ms, zones), Date objects, rounding and clipping', () => {
  const table = {
    day: ['2020-01-01', ' 2020-03-15', null, '1969-07-20', '2024-02-29'],
    t: ['2020-01-01 10:00', '2020-01-01 11:30', 'NA', '2020-01-02 00:15', '2020-01-03 23:59'],
    // (within 20 minutes: in ms, a float32 cell is exact over spans of about 2 hours only)
    tz: ['2020-01-01T10:00:00+02:00', '2020-01-01T08:00:30Z', '2020-01-01T06:30:00-01:30', '', '2020-01-01T08:20:00.500Z'],
    mix: ['2020-01-01T10:00', '2020-01-01T10:00:30', '2020-01-02T10:00', '2020-01-03T10:00', '2020-01-04T10:00'],
    obj: [new Date(Date.UTC(2020, 0, 1, 10)), new Date(Date.UTC(2020, 0, 1, 10, 0, 0, 250)), undefined, new Date(Date.UTC(2020, 0, 1, 11)), new Date(NaN)],
  };
  const tf = new TabularTransformer();
  const m = tf.fitTransformMixed(table);
  assert.deepEqual(tf.columns.map((c) => c.kind), ['date', 'date', 'date', 'date', 'date']);
  const back = tf.inverseTransformMixedColumns(m, { clip: false });
  assert.deepEqual(back.day, ['2020-01-01', '2020-03-15', null, '1969-07-20', '2024-02-29']);
  assert.deepEqual(back.t, ['2020-01-01 10:00', '2020-01-01 11:30', null, '2020-01-02 00:15', '2020-01-03 23:59']);
  // offsets are converted to UTC and written with Z; the finest precision seen (ms) is kept
  assert.deepEqual(back.tz, ['2020-01-01T08:00:00.000Z', '2020-01-01T08:00:30.000Z', '2020-01-01T08:00:00.000Z', null, '2020-01-01T08:20:00.500Z']);
  assert.deepEqual(back.mix, ['2020-01-01T10:00:00', '2020-01-01T10:00:30', '2020-01-02T10:00:00', '2020-01-03T10:00:00', '2020-01-04T10:00:00']);
  assert.ok(back.obj[0] instanceof Date);
  assert.deepEqual(back.obj.map((d) => (d === null ? null : d.getTime())), [Date.UTC(2020, 0, 1, 10), Date.UTC(2020, 0, 1, 10, 0, 0, 250), null, Date.UTC(2020, 0, 1, 11), null]);
  // model units: days for dates (whole numbers), seconds for date-times without ms, ms with them
  const state = tf.toJSON().columns;
  assert.deepEqual(state.map((c) => c.date.kind), ['date', 'datetime', 'datetime', 'datetime', 'object']);
  assert.equal(state[0].lo, (Date.UTC(1969, 6, 20) / DAY + Date.UTC(2020, 0, 1) / DAY) / 2, 'lo: mean of the lowest group (4 values: 2 groups of 2), in days');
  // decoding rounds to whole units and clips to the range
  const col = tf.columns[0];
  const z = (days) => (days - col.mean) / col.sd;
  const one = (days, clip) => {
    const numeric = new Float32Array(m.numeric.cols);
    numeric[col.offset] = z(days);
    numeric[col.offset + 1] = 1; // mode: value
    return tf.inverseTransformMixed({ numeric: { rows: 1, cols: m.numeric.cols, data: numeric } }, { clip })[0].day;
  };
  assert.equal(one(Date.UTC(2020, 2, 15) / DAY + 0.4, false), '2020-03-15');
  assert.equal(one(Date.UTC(2020, 2, 15) / DAY + 0.6, false), '2020-03-16');
  assert.equal(one(Date.UTC(1900, 0, 1) / DAY, false), '1900-01-01', 'before 1970: negative days, not clipped at 0');
  assert.equal(one(Date.UTC(1900, 0, 1) / DAY, true), new Date(Math.ceil(col.min) * DAY).toISOString().slice(0, 10));
  // dates after 1970 are non-negative numbers, but a date column is not clipped at 0 (1970-01-01)
  const late = new TabularTransformer().fit({ d: ['2020-01-01', '2021-01-01', '2022-01-01'] });
  const lc = late.columns[0];
  assert.equal(late.inverseTransform([[(Date.UTC(1900, 0, 1) / DAY - lc.mean) / lc.sd]], { clip: false })[0].d, '1900-01-01');
  // beyond the range of JS Dates (clip off): the last representable date, not a throw or an Invalid Date
  assert.deepEqual(late.inverseTransform([[1e30], [-1e30]], { clip: false }).map((r) => r.d), ['+275760-09-13', '-271821-04-20']);
  const times = new TabularTransformer().fit({ t: ['2020-01-01 10:00', '2020-01-02 10:00', '2020-01-03 10:00'] });
  assert.equal(times.inverseTransform([[-1e30]], { clip: false })[0].t, '-271821-04-20 00:00');
  const objects = new TabularTransformer().fit({ d: [new Date(0), new Date(1e12), new Date(2e12)] });
  assert.deepEqual(objects.inverseTransform([[1e30]], { clip: false })[0].d, new Date(8.64e15));
});

test('dates: Date objects over decades come back within the float32 bound (milliseconds are the unit)', () => {
  // A standardised cell is float32: |x - mean| * 2^-24 in ms, about 16 s at 30 years from the
  // mean; the model's own noise is far larger, but a round trip is exact only over spans of
  // hours (the property above). Then rounded to whole ms: +0.5.
  const u = uniformOf(9);
  const d = Array.from({ length: 200 }, () => new Date(Date.UTC(1990, 0, 1) + Math.floor(u() * 30 * 365.25 * DAY)));
  const tf = new TabularTransformer();
  const m = tf.fitTransformMixed({ d });
  const { mean, sd } = tf.columns[0];
  const back = tf.inverseTransformMixedColumns(m, { clip: false }).d;
  let worst = 0;
  d.forEach((x, i) => {
    const err = Math.abs(back[i].getTime() - x.getTime());
    worst = Math.max(worst, err);
    assert.ok(err <= standardTol(x.getTime(), mean, sd) + 0.5, `row ${i}: ${err} ms`);
  });
  assert.ok(worst > 0 && worst < 60_000, `worst ${worst} ms`);
});

test('A saved model contains no training value verbatim (transformer state, quantile map on and off)', () => {
  const u = uniformOf(2024);
  const n = 60;
  const unique = (f) => {
    const seen = new Set();
    return Array.from({ length: n }, () => {
      let x;
      do x = f(); while (seen.has(x));
      seen.add(x);
      return x;
    });
  };
  const table = {
    a: unique(() => (u() - 0.5) * 2000),
    b: unique(() => Math.exp(3 * u())),
    c: unique(() => u() * 1e-3 + 42),
    who: unique(() => `user-${Math.floor(u() * 1e9).toString(36)}`),
  };
  const floats = [...table.a, ...table.b, ...table.c];
  for (const quantile of [true, false]) {
    const tf = new TabularTransformer({ quantile });
    tf.fit(table);
    assert.deepEqual(tf.excluded.map((e) => e.name), ['who'], 'the unique strings are left out as an identifier');
    const text = JSON.stringify(tf.toJSON());
    const bytes = Buffer.from(text);
    for (const x of floats) {
      for (const v of [x, Math.fround(x)]) {
        assert.ok(!text.includes(JSON.stringify(v)), `quantile ${quantile}: ${v} appears in the saved text`);
      }
      const f64 = Buffer.alloc(8);
      f64.writeDoubleLE(x);
      const f32 = Buffer.alloc(4);
      f32.writeFloatLE(x);
      assert.ok(!bytes.includes(f64) && !bytes.includes(f32), `quantile ${quantile}: the bytes of ${x} appear`);
    }
    // every number in the state, whatever its printing: none is a training value
    const numbers = [];
    JSON.parse(text, (_, v) => (typeof v === 'number' && numbers.push(v), v));
    const training = new Set([...floats, ...floats.map(Math.fround)]);
    assert.ok(numbers.length > 0);
    assert.ok(numbers.every((v) => !training.has(v)), `quantile ${quantile}: a training value is in the state`);
    for (const s of table.who) assert.ok(!text.includes(s), `quantile ${quantile}: "${s}" appears`);
    // the clip range is inside the training range: means of 5-value groups
    for (const c of tf.columns) {
      const xs = table[c.name];
      assert.ok(c.min > Math.min(...xs) && c.max < Math.max(...xs), `${c.name}: clip range strictly inside`);
    }
  }
});

test('identifier columns: unique strings and about-consecutive integer ids are left out and reported; amounts are kept', () => {
  const n = 30;
  const u = uniformOf(8);
  const order = Array.from({ length: n }, (_, i) => i).sort(() => u() - 0.5);
  const table = {
    code: order.map((k) => `C-${1000 + k}`),
    id: order.map((k) => 5000 + k),
    csvId: order.map((k) => ` ${k + 1} `),
    amount: order.map((k) => 1000 + k * 997), // unique integers, spread out: not an id
    price: order.map((k) => k * 1.25 + 0.1), // unique, not integers
    when: order.map((k) => new Date((18000 + k) * DAY).toISOString().slice(0, 10)), // unique dates
    grade: order.map((k) => ['x', 'y', 'z'][k % 3]),
  };
  const tf = new TabularTransformer();
  const m = tf.fitTransformMixed(table);
  assert.deepEqual(tf.excluded, [
    { name: 'code', reason: 'its 30 values are all different strings: it looks like an identifier' },
    { name: 'id', reason: 'its 30 values are all different integers: it looks like an identifier' },
    { name: 'csvId', reason: 'its 30 values are all different integers: it looks like an identifier' },
  ]);
  assert.deepEqual(tf.columns.map((c) => [c.name, c.kind]), [['amount', 'integer'], ['price', 'continuous'], ['when', 'date'], ['grade', 'categorical']]);
  const back = tf.inverseTransformMixed(m);
  assert.deepEqual(Object.keys(back[0]), ['amount', 'price', 'when', 'grade']);
  // new rows need not hold the left-out columns; the list survives JSON
  const { code, id, csvId, ...kept } = table;
  assert.deepEqual(tf.transformMixed(kept), m);
  assert.deepEqual(TabularTransformer.fromJSON(JSON.stringify(tf)).excluded, tf.excluded);
  // kept with identifiers: 'keep', or when listed in a kind option
  const keep = new TabularTransformer({ identifiers: 'keep' }).fit(table);
  assert.deepEqual(keep.excluded, []);
  assert.deepEqual(keep.columns.slice(0, 3).map((c) => c.kind), ['categorical', 'integer', 'integer']);
  const listed = new TabularTransformer({ integer: ['id'], categorical: ['code'] }).fit(table);
  assert.deepEqual(listed.excluded.map((e) => e.name), ['csvId']);
  // fewer than 20 rows, or a repeated value: not an identifier
  assert.deepEqual(new TabularTransformer().fit({ id: table.id.slice(0, 19), v: table.price.slice(0, 19) }).excluded, []);
  assert.deepEqual(new TabularTransformer().fit({ id: [...table.id.slice(1), table.id[2]], v: table.price }).excluded, []);
  // gaps do not hide an id (up to half the column); the reason counts them
  const gappy = new TabularTransformer().fit({ code: table.code.map((c, i) => (i % 10 === 3 ? '' : c)), id: table.id.map((v, i) => (i === 7 ? null : v)), v: table.price });
  assert.deepEqual(gappy.excluded, [
    { name: 'code', reason: 'its 27 values (and 3 gaps) are all different strings: it looks like an identifier' },
    { name: 'id', reason: 'its 29 values (and 1 gap) are all different integers: it looks like an identifier' },
  ]);
  // more gaps than values, or fewer than 20 values besides the gaps: not an identifier
  const mostlyGaps = table.code.map((c, i) => (i < 16 ? null : c));
  assert.deepEqual(new TabularTransformer().fit({ code: [...mostlyGaps, ...mostlyGaps.slice(0, 16)], v: [...table.price, ...table.price.slice(0, 16)] }).excluded, []);
  assert.deepEqual(new TabularTransformer().fit({ id: table.id.map((v, i) => (i < 11 ? null : v)), v: table.price }).excluded, []);
  // every column an identifier: an error that says what to do
  assert.throws(() => new TabularTransformer().fit({ code: table.code, id: table.id }), /every column looks like an identifier \(code, id\).*identifiers: 'keep'/);
});

/** Asserts fn throws a TabularDataError naming the column and the row, in the message and as fields. */
function assertDataError(fn, column, row, extra) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof TabularDataError, `a TabularDataError: ${e}`);
    assert.match(e.message, new RegExp(`"${column}"`), `names column "${column}": ${e.message}`);
    assert.match(e.message, new RegExp(`row ${row}\\b`), `names row ${row}: ${e.message}`);
    assert.equal(e.column, column);
    assert.equal(e.row, row);
    if (extra) assert.match(e.message, extra);
    return true;
  });
}

test('bad cells in real tables: the error names the column and the row', () => {
  const tf = new TabularTransformer().fit({
    x: [1.5, 2.5, 4, 8],
    d: ['2020-01-01', '2020-01-05', '2020-02-01', '2020-03-01'],
    c: ['a', 'b', 'a', 'b'],
    g: [1, null, 3.5, 4],
  });
  const good = { x: 1, d: '2020-01-02', c: 'a', g: 2 };
  const rows = (bad) => [good, good, { ...good, ...bad }];
  assertDataError(() => tf.transform(rows({ x: '1,5' })), 'x', 2, /not a number/);
  assertDataError(() => tf.transform(rows({ x: null })), 'x', 2, /gap.*had none/);
  assertDataError(() => tf.transform(rows({ d: '2020-13-01' })), 'd', 2, /not a date/);
  assertDataError(() => tf.transform(rows({ d: 20200101 })), 'd', 2, /not a date/);
  assertDataError(() => tf.transform(rows({ d: '' })), 'd', 2, /gap.*had none/);
  assertDataError(() => tf.transform(rows({ c: 'A' })), 'c', 2, /"A" was not seen/);
  assertDataError(() => tf.transform(rows({ c: { v: 1 } })), 'c', 2, /expected a string or number/);
  assertDataError(() => tf.transform(rows({ g: new Date(0) })), 'g', 2, /got a Date/);
  assert.deepEqual(tf.inverseTransform(tf.transform(rows({ g: ' NA ' })))[2].g, null, 'a gap where the column had gaps');
  // at fit
  assertDataError(() => new TabularTransformer({ date: ['d'] }).fit({ d: ['2020-01-01', 'tomorrow', '2020-01-03'] }), 'd', 1, /listed as a date/);
  assertDataError(() => new TabularTransformer({ continuous: ['d'] }).fit({ d: ['1.5', '2020-01-03'] }), 'd', 1, /not a number/);
  assertDataError(() => new TabularTransformer().fit({ b: [0, 1, 'NA', Infinity] }), 'b', 3, /non-finite/);
  assertDataError(() => new TabularTransformer({ binary: ['b'] }).fit({ b: [0, 1, null, 2] }), 'b', 3, /binary/);
  assertDataError(() => new TabularTransformer().fit({ c: ['a', 'b', [1]] }), 'c', 2, /expected a string or number/);
});
