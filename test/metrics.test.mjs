import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const { distributionMetrics, formatMetricsTable, ksStatistic, wasserstein1 } = require('../dist/cjs/metrics.js');
const { compareToBaselines, formatBaselineTable, gaussianCopulaSample, independentMarginalsSample } = require('../dist/cjs/baselines.js');

const close = (a, b, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

/** Samples with ties: values drawn from a small grid half of the time. */
const sampleArb = fc.array(
  fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -100, max: 100, noNaN: true })),
  { minLength: 1, maxLength: 40 },
);

/** Brute-force KS: sup over all sample points of |F(x) - G(x)|, F(x) = #{a <= x}/n. */
function ksBrute(a, b) {
  const cdf = (s, x) => s.filter((v) => v <= x).length / s.length;
  return Math.max(...[...a, ...b].map((x) => Math.abs(cdf(a, x) - cdf(b, x))));
}

test('KS and W1: hand-computed examples', () => {
  assert.equal(ksStatistic([1, 2, 3], [1, 2, 3, 4]), 0.25);
  assert.equal(ksStatistic([1, 2], [3, 4]), 1);
  assert.ok(close(ksStatistic([0, 0, 1], [0, 1, 1]), 1 / 3), 'ties stepped over together');
  assert.equal(ksStatistic([5, 5, 5], [5]), 0);
  assert.equal(wasserstein1([0], [1, 2]), 1.5);
  assert.equal(wasserstein1([0, 1], [0.5]), 0.5);
  assert.equal(wasserstein1([1, 2, 3], [1, 2, 3]), 0);
  assert.ok(close(wasserstein1([0, 0, 3], [1]), (1 + 1 + 2) / 3));
  assert.throws(() => ksStatistic([], [1]), /empty/);
  assert.throws(() => wasserstein1([1], [NaN]), /non-finite/);
});

test('KS in [0, 1], symmetric and equal to the brute-force sup (property)', () => {
  fc.assert(
    fc.property(sampleArb, sampleArb, (a, b) => {
      const ks = ksStatistic(a, b);
      assert.ok(ks >= 0 && ks <= 1);
      assert.equal(ks, ksStatistic(b, a));
      assert.ok(close(ks, ksBrute(a, b)), `${ks} vs ${ksBrute(a, b)}`);
      assert.equal(ksStatistic(a, a), 0);
    }),
    { numRuns: 300 },
  );
});

test('W1 symmetric, 0 on identical samples, matches the sorted-pairs formula and shifts (property)', () => {
  fc.assert(
    fc.property(sampleArb, sampleArb, fc.double({ min: -50, max: 50, noNaN: true }), (a, b, c) => {
      const w = wasserstein1(a, b);
      assert.ok(w >= 0);
      assert.equal(w, wasserstein1(b, a));
      assert.equal(wasserstein1(a, a), 0);
      // equal sizes: W1 = mean |a_(i) - b_(i)| over the sorted samples
      const n = Math.min(a.length, b.length);
      const sa = a.slice(0, n).sort((x, y) => x - y);
      const sb = b.slice(0, n).sort((x, y) => x - y);
      const expected = sa.reduce((s, x, i) => s + Math.abs(x - sb[i]), 0) / n;
      assert.ok(close(wasserstein1(a.slice(0, n), b.slice(0, n)), expected, 1e-9));
      // a shift by c moves every mass point by |c|
      assert.ok(close(wasserstein1(a, a.map((x) => x + c)), Math.abs(c), 1e-9));
    }),
    { numRuns: 300 },
  );
});

/** Mixed tables with at least two columns. */
const tableArb = fc.integer({ min: 2, max: 40 }).chain((n) => {
  const col = (arb) => fc.array(arb, { minLength: n, maxLength: n });
  return fc
    .record({
      x: col(fc.double({ min: -1e3, max: 1e3, noNaN: true })),
      y: col(fc.integer({ min: 0, max: 5 })),
      c: col(fc.constantFrom('a', 'b', 'c')),
      d: col(fc.constantFrom('u', 'v')),
    })
    .map(({ x, y, c, d }) => x.map((_, i) => ({ x: x[i], y: y[i], c: c[i], d: d[i] })));
});

