// danfo.js DataFrames in: a frame fits like the same data as records and is read by every method
// that takes a table. danfojs itself cannot be installed here (its npm package pulls a tarball
// from a CDN), so the frame is a class with danfo's public shape: `columns`, `shape`, `values`
// getters over private storage, NaN for a gap, plus methods, as a real DataFrame has.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TabularSynthesizer, distributionMetrics, isDataFrameLike } from '../dist/esm/index.mjs';

class FakeDanfoFrame {
  #data;
  #columns;
  constructor(rows, columns) { this.#data = rows; this.#columns = columns; }
  get columns() { return this.#columns.slice(); }
  get shape() { return [this.#data.length, this.#columns.length]; }
  get values() { return this.#data.map((r) => r.slice()); }
  get index() { return this.#data.map((_, i) => i); }
  head(n = 5) { return new FakeDanfoFrame(this.#data.slice(0, n), this.#columns); }
  toJSON() { throw new Error('not read: the library reads columns/shape/values'); }
}

const N = 150;
const cols = ['x', 'c', 'k'];
const values = Array.from({ length: N }, (_, i) => [i % 13 === 0 ? NaN : Math.cos(i) * 3, ['a', 'b', 'c'][i % 3], i % 5]);
const records = values.map(([x, c, k]) => ({ x: Number.isNaN(x) ? null : x, c, k }));

test('isDataFrameLike recognises the frame, not records or columnar objects', () => {
  assert.ok(isDataFrameLike(new FakeDanfoFrame(values, cols)));
  assert.ok(!isDataFrameLike(records));
  assert.ok(!isDataFrameLike({ x: [1, 2], c: ['a', 'b'] }));
  assert.ok(!isDataFrameLike(null) && !isDataFrameLike(new Float64Array(3)));
});

test('fit(DataFrame) gives the model fit(records) gives; logDensity and impute read frames too', async () => {
  const frame = new FakeDanfoFrame(values, cols);
  const a = new TabularSynthesizer({ maxSteps: 60, seed: 2 });
  const b = new TabularSynthesizer({ maxSteps: 60, seed: 2 });
  await a.fit(frame);
  await b.fit(records);
  assert.deepEqual(a.transformer.columns.map((c) => `${c.name}:${c.kind}:${c.missing}`), b.transformer.columns.map((c) => `${c.name}:${c.kind}:${c.missing}`));
  assert.equal(a.transformer.columns[0].missing, true, 'NaN cells of the frame are gaps');
  assert.deepEqual(await a.sample(100, { seed: 4 }), await b.sample(100, { seed: 4 }));
  const head = new FakeDanfoFrame(values.slice(1, 6), cols);
  const fromFrame = await a.logDensity(head, { seed: 1, throws: 4 });
  const fromRecords = await a.logDensity(records.slice(1, 6), { seed: 1, throws: 4 });
  assert.deepEqual(Array.from(fromFrame.logDensity), Array.from(fromRecords.logDensity));
  // A real danfo frame also has own enumerable internals ($data, $isSeries, ...): its table is
  // columns/shape/values, never its keys.
  const withInternals = Object.assign(new FakeDanfoFrame(values.slice(1, 6), cols), { $data: values.slice(1, 6), $isSeries: false });
  assert.deepEqual(Array.from((await a.logDensity(withInternals, { seed: 1, throws: 4 })).logDensity), Array.from(fromRecords.logDensity));
  assert.deepEqual(Array.from(await a.score(withInternals, { seed: 1, throws: 4 })), Array.from(fromRecords.logDensity, (v) => -v));
  const gaps = new FakeDanfoFrame([[NaN, 'a', 1], [2, 'b', 3]], cols);
  const [filled] = await a.impute(gaps, { seed: 1 });
  assert.equal(filled.length, 2);
  assert.ok(Number.isFinite(filled[0].x), 'the gap is drawn');
  assert.equal(filled[1].x, 2, 'an observed cell comes back unchanged');
  const synthetic = await b.sample(150, { seed: 9 });
  assert.deepEqual(distributionMetrics(frame, synthetic), distributionMetrics(records, synthetic), 'the metrics read a frame as its records');
  a.dispose();
  b.dispose();
});

test('a malformed frame is a clear TypeError naming the argument', async () => {
  const s = new TabularSynthesizer({ maxSteps: 5, seed: 1 });
  const bad = { columns: ['x', 'y'], shape: [2, 2], values: [[1, 2], [3]] };
  await assert.rejects(s.fit(bad), (e) => e instanceof TypeError && /^rows: DataFrame row 1 does not hold 2 values/.test(e.message));
  const liar = { columns: ['x'], shape: [3, 1], values: [[1], [2]] };
  await assert.rejects(s.fit(liar), (e) => e instanceof TypeError && /^rows: DataFrame shape \[3, 1\] does not match/.test(e.message));
  const dup = { columns: ['x', 'x'], shape: [1, 2], values: [[1, 2]] };
  await assert.rejects(s.fit(dup), (e) => e instanceof TypeError && /^rows: DataFrame has two columns named "x"/.test(e.message));
});
