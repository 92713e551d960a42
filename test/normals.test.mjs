// The float draws built on Philox (native/cpu/normals.cpp, addon op draws; CUDA twin
// native/cuda/normals.cu): the counter layout against an independent JS Philox, moments and KS
// tests of the normals/uniforms, and chunking invariance of streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { nativeOps } from '../dist/esm/index.mjs';
import { blockRef } from './fixtures/philox-ref.mjs';

const ops = nativeOps();

// Standard normal CDF via erfc (W. J. Cody's rational approximations are overkill here:
// this Numerical Recipes erfc has |relative error| < 1.2e-7, far below the KS bounds used).
function erfc(x) {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
const normalCdf = (x) => 0.5 * erfc(-x / Math.SQRT2);

/** One-sample KS statistic of `values` against the continuous CDF `cdf`. */
function ksOneSample(values, cdf) {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

function moments(values) {
  const n = values.length;
  let s1 = 0, s2 = 0, s4 = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    s1 += v;
    s2 += v * v;
    s4 += v * v * v * v;
  }
  const mean = s1 / n;
  return { n, mean, variance: s2 / n - mean * mean, m2: s2 / n, m4: s4 / n };
}

function correlation(a, b) {
  const n = a.length;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]; sb += b[i]; saa += a[i] * a[i]; sbb += b[i] * b[i]; sab += a[i] * b[i];
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

function column(m, cols, j) {
  const out = new Float64Array(m.length / cols);
  for (let i = 0; i < out.length; i++) out[i] = m[i * cols + j];
  return out;
}

// ---------------------------------------------------------------------------------------

test('uniform draws follow the documented counter layout: (x >> 8) * 2^-24 of the (seed, stream, row, step, column) block', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.integer({ min: 0, max: 65535 }),
      fc.integer({ min: 0, max: 2 ** 48 - 8 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 1, max: 9 }),
      (seed, stream, rowStart, step, cols) => {
        const rows = 3;
        const u = ops.draws({ seed, stream, rowStart, rows, step, cols, kind: 'uniform' });
        assert.equal(u.length, rows * cols);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            const block = blockRef(seed, stream, rowStart + i, step, j >> 2);
            const expected = (block[j & 3] >>> 8) * 2 ** -24;
            assert.equal(u[i * cols + j], expected, `row ${i} col ${j}`);
          }
        }
      },
    ),
    { numRuns: 150, seed: 102 },
  );
});

test('a seed given as a number or as a BigInt selects the same stream; both 32-bit key halves matter', () => {
  const opts = { rows: 4, cols: 6, stream: 3, step: 2 };
  const seeds = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 17, Number.MAX_SAFE_INTEGER];
  for (const s of seeds) {
    assert.deepEqual(ops.draws({ ...opts, seed: s }), ops.draws({ ...opts, seed: BigInt(s) }), `seed ${s}`);
  }
  // Seeds that differ only in the high 32 bits give different draws (the key uses both halves).
  const lo = ops.draws({ ...opts, seed: 5n });
  const hi = ops.draws({ ...opts, seed: 5n + (1n << 32n) });
  const top = ops.draws({ ...opts, seed: 5n + (1n << 63n) });
  assert.notDeepEqual(lo, hi);
  assert.notDeepEqual(lo, top);
  // Default seed is 0 and default stream is kStreamUser = 8.
  assert.deepEqual(ops.draws({ rows: 2, cols: 3 }), ops.draws({ rows: 2, cols: 3, seed: 0, stream: 8, step: 0, rowStart: 0 }));
});

