// sample(n, { given }) and impute() on fitted synthesizers (src/conditioning/): held cells come
// back bit for bit, ranges hold in every row, a categorical column given another follows the
// conditional pmf of a known joint, draws are deterministic from the seed whatever the chunking
// and thread count, and bad input is a clear error (docs/imputation.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import fc from 'fast-check';

import { TabularSynthesizer, backendInfo, predictionInterval } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

// Known joint pmf of (a, b): b depends strongly on a.
const A = ['a0', 'a1', 'a2'];
const B = ['b0', 'b1', 'b2'];
const JOINT = [
  [0.25, 0.04, 0.01],
  [0.03, 0.2, 0.07],
  [0.02, 0.08, 0.3],
];

function draw(r, pmf) {
  let u = r.uniform();
  for (let k = 0; k < pmf.length; k++) {
    u -= pmf[k];
    if (u < 0) return k;
  }
  return pmf.length - 1;
}

/** a, b from JOINT; x | a normal; age integer tied to x; inc with a point mass at 0 and gaps. */
function tableRows(n, seed) {
  const r = rng(seed);
  const flat = JOINT.flat();
  const rows = [];
  for (let i = 0; i < n; i++) {
    const cell = draw(r, flat);
    const a = Math.floor(cell / 3), b = cell % 3;
    const x = a - 1 + 0.5 * r.normal();
    const age = Math.round(40 + 8 * x + 3 * r.normal());
    const inc = r.uniform() < 0.08 ? null : r.uniform() < 0.3 ? 0 : Math.round(100 * Math.exp(0.5 * x + 0.3 * r.normal())) / 100;
    rows.push({ a: A[a], b: B[b], x, age, inc });
  }
  return rows;
}

const FAST = { hiddenDims: [64, 64], timeDim: 16, nTimesteps: 40, maxSteps: 1500, batchSize: 128, lr: 3e-3, seed: 1 };
const RESAMPLE = { jumps: 3, length: 10 };
let dir;
let synth;
const train = tableRows(3000, 7);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tabdiff-impute-'));
  synth = new TabularSynthesizer({ ...FAST, categorical: ['a', 'b'] });
  await synth.fit(train);
});