test('identical samples: KS = W1 = TV = 0, correlation/covariance error 0, shape = trend = 1 (property)', () => {
  fc.assert(
    fc.property(tableArb, (rows) => {
      const m = distributionMetrics(rows, rows.slice().reverse());
      for (const c of m.columns) {
        if (c.kind === 'numeric') {
          assert.equal(c.ks, 0);
          assert.equal(c.w1, 0);
          assert.equal(c.w1Scaled, 0);
          assert.equal(c.tv, null);
        } else {
          assert.equal(c.tv, 0);
          assert.equal(c.ks, null);
        }
        assert.equal(c.score, 1);
      }
      assert.ok(Math.abs(m.correlationError) < 1e-12);
      assert.ok(Math.abs(m.covarianceError) < 1e-9 * (1 + Math.max(...rows.map((r) => r.x * r.x))));
      assert.ok(Math.abs(m.summary.shape - 1) < 1e-15);
      assert.ok(Math.abs(m.summary.trend - 1) < 1e-12);
      assert.equal(m.pairs.length, 6);
      assert.deepEqual(m.columns.map((c) => c.kind), ['numeric', 'numeric', 'categorical', 'categorical']);
    }),
    { numRuns: 100 },
  );
});

test('metrics are in range and symmetric in the two tables where the definitions are (property)', () => {
  fc.assert(
    fc.property(tableArb, tableArb, (a, b) => {
      const ab = distributionMetrics(a, b);
      const ba = distributionMetrics(b, a);
      ab.columns.forEach((c, j) => {
        assert.ok(c.score >= 0 && c.score <= 1);
        if (c.kind === 'numeric') assert.equal(c.ks, ba.columns[j].ks);
        else assert.ok(close(c.tv, ba.columns[j].tv));
        if (c.kind === 'numeric') assert.equal(c.w1, ba.columns[j].w1);
      });
      assert.ok(ab.summary.shape >= 0 && ab.summary.shape <= 1);
      assert.ok(ab.summary.trend >= 0 && ab.summary.trend <= 1);
      assert.ok(close(ab.correlationError, ba.correlationError));
    }),
    { numRuns: 100 },
  );
});

test('hand-computed TV, correlation, contingency and W1/sd', () => {
  const real = { x: [1, 2, 3, 4], y: [1, 2, 3, 4], c: ['a', 'a', 'b', 'c'] };
  const syn = { x: [1, 2, 3, 4], y: [4, 3, 2, 1], c: ['a', 'b', 'b', 'b'] };
  const m = distributionMetrics(real, syn);
  const [x, y, c] = m.columns;
  assert.equal(c.tv, 0.5); // p = (.5, .25, .25), q = (.25, .75, 0)
  assert.equal(c.score, 0.5);
  assert.equal(x.ks, 0);
  assert.equal(y.w1, 0);
  assert.equal(m.correlationError, 2); // rho +1 vs -1
  assert.deepEqual(m.correlation.columns, ['x', 'y']);
  const xy = m.pairs.find((p) => p.columns.join() === 'x,y');
  assert.equal(xy.metric, 'CorrelationSimilarity');
  assert.equal(xy.score, 0);
  assert.equal(xy.realCorrelation, 1);
  assert.equal(xy.syntheticCorrelation, -1);
  // x cut into 10 bins over [1, 4]: values 1, 2, 3, 4 fall in bins 0, 3, 6, 9.
  // real joint (x, c): (0,a) (3,a) (6,b) (9,c); synthetic: (0,a) (3,b) (6,b) (9,b): TV = 0.5
  const xc = m.pairs.find((p) => p.columns.join() === 'x,c');
  assert.equal(xc.metric, 'ContingencySimilarity');
  assert.equal(xc.score, 0.5);
  assert.equal(m.summary.shape, (1 + 1 + 0.5) / 3);
  assert.ok(close(m.summary.trend, (0 + 0.5 + 0.25) / 3)); // y,c: real (0,a)(3,a)(6,b)(9,c) vs (9,a)(6,b)(3,b)(0,b)
  assert.ok(close(m.summary.overall, (m.summary.shape + m.summary.trend) / 2));
  // covariance: var(x) equal, var(y) equal, cov(x, y) 1.25 vs -1.25
  assert.ok(close(m.covarianceError, (2 * 2.5) / 4));
  // W1/sd: shift by 1 on a sample with population sd sqrt(1.25)
  const w = distributionMetrics({ v: [1, 2, 3, 4] }, { v: [2, 3, 4, 5] }).columns[0];
  assert.equal(w.w1, 1);
  assert.ok(close(w.w1Scaled, 1 / Math.sqrt(1.25)));
  assert.equal(w.ks, 0.25);
  // categorical option: numeric-looking codes compared as categories
  const k = distributionMetrics({ k: [1, 1, 2] }, { k: ['1', '2', '2'] }, { categorical: ['k'] }).columns[0];
  assert.equal(k.kind, 'categorical');
  assert.ok(close(k.tv, 1 / 3));
  // a synthetic category unknown to the real data counts fully
  assert.equal(distributionMetrics({ c: ['a', 'a'] }, { c: ['z', 'z'] }).columns[0].tv, 1);
});

