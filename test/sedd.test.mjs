// Score-entropy discrete diffusion (SEDD) kernels, driven through the native ops:
// properties of the maths (fast-check), exact-oracle sampling, and bad input.
// Formulas here are written independently of native/ from the SEDD paper and the reference
// code (louaaron/Score-Entropy-Discrete-Diffusion): p_t(y | x0), the true ratios
// r_y = p_t(y | x0) / p_t(x | x0), and the marginal p_t of a known pmf p0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { nativeOps } from '../dist/esm/index.mjs';
import { mulberry32 } from '../dist/cjs/prng.js';

const ops = nativeOps();
const GRAPHS = ['absorbing', 'uniform'];

const statesOf = (graph, n) => (graph === 'absorbing' ? n + 1 : n);

/** p_sigma(y | x0) for one column, in float64. */
function transition(graph, n, x0, sigma) {
  const keep = Math.exp(-sigma);
  const p = new Float64Array(statesOf(graph, n));
  if (graph === 'uniform') {
    p.fill((1 - keep) / n);
    p[x0] += keep;
  } else {
    p[x0] = keep;
    p[n] = 1 - keep;
  }
  return p;
}

/** The marginal p_sigma of a pmf p0 (the exact oracle's state distribution). */
function marginal(graph, p0, sigma) {
  const n = p0.length;
  const keep = Math.exp(-sigma);
  const p = new Float64Array(statesOf(graph, n));
  for (let y = 0; y < n; y++) p[y] = keep * p0[y] + (graph === 'uniform' ? (1 - keep) / n : 0);
  if (graph === 'absorbing') p[n] = 1 - keep;
  return p;
}

/** Log scores of the true ratios r_y = p(y | x0) / p(x | x0); log 0 stands in as -80. */
function trueLogRatios(graph, n, x0, x, sigma) {
  const p = transition(graph, n, x0, sigma);
  return Float32Array.from(p, (py) => (py > 0 ? Math.log(py / p[x]) : -80));
}

/** A state x reachable from x0 under the graph, chosen by `pick` in [0, 1). */
function reachable(graph, n, x0, pick) {
  if (graph === 'uniform') return Math.min(n - 1, Math.floor(pick * n));
  return pick < 0.5 ? x0 : n;
}

const cell = fc
  .record({
    graph: fc.constantFrom(...GRAPHS),
    n: fc.integer({ min: 2, max: 30 }),
    sigma: fc.double({ min: 1e-4, max: 30, noNaN: true }),
    x0f: fc.double({ min: 0, max: 0.999999, noNaN: true }),
    xf: fc.double({ min: 0, max: 0.999999, noNaN: true }),
  })
  .map((r) => {
    const x0 = Math.floor(r.x0f * r.n);
    return { ...r, x0, x: reachable(r.graph, r.n, x0, r.xf) };
  });

test('transition rows p_sigma(. | x0) are non-negative, sum to 1 and match the closed form (property)', () => {
  fc.assert(
    fc.property(cell, ({ graph, n, sigma, x0 }) => {
      const p = ops.seddTransition({ graph, classes: [n], rows: 1, x0: Int32Array.of(x0), sigma: Float64Array.of(sigma) });
      const want = transition(graph, n, x0, sigma);
      let sum = 0;
      for (let y = 0; y < p.length; y++) {
        assert.ok(p[y] >= 0, `p[${y}] = ${p[y]}`);
        assert.ok(Math.abs(p[y] - want[y]) < 1e-12, `p[${y}] = ${p[y]}, closed form ${want[y]}`);
        sum += p[y];
      }
      assert.ok(Math.abs(sum - 1) < 1e-12, `sum = ${sum}`);
    }),
    { numRuns: 300 },
  );
});