after(() => {
  synth?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('sample(n, { given })', () => {
  test('held cells come back bit for bit and ranges hold, for random subsets of columns (fast-check)', async () => {
    const pool = tableRows(50, 99);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 49 }), fc.subarray(['a', 'b', 'x', 'age', 'inc']), fc.boolean(),
        fc.integer({ min: 20, max: 55 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 1000 }),
        async (pick, columns, ranged, lo, width, seed) => {
          const given = {};
          for (const c of columns) given[c] = pool[pick][c];
          if (ranged) given.age = { min: lo, max: lo + width };
          const rows = await synth.sample(6, { seed, given, resample: { jumps: 1 } });
          for (const row of rows) {
            for (const c of columns) if (!(ranged && c === 'age') && given[c] !== null) assert.equal(row[c], given[c], `column ${c}`);
            if (ranged) {
              assert.ok(Number.isInteger(row.age) && row.age >= lo && row.age <= lo + width, `age ${row.age} outside [${lo}, ${lo + width}]`);
            }
          }
        },
      ),
      { numRuns: 15, seed: 4 },
    );
  });

  test('continuous ranges, one given row per output row', async () => {
    const given = [{ x: { min: -0.2, max: 0.1 } }, { x: { min: 1, max: 1.5 }, a: 'a2' }, { inc: { min: 0.5, max: 2 } }, { x: { max: -1 } }];
    for (let seed = 0; seed < 5; seed++) {
      const rows = await synth.sample(4, { seed, given, resample: { jumps: 1 } });
      assert.ok(rows[0].x >= -0.2 && rows[0].x <= 0.1, `x ${rows[0].x}`);
      assert.ok(rows[1].x >= 1 && rows[1].x <= 1.5 && rows[1].a === 'a2', JSON.stringify(rows[1]));
      assert.ok(rows[2].inc >= 0.5 && rows[2].inc <= 2, `inc ${rows[2].inc}`);
      assert.ok(rows[3].x <= -1, `x ${rows[3].x}`);
    }
  });

  test('a range holding a point mass draws the mass by its training share (zero incomes in [0, 1]); [0, 0] is the mass alone', async () => {
    const obs = train.map((r) => r.inc).filter((v) => v !== null);
    const zeros = obs.filter((v) => v === 0).length;
    const inside = obs.filter((v) => v > 0 && v <= 1).length;
    const want = zeros / (zeros + inside);
    const rows = await synth.sample(2000, { seed: 3, given: { inc: { min: 0, max: 1 } }, resample: { jumps: 1 } });
    assert.ok(rows.every((r) => r.inc >= 0 && r.inc <= 1), 'inside the range');
    const share = rows.filter((r) => r.inc === 0).length / rows.length;
    // 4 binomial standard errors (0.011) of 2000 draws; the value part's share comes from the quantile map's knots
    assert.ok(Math.abs(share - want) <= 0.045, `share of zeros ${share.toFixed(3)}, training rows ${want.toFixed(3)}`);
    assert.ok(share > 0.2, 'the mass is drawn (it was never drawn before the shares)');
    const only = await synth.sample(50, { seed: 4, given: { inc: { min: 0, max: 0 } }, resample: { jumps: 1 } });
    assert.ok(only.every((r) => r.inc === 0), 'below the value part: the mass alone');
    await assert.rejects(synth.sample(1, { given: { inc: { min: -5, max: -1 } } }), /column "inc", row 0: range \[-5, -1\] lies outside the training support \[0, /);
  });

  test('a categorical column given another follows the known conditional pmf', async () => {
    // Tolerance: the model's own fit error is not known in advance, so the check is relative:
    // conditioning must bring b's pmf near the true conditional (total variation <= 0.06: about
    // 4 Monte Carlo standard errors at 2000 draws plus a few points of fit error), and far nearer
    // than b's marginal is (the marginal is 0.2-0.45 away in total variation).
    const marginal = [0, 1, 2].map((j) => JOINT.reduce((s, row) => s + row[j], 0));
    for (let a = 0; a < 3; a++) {
      const total = JOINT[a].reduce((s, v) => s + v, 0);
      const truth = JOINT[a].map((v) => v / total);
      const rows = await synth.sample(2000, { seed: 10 + a, given: { a: A[a] }, resample: { jumps: 1 } });
      const counts = [0, 0, 0];
      for (const row of rows) counts[B.indexOf(row.b)]++;
      const pmf = counts.map((c) => c / rows.length);
      const tv = pmf.reduce((s, p, j) => s + Math.abs(p - truth[j]), 0) / 2;
      const tvMarginal = marginal.reduce((s, p, j) => s + Math.abs(p - truth[j]), 0) / 2;
      assert.ok(tv <= 0.06, `a = ${A[a]}: b | a pmf ${pmf.map((p) => p.toFixed(3))} vs truth ${truth.map((p) => p.toFixed(3))} (TV ${tv.toFixed(3)})`);
      assert.ok(tv < tvMarginal / 3, `a = ${A[a]}: TV to the conditional ${tv} is not well below the marginal's ${tvMarginal}`);
    }
  });

  test('deterministic from the seed: same bytes across chunk sizes (stream) and thread counts', async () => {
    const given = { a: 'a1', age: { min: 35, max: 45 } };
    const whole = await synth.sample(23, { seed: 5, given, resample: RESAMPLE });
    const streamed = [];
    for await (const row of synth.sampleStream(23, { seed: 5, given, resample: RESAMPLE, chunkRows: 7 })) streamed.push(row);
    assert.deepEqual(streamed, whole);
    const path = join(dir, 'm.tdm');
    await synth.save(path);
    const one = await TabularSynthesizer.load(path, { threads: 1 });
    const two = await TabularSynthesizer.load(path, { threads: 2 });
    try {
      assert.deepEqual(await one.sample(23, { seed: 5, given, resample: RESAMPLE }), whole);
      assert.deepEqual(await two.sample(23, { seed: 5, given, resample: RESAMPLE }), whole);
    } finally {
      one.dispose();
      two.dispose();
    }
    assert.notDeepEqual(await synth.sample(23, { seed: 6, given, resample: RESAMPLE }), whole);
    // One given row per output row: each chunk reads its own rows of the table.
    const table = tableRows(23, 77).map((r, i) => (i % 3 === 0 ? { a: r.a } : i % 3 === 1 ? { x: r.x, age: { min: 30, max: 50 } } : { b: r.b, inc: r.inc }));
    const perRow = await synth.sample(23, { seed: 8, given: table, resample: RESAMPLE });
    const perRowStreamed = [];
    for await (const row of synth.sampleStream(23, { seed: 8, given: table, resample: RESAMPLE, chunkRows: 5 })) perRowStreamed.push(row);
    assert.deepEqual(perRowStreamed, perRow);
    perRow.forEach((row, i) => {
      for (const [c, v] of Object.entries(table[i])) {
        if (typeof v === 'object' && v !== null) assert.ok(row[c] >= 30 && row[c] <= 50);
        else if (v !== null) assert.equal(row[c], v);
      }
    });
  });

  test('the default chain of given: DDIM with eta 1 (0.4 T steps: 16 of T = 40) and 10 jumps of 5 steps; sampler ddpm keeps 10 of 10', async () => {
    const given = { a: 'a2', x: -0.4 };
    const byDefault = await synth.sample(12, { seed: 9, given });
    assert.deepEqual(byDefault, await synth.sample(12, { seed: 9, given, sampler: 'ddim', steps: 16, eta: 1, resample: { jumps: 10, length: 5, start: 0.75 } }));
    assert.notDeepEqual(byDefault, await synth.sample(12, { seed: 9, given, sampler: 'ddpm' }));
    assert.deepEqual(await synth.sample(12, { seed: 9, given, sampler: 'ddpm' }), await synth.sample(12, { seed: 9, given, sampler: 'ddpm', resample: { jumps: 10, length: 10, start: 0.75 } }));
    // A resample key alone keeps the default chain's other keys.
    assert.deepEqual(await synth.sample(12, { seed: 9, given, resample: { jumps: 3 } }),
      await synth.sample(12, { seed: 9, given, sampler: 'ddim', steps: 16, eta: 1, resample: { jumps: 3, length: 5 } }));
    // Keys left undefined (as the CLI passes them) keep the chain's own.
    assert.deepEqual(await synth.sample(12, { seed: 9, given, resample: { jumps: 3, length: undefined, start: undefined } }),
      await synth.sample(12, { seed: 9, given, resample: { jumps: 3 } }));
    // impute takes the same chain.
    const row = [{ a: 'a2', b: null, x: -0.4, age: 40, inc: 1 }];
    assert.deepEqual(await synth.impute(row, { seed: 2 }), await synth.impute(row, { seed: 2, sampler: 'ddim', steps: 16, eta: 1, resample: { jumps: 10, length: 5 } }));
  });

  test('a chunk whose rows hold only discrete classes runs the same chain as the rest of the call', async () => {
    // Rows 0-6 hold a class only, rows 7-13 a number: with chunks of 7 the first chunk has no
    // numeric cell; it must still resample like the whole call (a row's draw may not depend on
    // which rows share its chunk).
    const given = Array.from({ length: 14 }, (_, i) => (i < 7 ? { a: 'a1' } : { x: 0.3 }));
    const whole = await synth.sample(14, { seed: 8, given, resample: RESAMPLE });
    const streamed = [];
    for await (const row of synth.sampleStream(14, { seed: 8, given, resample: RESAMPLE, chunkRows: 7 })) streamed.push(row);
    assert.deepEqual(streamed, whole);
  });

  test('bad input: a clear error naming the argument, the column and the row', async () => {
    await assert.rejects(synth.sample(3, { given: { nope: 1 } }), /given: row 0: column "nope" is not in the model/);
    await assert.rejects(synth.sample(2, { given: [{ a: 'a0' }, { a: 'zz' }] }), /given: column "a", row 1: category "zz" was not seen in fit/);
    await assert.rejects(synth.sample(2, { given: [{}, { age: { min: 50, max: 40 } }] }), /given: column "age", row 1: range has min 50 > max 40/);
    await assert.rejects(synth.sample(1, { given: { age: { min: 500, max: 600 } } }), /column "age", row 0: range \[500, 600\] lies outside the training support/);
    await assert.rejects(synth.sample(1, { given: { age: { min: 40.2, max: 40.8 } } }), /holds no integer/);
    await assert.rejects(synth.sample(1, { given: { a: { min: 0 } } }), /column "a", row 0: a range applies to numeric columns/);
    await assert.rejects(synth.sample(1, { given: { age: { min: 30, maxx: 40 } } }), /unknown key "maxx"/);
    await assert.rejects(synth.sample(1, { given: { age: 'old' } }), /given: column "age"/);
    await assert.rejects(synth.sample(3, { given: [{}, {}] }), /given: holds 2 rows; pass one row/);
    await assert.rejects(synth.sample(3, { given: { a: 'a0' }, conditions: { a: 'a0' } }), /given: pass given or conditions/);
    await assert.rejects(synth.sample(3, { given: { a: 'a0' }, resample: { jumps: 0 } }), /resample.jumps/);
    await assert.rejects(synth.sample(3, { resample: { jumps: 2 } }), /resample: applies to conditional sampling/);
    await assert.rejects(synth.sample(3, { given: { x: 1 }, sampler: 'dpm-solver++', resample: { jumps: 2 } }), /resample.jumps: jumps need a one-step sampler/);
  });
});

