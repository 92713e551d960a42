// TabularSynthesizer and TabularDiffusion conventions, as the test suites of synthcity, SDV and
// CTGAN check them: output schema, category support, seeding, fit-before-sample, persistence,
// robustness to corrupted model files, streaming, and conditioning on a context.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import fc from 'fast-check';

import { TabularDiffusion, TabularSynthesizer, readModelFile, writeModelFile } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

const COLUMNS = ['x', 'g', 'k', 'flag', 'y'];
const CATEGORIES = ['north', 'south', 'east'];
/** Tiny and quick: the tests below check behaviour, not fidelity. */
const TINY = { hiddenDims: [16, 16], timeDim: 8, nTimesteps: 20, maxSteps: 60, batchSize: 64, seed: 3 };


function mixedRows(n, seed = 1) {
  const r = rng(seed);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    const g = CATEGORIES[x > 0.5 ? 0 : x < -0.5 ? 1 : 2];
    rows.push({ x, g, k: Math.floor(r.uniform() * 5), flag: r.uniform() < 0.4 ? 1 : 0, y: 2 * x + 0.3 * r.normal() });
  }
  return rows;
}

let dir;
let synth;
const train = mixedRows(200);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tabdiff-synth-'));
  synth = new TabularSynthesizer({ ...TINY, categorical: ['g'] });
  await synth.fit(train);
});