test('noise schedules: log-linear and geometric totals and rates, rate = d total / dt', () => {
  const t = Float64Array.from({ length: 51 }, (_, i) => i / 50);
  const ll = ops.seddNoise({ noise: 'loglinear', t });
  const geo = ops.seddNoise({ noise: 'geometric', sigmaMin: 1e-4, sigmaMax: 20, t });
  for (let i = 0; i < t.length; i++) {
    assert.ok(Math.abs(ll.total[i] - -Math.log(1 - 0.999 * t[i])) < 1e-12);
    assert.ok(Math.abs(ll.rate[i] - 0.999 / (1 - 0.999 * t[i])) < 1e-9);
    const g = 1e-4 ** (1 - t[i]) * 20 ** t[i];
    assert.ok(Math.abs(geo.total[i] - g) < 1e-12 * Math.max(1, g));
    assert.ok(Math.abs(geo.rate[i] - g * Math.log(20 / 1e-4)) < 1e-9 * Math.max(1, g));
  }
  for (const noise of ['loglinear', 'geometric']) {
    const h = 1e-6;
    const mid = Float64Array.from({ length: 9 }, (_, i) => 0.1 + 0.1 * i);
    const lo = ops.seddNoise({ noise, t: mid.map((v) => v - h) }).total;
    const hi = ops.seddNoise({ noise, t: mid.map((v) => v + h) }).total;
    const rate = ops.seddNoise({ noise, t: mid }).rate;
    for (let i = 0; i < mid.length; i++) {
      const fd = (hi[i] - lo[i]) / (2 * h);
      assert.ok(Math.abs(fd - rate[i]) < 1e-5 * Math.max(1, rate[i]), `${noise} t=${mid[i]}: fd ${fd} vs rate ${rate[i]}`);
    }
  }
});

function scoreEntropy(graph, n, logScore, x, x0, sigma) {
  return ops.seddScoreEntropy({
    graph, classes: [n], rows: 1, logScore, xt: Int32Array.of(x), x0: Int32Array.of(x0), sigma: Float64Array.of(sigma),
  });
}

test('score entropy is >= 0 for any scores (property)', () => {
  fc.assert(
    fc.property(cell, fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 31, maxLength: 31 }), (c, raw) => {
      const S = statesOf(c.graph, c.n);
      const ls = Float32Array.from(raw.slice(0, S));
      const { loss, rowLoss } = scoreEntropy(c.graph, c.n, ls, c.x, c.x0, c.sigma);
      assert.ok(loss >= -1e-9 * (1 + Math.abs(loss)), `loss ${loss}`);
      assert.equal(rowLoss[0], loss);
    }),
    { numRuns: 400 },
  );
});

test('score entropy is 0 (to float tolerance) and its gradient vanishes at the true ratios (property)', () => {
  fc.assert(
    fc.property(cell, (c) => {
      const ls = trueLogRatios(c.graph, c.n, c.x0, c.x, c.sigma);
      const { loss, grad } = scoreEntropy(c.graph, c.n, ls, c.x, c.x0, c.sigma);
      // float32 rounding of log r: the loss is quadratic there, r * (6e-8 |log r|)^2 per entry.
      let scale = 1;
      for (const l of ls) if (l > -80) scale = Math.max(scale, Math.exp(l) * (1 + Math.abs(l)));
      assert.ok(Math.abs(loss) < 1e-9 * c.n * scale, `loss ${loss} at the true ratios (scale ${scale})`);
      for (let y = 0; y < grad.length; y++) assert.ok(Math.abs(grad[y]) < 1e-6 * scale, `grad[${y}] = ${grad[y]}`);
    }),
    { numRuns: 400 },
  );
});

test('score entropy gradient matches central finite differences (property)', () => {
  const h = 2 ** -12;
  fc.assert(
    fc.property(cell, fc.array(fc.integer({ min: -4096 * 4, max: 4096 * 4 }), { minLength: 31, maxLength: 31 }), (c, ints) => {
      const S = statesOf(c.graph, c.n);
      // Multiples of 2^-12 in [-4, 4]: l +- h is exact in float32.
      const ls = Float32Array.from(ints.slice(0, S), (k) => k / 4096);
      const { grad } = scoreEntropy(c.graph, c.n, ls, c.x, c.x0, c.sigma);
      for (let y = 0; y < S; y++) {
        const up = ls.slice();
        const down = ls.slice();
        up[y] += h;
        down[y] -= h;
        const fd = (scoreEntropy(c.graph, c.n, up, c.x, c.x0, c.sigma).loss - scoreEntropy(c.graph, c.n, down, c.x, c.x0, c.sigma).loss) / (2 * h);
        // Truncation error h^2/6 * s_y (s_y <= e^4), plus the zeroed current-state entry.
        const tol = 1e-5 * (1 + Math.abs(fd)) + (h * h) * 10;
        assert.ok(Math.abs(fd - grad[y]) < tol, `y=${y}: fd ${fd} vs grad ${grad[y]} (${JSON.stringify(c)})`);
      }
    }),
    { numRuns: 150 },
  );
});