test('formatMetricsTable lists every column and the summary', () => {
  const m = distributionMetrics({ x: [1, 2, 3], c: ['a', 'b', 'a'] }, { x: [1, 2, 4], c: ['a', 'a', 'a'] });
  const text = formatMetricsTable(m);
  assert.match(text, /\| column\s+\| kind/);
  assert.match(text, /\| x\s+\| numeric/);
  assert.match(text, /\| c\s+\| categorical/);
  assert.match(text, /Shape/);
  assert.match(text, /Trend/);
});

test('metrics reject bad input with errors naming the table, column and row', () => {
  assert.throws(() => distributionMetrics([{ x: 1 }], []), /synthetic: empty/);
  assert.throws(() => distributionMetrics([{ x: 1, y: 2 }], [{ x: 1 }]), (e) => /synthetic/.test(e.message) && /"y"/.test(e.message) && /row 0/.test(e.message));
  // NaN is a gap (see 'gaps' below); an infinity is bad input
  assert.throws(() => distributionMetrics([{ x: 1 }, { x: 2 }], [{ x: 1 }, { x: Infinity }]), (e) => /synthetic/.test(e.message) && /"x"/.test(e.message) && /row 1/.test(e.message));
  assert.throws(() => distributionMetrics([{ x: 1 }, { x: '-Infinity' }], [{ x: 1 }, { x: 2 }]), (e) => /real/.test(e.message) && /"x"/.test(e.message) && /row 1/.test(e.message));
  assert.throws(() => distributionMetrics([{ x: 1 }], [{ x: 1 }], { bins: 0 }), /bins/);
});

test('gaps: KS on the values, gap rates, a gap bin in contingency tables, pairwise-complete covariance; dates as numbers', () => {
  const real = { x: [1, 2, NaN, 4], y: [2, 4, 6, null], c: ['a', '?', 'a', 'b'] };
  const syn = { x: [2, 4, 'NA', 8], y: [2, 4, 6, undefined], c: ['a', 'a', ' b ', ''] };
  const m = distributionMetrics(real, syn);
  const [x, y, c] = m.columns;
  assert.deepEqual(m.columns.map((col) => col.kind), ['numeric', 'numeric', 'categorical']);
  // KS and W1 over the values that are not gaps: [1, 2, 4] vs [2, 4, 8]
  assert.ok(close(x.ks, 1 / 3));
  assert.ok(close(x.w1, wasserstein1([1, 2, 4], [2, 4, 8])));
  assert.equal(x.score, 1 - x.ks);
  assert.deepEqual(x.gapRate, { real: 0.25, synthetic: 0.25 });
  assert.equal(y.ks, 0);
  assert.deepEqual(y.gapRate, { real: 0.25, synthetic: 0.25 });
  // categories trimmed; the gap is a class: (a .5, b .25, gap .25) on both sides
  assert.equal(c.tv, 0);
  assert.deepEqual(c.gapRate, { real: 0.25, synthetic: 0.25 });
  assert.deepEqual(distributionMetrics({ c: ['a', 'b'] }, { c: ['a', 'N/A'] }).columns[0].gapRate, { real: 0, synthetic: 0.5 });
  assert.equal(distributionMetrics({ c: ['a', 'b'] }, { c: ['a', 'N/A'] }).columns[0].tv, 0.5);
  // contingency (x, c): x binned over [1, 4] (1 -> 0, 2 -> 3, 4 -> 9, 8 -> 9), gaps in bin 10.
  // real (0,a) (3,gap) (10,a) (9,b); synthetic (3,a) (9,a) (10,b) (9,gap): no cell shared, TV 1
  assert.equal(m.pairs.find((p) => p.columns.join() === 'x,c').score, 0);
  const xc = distributionMetrics(real, { ...real, c: ['a', 'a', 'a', 'b'] }).pairs.find((p) => p.columns.join() === 'x,c');
  assert.equal(xc.score, 0.75, 'only (3, gap) -> (3, a) moves: TV 1/4');
  // pairwise-complete covariance: each entry over the rows where both columns hold values.
  // real: var x over [1, 2, 4] = 14/9, var y over [2, 4, 6] = 8/3, cov(x, y) over rows 0, 1 = 0.5;
  // synthetic: x doubled: 56/9, 8/3, 1
  assert.ok(close(m.covarianceError, (Math.abs(14 / 9 - 56 / 9) + 0 + 2 * Math.abs(0.5 - 1)) / 4));
  const xy = m.pairs.find((p) => p.columns.join() === 'x,y');
  assert.ok(close(xy.realCorrelation, 0.5 / Math.sqrt((14 / 9) * (8 / 3))));
  assert.ok(close(xy.syntheticCorrelation, 1 / Math.sqrt((56 / 9) * (8 / 3))));
  // identical tables with gaps: everything perfect
  const same = distributionMetrics(real, real);
  assert.ok(same.columns.every((col) => col.score === 1));
  assert.equal(same.summary.trend, 1);
  assert.equal(same.covarianceError, 0);
  // a column of gaps only on one side: KS 1
  assert.equal(distributionMetrics({ x: [1, 2] }, { x: [null, 'NA'] }).columns[0].ks, 1);
  // dates (strings or Date objects, with gaps) are compared as numbers (ms)
  const d = distributionMetrics(
    { d: ['2020-01-01', '2020-01-02', null] },
    { d: [new Date(Date.UTC(2020, 0, 2)), new Date(Date.UTC(2020, 0, 3)), 'NA'] },
  ).columns[0];
  assert.equal(d.kind, 'numeric');
  assert.equal(d.w1, 86_400_000);
  assert.equal(d.ks, 0.5);
  assert.ok(close(d.gapRate.real, 1 / 3) && close(d.gapRate.synthetic, 1 / 3));
});