describe('impute(rows)', () => {
  test('fills every gap; observed cells and other columns come back unchanged (fast-check masks)', async () => {
    const full = tableRows(30, 123);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 150, maxLength: 150 }), fc.integer({ min: 0, max: 1000 }), async (mask, seed) => {
        const names = ['a', 'b', 'x', 'age', 'inc'];
        const rows = full.map((r, i) => {
          const out = { id: `r${i}` };
          names.forEach((c, j) => (out[c] = mask[i * 5 + j] ? null : r[c]));
          return out;
        });
        const [filled] = await synth.impute(rows, { seed, resample: { jumps: 1 } });
        assert.equal(filled.length, rows.length);
        filled.forEach((row, i) => {
          assert.equal(row.id, rows[i].id);
          for (const c of names) {
            if (rows[i][c] !== null) assert.equal(row[c], rows[i][c], `row ${i} column ${c}: observed cell changed`);
            else if (c !== 'inc') assert.notEqual(row[c], null, `row ${i} column ${c}: gap not filled`);
          }
          if (rows[i].a === null) assert.ok(A.includes(row.a));
          if (rows[i].age === null) assert.ok(Number.isInteger(row.age));
        });
      }),
      { numRuns: 6, seed: 8 },
    );
  });

  test('draws: m completed tables, different draws, same seed same tables', async () => {
    const rows = [{ a: 'a0', b: null, x: null, age: 30, inc: 0 }, { a: null, b: 'b2', x: 1.2, age: null, inc: null }];
    const tables = await synth.impute(rows, { draws: 4, seed: 3, resample: RESAMPLE });
    assert.equal(tables.length, 4);
    for (const t of tables) {
      assert.equal(t[0].a, 'a0');
      assert.equal(t[0].age, 30);
      assert.equal(t[1].x, 1.2);
      assert.ok(B.includes(t[0].b) && Number.isFinite(t[0].x) && A.includes(t[1].a));
    }
    assert.ok(new Set(tables.map((t) => t[0].x)).size > 1, 'the draws should differ');
    assert.deepEqual(await synth.impute(rows, { draws: 4, seed: 3, resample: RESAMPLE }), tables);
  });

  test('all draws in one batch: draw d of the k-th gap row is global row d G + k, so complete rows change nothing', async () => {
    // inc observed: no free cell can be drawn as a gap, so there are no retry rounds.
    const r0 = { a: 'a0', b: null, x: null, age: 30, inc: 0 };
    const r1 = { a: null, b: 'b2', x: 1.2, age: null, inc: 2.5 };
    const full = { a: 'a1', b: 'b1', x: 0, age: 40, inc: 1 };
    const withFull = await synth.impute([full, r0, full, r1], { draws: 3, seed: 9, resample: RESAMPLE });
    const gapsOnly = await synth.impute([r0, r1], { draws: 3, seed: 9, resample: RESAMPLE });
    assert.deepEqual(withFull.map((t) => [t[1], t[3]]), gapsOnly);
    withFull.forEach((t) => assert.deepEqual([t[0], t[2]], [full, full]));
    // Draw 2 is what sample() draws for the same given rows at global rows 2 G + k (G = 2).
    const drawn = await synth.sample(2, { given: [r0, r1], seed: 9, offset: 4, resample: RESAMPLE });
    assert.deepEqual(gapsOnly[2], drawn);
    assert.notDeepEqual(gapsOnly[1], gapsOnly[2]);
    // The first m draws do not depend on how many are asked for (inc can be drawn as a gap, so retry rounds may run).
    const gappy = [r0, { ...r1, inc: null }, full, { a: null, b: null, x: null, age: null, inc: null }];
    const five = await synth.impute(gappy, { draws: 5, seed: 11, resample: RESAMPLE });
    assert.deepEqual(await synth.impute(gappy, { draws: 2, seed: 11, resample: RESAMPLE }), five.slice(0, 2));
  });

  test('onProgress counts the row draws (draws x rows with gaps) up to the total; unknown options are refused', async () => {
    const rows = [{ a: 'a0', b: null, x: null, age: 30, inc: 0 }, { a: 'a1', b: 'b1', x: 0, age: 40, inc: 1 }, { a: null, b: 'b2', x: 1.2, age: null, inc: 2 }];
    const seen = [];
    await synth.impute(rows, { draws: 5, seed: 2, resample: RESAMPLE, onProgress: (p) => seen.push(p) });
    assert.ok(seen.length > 0);
    assert.ok(seen.every((p) => p.rows === 10), JSON.stringify(seen));
    assert.ok(seen.every((p, i) => i === 0 || p.rowsDone >= seen[i - 1].rowsDone));
    assert.equal(seen.at(-1).rowsDone, 10);
    await assert.rejects(synth.impute(rows, { draw: 5 }), /impute options.*"draw"/);
    await assert.rejects(synth.impute(rows, { onProgress: 3 }), /onProgress: expected a function/);
  });

  test('a gap the model holds certain stays a gap, with one warning; with point: true the warning is about the pooled table', async () => {
    // z is a gap whenever g is 'p': given g = 'p' every try draws a gap.
    const r = rng(21);
    const rows = Array.from({ length: 400 }, (_, i) => {
      const g = i % 2 === 0 ? 'p' : 'q';
      return { g, z: g === 'p' ? null : 3 + r.normal() };
    });
    const m = new TabularSynthesizer({ ...FAST, maxSteps: 600, categorical: ['g'] });
    try {
      await m.fit(rows);
      const warnings = [];
      const [drawn] = await m.impute([{ g: 'p', z: null }, { g: 'q', z: null }], { seed: 1, onWarning: (w) => warnings.push(w) });
      assert.equal(drawn[0].z, null);
      assert.ok(Number.isFinite(drawn[1].z));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^impute: 1 cell\(s\) over 1 draw\(s\) were drawn as gaps in every try and stay gaps/);
      const pooledWarnings = [];
      const [pooled] = await m.impute([{ g: 'p', z: null }, { g: 'q', z: null }], { seed: 1, draws: 4, point: true, onWarning: (w) => pooledWarnings.push(w) });
      assert.equal(pooled[0].z, null);
      assert.deepEqual(pooledWarnings, ['impute: 1 cell(s) were drawn as gaps in every try of all 4 draws and stay gaps in the pooled table (the model gives gaps a high probability there)']);
    } finally {
      m.dispose();
    }
  });

  test('point: one table; each gap the mean (numeric) or most frequent draw (categorical) of the same-seed draws', async () => {
    const rows = [{ a: 'a0', b: null, x: null, age: 30, inc: 0 }, { a: null, b: 'b2', x: 1.2, age: null, inc: null }, { a: 'a1', b: 'b1', x: 0, age: 40, inc: 1 }];
    const draws = await synth.impute(rows, { draws: 7, seed: 5, resample: RESAMPLE });
    const point = await synth.impute(rows, { draws: 7, seed: 5, resample: RESAMPLE, point: true });
    assert.equal(point.length, 1);
    const [p] = point;
    const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
    const col = (i, name) => draws.map((t) => t[i][name]);
    assert.equal(p[0].x, mean(col(0, 'x')));
    assert.equal(p[1].age, mean(col(1, 'age')));
    assert.equal(p[1].inc, mean(col(1, 'inc').filter((v) => v !== null)));
    const counts = (v) => v.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map());
    for (const [i, name] of [[0, 'b'], [1, 'a']]) {
      const c = counts(col(i, name));
      assert.equal(c.get(p[i][name]), Math.max(...c.values()), `${name}: the most frequent draw`);
    }
    // Observed cells and rows without gaps come back unchanged.
    assert.deepEqual([p[0].a, p[0].age, p[0].inc, p[1].b, p[1].x], ['a0', 30, 0, 'b2', 1.2]);
    assert.deepEqual(p[2], rows[2]);
    assert.ok(new Set(col(0, 'x')).size > 1, 'the draws should differ');
    await assert.rejects(synth.impute(rows, { point: 1 }), /point: expected true or false/);
  });

  test('interval: bounds are predictionInterval of the same-seed draws; classes and observed cells as in the point table', async () => {
    const rows = [{ a: 'a0', b: null, x: null, age: 30, inc: 0 }, { a: null, b: 'b2', x: 1.2, age: null, inc: null }, { a: 'a1', b: 'b1', x: 0, age: 40, inc: 1 }];
    const draws = await synth.impute(rows, { draws: 25, seed: 6, resample: { jumps: 1 } });
    const out = await synth.impute(rows, { draws: 25, seed: 6, resample: { jumps: 1 }, point: true, interval: 0.9 });
    assert.equal(out.length, 3);
    const [p, lo, hi] = out;
    const [alone] = await synth.impute(rows, { draws: 25, seed: 6, resample: { jumps: 1 }, point: true });
    assert.deepEqual(p, alone, 'the point table is the same with or without interval');
    const col = (i, name) => draws.map((t) => t[i][name]).filter((v) => v !== null);
    for (const [i, name] of [[0, 'x'], [1, 'age'], [1, 'inc']]) {
      // 25 draws at 0.9: ranks 1.3 and 24.7 (inc's draws that stayed gaps are left out; fewer than 19: min / max).
      const v = col(i, name);
      const want = v.length >= 19 ? predictionInterval(v, 0.9) : [Math.min(...v), Math.max(...v)];
      assert.deepEqual([lo[i][name], hi[i][name]], want, `row ${i} ${name}`);
      assert.ok(lo[i][name] < hi[i][name], `row ${i} ${name}: the draws should differ`);
    }
    for (const [i, name] of [[0, 'b'], [1, 'a']]) assert.ok(lo[i][name] === p[i][name] && hi[i][name] === p[i][name], `${name}: the pooled class`);
    for (const t of [lo, hi]) {
      assert.deepEqual([t[0].a, t[0].age, t[0].inc, t[1].b, t[1].x], ['a0', 30, 0, 'b2', 1.2]);
      assert.deepEqual(t[2], rows[2]);
    }
    await assert.rejects(synth.impute(rows, { interval: 0.9 }), /interval: applies with point: true/);
    await assert.rejects(synth.impute(rows, { point: true, draws: 10, interval: 0.9 }), /interval: a 90% interval needs at least 19 draws; draws is 10/);
    await assert.rejects(synth.impute(rows, { point: true, interval: 1 }), /interval: expected a level in \(0, 1\)/);
  });

  test('impute bad input', async () => {
    await assert.rejects(synth.impute([{ a: 'zz', x: null }]), /rows: column "a", row 0: category "zz" was not seen in fit/);
    await assert.rejects(synth.impute([{ a: 'a0' }], { draws: 0 }), /draws/);
    await assert.rejects(synth.impute([]), /rows: empty table/);
    await assert.rejects(synth.impute([{ x: 'abc' }]), /rows: column "x"/);
  });
});

