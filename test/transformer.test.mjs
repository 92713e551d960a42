import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const { TabularTransformer, TabularDataError, normalCdf, normalQuantile } = require('../dist/cjs/transformer.js');
const { MIN_GROUP } = require('../dist/cjs/table/quantile-map.js');

const CATEGORIES = ['red', 'green', 'blue', 'x y', 'ü'];
const EPS32 = 2 ** -24; // relative rounding of a float32 cell
const EPS64 = 2 ** -52;

/** Tables of n rows with one column of each kind (records). */
function tableArb({ intRange = 100000, minRows = 1, maxRows = 40 } = {}) {
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

const column = (rows, name) => rows.map((r) => r[name]);
const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);
const phi = (z) => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);

/**
 * Round-trip error bound of a standardised value: z = (x - mean) / sd is stored as float32
 * (relative error 2^-24, i.e. 2^-24 |x - mean| in data units), plus a few float64 roundings
 * of the affine maps.
 */
function standardTol(x, mean, sd) {
  // Near 0 the rounding is absolute, not relative: float32 z underflows below 2^-149 (sd * 2^-149
  // in data units) and float64 below Number.MIN_VALUE (subnormals).
  return Math.abs(x - mean) * EPS32 * (1 + 1e-6) + 8 * EPS64 * (Math.abs(x) + Math.abs(mean)) + sd * 2 ** -149 + 4 * Number.MIN_VALUE;
}

/**
 * What the quantile map returns for x with clip: false, and the error bound. Inside [first,
 * last knot]: x itself. Beyond: the end segment extended linearly, stopped half-way in
 * probability towards 0 (or 1). The bound: z = normalQuantile(u) is stored as float32, which
 * moves u = normalCdf(z) by phi(z) |z| 2^-24 (first order), plus 4e-16 for
 * normalCdf(normalQuantile(u)) - u (measured: 2.2e-16); the interpolation multiplies that by
 * the slope dx/du of the segments u can land in.
 */
function quantileExpect(map, x, z) {
  const { knots, probs } = map;
  const m = knots.length;
  if (m === 1) return { value: knots[0], tol: 0 };
  const du = phi(z) * Math.abs(z) * EPS32 * 1.01 + 4e-16;
  const u = normalCdf(z);
  let slope = 0;
  for (let k = 0; k + 1 < m; k++) {
    const dp = probs[k + 1] - probs[k];
    const s = (knots[k + 1] - knots[k]) / dp;
    // segments whose probability range meets [u - du, u + du]; the end ones extend outwards
    const from = k === 0 ? 0 : probs[k];
    const to = k === m - 2 ? 1 : probs[k + 1];
    if (from <= u + du && to >= u - du) slope = Math.max(slope, s);
  }
  const tol = slope * du + 8 * EPS64 * Math.abs(x) + 4 * Number.MIN_VALUE;
  // where the extension along segment k stops: end knot j at probability bound
  const stop = (k, j, bound) => knots[j] + ((knots[k + 1] - knots[k]) / (probs[k + 1] - probs[k])) * (bound - probs[j]);
  if (x < knots[0]) return { value: Math.max(x, stop(0, 0, probs[0] / 2)), tol };
  if (x > knots[m - 1]) return { value: Math.min(x, stop(m - 2, m - 1, (1 + probs[m - 1]) / 2)), tol };
  return { value: x, tol };
}

/**
 * Checks decoded rows against the input. clip false: continuous values round-trip within the
 * derived bound (standardised: float32 precision; quantile: see quantileExpect), integers,
 * binaries and categories exactly. clip true: every value is the clipped input, and lies inside
 * the training column's range.
 */
