import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const { TabularTransformer, TabularDataError, normalCdf, normalQuantile } = require('../dist/cjs/transformer.js');

const CATEGORIES = ['red', 'green', 'blue', 'x y', 'ü'];

/** Tables of n rows with one column of each kind (records). */
function tableArb({ intRange = 100000, minRows = 1, maxRows = 30 } = {}) {
  return fc.integer({ min: minRows, max: maxRows }).chain((n) => {
    const col = (arb) => fc.array(arb, { minLength: n, maxLength: n });
    return fc
      .record({
        cont: col(fc.double({ min: -1e4, max: 1e4, noNaN: true })),
        pos: col(fc.double({ min: 0, max: 1e3, noNaN: true })),
        int: col(fc.integer({ min: -intRange, max: intRange })),
        bin: col(fc.constantFrom(0, 1)),
        cat: col(fc.constantFrom(...CATEGORIES)),
        numstr: col(fc.integer({ min: -500, max: 500 }).map((k) => String(k / 4))),
      })
      .map((cols) =>
        Array.from({ length: n }, (_, i) => ({
          cont: cols.cont[i],
          pos: cols.pos[i],
          int: cols.int[i],
          bin: cols.bin[i],
          cat: cols.cat[i],
          numstr: cols.numstr[i],
        })),
      );
  });
}

function column(rows, name) {
  return rows.map((r) => r[name]);
}

function maxAbs(values) {
  return values.reduce((m, x) => Math.max(m, Math.abs(Number(x))), 0);
}

function assertRoundTrip(rows, back, { quantile = false } = {}) {
  assert.equal(back.length, rows.length);
  assert.deepEqual(Object.keys(back[0]), Object.keys(rows[0]), 'column order restored');
  for (const name of ['cont', 'pos', 'numstr']) {
    const xs = column(rows, name).map(Number);
    const range = Math.max(...xs) - Math.min(...xs);
    // float32 storage of z: relative error 2^-24 in standardised units; quantile: see transformer docs
    const tol = quantile ? 1e-3 * range + 1e-9 : 1e-6 * maxAbs(xs) + 1e-9;
    back.forEach((r, i) => {
      assert.equal(typeof r[name], 'number');
      assert.ok(Math.abs(r[name] - xs[i]) <= tol, `${name} row ${i}: ${r[name]} vs ${xs[i]} (tol ${tol})`);
    });
  }
  back.forEach((r, i) => {
    assert.equal(r.int, rows[i].int, `int row ${i}`);
    assert.equal(r.bin, rows[i].bin, `bin row ${i}`);
    assert.equal(r.cat, rows[i].cat, `cat row ${i}`);
    assert.ok(r.pos >= 0, 'non-negative column clipped at 0');
  });
}

function assertWithinBounds(tf, m) {
  const { lower, upper } = tf.transformedBounds();
  assert.equal(lower.length, m.cols);
  assert.equal(upper.length, m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let k = 0; k < m.cols; k++) {
      const v = m.data[i * m.cols + k];
      assert.ok(v >= lower[k] && v <= upper[k], `row ${i} col ${k}: ${v} outside [${lower[k]}, ${upper[k]}]`);
    }
  }
  // bounds are attained: they are the min and max of the training data
  for (let k = 0; k < m.cols; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < m.rows; i++) {
      lo = Math.min(lo, m.data[i * m.cols + k]);
      hi = Math.max(hi, m.data[i * m.cols + k]);
    }
    assert.ok(lower[k] === lo && upper[k] === hi, `bounds of col ${k} are the data's min and max`);
  }
}

test('round trip: float tolerance on continuous, exact on integer, binary and categorical (property)', () => {
  fc.assert(
    fc.property(tableArb(), (rows) => {
      const tf = new TabularTransformer();
      const z = tf.fitTransform(rows);
      assert.equal(z.rows, rows.length);
      assert.equal(z.cols, tf.outputDim);
      assertRoundTrip(rows, tf.inverseTransform(z));
      assertWithinBounds(tf, z);
      assert.deepEqual(tf.transform(rows).data, z.data, 'transform(train) equals fitTransform(train)');
    }),
    { numRuns: 150 },
  );
});

test('round trip with explicit column kinds and with the quantile transform (property)', () => {
  fc.assert(
    fc.property(tableArb({ intRange: 1000 }), fc.boolean(), (rows, quantile) => {
      const tf = new TabularTransformer({
        continuous: ['cont', 'pos', 'numstr'],
        integer: ['int'],
        binary: ['bin'],
        categorical: ['cat'],
        quantile,
      });
      const z = tf.fitTransform(rows);
      const kinds = Object.fromEntries(tf.columns.map((c) => [c.name, c.kind]));
      assert.deepEqual(kinds, { cont: 'continuous', pos: 'continuous', int: 'integer', bin: 'binary', cat: 'categorical', numstr: 'continuous' });
      assertRoundTrip(rows, tf.inverseTransform(z), { quantile });
      assertWithinBounds(tf, z);
    }),
    { numRuns: 100 },
  );
});

