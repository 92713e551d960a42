// Oracle tests of inpainting on the Gaussian chain (native/cpu/inpaint.cpp), independent of
// training. Data N(m, S) in 3 columns has the exact noise predictor
//   E[eps | x_t] = sqrt(1 - abar) (abar S + (1 - abar) I)^-1 (x_t - sqrt(abar) m).
// The chain is driven in JS with that predictor and the native inpaintStep / inpaintJump over
// the native inpaintSchedule, column 0 observed. Everything is linear-Gaussian, so the exact law
// of the *discretised* RePaint chain is a float64 recursion on its mean and covariance (written
// here from docs/imputation.md, independently of native/). Checks:
//  1. the draws against that recursion within 5 standard errors: pins the native arithmetic
//     (coefficients, re-noising, jumps, noise streams);
//  2. the recursion against the exact Gaussian conditional: the method's own bias, bounded
//     (and shown to shrink with resampling), and the draws against the conditional within
//     5 standard errors plus that bias;
//  3. the observed cells come back bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { nativeOps, noiseSchedule } from '../dist/esm/index.mjs';

const ops = nativeOps();
const S = [[1, 0.8, 0.3], [0.8, 1, 0.5], [0.3, 0.5, 2]];
const M = [0.5, -1, 2];
const K = 2; // observed value of column 0
const D = 3;
const U = [1, 2]; // unobserved columns

function schedule(T) {
  return noiseSchedule('linear', T, { betaStart: 1e-4 * (1000 / T), betaEnd: 0.02 * (1000 / T) });
}