after(() => {
  synth?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('output schema', () => {
  test('rows have the training columns, in order', async () => {
    const rows = await synth.sample(150, { seed: 1 });
    assert.equal(rows.length, 150);
    for (const row of rows) assert.deepEqual(Object.keys(row), COLUMNS);
    const columns = await synth.sampleColumns(10, { seed: 1 });
    assert.deepEqual(Object.keys(columns), COLUMNS);
  });

  test('categorical outputs only take training categories; binary and integer columns keep their type', async () => {
    const rows = await synth.sample(500, { seed: 2 });
    const seen = new Set();
    for (const row of rows) {
      assert.ok(CATEGORIES.includes(row.g), `category ${row.g}`);
      seen.add(row.g);
      assert.ok(row.flag === 0 || row.flag === 1, `flag ${row.flag}`);
      assert.ok(Number.isInteger(row.k), `k ${row.k}`);
      assert.equal(typeof row.x, 'number');
      assert.ok(Number.isFinite(row.x) && Number.isFinite(row.y));
    }
    // Even a 60-step model puts mass on more than one category (a collapsed output would fail).
    assert.ok(seen.size >= 2, `categories seen: ${[...seen]}`);
  });
});

describe('seeding', () => {
  test('the same seed gives the same rows, for every sampler', async () => {
    for (const options of [{}, { sampler: 'ddim', steps: 7 }, { sampler: 'ddim', steps: 7, eta: 1 }, { sampler: 'dpm-solver++', steps: 5 }]) {
      const a = await synth.sample(80, { seed: 42, ...options });
      const b = await synth.sample(80, { seed: 42, ...options });
      assert.deepEqual(a, b, JSON.stringify(options));
      const c = await synth.sample(80, { seed: 43, ...options });
      assert.notDeepEqual(a, c, JSON.stringify(options));
    }
  });

  test('no seed gives different rows on each call', async () => {
    const a = await synth.sample(50);
    const b = await synth.sample(50);
    assert.notDeepEqual(a, b);
  });

  test('two fits with the same seed give the same model', async () => {
    const other = new TabularSynthesizer({ ...TINY, categorical: ['g'] });
    try {
      await other.fit(train);
      assert.deepEqual(await other.sample(40, { seed: 5 }), await synth.sample(40, { seed: 5 }));
    } finally {
      other.dispose();
    }
  });
});

describe('fit before sample', () => {
  test('sampling, streaming and saving an unfitted synthesizer raise', async () => {
    const fresh = new TabularSynthesizer(TINY);
    assert.equal(fresh.fitted, false);
    await assert.rejects(fresh.sample(5), /fit\(\)/);
    await assert.rejects(fresh.sampleColumns(5), /fit\(\)/);
    assert.throws(() => fresh.sampleStream(5), /fit\(\)/);
    await assert.rejects(fresh.save(join(dir, 'unfitted.tdm')), /fit\(\)/);
    const dm = new TabularDiffusion(TINY);
    await assert.rejects(dm.sample(5), /fit\(\)/);
  });
});

describe('save / load', () => {
  let path;
  let bytes;

  before(async () => {
    path = join(dir, 'model.tdm');
    await synth.save(path);
    bytes = readFileSync(path);
  });

  test('a loaded model gives identical samples', async () => {
    const loaded = await TabularSynthesizer.load(path);
    try {
      for (const options of [{ seed: 9 }, { seed: 9, sampler: 'ddim', steps: 10 }]) {
        assert.deepEqual(await loaded.sample(120, options), await synth.sample(120, options));
      }
      assert.deepEqual(loaded.transformer.toJSON(), synth.transformer.toJSON());
      // Saving the loaded model reproduces the file byte for byte.
      const again = join(dir, 'again.tdm');
      await loaded.save(again);
      assert.deepEqual(readFileSync(again), bytes);
    } finally {
      loaded.dispose();
    }
  });

  /** The bytes as a model file in the test directory; returns its path. */
  function write(bytes) {
    const p = join(dir, 'version.tdm');
    writeFileSync(p, bytes);
    return p;
  }

  /** load() of these bytes must reject with an Error (and the process must survive it). */
  async function assertLoadFails(mutated, label) {
    const p = join(dir, 'corrupt.tdm');
    writeFileSync(p, mutated);
    let loaded;
    try {
      loaded = await TabularSynthesizer.load(p);
    } catch (err) {
      assert.ok(err instanceof Error, `${label}: threw a non-Error ${String(err)}`);
      assert.ok(err.message.length > 0, `${label}: empty message`);
      return;
    }
    loaded.dispose();
    assert.fail(`${label}: a corrupted file loaded`);
  }

  const headerLength = () => bytes.readUInt32LE(8);

  test('truncated, flipped, wrong header length, wrong magic, wrong version: each an Error', async () => {
    await assertLoadFails(Buffer.alloc(0), 'empty');
    await assertLoadFails(bytes.subarray(0, 10), 'truncated in the prefix');
    await assertLoadFails(bytes.subarray(0, 12 + (headerLength() >> 1)), 'truncated in the header');
    await assertLoadFails(bytes.subarray(0, bytes.length - 100), 'truncated in the weights');
    await assertLoadFails(bytes.subarray(0, bytes.length - 1), 'last byte missing');
    await assertLoadFails(Buffer.concat([bytes, Buffer.from([0])]), 'a byte appended');
    for (const at of [0, 5, 9, 20, 12 + headerLength() + 8, bytes.length - 2]) {
      const b = Buffer.from(bytes);
      b[at] ^= 0x40;
      await assertLoadFails(b, `byte ${at} flipped`);
    }
    for (const h of [0, 4, headerLength() - 4, headerLength() + 4, headerLength() + 1, 0xffffffff, bytes.length]) {
      const b = Buffer.from(bytes);
      b.writeUInt32LE(h >>> 0, 8);
      await assertLoadFails(b, `header length ${h}`);
    }
    const magic = Buffer.from(bytes);
    magic.write('PK\x03\x04', 0, 'latin1');
    await assertLoadFails(magic, 'zip magic');
    const version = Buffer.from(bytes);
    version.writeUInt32LE(3, 4);
    await assertLoadFails(version, 'version 3');
    await assert.rejects(TabularSynthesizer.load(write(version)), /format version 3 was written by a newer tabular-diffusion \(version [\d.]+\); .* upgrade tabular-diffusion/);
    const older = Buffer.from(bytes);
    older.writeUInt32LE(1, 4);
    await assert.rejects(TabularSynthesizer.load(write(older)), /format version 1 was written by an older tabular-diffusion .* fit the model again/);
    await assertLoadFails(Buffer.from('x,y\n1,2\n3,4\n5,6\n7,8\n'), 'a CSV file');
  });

  test('property: random truncation, byte flips and header-length overwrites never load and never crash', async () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate'), at: fc.nat({ max: bytes.length - 1 }) }),
      fc.record({ kind: fc.constant('flip'), at: fc.nat({ max: bytes.length - 1 }), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('headerLength'), value: fc.nat({ max: 0xffffffff }).filter((v) => v !== bytes.readUInt32LE(8)) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        let b = Buffer.from(bytes);
        for (const m of mutations) {
          if (m.kind === 'truncate') b = b.subarray(0, Math.min(m.at, b.length - 1));
          else if (m.kind === 'flip' && m.at < b.length) b[m.at] ^= m.mask;
          else if (m.kind === 'headerLength' && b.length >= 12) b.writeUInt32LE(m.value, 8);
        }
        if (b.equals(bytes)) return; // flips that cancelled out
        await assertLoadFails(b, JSON.stringify(mutations));
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });

  test('a file with a valid checksum but inconsistent contents is an Error', async () => {
    const { header, sections } = readModelFile(path);
    const rewrite = (mutateHeader, mutateSections = (s) => s) => {
      const h = structuredClone(header);
      mutateHeader(h);
      const s = mutateSections([...sections.entries()].map(([name, data]) => [name, data.slice()]));
      const p = join(dir, 'consistent-crc.tdm');
      writeModelFile(p, h, s);
      return readFileSync(p);
    };
    // Sanity: an unmodified rewrite loads (so the failures below come from the mutations).
    const same = await TabularSynthesizer.load(path);
    same.dispose();
    const identical = rewrite(() => {});
    writeFileSync(join(dir, 'identical.tdm'), identical);
    (await TabularSynthesizer.load(join(dir, 'identical.tdm'))).dispose();

    await assertLoadFails(rewrite((h) => (h.kind = 'SomethingElse')), 'wrong kind');
    await assertLoadFails(rewrite((h) => (h.diffusion.dataDim += 1)), 'dataDim + 1');
    await assertLoadFails(rewrite((h) => (h.diffusion.options.hiddenDims = [17, 16])), 'hiddenDims changed');
    await assertLoadFails(rewrite((h) => h.diffusion.betas.pop()), 'schedule shortened');
    await assertLoadFails(rewrite((h) => h.transformer.columns[1].categories.pop()), 'a category dropped');
    await assertLoadFails(rewrite((h) => delete h.transformer), 'transformer missing');
    await assertLoadFails(rewrite(() => {}, (s) => [[s[0][0], s[0][1].subarray(1)], ...s.slice(1)]), 'params one short');
    await assertLoadFails(rewrite(() => {}, (s) => s.filter(([name]) => name !== 'params')), 'params missing');
  });
});

describe('sampleStream', () => {
  async function collect(stream) {
    const rows = [];
    for await (const row of stream) rows.push(row);
    return rows;
  }

  test('yields exactly the rows of sample(n) with the same seed, whatever the chunk size', async () => {
    for (const options of [{ seed: 11 }, { seed: 11, sampler: 'ddim', steps: 6 }]) {
      const expected = await synth.sample(257, options);
      for (const chunkRows of [1000, 256, 64, 7]) {
        const rows = await collect(synth.sampleStream(257, { ...options, chunkRows }));
        assert.equal(rows.length, 257);
        assert.deepEqual(rows, expected, `chunkRows ${chunkRows} ${JSON.stringify(options)}`);
      }
    }
  });

  test('chunks converted in slices (256 rows, issue 12): every row, identical to sample(n), partial last slices included', async () => {
    const expected = await synth.sample(3100, { seed: 5, sampler: 'ddim', steps: 4 });
    for (const chunkRows of [3000, 2048, 65536]) {
      const rows = await collect(synth.sampleStream(3100, { seed: 5, sampler: 'ddim', steps: 4, chunkRows }));
      assert.equal(rows.length, 3100, `chunkRows ${chunkRows}`);
      assert.deepEqual(rows, expected, `chunkRows ${chunkRows}`);
    }
  });

  test('n = 0 ends at once with no rows; a bad n or chunkRows is a RangeError', async () => {
    assert.deepEqual(await collect(synth.sampleStream(0, { seed: 1 })), []);
    assert.throws(() => synth.sampleStream(-1), RangeError);
    assert.throws(() => synth.sampleStream(2.5), RangeError);
    assert.throws(() => synth.sampleStream(10, { chunkRows: 0 }), RangeError);
  });
});

describe('context conditioning (TabularDiffusion)', () => {
  // y = 2 c + N(0, 0.5^2) with c ~ Bernoulli(1/2). The schedule ends near pure noise
  // (sum of betas ~ 7.5, abar_T ~ 5e-4) so the N(0, 1) start of the sampler matches x_T.
  const SHIFT = 2;
  const SD = 0.5;
  let dm;

  before(async () => {
    const r = rng(7);
    const X = [];
    const C = [];
    for (let i = 0; i < 1200; i++) {
      const c = i % 2;
      C.push([c]);
      X.push([SHIFT * c + SD * r.normal()]);
    }
    dm = new TabularDiffusion({ hiddenDims: [64, 64], timeDim: 16, nTimesteps: 50, betaStart: 1e-3, betaEnd: 0.3, maxSteps: 1200, lrDecay: true, seed: 1 });
    await dm.fit(X, { context: C });
  });

  after(() => dm?.dispose());

  const stats = (values) => {
    let s = 0;
    let s2 = 0;
    for (const v of values) {
      s += v;
      s2 += v * v;
    }
    const mean = s / values.length;
    return { mean, sd: Math.sqrt(s2 / values.length - mean * mean) };
  };

  // Tolerances: the sampling error of a mean of 2000 draws is 0.5 / sqrt(2000) ~ 0.011; a
  // 1200-step fit was seen within ~0.05 of the truth, so 0.15 leaves room for a different
  // platform's rounding while failing a model that ignores the context (shift ~ 0) or one that
  // starts the reverse chain from the wrong prior (shrinks the shift by ~ 0.25).
  const TOL_MEAN = 0.15;

  test('one broadcast context row: samples recover the conditional mean shift', async () => {
    const z0 = await dm.sample(2000, { context: [[0]], seed: 5 });
    const z1 = await dm.sample(2000, { context: [[1]], seed: 5 });
    assert.equal(z0.rows, 2000);
    assert.equal(z0.cols, 1);
    const s0 = stats(z0.data);
    const s1 = stats(z1.data);
    assert.ok(Math.abs(s0.mean - 0) < TOL_MEAN, `mean | c=0: ${s0.mean}`);
    assert.ok(Math.abs(s1.mean - SHIFT) < TOL_MEAN, `mean | c=1: ${s1.mean}`);
    assert.ok(Math.abs(s1.mean - s0.mean - SHIFT) < TOL_MEAN, `shift: ${s1.mean - s0.mean}`);
    // The spread within a context is the noise sd, not the marginal sd (~1.12): +-30%.
    for (const s of [s0, s1]) assert.ok(s.sd > SD * 0.7 && s.sd < SD * 1.3, `sd ${s.sd}`);
  });

  test('one context row per sample works too and agrees with the broadcast form', async () => {
    const n = 2000;
    const context = { rows: n, cols: 1, data: Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1)) };
    const z = await dm.sample(n, { context, seed: 6 });
    assert.equal(z.rows, n);
    const s0 = stats(z.data.subarray(0, n / 2));
    const s1 = stats(z.data.subarray(n / 2));
    assert.ok(Math.abs(s1.mean - s0.mean - SHIFT) < TOL_MEAN, `shift: ${s1.mean - s0.mean}`);
    // A broadcast row is the same as repeating it: identical bytes for the same seed.
    const repeated = await dm.sample(50, { context: { rows: 50, cols: 1, data: new Float32Array(50).fill(1) }, seed: 8 });
    const broadcast = await dm.sample(50, { context: [[1]], seed: 8 });
    assert.deepEqual(repeated.data, broadcast.data);
  });

  test('context shape mismatches are errors', async () => {
    await assert.rejects(dm.sample(10, { seed: 1 }), /context/); // missing
    await assert.rejects(dm.sample(10, { context: [[0, 1]] }), RangeError); // 2 columns, model has 1
    await assert.rejects(dm.sample(10, { context: [[0], [1], [0]] }), RangeError); // 3 rows: neither 1 nor n
    await assert.rejects(dm.sample(10, { context: [[NaN]] }), /context/); // not finite
    const plain = new TabularDiffusion(TINY);
    try {
      await assert.rejects(plain.fit([[1], [2], [3]], { context: [[0], [1]] }), RangeError); // rows differ from X
      await plain.fit([[1], [2], [3], [4]]);
      await assert.rejects(plain.sample(3, { context: [[1]] }), /without a context/);
    } finally {
      plain.dispose();
    }
  });
});

describe('schedule edge cases', () => {
  // Regression: with the cosine schedule alphaBar_{T-1} ~ 2.4e-7 (T = 100). Few-step samplers
  // that started at t = T-1 formed x0_hat = (x_t - sqrt(1 - abar) eps_hat) / sqrt(abar) there and
  // multiplied the error of eps_hat by ~2000 (sample means of 0.31 for data with mean 1). They
  // now start one stride below T-1 (fewStepSequence, the DDIM paper's spacing).
  test('cosine schedule with DDIM / DPM-Solver++ samples the data distribution', async () => {
    const r = rng(11);
    const X = Array.from({ length: 800 }, () => [1 + 0.5 * r.normal()]);
    const dm = new TabularDiffusion({ hiddenDims: [32, 32], timeDim: 16, nTimesteps: 100, schedule: 'cosine', maxSteps: 800, lrDecay: true, seed: 1 });
    try {
      await dm.fit(X);
      for (const options of [{}, { sampler: 'ddim', steps: 50 }, { sampler: 'dpm-solver++', steps: 20 }]) {
        const z = await dm.sample(2000, { seed: 3, ...options });
        let mean = 0;
        for (const v of z.data) mean += v / z.rows;
        // 0.2: a short fit gets the mean within ~0.1 with DDPM; a diverged chain is off by > 10.
        assert.ok(Math.abs(mean - 1) < 0.2, `${JSON.stringify(options)}: sample mean ${mean}`);
      }
    } finally {
      dm.dispose();
    }
  });
  // Regression: the default linear betas are scaled by 1000 / T, so the chain ends near
  // N(0, I) (abar_T ~ 4e-5 at T = 100, not 0.36) and sampling from N(0, I) is consistent.
  test('default options recover a context shift', async () => {
    const r = rng(7);
    const X = [];
    const C = [];
    for (let i = 0; i < 1200; i++) {
      C.push([i % 2]);
      X.push([2 * (i % 2) + 0.5 * r.normal()]);
    }
    const dm = new TabularDiffusion({ hiddenDims: [64, 64], timeDim: 16, maxSteps: 1200, lrDecay: true, seed: 1 });
    try {
      await dm.fit(X, { context: C });
      const mean = (z) => z.data.reduce((a, v) => a + v, 0) / z.rows;
      const shift = mean(await dm.sample(2000, { context: [[1]], seed: 5 })) - mean(await dm.sample(2000, { context: [[0]], seed: 5 }));
      // Same tolerance as the conditioning tests above (0.15).
      assert.ok(Math.abs(shift - 2) < 0.15, `shift ${shift}`);
    } finally {
      dm.dispose();
    }
  });
});