test('index encoding keeps categorical columns as class indices (property)', () => {
  fc.assert(
    fc.property(tableArb(), (rows) => {
      const tf = new TabularTransformer({ categoricalEncoding: 'index' });
      const mixed = tf.fitTransformMixed(rows);
      assert.equal(mixed.numeric.cols, 5);
      assert.equal(mixed.categorical.cols, 1);
      assert.ok(mixed.categorical.data instanceof Int32Array);
      const cats = tf.columns.find((c) => c.name === 'cat').categories;
      assert.deepEqual(tf.categoricalCardinalities, [cats.length]);
      rows.forEach((r, i) => assert.equal(cats[mixed.categorical.data[i]], r.cat));
      assertRoundTrip(rows, tf.inverseTransformMixed(mixed));
      assertWithinBounds(tf, mixed.numeric);
    }),
    { numRuns: 50 },
  );
});

test('column detection, metadata and layout', () => {
  const rows = [
    { age: 30, income: 1000.5, female: 1, color: 'red', kids: 2, temp: -1.5 },
    { age: '41', income: 2000.25, female: 0, color: 'blue', kids: 0, temp: 3 },
    { age: 50, income: ' 1500 ', female: 1, color: 'green', kids: 3, temp: 0 },
  ];
  const tf = new TabularTransformer().fit(rows);
  const cols = tf.columns;
  assert.deepEqual(
    cols.map((c) => [c.name, c.kind, c.nonnegative]),
    [
      ['age', 'integer', true],
      ['income', 'continuous', true],
      ['female', 'binary', false],
      ['color', 'categorical', false],
      ['kids', 'integer', true],
      ['temp', 'continuous', false],
    ],
  );
  assert.deepEqual(cols[3].categories, ['blue', 'green', 'red'], 'vocabulary: sorted unique strings');
  assert.deepEqual(tf.transformedNames, ['age', 'income', 'female', 'color=blue', 'color=green', 'color=red', 'kids', 'temp']);
  assert.deepEqual(cols.map((c) => [c.offset, c.width]), [[0, 1], [1, 1], [2, 1], [3, 3], [6, 1], [7, 1]]);
  // population sd (divide by n)
  assert.ok(Math.abs(cols[0].mean - 121 / 3) < 1e-12);
  const pop = Math.sqrt(((30 - 121 / 3) ** 2 + (41 - 121 / 3) ** 2 + (50 - 121 / 3) ** 2) / 3);
  assert.ok(Math.abs(cols[0].sd - pop) < 1e-12);
  const z = tf.transform(rows);
  assert.deepEqual(Array.from(z.data.subarray(2, 6)), [1, 0, 0, 1], 'binary kept on 0/1, one-hot block');
  // explicit lists override detection
  const tf2 = new TabularTransformer({ categorical: ['female'], continuous: ['kids'] });
  tf2.fit(rows);
  assert.equal(tf2.columns[2].kind, 'categorical');
  assert.deepEqual(tf2.columns[2].categories, ['0', '1']);
  assert.equal(tf2.columns[4].kind, 'continuous');
  const back = tf2.inverseTransform(tf2.transform(rows));
  assert.equal(back[0].female, '1', 'categorical values come back as their string keys');
});

test('constant columns: sd = 1 and exact round trip', () => {
  const rows = [{ c: 0.1, k: 7 }, { c: 0.1, k: 7 }, { c: 0.1, k: 7 }];
  const tf = new TabularTransformer();
  const z = tf.fitTransform(rows);
  assert.deepEqual(Array.from(z.data), [0, 0, 0, 0, 0, 0]);
  assert.equal(tf.columns[0].sd, 1);
  assert.deepEqual(tf.inverseTransform(z), rows);
});

test('columnar input gives the same matrix as records', () => {
  const rows = [
    { a: 1.5, b: 'x', c: 1 },
    { a: 2.5, b: 'y', c: 0 },
    { a: -3, b: 'x', c: 1 },
  ];
  const columnar = { a: new Float64Array([1.5, 2.5, -3]), b: ['x', 'y', 'x'], c: [1, 0, 1] };
  const z1 = new TabularTransformer().fitTransform(rows);
  const tf2 = new TabularTransformer();
  const z2 = tf2.fitTransform(columnar);
  assert.deepEqual(z2, z1);
  const cols = tf2.inverseTransformColumns(z2);
  assert.ok(cols.a instanceof Float64Array);
  assert.deepEqual(cols.b, ['x', 'y', 'x']);
  assert.deepEqual(Array.from(cols.c), [1, 0, 1]);
});