test('normals have mean 0, variance 1 and kurtosis 3 within 5 standard errors, and pass a KS test against N(0, 1)', () => {
  const rows = 100000, cols = 8; // 800k draws, two Philox blocks per row
  const z = ops.draws({ seed: 20240611, rows, cols, kind: 'normal' });
  const m = moments(z);
  // Standard errors for n iid N(0,1): mean 1/sqrt(n); m2 sqrt(2/n); m4 sqrt(96/n) (E z^8 = 105).
  assert.ok(Math.abs(m.mean) < 5 / Math.sqrt(m.n), `mean ${m.mean}`);
  assert.ok(Math.abs(m.m2 - 1) < 5 * Math.sqrt(2 / m.n), `second moment ${m.m2}`);
  assert.ok(Math.abs(m.m4 - 3) < 5 * Math.sqrt(96 / m.n), `fourth moment ${m.m4}`);
  // Every column (each slot of the two Box-Muller pairs and both blocks) on its own.
  for (let j = 0; j < cols; j++) {
    const c = moments(column(z, cols, j));
    assert.ok(Math.abs(c.mean) < 5 / Math.sqrt(c.n), `column ${j} mean ${c.mean}`);
    assert.ok(Math.abs(c.m2 - 1) < 5 * Math.sqrt(2 / c.n), `column ${j} variance ${c.m2}`);
  }
  // KS: the asymptotic 0.1% critical value is 1.95 / sqrt(n); a wrong log/sincos polynomial
  // (e.g. a sign slip in one quadrant) gives D of order 1e-2, far above 1.95/sqrt(8e5) = 2.2e-3.
  const d = ksOneSample(z, normalCdf);
  assert.ok(d < 1.95 / Math.sqrt(z.length), `KS D = ${d}`);
  // Per column, including the sin half of each pair.
  for (const j of [0, 1, 5]) {
    const dj = ksOneSample(column(z, cols, j), normalCdf);
    assert.ok(dj < 1.95 / Math.sqrt(rows), `column ${j}: KS D = ${dj}`);
  }
  // Pairs from one Box-Muller draw and neighbouring rows are uncorrelated (|r| < 5/sqrt(n)).
  const c0 = column(z, cols, 0), c1 = column(z, cols, 1), c4 = column(z, cols, 4);
  assert.ok(Math.abs(correlation(c0, c1)) < 5 / Math.sqrt(rows), 'cos/sin pair correlated');
  assert.ok(Math.abs(correlation(c0, c4)) < 5 / Math.sqrt(rows), 'blocks correlated');
  assert.ok(Math.abs(correlation(c0.subarray(1), c0.subarray(0, rows - 1))) < 5 / Math.sqrt(rows), 'rows correlated');
  // Box-Muller from uniform_open: u1 >= 2^-25 bounds |z| by sqrt(50 ln 2) = 5.887.
  let maxAbs = 0;
  for (const v of z) maxAbs = Math.max(maxAbs, Math.abs(v));
  assert.ok(maxAbs <= Math.sqrt(-2 * Math.log(2 ** -25)) + 1e-6, `max |z| ${maxAbs}`);
  assert.ok(maxAbs > 4, `no tail values at all (max |z| ${maxAbs})`);
});

test('normals equal Box-Muller on the Philox uniforms of the same block (within float rounding)', () => {
  const seed = 77n, stream = 4, step = 9, rowStart = 123456789012, cols = 8, rows = 50;
  const z = ops.draws({ seed, stream, step, rowStart, rows, cols });
  for (let i = 0; i < rows; i++) {
    for (let b = 0; b < 2; b++) {
      const blk = blockRef(seed, stream, rowStart + i, step, b);
      for (let pair = 0; pair < 2; pair++) {
        const u1 = (blk[2 * pair] >>> 8) * 2 ** -24 + 2 ** -25;
        const u2 = (blk[2 * pair + 1] >>> 8) * 2 ** -24;
        const r = Math.sqrt(-2 * Math.log(u1));
        const expectCos = r * Math.cos(2 * Math.PI * u2);
        const expectSin = r * Math.sin(2 * Math.PI * u2);
        // Portable float32 log/sincos: a few float32 ulps of r (r <= 5.9), so 2e-6 absolute.
        assert.ok(Math.abs(z[i * cols + 4 * b + 2 * pair] - expectCos) < 2e-6, `row ${i} block ${b} pair ${pair} cos`);
        assert.ok(Math.abs(z[i * cols + 4 * b + 2 * pair + 1] - expectSin) < 2e-6, `row ${i} block ${b} pair ${pair} sin`);
      }
    }
  }
});

