// Apache Arrow in and out: a Table fits like the same data as records; sample(n, { format:
// 'arrow' }) returns a Table whose numeric columns wrap the sampled Float64Array; without the
// apache-arrow package nothing imports it and format 'arrow' says how to get it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as arrow from 'apache-arrow';
import { TabularSynthesizer, isArrowTable, toArrowTable } from '../dist/esm/index.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = 160;
const x = Array.from({ length: N }, (_, i) => (i % 17 === 0 ? null : Math.sin(i) * 4));
const k = Array.from({ length: N }, (_, i) => BigInt(i % 6));
const c = Array.from({ length: N }, (_, i) => ['red', 'green', 'blue'][i % 3]);
const b = Array.from({ length: N }, (_, i) => i % 4 === 0);

test('fit(arrow Table) gives the model that fit(records) gives: same sampled rows', async () => {
  const table = arrow.tableFromArrays({
    x: arrow.vectorFromArray(x, new arrow.Float64()),
    k: arrow.vectorFromArray(k, new arrow.Int64()),
    c: arrow.vectorFromArray(c, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    b: arrow.vectorFromArray(b, new arrow.Bool()),
  });
  assert.ok(isArrowTable(table));
  assert.ok(!isArrowTable({ x: [1] }) && !isArrowTable([{ x: 1 }]));
  const records = x.map((v, i) => ({ x: v, k: Number(k[i]), c: c[i], b: b[i] ? 1 : 0 }));
  const fromArrow = new TabularSynthesizer({ maxSteps: 80, seed: 5 });
  const fromRecords = new TabularSynthesizer({ maxSteps: 80, seed: 5 });
  await fromArrow.fit(table);
  await fromRecords.fit(records);
  assert.deepEqual(fromArrow.transformer.columns.map((col) => `${col.name}:${col.kind}:${col.missing}`), ['x:continuous:true', 'k:integer:false', 'c:categorical:false', 'b:binary:false']);
  assert.deepEqual(await fromArrow.sample(200, { seed: 3 }), await fromRecords.sample(200, { seed: 3 }));
  // logDensity and score read the Table's columns (not its own properties, e.g. schema).
  const head = table.slice(1, 7);
  const opts = { seed: 1, throws: 4 };
  assert.deepEqual(Array.from((await fromRecords.logDensity(head, opts)).logDensity), Array.from((await fromRecords.logDensity(records.slice(1, 7), opts)).logDensity));
  assert.deepEqual(Array.from(await fromRecords.score(head, opts)), Array.from(await fromRecords.score(records.slice(1, 7), opts)));
  fromArrow.dispose();
  fromRecords.dispose();
});

test("sample(n, { format: 'arrow' }): a Table equal to sampleColumns, numbers zero-copy, gaps as nulls", async () => {
  const synth = new TabularSynthesizer({ maxSteps: 80, seed: 2 });
  await synth.fit(x.map((v, i) => ({ x: v, c: c[i] })));
  const table = await synth.sample(300, { seed: 9, format: 'arrow' });
  const cols = await synth.sampleColumns(300, { seed: 9 });
  assert.ok(table instanceof arrow.Table);
  assert.deepEqual(table.schema.fields.map((f) => `${f.name}:${f.type}`), ['x:Float64', 'c:Dictionary<Int32, Utf8>']);
  assert.equal(table.numRows, 300);
  const xs = table.getChild('x');
  let gaps = 0;
  for (let i = 0; i < 300; i++) {
    if (Number.isNaN(cols.x[i])) {
      gaps++;
      assert.equal(xs.get(i), null);
    } else assert.equal(xs.get(i), cols.x[i]);
    assert.equal(table.getChild('c').get(i), cols.c[i]);
  }
  assert.ok(gaps > 0, 'the model learned no gaps: the null path is untested');
  assert.equal(xs.nullCount, gaps);
  // Zero-copy: the Arrow column's values are the sampled Float64Array's memory.
  const wrapped = toArrowTable(cols);
  assert.equal(wrapped.getChild('x').data.length, 1);
  assert.equal(wrapped.getChild('x').data[0].values.buffer, cols.x.buffer);
  await assert.rejects(synth.sample(3, { format: 'parquet' }), /format: expected 'rows' or 'arrow'/);
  synth.dispose();
});

test('without apache-arrow: records fit without importing it, and format arrow names the package to install', () => {
  const probe = `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'apache-arrow') throw Object.assign(new Error("Cannot find module 'apache-arrow'"), { code: 'MODULE_NOT_FOUND' });
      return resolve.call(this, request, ...rest);
    };
    const td = require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))});
    (async () => {
      const s = new td.TabularSynthesizer({ maxSteps: 20 });
      await s.fit(Array.from({ length: 50 }, (_, i) => ({ v: i % 7, w: i % 2 ? 'a' : 'b' })));
      const rows = await s.sample(3, { seed: 1 });
      const loaded = Object.keys(require.cache).some((f) => f.includes('apache-arrow'));
      let message = '';
      try { await s.sample(3, { format: 'arrow' }); } catch (e) { message = e.message; }
      s.dispose();
      console.log(JSON.stringify({ rows: rows.length, loaded, message }));
    })();
  `;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    rows: 3, loaded: false, message: "format: 'arrow' needs the apache-arrow package (an optional peer dependency): npm install apache-arrow",
  });
});