test('inverse: rounds integers, clips non-negative columns, argmax of one-hot, binary rounding', () => {
  const rows = [
    { n: 0, k: 1, b: 0, c: 'p' },
    { n: 2, k: 4, b: 1, c: 'q' },
    { n: 4, k: 9, b: 1, c: 'r' },
  ];
  const tf = new TabularTransformer({ continuous: ['n'] }).fit(rows);
  const [colN, colK] = tf.columns;
  const z = (x, col) => (x - col.mean) / col.sd;
  const out = tf.inverseTransform([
    [z(-1, colN), z(2.4, colK), 0.49, 0.1, 0.7, 0.2],
    [z(1.5, colN), z(-3, colK), 0.51, -1, -2, 3],
  ]);
  assert.deepEqual(out[0], { n: 0, k: 2, b: 0, c: 'q' });
  assert.ok(Math.abs(out[1].n - 1.5) < 1e-6);
  assert.equal(out[1].k, 0, 'integer clipped at 0 (and no -0)');
  assert.ok(!Object.is(out[1].k, -0));
  assert.equal(out[1].b, 1);
  assert.equal(out[1].c, 'r');
});

test('sampleBinary: seeded Bernoulli with p = clip(value, 0, 1)', () => {
  const tf = new TabularTransformer().fit({ b: [0, 1, 1, 0] });
  const n = 20000;
  const values = { rows: n, cols: 1, data: new Float32Array(n).fill(0.3) };
  const a = tf.inverseTransformColumns(values, { sampleBinary: true, seed: 7 }).b;
  const again = tf.inverseTransformColumns(values, { sampleBinary: true, seed: 7 }).b;
  const other = tf.inverseTransformColumns(values, { sampleBinary: true, seed: 8 }).b;
  assert.deepEqual(a, again, 'same seed, same draws');
  assert.notDeepEqual(a, other, 'another seed, other draws');
  const mean = a.reduce((s, x) => s + x, 0) / n;
  assert.ok(Math.abs(mean - 0.3) < 0.02, `mean ${mean}`);
  assert.ok(a.every((x) => x === 0 || x === 1));
  const hi = tf.inverseTransformColumns({ rows: 3, cols: 1, data: new Float32Array([1.7, -0.5, 1]) }, { sampleBinary: true, seed: 1 }).b;
  assert.deepEqual(Array.from(hi), [1, 0, 1]);
});

test('quantile transform: normal scores and accurate normal functions', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-12);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-15);
  assert.ok(Math.abs(normalCdf(1) - 0.8413447460685429) < 1e-14);
  assert.ok(Math.abs(normalCdf(-8) / 6.220960574271784e-16 - 1) < 1e-7);
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
  fc.assert(
    fc.property(fc.double({ min: -7, max: 5, noNaN: true }), (z) => {
      assert.ok(Math.abs(normalQuantile(normalCdf(z)) - z) < 1e-8);
    }),
  );
  const x = Array.from({ length: 2001 }, (_, i) => (i - 1000) ** 3);
  const tf = new TabularTransformer({ quantile: true });
  const z = tf.fitTransform({ x });
  assert.equal(tf.columns[0].quantile, true);
  assert.ok(Math.abs(z.data[1000]) < 1e-6, 'median maps to 0');
  assert.ok(Math.abs(z.data[2000] - normalQuantile(1 - 1e-7)) < 1e-6, 'max maps to the clipped upper score');
  // normal scores: the sample mean and sd of z are close to 0 and 1
  const mean = z.data.reduce((s, v) => s + v, 0) / z.rows;
  const sd = Math.sqrt(z.data.reduce((s, v) => s + (v - mean) ** 2, 0) / z.rows);
  assert.ok(Math.abs(mean) < 1e-3 && Math.abs(sd - 1) < 0.05, `mean ${mean} sd ${sd}`);
  const back = tf.inverseTransformColumns(z).x;
  const tol = 1e-6 * 2e9; // 1e-6 of the range: float32 scores, interpolation between 1000 quantiles
  x.forEach((v, i) => assert.ok(Math.abs(back[i] - v) <= tol, `row ${i}: ${back[i]} vs ${v}`));
  // quantile option as a list of columns
  const tf2 = new TabularTransformer({ quantile: ['a'] }).fit({ a: [1.5, 2.5, 9], b: [1.5, 2.5, 9] });
  assert.deepEqual(tf2.columns.map((c) => c.quantile), [true, false]);
});