describe('other encodings', () => {
  test('one-hot categories and an all-Gaussian model: given cells held through the Gaussian chain', async () => {
    const rows = tableRows(400, 3).map(({ a, x, age }) => ({ a, x, age }));
    const onehot = new TabularSynthesizer({ ...FAST, maxSteps: 200, categorical: { columns: ['a'], method: 'onehot' } });
    const numeric = new TabularSynthesizer({ ...FAST, maxSteps: 200 });
    try {
      await onehot.fit(rows);
      await numeric.fit(rows.map(({ x, age }) => ({ x, age })));
      for (const row of await onehot.sample(20, { seed: 1, given: { a: 'a2', x: 0.25 }, resample: RESAMPLE })) {
        assert.equal(row.a, 'a2');
        assert.equal(row.x, 0.25);
      }
      for (const row of await numeric.sample(20, { seed: 1, given: { age: 44 }, resample: RESAMPLE })) assert.equal(row.age, 44);
      const [filled] = await numeric.impute([{ x: null, age: 50 }, { x: 0.5, age: null }], { seed: 2 });
      assert.equal(filled[0].age, 50);
      assert.equal(filled[1].x, 0.5);
      assert.ok(Number.isFinite(filled[0].x) && Number.isInteger(filled[1].age));
    } finally {
      onehot.dispose();
      numeric.dispose();
    }
  });
});