function assertRoundTrip(tf, rows, z, back, { clip }) {
  assert.equal(back.length, rows.length);
  assert.deepEqual(Object.keys(back[0]), Object.keys(rows[0]), 'column order restored');
  const state = tf.toJSON();
  for (const c of tf.columns) {
    const xs = column(rows, c.name);
    const stateCol = state.columns.find((s) => s.name === c.name);
    if (c.kind === 'categorical') {
      back.forEach((r, i) => assert.equal(r[c.name], String(xs[i]), `${c.name} row ${i}`));
      continue;
    }
    const nums = xs.map(Number);
    const trainMin = Math.min(...nums);
    const trainMax = Math.max(...nums);
    back.forEach((r, i) => {
      const out = r[c.name];
      const x = nums[i];
      assert.equal(typeof out, 'number');
      if (c.pointMasses.includes(x)) {
        assert.ok(out === x, `${c.name} row ${i}: a point mass comes back exactly (${out} vs ${x}; -0 and 0 are one value)`);
        return;
      }
      if (clip) assert.ok(out >= trainMin && out <= trainMax, `${c.name} row ${i}: ${out} outside the training range [${trainMin}, ${trainMax}]`);
      if (c.kind === 'binary') {
        assert.ok(out === x, `${c.name} row ${i}: ${out} vs ${x}`);
        return;
      }
      const cell = z.data[i * z.cols + c.offset];
      const target = clip ? clamp(x, c.min, c.max) : x;
      let expected;
      let tol;
      if (c.quantile) {
        ({ value: expected, tol } = quantileExpect({ knots: stateCol.quantile.knots, probs: stateCol.quantile.probs }, target, cell));
      } else {
        expected = target;
        tol = Math.max(standardTol(x, c.mean, c.sd), standardTol(target, c.mean, c.sd));
      }
      if (c.kind === 'integer') {
        // an expected value within the bound of a .5 may round either way (only where the
        // quantile map's half-way stop lands there)
        const near = Math.abs(expected - Math.floor(expected) - 0.5) <= tol;
        let want = near && Math.abs(out - expected) <= 0.5 + tol ? out : Math.round(expected);
        if (clip) want = clamp(want, Math.ceil(c.min), Math.max(Math.floor(c.max), Math.ceil(c.min)));
        if (c.nonnegative) want = Math.max(want, 0);
        want = want || 0; // Math.ceil(-0.5) is -0; the decoder writes 0
        assert.ok(tol < 0.01, `integer bound ${tol} small enough to round exactly`);
        assert.equal(out, want, `${c.name} row ${i}: ${out} vs ${want} (input ${x})`);
        assert.ok(!Object.is(out, -0), 'no -0');
      } else {
        assert.ok(Math.abs(out - expected) <= tol, `${c.name} row ${i}: ${out} vs ${expected} (input ${x}, bound ${tol})`);
      }
      if (clip && c.kind === 'continuous') assert.ok(out >= c.min && out <= c.max, `${c.name} row ${i}: inside [min, max] = clip range`);
      if (c.nonnegative) assert.ok(out >= 0, 'non-negative column stays >= 0');
    });
  }
}

/**
 * transformedBounds() is the clip range [min, max] in transformed space: [0, 1] for binary and
 * one-hot columns; for a value column, training values inside [min, max] encode inside it, those
 * outside encode outside, and decoding the bounds (clip off) gives min and max back.
 */