test('toJSON / fromJSON: same transform after a JSON round trip, validated on load', () => {
  const rows = [
    { x: 1.25, k: 3, b: 1, c: 'u' },
    { x: -2.5, k: 8, b: 0, c: 'v' },
    { x: 7, k: 1, b: 1, c: 'w' },
  ];
  for (const options of [{}, { quantile: true }, { categoricalEncoding: 'index' }]) {
    const tf = new TabularTransformer(options);
    const z = tf.fitTransformMixed(rows);
    const text = JSON.stringify(tf);
    const tf2 = TabularTransformer.fromJSON(JSON.parse(text));
    assert.deepEqual(tf2.transformMixed(rows), z);
    assert.deepEqual(tf2.inverseTransformMixed(z), tf.inverseTransformMixed(z));
    assert.deepEqual(tf2.transformedBounds(), tf.transformedBounds());
    assert.deepEqual(tf2.columns, tf.columns);
    assert.deepEqual(TabularTransformer.fromJSON(text).toJSON(), tf.toJSON());
  }
  const good = new TabularTransformer().fit(rows).toJSON();
  const broken = (mutate) => {
    const s = structuredClone(good);
    mutate(s);
    return () => TabularTransformer.fromJSON(s);
  };
  assert.throws(broken((s) => (s.format = 'other')), /format/);
  assert.throws(broken((s) => (s.version = 99)), /version/);
  assert.throws(broken((s) => (s.columns[0].sd = -1)), /columns\[0\]\.sd/);
  assert.throws(broken((s) => (s.columns[1].kind = 'weird')), /columns\[1\]\.kind/);
  assert.throws(broken((s) => (s.columns[3].categories = [])), /columns\[3\]\.categories/);
  assert.throws(broken((s) => (s.columns[2].name = 'x')), /duplicate column name "x"/);
  assert.throws(broken((s) => s.bounds.lower.pop()), /bounds\.lower/);
  assert.throws(broken((s) => (s.columns = [])), /columns/);
  assert.throws(() => TabularTransformer.fromJSON('{not json'), /JSON/);
});

/** Asserts fn throws an Error whose message names the column and the row. */
function assertDataError(fn, columnName, row, extra) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, 'an Error');
    assert.match(e.message, new RegExp(`"${columnName}"`), `message names column "${columnName}": ${e.message}`);
    assert.match(e.message, new RegExp(`row ${row}\\b`), `message names row ${row}: ${e.message}`);
    if (extra) assert.match(e.message, extra);
    return true;
  });
}