/** Correlated Gaussian data: y = x + noise (rho ~ 0.95), z = -x + noise, a category tied to x. */
function correlatedRows(n, seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return Array.from({ length: n }, () => {
    const x = normal();
    return { x, y: x + 0.3 * normal(), z: 2 - x + 0.5 * normal(), g: x > 0.3 ? 'hi' : 'lo' };
  });
}

test('baselines: deterministic per seed; independent marginals destroy correlation, the copula keeps it', () => {
  const rows = correlatedRows(2000, 1);
  const a = gaussianCopulaSample(rows, 500, 42);
  assert.deepEqual(gaussianCopulaSample(rows, 500, 42), a);
  assert.notDeepEqual(gaussianCopulaSample(rows, 500, 43), a);
  const ind = independentMarginalsSample(rows, 500, 42);
  assert.deepEqual(independentMarginalsSample(rows, 500, 42), ind);
  assert.notDeepEqual(independentMarginalsSample(rows, 500, 7), ind);
  assert.deepEqual(Object.keys(a[0]), ['x', 'y', 'z', 'g']);
  // both draw observed values only
  const xs = new Set(rows.map((r) => r.x));
  assert.ok(a.every((r) => xs.has(r.x) && (r.g === 'hi' || r.g === 'lo')));
  assert.ok(ind.every((r) => xs.has(r.x)));

  const cmp = compareToBaselines(rows, gaussianCopulaSample(rows, 2000, 5), { seed: 9 });
  assert.ok(cmp.independent.correlationError > 0.5, `independent: ${cmp.independent.correlationError}`);
  assert.ok(cmp.copula.correlationError < 0.05, `copula: ${cmp.copula.correlationError}`);
  assert.ok(cmp.copula.summary.trend > cmp.independent.summary.trend);
  // marginals are fine for both
  assert.ok(cmp.independent.summary.meanKS < 0.06 && cmp.copula.summary.meanKS < 0.06);
  // the category follows x in the copula (frequency encoding), not in the independent sample
  const gx = cmp.copula.pairs.find((p) => p.columns.join() === 'x,g').score;
  const gxInd = cmp.independent.pairs.find((p) => p.columns.join() === 'x,g').score;
  assert.ok(gx > gxInd + 0.1, `copula ${gx} vs independent ${gxInd}`);
  assert.deepEqual(compareToBaselines(rows, a, { seed: 9 }).copula, compareToBaselines(rows, a, { seed: 9 }).copula);
  const table = formatBaselineTable(cmp);
  assert.match(table, /independent/);
  assert.match(table, /copula/);
  // categorical columns bootstrapped on their own when asked
  const indep = gaussianCopulaSample(rows, 1000, 3, { categoricalMode: 'independent' });
  const indepScore = distributionMetrics(rows, indep).pairs.find((p) => p.columns.join() === 'x,g').score;
  assert.ok(indepScore < gx - 0.1);
});

test('baselines: collinear and constant columns, columnar input and validation', () => {
  const x = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 10);
  const table = { x, twice: x.map((v) => 2 * v), constant: x.map(() => 3), k: x.map((v) => (v > 0 ? 1 : 0)) };
  const s = gaussianCopulaSample(table, 300, 1);
  assert.equal(s.length, 300);
  assert.ok(s.every((r) => r.constant === 3 && (r.k === 0 || r.k === 1)));
  const m = distributionMetrics(table, s);
  assert.ok(m.pairs.find((p) => p.columns.join() === 'x,twice').syntheticCorrelation > 0.99);
  assert.deepEqual(independentMarginalsSample(table, 0, 1), []);
  assert.throws(() => independentMarginalsSample(table, -1, 1), /\bn\b/);
  assert.throws(() => gaussianCopulaSample(table, 10, NaN), /seed/);
  assert.throws(() => gaussianCopulaSample([], 10, 1), /empty/);
  assert.throws(() => gaussianCopulaSample(table, 10, 1, { categoricalMode: 'x' }), /categoricalMode/);
});
