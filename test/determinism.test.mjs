// Determinism: the same seed gives identical bytes for fit and sample across thread counts,
// chunk sizes, row ranges and the step-wise (callback) path; plus sgemm determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { TabularDiffusion, nativeOps } from '../dist/esm/index.mjs';

const ops = nativeOps();
const SAMPLERS = ['ddpm', 'ddim', 'dpm-solver++'];

/** A small fixed dataset: 240 rows, 3 correlated columns. */
const DATA = (() => {
  const rows = 240, cols = 3;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const u = Math.sin(i * 1.7) * 1.3, w = Math.cos(i * 0.37);
    data[i * cols] = u;
    data[i * cols + 1] = 0.5 * u + w;
    data[i * cols + 2] = (i % 5) - 2 + 0.1 * w;
  }
  return { rows, cols, data };
})();

const OPTIONS = { hiddenDims: [32, 32], timeDim: 16, nTimesteps: 50, maxSteps: 200, seed: 11, lr: 2e-3 };

const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function assertSameBytes(a, b, what) {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  if (!bytes(a).equals(bytes(b))) {
    let first = 0;
    while (first < a.length && Object.is(a[first], b[first])) first++;
    assert.fail(`${what}: bytes differ first at index ${first} (${a[first]} vs ${b[first]})`);
  }
}

const fitted = new Map();
async function fittedModel(threads) {
  if (!fitted.has(threads)) {
    const model = new TabularDiffusion({ ...OPTIONS, threads });
    await model.fit(DATA);
    fitted.set(threads, model);
  }
  return fitted.get(threads);
}

test('fit: same seed gives identical weights for 1, 2 and 3 threads, and again on a refit', async () => {
  const w = [];
  for (const threads of [1, 2, 3]) w.push((await fittedModel(threads)).nativeModel().getWeights('params'));
  assertSameBytes(w[1], w[0], 'threads 2 vs 1');
  assertSameBytes(w[2], w[0], 'threads 3 vs 1');
  const again = new TabularDiffusion({ ...OPTIONS, threads: 2 });
  await again.fit(DATA);
  assertSameBytes(again.nativeModel().getWeights('params'), w[0], 'refit');
  assertSameBytes(again.nativeModel().getWeights('adamV'), (await fittedModel(1)).nativeModel().getWeights('adamV'), 'adamV');
  // Training did change the weights, and another seed trains to other weights.
  const init = new (ops.NativeModel)({ dataDim: 3, timeDim: 16, hidden: [32, 32], seed: 11 }).getWeights('params');
  assert.ok(!bytes(init).equals(bytes(w[0])), 'fit left the initial weights unchanged');
  const other = new TabularDiffusion({ ...OPTIONS, seed: 12, threads: 2 });
  await other.fit(DATA);
  assert.ok(!bytes(other.nativeModel().getWeights('params')).equals(bytes(w[0])), 'seed 12 trained to the same weights as seed 11');
  again.dispose();
  other.dispose();
});

test('fit: the step-wise path (per-step hooks) trains to the same bytes as the native loop, with and without LR decay', async () => {
  for (const extra of [{}, { lrDecay: true, maxSteps: 60, weightDecay: 1e-3, maxGradNorm: 0.5, emaDecay: 0.9 }]) {
    const a = new TabularDiffusion({ ...OPTIONS, threads: 2, ...extra });
    const b = new TabularDiffusion({ ...OPTIONS, threads: 2, ...extra });
    await a.fit(DATA);
    let stepsSeen = 0;
    await b.fit(DATA, { callbacks: [{ onStepEnd: () => { stepsSeen++; } }] });
    assert.equal(stepsSeen, extra.maxSteps ?? OPTIONS.maxSteps);
    assertSameBytes(b.nativeModel().getWeights('params'), a.nativeModel().getWeights('params'), `step-wise fit ${JSON.stringify(extra)}`);
    if (extra.emaDecay) assertSameBytes(b.nativeModel().getWeights('ema'), a.nativeModel().getWeights('ema'), 'ema');
    a.dispose();
    b.dispose();
  }
});

for (const sampler of SAMPLERS) {
  test(`sample (${sampler}): identical bytes across thread counts, chunk sizes, row ranges and the step-wise path`, async () => {
    const n = 100;
    const opts = { seed: 5, sampler, ...(sampler === 'ddim' ? { steps: 20, eta: 0.5 } : {}), ...(sampler === 'dpm-solver++' ? { steps: 12 } : {}) };
    const base = await (await fittedModel(1)).sample(n, opts);
    assert.equal(base.rows, n);
    assert.equal(base.cols, 3);
    assert.ok(base.data.every(Number.isFinite));
    for (const threads of [2, 3]) {
      const s = await (await fittedModel(threads)).sample(n, opts);
      assertSameBytes(s.data, base.data, `threads ${threads}`);
    }
    const m2 = await fittedModel(2);
    for (const batchSize of [1, 7, 1024]) assertSameBytes((await m2.sample(n, { ...opts, batchSize })).data, base.data, `batchSize ${batchSize}`);
    // Rows [a, b) alone equal rows [a, b) of the larger run.
    for (const [a, b] of [[0, 1], [40, 70], [93, 100]]) {
      const part = await m2.sample(b - a, { ...opts, offset: a, batchSize: 7 });
      assertSameBytes(part.data, base.data.subarray(a * 3, b * 3), `rows [${a}, ${b})`);
    }
    // The step-wise path (a per-step hook) runs the same ops one step at a time.
    let stepCalls = 0;
    const stepwise = await m2.sample(n, { ...opts, callbacks: [{ onSampleStep: () => { stepCalls++; } }] });
    assert.equal(stepCalls, sampler === 'ddpm' ? OPTIONS.nTimesteps : opts.steps);
    assertSameBytes(stepwise.data, base.data, 'step-wise path');
    const stepwisePart = await m2.sample(30, { ...opts, offset: 40, callbacks: [{ onSampleStep() {} }] });
    assertSameBytes(stepwisePart.data, base.data.subarray(120, 210), 'step-wise rows [40, 70)');
  });
}