test('bad input throws errors naming the column and the row', () => {
  const fitted = new TabularTransformer().fit([
    { x: 1.5, c: 'a', b: 0 },
    { x: 2.5, c: 'b', b: 1 },
  ]);
  // missing column in a record
  assertDataError(() => new TabularTransformer().fit([{ x: 1, y: 2 }, { x: 2, y: 3 }, { x: 3 }]), 'y', 2, /missing column/);
  assertDataError(() => fitted.transform([{ x: 1, c: 'a', b: 0 }, { x: 1, b: 0 }]), 'c', 1, /missing column/);
  // non-numeric strings in numeric columns
  assertDataError(() => fitted.transform([{ x: 1, c: 'a', b: 0 }, { x: 'abc', c: 'a', b: 0 }]), 'x', 1, /not a number/);
  assertDataError(() => new TabularTransformer({ integer: ['k'] }).fit([{ k: 1 }, { k: 2 }, { k: 'three' }]), 'k', 2, /not a number/);
  // missing values
  assertDataError(() => new TabularTransformer().fit([{ x: 1 }, { x: null }]), 'x', 1, /missing/);
  assertDataError(() => new TabularTransformer().fit([{ x: '1' }, { x: '2' }, { x: '' }]), 'x', 2, /missing/);
  assertDataError(() => new TabularTransformer().fit([{ x: 1 }, { x: 'NA' }]), 'x', 1, /missing/);
  assertDataError(() => fitted.transform([{ x: 1, c: null, b: 0 }]), 'c', 0, /missing/);
  // NaN / Infinity
  assertDataError(() => new TabularTransformer().fit([{ x: 1 }, { x: 2 }, { x: NaN }]), 'x', 2, /non-finite/);
  assertDataError(() => new TabularTransformer().fit({ x: [1, Infinity] }), 'x', 1, /non-finite/);
  assertDataError(() => new TabularTransformer().fit([{ x: '1' }, { x: '-Infinity' }]), 'x', 1, /non-finite/);
  assertDataError(() => fitted.transform([{ x: -Infinity, c: 'a', b: 0 }]), 'x', 0, /non-finite/);
  // empty data
  for (const empty of [[], {}, { x: [] }]) {
    assert.throws(() => new TabularTransformer().fit(empty), (e) => e instanceof Error && /empty|no columns/.test(e.message));
  }
  assert.throws(() => fitted.transform([]), /empty/);
  // ragged columnar input
  assertDataError(() => new TabularTransformer().fit({ a: [1, 2, 3], b: [1, 2] }), 'b', 2, /ragged/);
  // unseen category
  assertDataError(() => fitted.transform([{ x: 1, c: 'a', b: 0 }, { x: 1, c: 'b', b: 0 }, { x: 1, c: 'zzz', b: 1 }]), 'c', 2, /not seen/);
  // binary column with another value
  assertDataError(() => fitted.transform([{ x: 1, c: 'a', b: 2 }]), 'b', 0, /binary/);
  assertDataError(() => new TabularTransformer({ binary: ['b'] }).fit({ b: [0, 1, 0.5] }), 'b', 2, /binary/);
  // too many categories
  assertDataError(
    () => new TabularTransformer({ maxCategories: 3 }).fit({ c: ['a', 'b', 'a', 'c', 'd', 'e'] }),
    'c',
    4,
    /maxCategories/,
  );
  // a nonnegative column holding a negative value
  assertDataError(() => new TabularTransformer({ nonnegative: ['x'] }).fit({ x: [1, -2] }), 'x', 1, /nonnegative/);
  // transform before fit
  assert.throws(() => new TabularTransformer().transform([{ x: 1 }]), /not fitted.*fit\(rows\)/);
  assert.throws(() => new TabularTransformer().inverseTransform([[1]]), /not fitted/);
  assert.throws(() => new TabularTransformer().columns, /not fitted/);
  // wrong matrix width / ragged rows / non-finite values in inverseTransform
  assert.throws(() => fitted.inverseTransform([[1, 2, 3]]), (e) => e instanceof RangeError && /expected 4 columns/.test(e.message) && /c=a/.test(e.message));
  assert.throws(() => fitted.inverseTransform([[1, 0, 1, 0], [1, 0, 1]]), /row 1/);
  assertDataError(() => fitted.inverseTransform([[0, 1, 0, 1], [NaN, 1, 0, 1]]), 'x', 1, /non-finite/);
  // options
  assert.throws(() => new TabularTransformer({ categorical: ['a'], binary: ['a'] }), /"a".*categorical.*binary/);
  assert.throws(() => new TabularTransformer({ categorical: 'a' }), (e) => e instanceof TypeError && /options\.categorical/.test(e.message));
  assert.throws(() => new TabularTransformer({ categoricalEncoding: 'ordinal' }), /categoricalEncoding/);
  assert.throws(() => new TabularTransformer({ maxCategories: 0 }), /maxCategories/);
  assert.throws(() => new TabularTransformer({ integer: ['nope'] }).fit({ x: [1] }), /"nope"/);
  assert.throws(() => new TabularTransformer().fit('rows'), TypeError);
  // errors carry the column and row as fields too
  try {
    fitted.transform([{ x: 1, c: 'a', b: 0 }, { x: 'oops', c: 'a', b: 0 }]);
  } catch (e) {
    assert.ok(e instanceof TabularDataError);
    assert.equal(e.column, 'x');
    assert.equal(e.row, 1);
  }
});

test('index encoding: transform and inverseTransform point to the Mixed API', () => {
  const rows = { x: [1.5, 2, 3], c: ['a', 'b', 'a'] };
  const tf = new TabularTransformer({ categoricalEncoding: 'index' });
  assert.throws(() => tf.fitTransform(rows), /fitTransformMixed/);
  assert.throws(() => tf.transform(rows), /transformMixed/);
  const mixed = tf.transformMixed(rows);
  assert.throws(() => tf.inverseTransform(mixed.numeric), /inverseTransformMixed/);
  const bad = { numeric: mixed.numeric, categorical: { rows: 3, cols: 1, data: new Int32Array([0, 5, 1]) } };
  assertDataError(() => tf.inverseTransformMixed(bad), 'c', 1, /class 5/);
  assert.throws(() => tf.inverseTransformMixed({ numeric: mixed.numeric }), /values\.categorical/);
  // no categorical columns: the plain API works under 'index' too
  const tf2 = new TabularTransformer({ categoricalEncoding: 'index' });
  assert.equal(tf2.fitTransform({ x: [1, 2.5] }).cols, 1);
});