function assertBounds(tf, m, rows) {
  const { lower, upper } = tf.transformedBounds();
  assert.equal(lower.length, m.cols);
  assert.equal(upper.length, m.cols);
  const valueCols = new Map();
  for (const c of tf.columns) {
    if (c.kind === 'categorical') continue;
    valueCols.set(c.offset, c);
  }
  for (let k = 0; k < m.cols; k++) {
    assert.ok(lower[k] <= upper[k], `col ${k}: lower <= upper`);
    const c = valueCols.get(k);
    if (!c || c.kind === 'binary') {
      assert.equal(lower[k], 0);
      assert.equal(upper[k], 1);
    }
  }
  for (const c of valueCols.values()) {
    if (c.kind === 'binary') continue;
    const k = c.offset;
    const slack = Math.max(Math.abs(lower[k]), Math.abs(upper[k])) * EPS32 * 2;
    rows.forEach((r, i) => {
      const x = Number(r[c.name]);
      if (c.pointMasses.includes(x)) return;
      const v = m.data[i * m.cols + k];
      if (x >= c.min && x <= c.max) assert.ok(v >= lower[k] - slack && v <= upper[k] + slack, `${c.name} row ${i}: ${v} outside [${lower[k]}, ${upper[k]}]`);
      if (x < c.min) assert.ok(v <= lower[k] + slack, `${c.name} row ${i}: below min encodes below lower`);
      if (x > c.max) assert.ok(v >= upper[k] - slack, `${c.name} row ${i}: above max encodes above upper`);
    });
  }
  // class 0 in every discrete part: the first category, the 'value' mode
  const C = tf.categoricalNames.length;
  const decode = (bound) =>
    tf.inverseTransformMixedColumns(
      { numeric: { rows: 1, cols: m.cols, data: Float32Array.from(bound) }, categorical: { rows: 1, cols: C, data: new Int32Array(C) } },
      { clip: false },
    );
  const lo = decode(lower);
  const hi = decode(upper);
  for (const c of valueCols.values()) {
    if (c.kind !== 'continuous') continue;
    const tolFor = (x) => Math.max(Math.abs(c.max - c.min), Math.abs(x)) * EPS32 * 4 + 1e-12;
    assert.ok(Math.abs(lo[c.name][0] - c.min) <= tolFor(c.min), `${c.name}: lower decodes to min ${c.min}, got ${lo[c.name][0]}`);
    assert.ok(Math.abs(hi[c.name][0] - c.max) <= tolFor(c.max), `${c.name}: upper decodes to max ${c.max}, got ${hi[c.name][0]}`);
  }
}

test('round trip: float32 precision on continuous, exact on integer, binary and categorical; clipped inside the training range (property)', () => {
  fc.assert(
    fc.property(tableArb(), (rows) => {
      // identifiers: 'keep', as unique integer columns of >= 20 rows would be left out (real-tables.test.mjs tests that)
      const tf = new TabularTransformer({ identifiers: 'keep' });
      const z = tf.fitTransform(rows);
      assert.equal(z.rows, rows.length);
      assert.equal(z.cols, tf.outputDim);
      assertRoundTrip(tf, rows, z, tf.inverseTransform(z, { clip: false }), { clip: false });
      assertRoundTrip(tf, rows, z, tf.inverseTransform(z), { clip: true });
      assertBounds(tf, z, rows);
      assert.deepEqual(tf.transform(rows).data, z.data, 'transform(train) equals fitTransform(train)');
    }),
    { numRuns: 150 },
  );
});

test('round trip with explicit column kinds and with the quantile map (property)', () => {
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
      assert.deepEqual(tf.columns.map((c) => c.quantile), ['cont', 'pos', 'int', 'bin', 'cat', 'numstr'].map((n) => quantile && n !== 'bin' && n !== 'cat'));
      assertRoundTrip(tf, rows, z, tf.inverseTransform(z, { clip: false }), { clip: false });
      assertRoundTrip(tf, rows, z, tf.inverseTransform(z), { clip: true });
      assertBounds(tf, z, rows);
    }),
    { numRuns: 120 },
  );
});