describe("conditioning: 'any' (trained for arbitrary conditioning)", () => {
  test('stored in the model file; held cells bit for bit; b | a follows the known conditional pmf', async () => {
    const anyModel = new TabularSynthesizer({ ...FAST, categorical: ['a', 'b'], conditioning: 'any', conditioningCopies: 2 });
    try {
      await anyModel.fit(train);
      assert.equal(anyModel.settings.conditioning, 'any');
      const path = join(dir, 'any.tdm');
      await anyModel.save(path);
      const loaded = await TabularSynthesizer.load(path);
      try {
        assert.equal(loaded.settings.conditioning, 'any');
        const given = { a: 'a1', x: 0.25, age: { min: 38, max: 42 } };
        const rows = await loaded.sample(50, { seed: 3, given });
        assert.deepEqual(rows, await anyModel.sample(50, { seed: 3, given }));
        for (const row of rows) {
          assert.equal(row.a, 'a1');
          assert.equal(row.x, 0.25);
          assert.ok(row.age >= 38 && row.age <= 42);
        }
      } finally {
        loaded.dispose();
      }
      for (let a = 0; a < 3; a++) {
        const total = JOINT[a].reduce((s, v) => s + v, 0);
        const truth = JOINT[a].map((v) => v / total);
        const out = await anyModel.sample(2000, { seed: 20 + a, given: { a: A[a] } });
        const pmf = [0, 1, 2].map((j) => out.filter((r) => r.b === B[j]).length / out.length);
        const tv = pmf.reduce((s, p, j) => s + Math.abs(p - truth[j]), 0) / 2;
        assert.ok(tv <= 0.06, `a = ${A[a]}: b | a pmf ${pmf.map((p) => p.toFixed(3))} vs truth ${truth.map((p) => p.toFixed(3))} (TV ${tv.toFixed(3)})`);
      }
      // The older `conditions` option holds its categories on this model too.
      assert.ok((await anyModel.sample(100, { seed: 4, conditions: { b: 'b1' } })).every((r) => r.b === 'b1'));
      // Unconditional sampling is the all-missing context.
      const free = await anyModel.sample(200, { seed: 1 });
      assert.equal(free.length, 200);
      assert.ok(free.every((r) => A.includes(r.a) && B.includes(r.b) && Number.isFinite(r.x)));
      const [[filled]] = await anyModel.impute([{ a: null, b: 'b2', x: null, age: 45, inc: 1.5 }], { seed: 1 });
      assert.ok(A.includes(filled.a) && Number.isFinite(filled.x) && filled.b === 'b2' && filled.age === 45 && filled.inc === 1.5, JSON.stringify(filled));
    } finally {
      anyModel.dispose();
    }
  });

  test('bad options', async () => {
    assert.throws(() => new TabularSynthesizer({ conditioning: 'some' }), /conditioning: expected 'none' or 'any'/);
    assert.throws(() => new TabularSynthesizer({ conditioningCopies: 0 }), /conditioningCopies/);
  });
});

