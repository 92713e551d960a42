// The native histogram GBDT (native/cpu/gbdt.cpp): it learns, it is exact where an oracle is
// easy (one split), deterministic whatever the thread count, and bad input is a RangeError.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fitGbdt, predictGbdt, nativeOps } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

function data(n, d, seed, label) {
  const r = rng(seed);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = r.normal();
    y[i] = label(x.subarray(i * d, i * d + d), r);
  }
  return { x, y, n, d };
}

const accuracy = (margins, y, K) => {
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    let pred;
    if (K === 1) pred = margins[i] > 0 ? 1 : 0;
    else {
      pred = 0;
      for (let k = 1; k < K; k++) if (margins[i * K + k] > margins[i * K + pred]) pred = k;
    }
    ok += pred === y[i] ? 1 : 0;
  }
  return ok / y.length;
};

test('binary, multiclass and regression models generalise on held-out rows', () => {
  const bin = (v) => (v[0] + v[1] > 0 ? 1 : 0);
  const tr = data(3000, 4, 1, bin), te = data(2000, 4, 2, bin);
  const m = fitGbdt(tr.x, tr.n, tr.d, tr.y, 'binary', 2, { rounds: 100 });
  assert.ok(accuracy(predictGbdt(m, te.x, te.n), te.y, 1) > 0.93);

  const three = (v) => (v[0] < -0.5 ? 0 : v[0] < 0.5 ? 1 : 2);
  const tr3 = data(3000, 3, 3, three), te3 = data(2000, 3, 4, three);
  const m3 = fitGbdt(tr3.x, tr3.n, tr3.d, tr3.y, 'multiclass', 3, { rounds: 50 });
  assert.equal(m3.outputs, 3);
  assert.ok(accuracy(predictGbdt(m3, te3.x, te3.n), te3.y, 3) > 0.95);

  const lin = (v, r) => 2 * v[0] - v[2] + 0.1 * r.normal();
  const trr = data(3000, 3, 5, lin), ter = data(2000, 3, 6, lin);
  const mr = fitGbdt(trr.x, trr.n, trr.d, trr.y, 'regression', 0, { rounds: 200, learningRate: 0.1 });
  const p = predictGbdt(mr, ter.x, ter.n);
  let sse = 0, sst = 0, mean = ter.y.reduce((a, b) => a + b, 0) / ter.n;
  for (let i = 0; i < ter.n; i++) (sse += (p[i] - ter.y[i]) ** 2), (sst += (ter.y[i] - mean) ** 2);
  assert.ok(1 - sse / sst > 0.95, `R2 ${1 - sse / sst}`);
});

test('one round of depth 1 picks the split a brute-force search picks, with the exact leaf values', () => {
  // Integer-valued features (< 255 distinct values): every threshold is a bin edge.
  const r = rng(7);
  const n = 400, d = 3;
  const x = new Float64Array(n * d), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = Math.floor(r.uniform() * 30);
    y[i] = x[i * d + 1] * 0.3 + r.normal();
  }
  const lambda = 1;
  const m = fitGbdt(x, n, d, y, 'regression', 0, { rounds: 1, maxDepth: 1, subsample: 1, colsample: 1, learningRate: 1, lambda, minChildWeight: 0 });
  const base = y.reduce((a, b) => a + b, 0) / n;
  const g = Array.from(y, (v) => base - v); // squared error: g = margin - y, h = 1
  const score = (G, H) => (G * G) / (H + lambda);
  let best = { gain: 0 };
  for (let f = 0; f < d; f++) {
    const values = [...new Set(Array.from({ length: n }, (_, i) => x[i * d + f]))].sort((a, b) => a - b);
    for (const t of values.slice(0, -1)) {
      let GL = 0, HL = 0, G = 0;
      for (let i = 0; i < n; i++) {
        G += g[i];
        if (x[i * d + f] <= t) (GL += g[i]), HL++;
      }
      const gain = 0.5 * (score(GL, HL) + score(G - GL, n - HL) - score(G, n));
      if (gain > best.gain + 1e-9) best = { gain, f, t, GL, HL, GR: G - GL, HR: n - HL };
    }
  }
  const node = (i) => Array.from(m.nodes.subarray(i * 6, i * 6 + 6));
  const [feature, left, right, , threshold] = node(0);
  assert.equal(feature, best.f);
  assert.equal(threshold, best.t);
  const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  assert.ok(close(node(left)[5], -best.GL / (best.HL + lambda)));
  assert.ok(close(node(right)[5], -best.GR / (best.HR + lambda)));
});

test('missing values are routed by a learned direction', () => {
  const r = rng(9);
  const n = 2000;
  const x = new Float64Array(n * 2), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.uniform() < 0.5 ? 1 : 0;
    x[i * 2] = y[i] === 1 ? NaN : r.normal(); // the label is "the value is missing"
    x[i * 2 + 1] = r.normal();
  }
  const m = fitGbdt(x, n, 2, y, 'binary', 2, { rounds: 20 });
  assert.equal(accuracy(predictGbdt(m, x, n), y, 1), 1);
});

test('the model is the same bytes whatever the thread count; the seed drives the subsampling', () => {
  // 12000 x 6 cells: above the size below which the fit stays on one thread.
  const t = data(12000, 6, 11, (v) => (v[0] * v[1] > 0 ? 1 : 0));
  const fit = (threads, seed = 3) => fitGbdt(t.x, t.n, t.d, t.y, 'binary', 2, { rounds: 30, threads, seed });
  const one = fit(1);
  for (const threads of [2, 3]) {
    const other = fit(threads);
    assert.deepEqual(other.nodes, one.nodes);
    assert.deepEqual(other.treeStart, one.treeStart);
    assert.deepEqual(predictGbdt(other, t.x, t.n, threads), predictGbdt(one, t.x, t.n, 1));
  }
  assert.notDeepEqual(fit(1, 4).nodes, one.nodes);
});

test('bad labels, options and tampered models are RangeErrors naming the argument', () => {
  const ops = nativeOps();
  const x = new Float64Array([0, 1, 2, 3]);
  assert.throws(() => fitGbdt(x, 4, 1, new Float64Array([0, 1, 2, 0]), 'binary', 2), /y: binary labels must be 0 or 1; index 2/);
  assert.throws(() => fitGbdt(x, 4, 1, new Float64Array([0, 1, 3, 0]), 'multiclass', 3), /y: class labels/);
  assert.throws(() => fitGbdt(x, 4, 1, new Float64Array([0, 1, 0]), 'binary', 2), /^RangeError: y/);
  assert.throws(() => fitGbdt(x, 4, 1, new Float64Array(4), 'poisson', 2), /objective/);
  assert.throws(() => fitGbdt(x, 4, 1, new Float64Array(4), 'binary', 2, { subsample: 0 }), /subsample/);
  const m = fitGbdt(x, 4, 1, new Float64Array([0, 0, 1, 1]), 'binary', 2, { rounds: 2, subsample: 1, colsample: 1, minChildWeight: 0 });
  assert.ok(m.nodes.length > 6, 'the model has a split to tamper with');
  const loop = { ...m, nodes: m.nodes.slice() };
  loop.nodes[1] = 0; // left child of the root points at the root
  assert.throws(() => ops.gbdtPredict({ model: loop, x, rows: 4 }), /model\.nodes: node 0: has a child outside its tree/);
  assert.throws(() => ops.gbdtPredict({ model: { ...m, nodes: m.nodes.slice(1) }, x, rows: 4 }), /multiple of 6/);
  assert.throws(() => ops.gbdtPredict({ model: { ...m, features: 2 }, x, rows: 4 }), /x/);
});