test('reverse rates are non-negative off the diagonal and each row sums to zero (property)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...GRAPHS),
      fc.array(fc.integer({ min: 2, max: 12 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer(),
      (graph, classes, rows, salt) => {
        const total = classes.reduce((s, n) => s + statesOf(graph, n), 0);
        const logScore = Float32Array.from({ length: rows * total }, (_, i) => Math.sin(i * 12.9898 + salt) * 8);
        const x = Int32Array.from({ length: rows * classes.length }, (_, i) => Math.abs(salt + i * 7919) % statesOf(graph, classes[i % classes.length]));
        const rate = ops.seddReverseRate({ graph, classes, rows, logScore, x });
        for (let i = 0; i < rows; i++) {
          let off = 0;
          classes.forEach((n, c) => {
            const S = statesOf(graph, n);
            const xc = x[i * classes.length + c];
            let sum = 0;
            for (let y = 0; y < S; y++) {
              const r = rate[i * total + off + y];
              if (y !== xc) assert.ok(r >= 0, `rate to ${y} = ${r}`);
              sum += r;
            }
            assert.ok(Math.abs(sum) < 1e-4 * (1 + Math.abs(rate[i * total + off + xc])), `row sum ${sum}`);
            off += S;
          });
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('step probabilities are a distribution; the final absorbing step never yields MASK (property)', () => {
  fc.assert(
    fc.property(
      cell,
      fc.constantFrom('analytic', 'euler'),
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 0.99, noNaN: true }),
      (c, sampler, t, frac) => {
        const S = statesOf(c.graph, c.n);
        const logScore = Float32Array.from({ length: S }, (_, y) => Math.cos(y * 3.1 + c.sigma) * 3);
        const tNext = frac < 0.2 ? 0 : t * frac;
        const p = ops.seddStepProbs({ graph: c.graph, classes: [c.n], rows: 1, logScore, x: Int32Array.of(c.x), t, tNext, sampler });
        let sum = 0;
        for (let y = 0; y < S; y++) {
          assert.ok(p[y] >= 0);
          sum += p[y];
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `sum ${sum}`);
        if (tNext === 0 && c.graph === 'absorbing') assert.equal(p[c.n], 0);
      },
    ),
    { numRuns: 300 },
  );
});

// ---- exact-oracle sampling ----------------------------------------------------------------


function randomPmf(n, seed) {
  const r = mulberry32(seed);
  const w = Array.from({ length: n }, () => (-Math.log(1 - r())) ** 1.5 + 0.02);
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/**
 * Runs the reverse chain for one categorical column driven by the exact concrete score of
 * p0: log s_y = log p_t(y) - log p_t(x). Returns the empirical pmf of the R samples.
 */
function oracleSample({ graph, p0, sampler, noise, steps, R, seed }) {
  const n = p0.length;
  const noiseOpts = { noise, ...(noise === 'geometric' ? { sigmaMin: 1e-4, sigmaMax: 20 } : {}) };
  const S = statesOf(graph, n);
  let x = ops.seddInit({ graph, classes: [n], rows: R, seed, ...noiseOpts });
  const grid = Float64Array.from({ length: steps }, (_, k) => (k + 1) / steps);
  const sigmas = ops.seddNoise({ ...noiseOpts, t: grid }).total;
  const logScore = new Float32Array(R * S);
  for (let k = steps - 1; k >= 0; k--) {
    const logP = Array.from(marginal(graph, p0, sigmas[k]), Math.log);
    const rowFor = Array.from({ length: S }, (_, xv) => Float32Array.from(logP, (l) => l - logP[xv]));
    for (let i = 0; i < R; i++) logScore.set(rowFor[x[i]], i * S);
    x = ops.seddStep({
      graph, classes: [n], rows: R, logScore, x, t: grid[k], tNext: k > 0 ? grid[k - 1] : 0, sampler, seed, step: k, ...noiseOpts,
    });
  }
  const counts = new Float64Array(n);
  for (const v of x) {
    assert.ok(v >= 0 && v < n, `sample ${v} is not a class (MASK left?)`);
    counts[v] += 1;
  }
  return Array.from(counts, (c) => c / R);
}

const tv = (p, q) => 0.5 * p.reduce((s, v, i) => s + Math.abs(v - q[i]), 0);

test('exact-oracle sampling: analytic and Euler samplers driven by the true score return p0 (both graphs)', () => {
  // Tolerance: sampling error E[TV] <= 0.5 sqrt((N - 1)/R) (Cauchy-Schwarz); we allow 3x that,
  // plus the discretisation of each sampler: the analytic step is exact for one column given the
  // true score (only the start differs from p_1, by e^{-sigma(1)} <= 1e-3); Euler is first order,
  // allowed 0.02 at 50 steps.
  const R = 12000;
  const cases = new Set([2, 20]);
  const r = mulberry32(7);
  while (cases.size < 7) cases.add(2 + Math.floor(r() * 19)); // N in [2, 20]
  const report = [];
  for (const n of cases) {
    const p0 = randomPmf(n, 1000 + n);
    for (const graph of GRAPHS) {
      for (const sampler of ['analytic', 'euler']) {
        const noise = graph === 'absorbing' ? 'loglinear' : 'geometric';
        const q = oracleSample({ graph, p0, sampler, noise, steps: 50, R, seed: 99 + n });
        const d = tv(p0, q);
        const tol = 3 * 0.5 * Math.sqrt((n - 1) / R) + (sampler === 'analytic' ? 0.002 : 0.02);
        report.push(`${graph}/${sampler} N=${n}: TV ${d.toFixed(4)} (tol ${tol.toFixed(4)})`);
        assert.ok(d < tol, `${graph}/${sampler} N=${n}: TV ${d} >= ${tol}`);
      }
    }
  }
  console.log(report.join('\n'));
});

test('exact-oracle sampling with the other noise per graph and few steps (analytic)', () => {
  const R = 20000;
  for (const graph of GRAPHS) {
    const noise = graph === 'absorbing' ? 'geometric' : 'loglinear';
    const p0 = randomPmf(7, 42);
    const q = oracleSample({ graph, p0, sampler: 'analytic', noise, steps: 10, R, seed: 5 });
    const d = tv(p0, q);
    assert.ok(d < 3 * 0.5 * Math.sqrt(6 / R) + 0.002, `${graph}/${noise} 10 steps: TV ${d}`);
  }
});

test('reverse steps: same seed same draws, rows independent of the chunk they are drawn in', () => {
  const graph = 'uniform';
  const classes = [5, 3];
  const rows = 64;
  const total = 8;
  const logScore = Float32Array.from({ length: rows * total }, (_, i) => Math.sin(i) * 2);
  const x = Int32Array.from({ length: rows * 2 }, (_, i) => i % 3);
  const base = { graph, classes, t: 0.5, tNext: 0.25, sampler: 'analytic', seed: 11, step: 3 };
  const full = ops.seddStep({ ...base, rows, logScore, x });
  assert.deepEqual(ops.seddStep({ ...base, rows, logScore, x }), full);
  const tail = ops.seddStep({ ...base, rows: 24, logScore: logScore.subarray(40 * total), x: x.subarray(80), rowOffset: 40 });
  assert.deepEqual(tail, full.subarray(80));
  const other = ops.seddStep({ ...base, seed: 12, rows, logScore, x });
  assert.notDeepEqual(other, full);
});

test('forward corruption: empirical frequencies match p_sigma(. | x0)', () => {
  const R = 40000;
  for (const graph of GRAPHS) {
    const n = 6, x0v = 2, sigma = 0.7;
    const x0 = new Int32Array(R).fill(x0v);
    const xt = ops.seddCorrupt({ graph, classes: [n], rows: R, x0, sigma: new Float64Array(R).fill(sigma), seed: 3 });
    const counts = new Float64Array(statesOf(graph, n));
    for (const v of xt) counts[v] += 1;
    const want = transition(graph, n, x0v, sigma);
    for (let y = 0; y < counts.length; y++) {
      const se = Math.sqrt(want[y] * (1 - want[y]) / R);
      assert.ok(Math.abs(counts[y] / R - want[y]) < 5 * se + 1e-9, `${graph} y=${y}: ${counts[y] / R} vs ${want[y]}`);
    }
  }
});

// ---- multinomial diffusion kernels ---------------------------------------------------------

test('multinomial KL: >= 0, 0 at the true x0, and its gradient matches finite differences (property)', () => {
  const alphaBars = Float64Array.from({ length: 50 }, (_, k) => Math.exp(-0.08 * (k + 1)));
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 12 }),
      fc.integer({ min: 0, max: 49 }),
      fc.array(fc.integer({ min: -4096 * 3, max: 4096 * 3 }), { minLength: 12, maxLength: 12 }),
      fc.nat(),
      (K, k, ints, salt) => {
        const x0 = salt % K, xt = (salt >> 4) % K;
        const logits = Float32Array.from(ints.slice(0, K), (v) => v / 4096);
        const args = { classes: [K], rows: 1, xt: Int32Array.of(xt), x0: Int32Array.of(x0), alphaBars, t: Int32Array.of(k) };
        const out = ops.multinomialLoss({ ...args, logits });
        assert.ok(out.loss >= 0);
        const sharp = Float32Array.from({ length: K }, (_, y) => (y === x0 ? 0 : -80));
        assert.ok(ops.multinomialLoss({ ...args, logits: sharp }).loss < 1e-9);
        const h = 2 ** -12;
        for (let y = 0; y < K; y++) {
          const up = logits.slice();
          const down = logits.slice();
          up[y] += h;
          down[y] -= h;
          const fd = (ops.multinomialLoss({ ...args, logits: up }).loss - ops.multinomialLoss({ ...args, logits: down }).loss) / (2 * h);
          assert.ok(Math.abs(fd - out.grad[y]) < 1e-5 * (1 + Math.abs(fd)), `K=${K} k=${k} y=${y}: fd ${fd} vs ${out.grad[y]}`);
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('multinomial step probabilities are a distribution and follow the posterior at a sharp x0', () => {
  const alphaBars = Float64Array.from({ length: 20 }, (_, k) => Math.exp(-0.2 * (k + 1)));
  const K = 4;
  const logits = Float32Array.from({ length: K }, (_, y) => (y === 1 ? 0 : -80));
  for (const t of [0, 5, 19]) {
    const p = ops.multinomialStepProbs({ classes: [K], rows: 1, logits, x: Int32Array.of(3), alphaBars, t });
    const a = t > 0 ? alphaBars[t] / alphaBars[t - 1] : alphaBars[0];
    const b = t > 0 ? alphaBars[t - 1] : 1;
    const u = Array.from({ length: K }, (_, y) => ((y === 3 ? a : 0) + (1 - a) / K) * ((y === 1 ? b : 0) + (1 - b) / K));
    const s = u.reduce((x, y) => x + y, 0);
    for (let y = 0; y < K; y++) assert.ok(Math.abs(p[y] - u[y] / s) < 1e-6, `t=${t} y=${y}: ${p[y]} vs ${u[y] / s}`);
  }
});

// ---- bad input ----------------------------------------------------------------------------

test('bad input: clear TypeError/RangeError naming the argument, never a crash', () => {
  const ok = { graph: 'absorbing', classes: [3], rows: 2, x0: Int32Array.of(0, 1), sigma: Float64Array.of(0.5, 0.5) };
  assert.ok(ops.seddCorrupt(ok) instanceof Int32Array);
  assert.throws(() => ops.seddCorrupt({ ...ok, classes: [0] }), (e) => e instanceof RangeError && /classes\[0\].*at least 1 class/.test(e.message));
  // One class (a constant column) is a chain of its own: the token is its class or MASK.
  const one = ops.seddCorrupt({ ...ok, classes: [1], x0: Int32Array.of(0, 0) });
  assert.ok(one.every((v) => v === 0 || v === 1), `${one}`);
  assert.throws(() => ops.seddCorrupt({ ...ok, classes: [1001] }), (e) => e instanceof RangeError && /limit of 1000/.test(e.message));
  assert.throws(() => ops.seddCorrupt({ ...ok, classes: [] }), RangeError);
  assert.throws(() => ops.seddCorrupt({ ...ok, classes: 'abc' }), TypeError);
  assert.throws(() => ops.seddCorrupt({ ...ok, classes: undefined }), (e) => e instanceof TypeError && /classes/.test(e.message));
  assert.throws(() => ops.seddCorrupt({ ...ok, x0: Int32Array.of(0, 3) }), (e) => e instanceof RangeError && /x0: row 1/.test(e.message));
  assert.throws(() => ops.seddCorrupt({ ...ok, x0: Int32Array.of(0) }), (e) => e instanceof RangeError && /x0/.test(e.message));
  assert.throws(() => ops.seddCorrupt({ ...ok, x0: [0, 1] }), TypeError);
  assert.throws(() => ops.seddCorrupt({ ...ok, sigma: Float64Array.of(0, 1) }), (e) => e instanceof RangeError && /sigma/.test(e.message));
  assert.throws(() => ops.seddCorrupt({ ...ok, sigma: Float64Array.of(NaN, 1) }), RangeError);
  assert.throws(() => ops.seddCorrupt({ ...ok, graph: 'star' }), (e) => e instanceof RangeError && /graph/.test(e.message));
  assert.throws(() => ops.seddCorrupt({ ...ok, rows: -1 }), RangeError);
  assert.throws(() => ops.seddCorrupt(), TypeError);
  const step = { graph: 'absorbing', classes: [3], rows: 1, logScore: new Float32Array(4), x: Int32Array.of(3), t: 0.5, tNext: 0.25 };
  assert.ok(ops.seddStep(step) instanceof Int32Array);
  assert.throws(() => ops.seddStep({ ...step, x: Int32Array.of(4) }), (e) => e instanceof RangeError && /^x: /.test(e.message));
  assert.throws(() => ops.seddStep({ ...step, tNext: 0.5 }), (e) => e instanceof RangeError && /tNext/.test(e.message));
  assert.throws(() => ops.seddStep({ ...step, t: 0 }), (e) => e instanceof RangeError && /^t: /.test(e.message));
  assert.throws(() => ops.seddStep({ ...step, sampler: 'leap' }), (e) => e instanceof RangeError && /sampler/.test(e.message));
  assert.throws(() => ops.seddStep({ ...step, logScore: Float32Array.of(0, NaN, 0, 0) }), (e) => e instanceof RangeError && /logScore/.test(e.message));
  assert.throws(() => ops.seddStep({ ...step, logScore: new Float32Array(3) }), (e) => e instanceof RangeError && /logScore/.test(e.message));
  assert.throws(() => ops.seddStep({ ...step, noise: 'cosine' }), (e) => e instanceof RangeError && /noise/.test(e.message));
  assert.throws(() => ops.seddStep({ ...step, noise: 'geometric', sigmaMin: 2, sigmaMax: 1 }), (e) => e instanceof RangeError && /sigmaMax/.test(e.message));
  const mult = { classes: [3], rows: 1, logits: new Float32Array(3), xt: Int32Array.of(0), x0: Int32Array.of(1), alphaBars: Float64Array.of(0.9, 0.5), t: Int32Array.of(1) };
  assert.ok(ops.multinomialLoss(mult).loss >= 0);
  assert.throws(() => ops.multinomialLoss({ ...mult, t: Int32Array.of(2) }), (e) => e instanceof RangeError && /^t: /.test(e.message));
  assert.throws(() => ops.multinomialLoss({ ...mult, alphaBars: Float64Array.of(0.5, 0.9) }), (e) => e instanceof RangeError && /alphaBars/.test(e.message));
  assert.throws(() => ops.multinomialLoss({ ...mult, xt: Int32Array.of(3) }), (e) => e instanceof RangeError && /xt/.test(e.message));
});