describe('tabdiff impute', () => {
  const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cjs', 'cli', 'main.js');
  const run = (...args) => spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

  test('fills the gaps of a CSV; --draws m writes the long format; bad cells name the line', async () => {
    await synth.save(join(dir, 'cli.tdm'));
    writeFileSync(join(dir, 'gaps.csv'), 'a,b,x,age,inc,note\na0,,0.5,,,first\n,b2,NA,44,0,\n');
    const one = run('impute', 'cli.tdm', 'gaps.csv', '-o', 'filled.csv', '--seed', '3', '--jumps', '2');
    assert.equal(one.status, 0, one.stderr);
    const lines = readFileSync(join(dir, 'filled.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(lines[0], ['a', 'b', 'x', 'age', 'inc', 'note']);
    assert.equal(lines[1][0], 'a0');
    assert.equal(lines[1][2], '0.5');
    assert.equal(lines[1][5], 'first');
    assert.ok(B.includes(lines[1][1]) && /^-?\d+$/.test(lines[1][3]), lines[1].join(','));
    assert.ok(A.includes(lines[2][0]) && Number.isFinite(Number(lines[2][2])) && lines[2][2] !== '', lines[2].join(','));
    assert.equal(lines[2][3], '44');
    // --device picks the backend as in tabdiff sample (here auto is the CPU, or the GPU's own rows).
    const onCpu = run('impute', 'cli.tdm', 'gaps.csv', '--seed', '3', '--jumps', '2', '--device', 'cpu');
    assert.equal(onCpu.status, 0, onCpu.stderr);
    if (!backendInfo().cuda.available) assert.equal(onCpu.stdout, readFileSync(join(dir, 'filled.csv'), 'utf8'));
    const many = run('impute', 'cli.tdm', 'gaps.csv', '--draws', '3', '--seed', '3', '--jumps', '1');
    assert.equal(many.status, 0, many.stderr);
    const rows = many.stdout.trim().split('\n');
    assert.equal(rows[0], '.imp,a,b,x,age,inc,note');
    assert.deepEqual(rows.slice(1).map((r) => r.split(',')[0]), ['1', '1', '2', '2', '3', '3']);
    const point = run('impute', 'cli.tdm', 'gaps.csv', '--point', '--draws', '4', '--seed', '3', '--jumps', '1');
    assert.equal(point.status, 0, point.stderr);
    const pooled = point.stdout.trim().split('\n');
    assert.equal(pooled.length, 3, 'one table: header and two rows');
    assert.equal(pooled[0], 'a,b,x,age,inc,note');
    // Row 2's x (NA in the file) is the mean of the same four draws written in the long format.
    const four = run('impute', 'cli.tdm', 'gaps.csv', '--draws', '4', '--seed', '3', '--jumps', '1');
    assert.equal(four.status, 0, four.stderr);
    const xs = four.stdout.trim().split('\n').slice(1).map((r) => r.split(',')).filter((_, k) => k % 2 === 1).map((r) => Number(r[3]));
    assert.equal(xs.length, 4);
    const pooledX = Number(pooled[2].split(',')[2]);
    assert.ok(Math.abs(pooledX - xs.reduce((s, v) => s + v, 0) / 4) < 1e-6 * (1 + Math.abs(pooledX)), `${pooledX} vs ${xs}`);
    writeFileSync(join(dir, 'bad.csv'), 'a,x\na0,1\nzz,\n');
    const bad = run('impute', 'cli.tdm', 'bad.csv');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /bad.csv: rows: column "a", line 3: category "zz" was not seen in fit/);
  });

  test("tabdiff fit --conditioning any (with --validation) writes an 'any' model that impute uses", async () => {
    writeFileSync(join(dir, 'train.csv'), ['a,b,x,age,inc', ...train.slice(0, 400).map((r) => [r.a, r.b, r.x, r.age, r.inc ?? ''].join(','))].join('\n'));
    const fit = run('fit', 'train.csv', '-o', 'any-cli.tdm', '--conditioning', 'any', '--validation', '0.2', '--steps', '60', '--hidden', '32,32', '--timesteps', '40', '--seed', '1');
    assert.equal(fit.status, 0, fit.stderr);
    assert.match(fit.stderr, /conditioning 'any'/);
    assert.match(fit.stderr, /kept the weights of step \d+/);
    const loaded = await TabularSynthesizer.load(join(dir, 'any-cli.tdm'));
    try {
      assert.equal(loaded.settings.conditioning, 'any');
      assert.equal(loaded.settings.validation.heldOutRows, 80);
    } finally {
      loaded.dispose();
    }
    const r = run('impute', 'any-cli.tdm', 'gaps.csv', '--seed', '1');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 3);
    const bad = run('fit', 'train.csv', '-o', 'x.tdm', '--conditioning', 'some');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--conditioning/);
  });

  test('--point --interval 0.9 adds <name>_lo and <name>_hi after the numeric columns with gaps', async () => {
    const r = run('impute', 'cli.tdm', 'gaps.csv', '--point', '--interval', '0.9', '--draws', '20', '--seed', '3', '--jumps', '1');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => l.split(','));
    // a, b (classes) get no bounds; x, age, inc had gaps.
    assert.deepEqual(lines[0], ['a', 'b', 'x', 'x_lo', 'x_hi', 'age', 'age_lo', 'age_hi', 'inc', 'inc_lo', 'inc_hi', 'note']);
    const file = readFileSync(join(dir, 'gaps.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
      const [a, b, x, age, inc, note] = l.split(',');
      return { a, b, x, age, inc, note };
    });
    const [, lo, hi] = await synth.impute(file, { point: true, interval: 0.9, draws: 20, seed: 3, resample: { jumps: 1 } });
    const near = (text, v) => Math.abs(Number(text) - Number(v)) < 1e-6 * (1 + Math.abs(Number(v)));
    // Row 2's x was NA: its bounds; row 1's x (0.5) was observed: its own bounds.
    assert.ok(near(lines[2][3], lo[1].x) && near(lines[2][4], hi[1].x), lines[2].join(','));
    assert.ok(Number(lines[2][3]) < Number(lines[2][4]));
    assert.deepEqual(lines[1].slice(2, 5), ['0.5', '0.5', '0.5']);
    assert.ok(near(lines[1][6], lo[0].age) && near(lines[1][7], hi[0].age), lines[1].join(','));
    const bare = run('impute', 'cli.tdm', 'gaps.csv', '--interval', '0.9');
    assert.equal(bare.status, 1);
    assert.match(bare.stderr, /--interval: applies with --point/);
  });

  test('--sampler ddim --steps --eta reach the library; a forced progress bar counts the row draws', async () => {
    const r = spawnSync(process.execPath, [MAIN, 'impute', 'cli.tdm', 'gaps.csv', '--draws', '3', '--seed', '4', '--sampler', 'ddim', '--steps', '20', '--eta', '1', '--jumps', '2', '--jump-length', '3'],
      { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TABDIFF_PROGRESS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /impute .*6\/6 row draws/);
    const lib = await synth.impute(readFileSync(join(dir, 'gaps.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
      const [a, b, x, age, inc, note] = l.split(',');
      return { a, b, x, age, inc, note };
    }), { draws: 3, seed: 4, sampler: 'ddim', steps: 20, eta: 1, resample: { jumps: 2, length: 3 } });
    const xs = r.stdout.trim().split('\n').slice(1).map((l) => l.split(',')).filter((_, k) => k % 2 === 1).map((c) => Number(c[3]));
    lib.forEach((t, d) => assert.ok(Math.abs(xs[d] - t[1].x) < 1e-6 * (1 + Math.abs(xs[d])), `draw ${d}: ${xs[d]} vs ${t[1].x}`));
    const eta0 = run('impute', 'cli.tdm', 'gaps.csv', '--draws', '3', '--seed', '4', '--sampler', 'ddim', '--steps', '20', '--eta', '0', '--jumps', '2', '--jump-length', '3');
    assert.equal(eta0.status, 0, eta0.stderr);
    assert.notEqual(eta0.stdout, r.stdout);
  });
});