test('quantile map: interior values round-trip within the derived bound, on larger columns too (property)', () => {
  // The table property above has at most 40 rows (at most 8 knots); here up to 3000 rows.
  fc.assert(
    fc.property(
      fc.integer({ min: 10, max: 3000 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.constantFrom('normal', 'lognormal', 'ties'),
      (n, seed, shape) => {
        let s = seed;
        const uniform = () => {
          s = (s + 0x6d2b79f5) >>> 0;
          let t = Math.imul(s ^ (s >>> 15), s | 1);
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
          return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
        };
        const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
        const x = Array.from({ length: n }, () =>
          shape === 'normal' ? 50 + 20 * normal() : shape === 'lognormal' ? Math.exp(2 * normal()) : Math.round(4 * normal()) / 2 + 0.1,
        );
        const tf = new TabularTransformer({ quantile: true, pointMasses: false });
        const z = tf.fitTransform({ x });
        const st = tf.toJSON().columns[0].quantile;
        const m = st.knots.length;
        assert.equal(m, Math.min(Math.max(2, Math.floor(n / MIN_GROUP)), 1000), 'knots: groups of >= 5 values, 2..1000 of them');
        const back = tf.inverseTransformColumns(z, { clip: false }).x;
        const clipped = tf.inverseTransformColumns(z).x;
        for (let i = 0; i < n; i++) {
          const { value, tol } = quantileExpect(st, x[i], z.data[i]);
          assert.ok(Math.abs(back[i] - value) <= tol, `row ${i}: ${back[i]} vs ${value} (input ${x[i]}, bound ${tol})`);
          const c = clamp(x[i], st.knots[0], st.knots[m - 1]);
          const ct = quantileExpect(st, c, z.data[i]).tol;
          assert.ok(Math.abs(clipped[i] - c) <= Math.max(tol, ct), `row ${i} clipped: ${clipped[i]} vs ${c}`);
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('index encoding keeps categorical columns and numeric modes as class indices (property)', () => {
  fc.assert(
    fc.property(tableArb(), (rows) => {
      const tf = new TabularTransformer({ categoricalEncoding: 'index', identifiers: 'keep' });
      const mixed = tf.fitTransformMixed(rows);
      assert.equal(mixed.numeric.cols, 5, 'one value column per numeric column');
      assert.ok(mixed.categorical.data instanceof Int32Array);
      const discrete = tf.columns.filter((c) => c.kind === 'categorical' || c.pointMasses.length > 0 || c.missing);
      assert.deepEqual(tf.categoricalNames, discrete.map((c) => (c.kind === 'categorical' ? c.name : `${c.name}#mode`)));
      assert.equal(mixed.categorical.cols, discrete.length);
      const catCol = tf.columns.find((c) => c.name === 'cat');
      const cats = catCol.categories;
      assert.equal(tf.categoricalCardinalities[catCol.categoricalIndex], cats.length);
      rows.forEach((r, i) => assert.equal(cats[mixed.categorical.data[i * mixed.categorical.cols + catCol.categoricalIndex]], r.cat));
      assertRoundTrip(tf, rows, mixed.numeric, tf.inverseTransformMixed(mixed, { clip: false }), { clip: false });
      assertRoundTrip(tf, rows, mixed.numeric, tf.inverseTransformMixed(mixed), { clip: true });
      assertBounds(tf, mixed.numeric, rows);
    }),
    { numRuns: 60 },
  );
});

test('column detection, metadata and layout', () => {
  const rows = [
    { age: 30, income: 1000.5, female: 1, color: 'red', kids: 2, temp: -1.5 },
    { age: '41', income: 2000.25, female: 0, color: ' blue', kids: 0, temp: 3 },
    { age: 50, income: ' 1500 ', female: 1, color: 'green ', kids: 3, temp: 0 },
  ];
  const tf = new TabularTransformer().fit(rows);
  const cols = tf.columns;
  assert.deepEqual(
    cols.map((c) => [c.name, c.kind, c.nonnegative]),
    [
      ['age', 'integer', true],
      ['income', 'continuous', true],
      ['female', 'binary', true], // 0/1 values are >= 0
      ['color', 'categorical', false],
      ['kids', 'integer', true],
      ['temp', 'continuous', false],
    ],
  );
  assert.deepEqual(cols[3].categories, ['blue', 'green', 'red'], 'vocabulary: sorted unique trimmed strings');
  assert.deepEqual(tf.transformedNames, ['age', 'income', 'female', 'color=blue', 'color=green', 'color=red', 'kids', 'temp']);
  assert.deepEqual(cols.map((c) => [c.offset, c.width]), [[0, 1], [1, 1], [2, 1], [3, 3], [6, 1], [7, 1]]);
  assert.deepEqual(cols.map((c) => [c.missing, c.pointMasses, c.categoricalIndex]), cols.map(() => [false, [], -1]));
  assert.deepEqual(tf.excluded, []);
  assert.deepEqual(tf.categoricalNames, []);
  // min/max are the clip range: the means of the lowest and highest knot groups (3 rows: 2 knots,
  // groups [30] and [41, 50]), not the data's extremes
  assert.equal(cols[0].min, 30);
  assert.equal(cols[0].max, 45.5);
  assert.ok(Number.isNaN(cols[3].min) && Number.isNaN(cols[3].max), 'no range for a categorical column');
  assert.deepEqual([cols[2].min, cols[2].max], [0, 1]);
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
  assert.equal(back[1].color, 'blue', 'padding is not part of a category');
});

test('constant columns: sd = 1, z = 0 and exact round trip', () => {
  // 3 x 0.1 has a rounded mean of 0.10000000000000002: the sd must still be 1, not ~1e-17
  const rows = [{ c: 0.1, k: 7 }, { c: 0.1, k: 7 }, { c: 0.1, k: 7 }];
  const tf = new TabularTransformer();
  const z = tf.fitTransform(rows);
  assert.deepEqual(Array.from(z.data), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(tf.columns.map((c) => [c.mean, c.sd]), [[0.1, 1], [7, 1]]);
  assert.deepEqual(tf.inverseTransform(z), rows);
  // A constant column decodes to its one value even unclipped (issue 12: constants round-trip exactly).
  assert.deepEqual(tf.inverseTransform([[5, -5]], { clip: false }), rows.slice(0, 1));
  assert.deepEqual(tf.inverseTransform([[5, -5]]), rows.slice(0, 1), 'clipped to the single value');
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
  const cols = tf2.inverseTransformColumns(z2, { clip: false });
  assert.ok(cols.a instanceof Float64Array);
  assert.deepEqual(cols.b, ['x', 'y', 'x']);
  assert.deepEqual(Array.from(cols.c), [1, 0, 1]);
});

test('inverse: rounds integers, clips to the range and at 0, argmax of one-hot, binary rounding', () => {
  const rows = [
    { n: 0, k: 1, b: 0, c: 'p' },
    { n: 2, k: 4, b: 1, c: 'q' },
    { n: 4, k: 9, b: 1, c: 'r' },
  ];
  const tf = new TabularTransformer({ continuous: ['n'] }).fit(rows);
  const [colN, colK] = tf.columns;
  // 3 rows: 2 knot groups, [first] and [second, third]: clip ranges [0, 3] and [1, 6.5]
  assert.deepEqual([colN.min, colN.max, colK.min, colK.max], [0, 3, 1, 6.5]);
  const z = (x, col) => (x - col.mean) / col.sd;
  const values = [
    [z(-1, colN), z(2.4, colK), 0.49, 0.1, 0.7, 0.2],
    [z(1.5, colN), z(-3, colK), 0.51, -1, -2, 3],
    [z(4, colN), z(9, colK), 7, 0, 0, 0],
  ];
  const out = tf.inverseTransform(values);
  assert.deepEqual(out[0], { n: 0, k: 2, b: 0, c: 'q' });
  assert.ok(Math.abs(out[1].n - 1.5) < 1e-6);
  assert.equal(out[1].k, 1, 'integer clipped to min = 1');
  assert.equal(out[1].b, 1);
  assert.equal(out[1].c, 'r');
  assert.equal(out[2].n, 3, 'clipped to max = 3');
  assert.equal(out[2].k, 6, 'integer clipped to max = 6.5, then kept integer inside it: 6');
  assert.equal(out[2].c, 'p', 'ties of the one-hot argmax go to the first class');
  const free = tf.inverseTransform(values, { clip: false });
  assert.equal(free[0].n, 0, 'non-negative column clipped at 0 with clip off too');
  assert.equal(free[1].k, 0, 'non-negative integer column clipped at 0 with clip off too');
  assert.ok(!Object.is(free[1].k, -0), 'no -0');
  assert.ok(Math.abs(free[2].n - 4) < 1e-6);
  assert.equal(free[2].k, 9);
  // a column with negative values is not clipped at 0
  const tf2 = new TabularTransformer().fit({ t: [-2, 0, 3] });
  const col = tf2.columns[0];
  assert.equal(tf2.inverseTransform([[(-7 - col.mean) / col.sd]], { clip: false })[0].t, -7);
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

test('quantile map: group-mean knots, moderate scores at the extremes, accurate normal functions', () => {
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
  const n = 2001;
  const x = Array.from({ length: n }, (_, i) => (i - 1000) ** 3);
  // continuous: as an integer column, the derived bound (about 1 here, where the knots are
  // 5e5 apart) would be followed by rounding
  const tf = new TabularTransformer({ quantile: true, continuous: ['x'] });
  const z = tf.fitTransform({ x });
  assert.equal(tf.columns[0].quantile, true);
  const { knots, probs } = tf.toJSON().columns[0].quantile;
  const m = Math.floor(n / MIN_GROUP);
  assert.equal(knots.length, m);
  // knots are the means of consecutive groups of the sorted values, at the groups' mid probabilities
  for (const k of [0, 1, 200, m - 1]) {
    const start = Math.floor((k * n) / m);
    const end = Math.floor(((k + 1) * n) / m);
    assert.ok(end - start >= MIN_GROUP);
    const mean = x.slice(start, end).reduce((s, v) => s + v, 0) / (end - start);
    assert.ok(Math.abs(knots[k] - mean) <= 1e-15 * Math.abs(x[start]) + 1e-9, `knot ${k}`);
    assert.equal(probs[k], (start + end) / 2 / n);
  }
  assert.equal(tf.columns[0].min, knots[0], 'clip range: first and last knot');
  assert.equal(tf.columns[0].max, knots[m - 1]);
  assert.ok(tf.columns[0].min > x[0] && tf.columns[0].max < x[n - 1], 'inside the training range');
  // the median maps to within one group's probability (g / n, g <= 6 rows) of u = 0.5: |z| <= g / n * sqrt(2 pi)
  const g = Math.ceil(n / m);
  assert.ok(Math.abs(z.data[1000]) <= (g / n) * Math.sqrt(2 * Math.PI), `median maps near 0: ${z.data[1000]}`);
  // the extremes map to moderate scores: beyond the last knot (probability 1 - g/(2n)) the map
  // goes at most half-way to 1, so max -> at most normalQuantile(1 - g / (4n)) (about 3.4 here), not 5.2
  const zMax = z.data[n - 1];
  const zMin = z.data[0];
  assert.ok(zMax >= normalQuantile(probs[m - 1]) - 1e-6 && zMax <= normalQuantile(1 - MIN_GROUP / (4 * n)) + 1e-6, `max score ${zMax}`);
  assert.ok(zMin <= normalQuantile(probs[0]) + 1e-6 && zMin >= normalQuantile(MIN_GROUP / (4 * n)) - 1e-6, `min score ${zMin}`);
  assert.ok(zMax < 3.5 && zMin > -3.5);
  // normal scores: the sample mean and sd of z are close to 0 and 1
  const mean = z.data.reduce((s, v) => s + v, 0) / z.rows;
  const sd = Math.sqrt(z.data.reduce((s, v) => s + (v - mean) ** 2, 0) / z.rows);
  assert.ok(Math.abs(mean) < 1e-3 && Math.abs(sd - 1) < 0.05, `mean ${mean} sd ${sd}`);
  // interior values round-trip within the derived bound; the default clip keeps the rest at the end knots
  const back = tf.inverseTransformColumns(z, { clip: false }).x;
  const clipped = tf.inverseTransformColumns(z).x;
  let interior = 0;
  x.forEach((v, i) => {
    const { value, tol } = quantileExpect({ knots, probs }, v, z.data[i]);
    assert.ok(Math.abs(back[i] - value) <= tol, `row ${i}: ${back[i]} vs ${value} (bound ${tol})`);
    if (v >= knots[0] && v <= knots[m - 1]) {
      interior++;
      assert.ok(tol <= 1e-7 * 2e9, 'tight: below 1e-7 of the range');
    }
    assert.ok(clipped[i] >= knots[0] && clipped[i] <= knots[m - 1]);
  });
  assert.ok(interior >= n - 2 * MIN_GROUP);
  assert.equal(clipped[0], knots[0]);
  assert.equal(clipped[n - 1], knots[m - 1]);
  // quantile option as a list of columns
  const tf2 = new TabularTransformer({ quantile: ['a'] }).fit({ a: [1.5, 2.5, 9], b: [1.5, 2.5, 9] });
  assert.deepEqual(tf2.columns.map((c) => c.quantile), [true, false]);
});

test('toJSON / fromJSON: same transform after a JSON round trip, version 2 layout, validated on load', () => {
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
    assert.deepEqual(tf2.inverseTransformMixed(z, { clip: false }), tf.inverseTransformMixed(z, { clip: false }));
    assert.deepEqual(tf2.transformedBounds(), tf.transformedBounds());
    assert.deepEqual(tf2.columns, tf.columns);
    assert.equal(tf2.categoricalEncoding, tf.categoricalEncoding);
    assert.deepEqual(TabularTransformer.fromJSON(text).toJSON(), tf.toJSON());
  }
  const good = new TabularTransformer().fit(rows).toJSON();
  assert.deepEqual(Object.keys(good).sort(), ['columns', 'excluded', 'format', 'options', 'version']);
  assert.equal(good.format, 'tabular-diffusion/transformer');
  assert.equal(good.version, 2);
  assert.deepEqual(good.options, { categoricalEncoding: 'onehot' });
  assert.deepEqual(good.excluded, []);
  assert.deepEqual(good.columns[0], {
    name: 'x', kind: 'continuous', nonnegative: false, mean: good.columns[0].mean, sd: good.columns[0].sd,
    lo: -2.5, hi: (1.25 + 7) / 2, gap: false, masses: [],
  });
  assert.deepEqual(good.columns[3], { name: 'c', kind: 'categorical', nonnegative: false, mean: 0, sd: 1, lo: null, hi: null, gap: false, masses: [], categories: ['u', 'v', 'w'] });
  const broken = (mutate) => {
    const s = structuredClone(good);
    mutate(s);
    return () => TabularTransformer.fromJSON(s);
  };
  assert.throws(broken((s) => (s.format = 'other')), /format/);
  assert.throws(broken((s) => (s.version = 3)), (e) => /version 3/.test(e.message) && /upgrade/.test(e.message));
  assert.throws(broken((s) => (s.version = 1)), (e) => /version 1/.test(e.message) && /refit/.test(e.message));
  assert.throws(broken((s) => (s.options.categoricalEncoding = 'ordinal')), /categoricalEncoding/);
  assert.throws(broken((s) => (s.columns[0].sd = -1)), /columns\[0\]\.sd/);
  assert.throws(broken((s) => (s.columns[0].lo = 100)), /columns\[0\]\.lo exceeds/);
  assert.throws(broken((s) => (s.columns[0].hi = null)), /columns\[0\]\.hi/);
  assert.throws(broken((s) => (s.columns[0].masses = [1, 1])), /columns\[0\]\.masses/);
  assert.throws(broken((s) => delete s.columns[0].gap), /columns\[0\]\.nonnegative and \.gap/);
  assert.throws(broken((s) => (s.columns[1].kind = 'weird')), /columns\[1\]\.kind/);
  assert.throws(broken((s) => (s.columns[3].categories = [])), /columns\[3\]\.categories/);
  assert.throws(broken((s) => (s.columns[3].categories = ['u', 'u'])), /columns\[3\]\.categories has duplicates/);
  assert.throws(broken((s) => (s.columns[2].name = 'x')), /duplicate column name "x"/);
  assert.throws(broken((s) => (s.columns[0].quantile = { knots: [2, 1], probs: [0.25, 0.75] })), /columns\[0\]\.quantile/);
  assert.throws(broken((s) => (s.columns[0].quantile = { knots: [1, 2], probs: [0.25, 1] })), /columns\[0\]\.quantile\.probs\[1\]/);
  assert.throws(broken((s) => (s.excluded = [{ name: 'id' }])), /state\.excluded/);
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
  // gaps: modelled by default, an error with missing: 'error' (the message gives the count and rows[i])
  for (const gap of [null, '', 'NA', NaN, undefined, ' ? ']) {
    assert.throws(
      () => new TabularTransformer({ missing: 'error' }).fit([{ x: 1 }, { x: 2 }, { x: gap }]),
      (e) => e instanceof TabularDataError && e.column === 'x' && e.row === 2 && /"x"/.test(e.message) && /1 row \(rows\[2\]\)/.test(e.message) && /missing: 'error'/.test(e.message),
    );
    assert.equal(new TabularTransformer().fit([{ x: 1 }, { x: 2 }, { x: gap }]).columns[0].missing, true);
  }
  // a gap where the fitted column had none
  assertDataError(() => fitted.transform([{ x: 1, c: null, b: 0 }]), 'c', 0, /gap.*had none/);
  assertDataError(() => fitted.transform([{ x: 1, c: 'a', b: 0 }, { x: 'NA', c: 'a', b: 0 }]), 'x', 1, /gap.*had none/);
  // infinities are errors (NaN is a gap)
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
  // unseen category (padding trimmed first: ' b ' is 'b')
  assertDataError(() => fitted.transform([{ x: 1, c: 'a', b: 0 }, { x: 1, c: ' b ', b: 0 }, { x: 1, c: 'zzz', b: 1 }]), 'c', 2, /not seen/);
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
  assert.throws(() => new TabularTransformer().toJSON(), /not fitted/);
  // wrong matrix width / ragged rows / non-finite values in inverseTransform
  assert.throws(() => fitted.inverseTransform([[1, 2, 3]]), (e) => e instanceof RangeError && /expected 4 columns/.test(e.message) && /c=a/.test(e.message));
  assert.throws(() => fitted.inverseTransform([[1, 0, 1, 0], [1, 0, 1]]), /row 1/);
  assertDataError(() => fitted.inverseTransform([[0, 1, 0, 1], [NaN, 1, 0, 1]]), 'x', 1, /non-finite/);
  assert.throws(() => fitted.inverseTransform([[0, 1, 0, 1]], { seed: NaN }), /options\.seed/);
  // options
  assert.throws(() => new TabularTransformer({ categorical: ['a'], binary: ['a'] }), /"a".*categorical.*binary/);
  assert.throws(() => new TabularTransformer({ categorical: 'a' }), (e) => e instanceof TypeError && /options\.categorical/.test(e.message));
  assert.throws(() => new TabularTransformer({ categoricalEncoding: 'ordinal' }), /categoricalEncoding/);
  assert.throws(() => new TabularTransformer({ maxCategories: 0 }), /maxCategories/);
  assert.throws(() => new TabularTransformer({ missing: 'drop' }), /options\.missing/);
  assert.throws(() => new TabularTransformer({ identifiers: 'drop' }), /options\.identifiers/);
  assert.throws(() => new TabularTransformer({ pointMasses: 'yes' }), /options\.pointMasses/);
  assert.throws(() => new TabularTransformer({ binary: ['a'], quantile: ['a'] }), /options\.quantile.*"a"/);
  assert.throws(() => new TabularTransformer({ integer: ['nope'] }).fit({ x: [1] }), /"nope"/);
  assert.throws(() => new TabularTransformer().fit('rows'), TypeError);
  // errors carry the column and row as fields too
  assert.throws(
    () => fitted.transform([{ x: 1, c: 'a', b: 0 }, { x: 'oops', c: 'a', b: 0 }]),
    (e) => e instanceof TabularDataError && e.column === 'x' && e.row === 1,
  );
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
  // a numeric column with gaps has a discrete part too: the plain API points to the Mixed one
  const tf3 = new TabularTransformer({ categoricalEncoding: 'index' });
  assert.throws(() => tf3.fitTransform({ x: [1.5, null, 3] }), /discrete parts.*fitTransformMixed/);
  // no discrete parts: the plain API works under 'index' too
  const tf2 = new TabularTransformer({ categoricalEncoding: 'index' });
  assert.equal(tf2.fitTransform({ x: [1, 2.5] }).cols, 1);
});