test('uniforms lie in [0, 1) on the 2^-24 grid, with mean 1/2, variance 1/12 and a passing KS test', () => {
  const n = 400000;
  const u = ops.draws({ seed: 9, rows: n / 4, cols: 4, kind: 'uniform', stream: 2 });
  let min = 1, max = 0;
  for (const v of u) {
    assert.ok(v >= 0 && v < 1);
    if (!Number.isInteger(v * 2 ** 24)) assert.fail(`${v} is not a multiple of 2^-24`);
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min < 1e-4 && max > 1 - 1e-4, `range [${min}, ${max}]`);
  const m = moments(u);
  // SE of the mean sqrt(1/12/n); SE of the variance sqrt((1/80 - 1/144)/n).
  assert.ok(Math.abs(m.mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${m.mean}`);
  assert.ok(Math.abs(m.variance - 1 / 12) < 5 * Math.sqrt((1 / 80 - 1 / 144) / n), `variance ${m.variance}`);
  const d = ksOneSample(u, (x) => Math.min(1, Math.max(0, x)));
  assert.ok(d < 1.95 / Math.sqrt(n), `KS D = ${d}`);
});

test('a stream is identical whatever the chunking: rows [a, b) alone equal that slice of a big draw (property)', () => {
  for (const kind of ['normal', 'uniform']) {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 19 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 1000 }),
        (cols, p, q, base, seed) => {
          const a = Math.min(p, q), b = Math.max(p, q);
          const big = ops.draws({ seed, rowStart: base, rows: 300, cols, kind, step: 3 });
          const part = ops.draws({ seed, rowStart: base + a, rows: b - a, cols, kind, step: 3 });
          assert.deepEqual(part, big.slice(a * cols, b * cols));
        },
      ),
      { numRuns: 100, seed: 103 },
    );
  }
});

test('columns are prefix-stable: a narrower draw equals the first columns of a wider one (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), (c1, c2, seed) => {
      const narrow = Math.min(c1, c2), wide = Math.max(c1, c2);
      const rows = 5;
      const a = ops.draws({ seed, rows, cols: narrow });
      const b = ops.draws({ seed, rows, cols: wide });
      for (let i = 0; i < rows; i++) assert.deepEqual(a.subarray(i * narrow, (i + 1) * narrow), b.subarray(i * wide, i * wide + narrow));
    }),
    { numRuns: 60, seed: 104 },
  );
});

test('different seeds, steps, streams and rows give different (uncorrelated) draws', () => {
  const base = { seed: 1, stream: 8, step: 0, rowStart: 0, rows: 2500, cols: 8 };
  const ref = ops.draws(base);
  const variants = {
    seed: ops.draws({ ...base, seed: 2 }),
    step: ops.draws({ ...base, step: 1 }),
    stream: ops.draws({ ...base, stream: 9 }),
    rowStart: ops.draws({ ...base, rowStart: 2500 }),
    rowHigh: ops.draws({ ...base, rowStart: 2 ** 32 }), // same low 32 row bits, different high bits
    streamHigh: ops.draws({ ...base, stream: 8 + 256 }),
  };
  const n = ref.length;
  for (const [name, v] of Object.entries(variants)) {
    let equal = 0;
    for (let i = 0; i < n; i++) if (v[i] === ref[i]) equal++;
    assert.ok(equal < 5, `${name}: ${equal} of ${n} values identical`);
    assert.ok(Math.abs(correlation(ref, v)) < 5 / Math.sqrt(n), `${name}: correlated with the base stream`);
  }
});