describe('dates and columnar input', () => {
  test('a date column: given dates come back as given, date ranges hold; impute takes columnar tables', async () => {
    const r = rng(5);
    const day = 86400000;
    const rows = Array.from({ length: 300 }, () => {
      const x = r.normal();
      return { when: new Date(Date.UTC(2020, 0, 1) + Math.round(200 + 60 * x) * day).toISOString().slice(0, 10), x };
    });
    const model = new TabularSynthesizer({ ...FAST, maxSteps: 300 });
    try {
      await model.fit(rows);
      for (const row of await model.sample(10, { seed: 1, given: { when: '2020-06-01' }, resample: { jumps: 1 } })) assert.equal(row.when, '2020-06-01');
      for (const row of await model.sample(20, { seed: 2, given: { when: { min: '2020-05-01', max: '2020-05-31' } }, resample: { jumps: 1 } })) {
        assert.ok(row.when >= '2020-05-01' && row.when <= '2020-05-31', row.when);
      }
      const [filled] = await model.impute({ when: ['2020-03-03', null], x: [null, 0.5] }, { seed: 3, resample: { jumps: 1 } });
      assert.equal(filled[0].when, '2020-03-03');
      assert.ok(Number.isFinite(filled[0].x));
      assert.match(filled[1].when, /^\d{4}-\d\d-\d\d$/);
      assert.equal(filled[1].x, 0.5);
      // Date bounds: 20 draws at 0.9 are ranks 1.05 and 19.95, so the draws of ranks 1 and 20 (min, max).
      const gap = { when: [null], x: [0.5] };
      const draws = (await model.impute(gap, { draws: 20, seed: 4, resample: { jumps: 1 } })).map((t) => t[0].when).sort();
      const [best, lo, hi] = await model.impute(gap, { draws: 20, seed: 4, resample: { jumps: 1 }, point: true, interval: 0.9 });
      assert.deepEqual([lo[0].when, hi[0].when], [draws[0], draws[19]]);
      assert.ok(lo[0].when < best[0].when && best[0].when < hi[0].when, `${lo[0].when} ${best[0].when} ${hi[0].when}`);
    } finally {
      model.dispose();
    }
  });
});