test('sample: same seed same rows; another seed or no seed gives different rows', async () => {
  const m = await fittedModel(2);
  const a = await m.sample(50, { seed: 1 });
  const b = await m.sample(50, { seed: 1 });
  const c = await m.sample(50, { seed: 2 });
  const d = await m.sample(50);
  const e = await m.sample(50);
  assertSameBytes(b.data, a.data, 'same seed');
  for (const [name, other] of [['seed 2', c], ['no seed', d], ['no seed again', e]]) {
    let equal = 0;
    for (let i = 0; i < a.data.length; i++) if (other.data[i] === a.data[i]) equal++;
    assert.ok(equal < 3, `${name}: ${equal} identical values`);
  }
  let equalDE = 0;
  for (let i = 0; i < d.data.length; i++) if (d.data[i] === e.data[i]) equalDE++;
  assert.ok(equalDE < 3, 'two unseeded calls gave the same rows');
});

test('sgemm: identical bytes for 1, 2, 3 and 4 threads, and within float32 error of the reference (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 300 }),
      fc.boolean(), fc.boolean(),
      fc.constantFrom(1, -0.5, 2), fc.constantFrom(0, 1, 0.25),
      fc.integer({ min: 0, max: 1e6 }),
      (m, n, k, transA, transB, alpha, beta, seed) => {
        let s = seed;
        const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
        const a = Float32Array.from({ length: m * k }, r);
        const b = Float32Array.from({ length: k * n }, r);
        const c0 = Float32Array.from({ length: m * n }, r);
        const run = (opts) => {
          const c = c0.slice();
          ops.sgemm({ m, n, k, a, b, c, alpha, beta, transA, transB, ...opts });
          return c;
        };
        const one = run({ threads: 1 });
        for (const threads of [2, 3, 4]) assertSameBytes(run({ threads }), one, `threads ${threads} (m ${m} n ${n} k ${k})`);
        const ref = run({ reference: true });
        // Exact float64 result and the bound |err| <= 2 k 2^-24 (|alpha| sum|a||b| + |beta c|) (+ tiny).
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let exact = 0, mag = 0;
            for (let p = 0; p < k; p++) {
              const av = transA ? a[p * m + i] : a[i * k + p];
              const bv = transB ? b[j * k + p] : b[p * n + j];
              exact += av * bv;
              mag += Math.abs(av * bv);
            }
            const want = alpha * exact + beta * c0[i * n + j];
            const tol = 2 * (k + 2) * 2 ** -24 * (Math.abs(alpha) * mag + Math.abs(beta * c0[i * n + j])) + 1e-30;
            assert.ok(Math.abs(one[i * n + j] - want) <= tol, `C[${i},${j}] = ${one[i * n + j]}, exact ${want}`);
            assert.ok(Math.abs(ref[i * n + j] - want) <= tol, `reference C[${i},${j}] = ${ref[i * n + j]}, exact ${want}`);
          }
        }
      },
    ),
    { numRuns: 60, seed: 601 },
  );
});

test('sgemm on a large product: bit-identical across threads (exercises the blocked, threaded path)', () => {
  const m = 700, n = 530, k = 600;
  let s = 3;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  const a = Float32Array.from({ length: m * k }, r), b = Float32Array.from({ length: k * n }, r);
  const outs = [1, 2, 3].map((threads) => {
    const c = new Float32Array(m * n);
    ops.sgemm({ m, n, k, a, b, c, threads });
    return c;
  });
  assertSameBytes(outs[1], outs[0], 'threads 2');
  assertSameBytes(outs[2], outs[0], 'threads 3');
  const ref = new Float32Array(m * n);
  ops.sgemm({ m, n, k, a, b, c: ref, reference: true });
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - outs[0][i]));
  // Entries are sums of 600 products of magnitude <= 0.25: float32 error well below 1e-4.
  assert.ok(worst < 1e-4, `max |blocked - reference| = ${worst}`);
});

test('sgemm split as in a fit (bounded tasks, long k in phases) gives the same bytes as the plain split', () => {
  // A fit's GEMMs carry an abort flag and so run in smaller tasks, with k beyond 2048 in phases of
  // whole k blocks (issue 12). Shapes: the weight gradient of a narrow layer (transA, small m, k =
  // batch), k not a multiple of 256 (k blocks of 242), beta != 0 (only the first phase may scale C).
  const cases = [
    { transA: true, m: 8, n: 300, k: 5000, beta: 0 },
    { transA: true, m: 45, n: 130, k: 4100, beta: 0.5 },
    { m: 70, n: 40, k: 6000, beta: 1, transB: true },
    { m: 13, n: 700, k: 2300, beta: 0 },
  ];
  let s = 7;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  for (const c of cases) {
    const a = Float32Array.from({ length: c.m * c.k }, r), b = Float32Array.from({ length: c.k * c.n }, r);
    const c0 = Float32Array.from({ length: c.m * c.n }, r);
    const run = (threads, abortable) => {
      const out = Float32Array.from(c0);
      ops.sgemm({ ...c, a, b, c: out, threads, abortable });
      return out;
    };
    const plain = run(1, false);
    for (const threads of [1, 2, 3]) assertSameBytes(run(threads, true), plain, `${JSON.stringify(c)} abortable, threads ${threads}`);
  }
});

test.after(() => {
  for (const m of fitted.values()) m.dispose();
});