function inv3(A) {
  const [a, b, c, d, e, f, g, h, i] = A.flat();
  const A0 = e * i - f * h, B0 = -(d * i - f * g), C0 = d * h - e * g;
  const det = a * A0 + b * B0 + c * C0;
  return [
    [A0 / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B0 / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C0 / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}
const matmul = (A, B) => A.map((r) => B[0].map((_, j) => r.reduce((s, v, k) => s + v * B[k][j], 0)));
const transpose = (A) => A[0].map((_, j) => A.map((r) => r[j]));
const matvec = (A, v) => A.map((r) => r.reduce((s, x, k) => s + x * v[k], 0));

/** C_t with E[eps | x_t] = C_t (x_t - sqrt(abar) m). */
function oracleMatrix(abar) {
  const A = S.map((r, i) => r.map((v, j) => abar * v + (i === j ? 1 - abar : 0)));
  return inv3(A).map((r) => r.map((v) => v * Math.sqrt(1 - abar)));
}

function moves(T, jumps, length, start = 0) {
  const flat = ops.inpaintSchedule({ steps: T, jumps, length, start });
  const out = [];
  for (let i = 0; i < flat.length; i += 4) out.push({ k: flat[i], kEnd: flat[i + 1], up: flat[i + 2] === 1, pass: flat[i + 3] });
  return out;
}

/** The chain's exact law: float64 mean and covariance after every move (DDPM, beta variance). */
function chainLaw(T, jumps, length, start = 0) {
  const { alphaBars: ab, betas } = schedule(T);
  const abarAfter = (k) => (k + 1 < T ? ab[T - 2 - k] : 1); // timesteps are T-1 .. 0: step k lands on T-2-k
  let mu = [0, 0, 0];
  let P = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (const mv of moves(T, jumps, length, start)) {
    if (mv.up) {
      const r = ab[T - 1 - mv.k] / abarAfter(mv.kEnd);
      mu = mu.map((v) => Math.sqrt(r) * v);
      P = P.map((row, i) => row.map((v, j) => r * v + (i === j ? 1 - r : 0)));
      continue;
    }
    const t = T - 1 - mv.k;
    const beta = betas[t], abar = ab[t];
    const xc = 1 / Math.sqrt(1 - beta), ec = -beta / Math.sqrt(1 - abar) / Math.sqrt(1 - beta);
    const C = oracleMatrix(abar);
    const A = C.map((r, i) => r.map((v, j) => ec * v + (i === j ? xc : 0)));
    const b = matvec(C, M.map((x) => x * Math.sqrt(abar))).map((v) => -ec * v);
    const noise = t > 0 ? beta : 0;
    mu = matvec(A, mu).map((v, i) => v + b[i]);
    P = matmul(matmul(A, P), transpose(A)).map((r, i) => r.map((v, j) => v + (i === j ? noise : 0)));
    // Substitution: column 0 <- sqrt(abar_prev) K + sqrt(1 - abar_prev) z, independent of the rest.
    const aPrev = abarAfter(mv.k);
    mu[0] = Math.sqrt(aPrev) * K;
    for (let j = 0; j < D; j++) P[0][j] = P[j][0] = 0;
    P[0][0] = mv.k + 1 < T ? 1 - aPrev : 0;
  }
  return { mu, P };
}

/** The exact Gaussian conditional of columns 1, 2 given column 0 = K. */
function conditional() {
  const mu = U.map((j) => M[j] + (S[j][0] / S[0][0]) * (K - M[0]));
  const P = U.map((i) => U.map((j) => S[i][j] - (S[i][0] * S[0][j]) / S[0][0]));
  return { mu, P };
}

/** Runs the chain on N rows with the oracle; returns the final rows. */
function runChain(T, jumps, length, N, seed) {
  const { alphaBars, betas } = schedule(T);
  let x = ops.draws({ seed, stream: 6, rowStart: 0, rows: N, step: 0, cols: D });
  const known = new Float32Array([K, 0, 0]);
  const knownMask = new Uint8Array([1, 0, 0]);
  const abarAfter = (k) => (k + 1 < T ? alphaBars[T - 2 - k] : 1);
  for (const mv of moves(T, jumps, length)) {
    if (mv.up) {
      const step = (T - 1 - mv.k) + T * mv.pass;
      x = ops.inpaintJump({ x, rows: N, cols: D, abarFrom: abarAfter(mv.kEnd), abarTo: alphaBars[T - 1 - mv.k], seed, step });
      continue;
    }
    const t = T - 1 - mv.k;
    const C = oracleMatrix(alphaBars[t]);
    const shift = M.map((v) => v * Math.sqrt(alphaBars[t]));
    const epsHat = new Float32Array(x.length);
    for (let i = 0; i < x.length; i += D) {
      const d0 = x[i] - shift[0], d1 = x[i + 1] - shift[1], d2 = x[i + 2] - shift[2];
      for (let r = 0; r < D; r++) epsHat[i + r] = C[r][0] * d0 + C[r][1] * d1 + C[r][2] * d2;
    }
    x = ops.inpaintStep({ x, epsHat, rows: N, cols: D, t, alphaBars, betas, sampler: 'ddpm', seed, pass: mv.pass, known, knownMask, knownRows: 1 });
  }
  return x;
}

function empirical(x, N) {
  const mu = U.map((j) => {
    let s = 0;
    for (let i = 0; i < N; i++) s += x[i * D + j];
    return s / N;
  });
  const P = U.map((a, p) => U.map((b, q) => {
    let s = 0;
    for (let i = 0; i < N; i++) s += (x[i * D + a] - mu[p]) * (x[i * D + b] - mu[q]);
    return s / (N - 1);
  }));
  return { mu, P };
}

/** |emp - ref| <= 5 SE (+ slack) for every mean and covariance entry of the free columns. */
function assertClose(emp, ref, N, slack, what) {
  for (let p = 0; p < 2; p++) {
    const se = Math.sqrt(ref.P[p][p] / N);
    assert.ok(Math.abs(emp.mu[p] - ref.mu[p]) <= 5 * se + slack.mu[p],
      `${what}: mean of column ${U[p]}: ${emp.mu[p]} vs ${ref.mu[p]} (5 SE = ${5 * se}, bias allowance ${slack.mu[p]})`);
    for (let q = 0; q < 2; q++) {
      const seCov = Math.sqrt((ref.P[p][p] * ref.P[q][q] + ref.P[p][q] ** 2) / (N - 1));
      assert.ok(Math.abs(emp.P[p][q] - ref.P[p][q]) <= 5 * seCov + slack.P[p][q],
        `${what}: cov(${U[p]}, ${U[q]}): ${emp.P[p][q]} vs ${ref.P[p][q]} (5 SE = ${5 * seCov}, bias allowance ${slack.P[p][q]})`);
    }
  }
}

/** The free-column block of a full-state law. */
const freeBlock = (law) => ({ mu: U.map((j) => law.mu[j]), P: U.map((i) => U.map((j) => law.P[i][j])) });
const zeroSlack = { mu: [0, 0], P: [[0, 0], [0, 0]] };

test('inpaintSchedule: blocks of `length` steps run `jumps` times, a jump back up between runs', () => {
  const m = moves(25, 3, 10);
  assert.equal(m.filter((v) => !v.up).length, 25 * 3);
  assert.equal(m.filter((v) => v.up).length, 3 * 2);
  // Every step is visited once per pass, in order within a pass; jumps return to the block's first step.
  assert.deepEqual(m.slice(0, 11).map((v) => (v.up ? `up${v.k}-${v.kEnd}` : v.k)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 'up0-9']);
  assert.deepEqual(moves(7, 1, 3).map((v) => v.k), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(m.at(-1).k, 24);
  assert.equal(m.at(-1).up, false);
  // start: blocks before floor(start * steps) run once.
  const late = moves(40, 3, 10, 0.5);
  assert.deepEqual(late.slice(0, 20).map((v) => v.k), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(late.filter((v) => v.up).length, 2 * 2);
  assert.equal(late.filter((v) => !v.up).length, 20 + 20 * 3);
});

test('resampling only the low-noise end (start 0.75) keeps the exact chain law of resampling throughout', () => {
  // At high noise the observed cell says almost nothing: jumps there cost without helping.
  // Criterion: the late schedule's mean is within a tenth of the full schedule's remaining bias
  // (it keeps 90% of what resampling gains) and its variance within 1%.
  const exact = conditional();
  const all = freeBlock(chainLaw(500, 10, 10, 0));
  const late = freeBlock(chainLaw(500, 10, 10, 0.75));
  for (let p = 0; p < 2; p++) {
    const bias = Math.abs(all.mu[p] - exact.mu[p]);
    assert.ok(Math.abs(all.mu[p] - late.mu[p]) < 0.1 * bias, `mean of column ${U[p]}: ${late.mu[p]} vs ${all.mu[p]} (bias ${bias})`);
    assert.ok(Math.abs(all.P[p][p] - late.P[p][p]) < 0.01 * all.P[p][p], `variance of column ${U[p]}: ${late.P[p][p]} vs ${all.P[p][p]}`);
  }
});

test('inpainting, exact predictor: the draws follow the exact law of the discretised RePaint chain; observed cells bit for bit', () => {
  const T = 100, jumps = 3, length = 10, N = 20000;
  const x = runChain(T, jumps, length, N, 7);
  const law = freeBlock(chainLaw(T, jumps, length));
  assertClose(empirical(x, N), law, N, zeroSlack, 'draws vs chain law');
  for (let i = 0; i < N; i++) assert.equal(x[i * D], Math.fround(K), `row ${i}: observed cell changed`);
});

test('inpainting, exact predictor: resampling brings the chain to the exact Gaussian conditional', () => {
  const exact = conditional();
  const bias = (law) => ({
    mu: exact.mu.map((v, p) => Math.abs(law.mu[p] - v)),
    P: exact.P.map((r, p) => r.map((v, q) => Math.abs(law.P[p][q] - v))),
  });
  // Plain replacement (no jumps) is far off: the free cells never see the observed value at
  // high noise (docs/imputation.md). Resampling shrinks that bias.
  const plain = bias(freeBlock(chainLaw(500, 1, 10)));
  const T = 500, jumps = 20, length = 10, N = 4000;
  const law = freeBlock(chainLaw(T, jumps, length));
  const b = bias(law);
  const sd = exact.P.map((r, p) => Math.sqrt(r[p]));
  assert.ok(plain.mu[0] > 0.5 * sd[0], `plain replacement bias ${plain.mu[0]} (expected large)`);
  for (let p = 0; p < 2; p++) {
    assert.ok(b.mu[p] < 0.1 * sd[p], `resampled chain: mean bias of column ${U[p]} is ${b.mu[p]}, over 0.1 conditional sd`);
    assert.ok(b.P[p][p] < 0.05 * exact.P[p][p], `resampled chain: variance bias of column ${U[p]} is ${b.P[p][p]}, over 5%`);
    assert.ok(b.mu[p] < plain.mu[p] / 4, `resampling should shrink the mean bias: ${b.mu[p]} vs ${plain.mu[p]}`);
  }
  const x = runChain(T, jumps, length, N, 11);
  const emp = empirical(x, N);
  assertClose(emp, law, N, zeroSlack, 'draws vs chain law');
  assertClose(emp, exact, N, b, 'draws vs exact conditional');
  for (let i = 0; i < N; i++) assert.equal(x[i * D], Math.fround(K));
});

test('inpaint ops: bad input is a clear error naming the argument', () => {
  const base = { x: new Float32Array(3), epsHat: new Float32Array(3), rows: 1, cols: 3, t: 5, alphaBars: schedule(100).alphaBars, betas: schedule(100).betas, known: new Float32Array(3), knownMask: new Uint8Array(3) };
  assert.throws(() => ops.inpaintStep({ ...base, knownMask: new Uint8Array([2, 0, 0]) }), /knownMask/);
  assert.throws(() => ops.inpaintStep({ ...base, known: new Float32Array(2) }), /known/);
  assert.throws(() => ops.inpaintStep({ ...base, known: new Float32Array([NaN, 0, 0]), knownMask: new Uint8Array([1, 0, 0]) }), /known: row 0, column 0/);
  assert.throws(() => ops.inpaintStep({ ...base, knownRows: 2 }), /knownRows/);
  assert.throws(() => ops.inpaintStep({ ...base, sampler: 'dpm-solver++' }), /sampler/);
  assert.throws(() => ops.inpaintJump({ x: new Float32Array(3), rows: 1, cols: 3, abarFrom: 0.5, abarTo: 0.9 }), /abarTo/);
  assert.throws(() => ops.inpaintSchedule({ steps: 10, jumps: 0 }), /jumps/);
});
