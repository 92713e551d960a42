// Mixed-type models (numeric columns on the Gaussian chain, categorical columns on SEDD or
// multinomial diffusion): input checks, the step-wise sampler for
// per-step hooks, the likelihood bound and the held-out loss. TabularDiffusion calls these.
import type { DiffusionCallback, SampleState } from '../callbacks.js';
import { Matrix, MatrixLike, assertFinite, toMatrix } from '../matrix.js';
import type { MixedEvalOptions, MixedEvalOutput, NativeAddon, NativeModel } from '../native.js';
import { dpmSolverBefore } from '../schedule.js';
import type { NoiseSchedule } from '../schedule.js';
import type { IntMatrix } from '../transformer.js';
import { ResolvedCategoricalOptions, checkCardinalities } from './options.js';

/** Numeric matrix plus class indices of the categorical columns (TabularTransformer's 'index' encoding). */
export interface MixedInput {
  numeric: MatrixLike;
  categorical: IntMatrix;
}

export interface MixedSample {
  numeric: Matrix;
  categorical: IntMatrix;
}

/** Per-row categorical likelihood bound (nats): diffusion term + prior term. */
export interface CategoricalNll {
  nll: Float64Array;
  diffusion: Float64Array;
  prior: Float64Array;
}

export function isMixedInput(x: unknown): x is MixedInput {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'categorical' in x && 'numeric' in x;
}

/** Validates class indices [rows x classes.length] against the class counts. */
export function checkIntMatrix(m: IntMatrix, name: string, rows: number, classes: readonly number[]): void {
  if (m == null || typeof m !== 'object' || !(m.data instanceof Int32Array)) {
    throw new TypeError(`${name}: expected { rows, cols, data: Int32Array } of class indices`);
  }
  if (m.rows !== rows) throw new RangeError(`${name}: has ${m.rows} rows, expected ${rows}`);
  if (m.cols !== classes.length) throw new RangeError(`${name}: has ${m.cols} columns, expected ${classes.length}`);
  if (m.data.length !== m.rows * m.cols) throw new RangeError(`${name}: data has ${m.data.length} values, expected rows*cols = ${m.rows * m.cols}`);
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i]!;
    const k = classes[i % m.cols]!;
    if (!(v >= 0 && v < k)) {
      throw new RangeError(`${name}: row ${Math.floor(i / m.cols)}, column ${i % m.cols} holds class ${v}, expected 0..${k - 1}`);
    }
  }
}

/**
 * Reads a mixed input: numeric matrix (possibly 0 columns) and class indices. Class counts come
 * from `classes` (fit: TabularTransformer.categoricalCardinalities) or, when absent, max + 1.
 */
export function readMixedInput(X: MixedInput, classes: readonly number[] | undefined, name = 'X'): {
  numeric: Matrix; categorical: IntMatrix; classes: number[];
} {
  const cat = X.categorical;
  if (cat == null || typeof cat !== 'object' || !(cat.data instanceof Int32Array)) {
    throw new TypeError(`${name}.categorical: expected { rows, cols, data: Int32Array } of class indices`);
  }
  let numeric: Matrix;
  if (X.numeric == null) numeric = { rows: cat.rows, cols: 0, data: new Float32Array(0) };
  else numeric = toMatrix(X.numeric, `${name}.numeric`);
  if (numeric.rows === 0 && numeric.cols === 0 && cat.rows > 0) numeric = { rows: cat.rows, cols: 0, data: new Float32Array(0) };
  assertFinite(numeric, `${name}.numeric`);
  let resolved: number[];
  if (classes !== undefined) {
    if (!Array.isArray(classes) || classes.length !== cat.cols) {
      throw new RangeError(`categoricalClasses: expected ${cat.cols} class counts (one per categorical column), got ${Array.isArray(classes) ? classes.length : String(classes)}`);
    }
    resolved = classes.slice();
  } else {
    resolved = new Array<number>(cat.cols).fill(0);
    for (let i = 0; i < cat.data.length; i++) resolved[i % cat.cols] = Math.max(resolved[i % cat.cols]!, cat.data[i]! + 1);
  }
  checkCardinalities(resolved);
  checkIntMatrix(cat, `${name}.categorical`, numeric.rows, resolved);
  return { numeric, categorical: cat, classes: resolved };
}

/** Conditioning classes for sampling: [1 or n rows x columns], -1 = free. */
export function readFixed(value: IntMatrix | undefined, n: number, classes: readonly number[]): IntMatrix | undefined {
  if (value === undefined) return undefined;
  if (value == null || typeof value !== 'object' || !(value.data instanceof Int32Array)) {
    throw new TypeError('fixed: expected { rows, cols, data: Int32Array } with a class or -1 (free) per categorical column');
  }
  if (value.rows !== 1 && value.rows !== n) throw new RangeError(`fixed: has ${value.rows} rows; pass 1 (shared by all samples) or n = ${n}`);
  if (value.cols !== classes.length || value.data.length !== value.rows * value.cols) {
    throw new RangeError(`fixed: expected ${classes.length} columns (one per categorical column)`);
  }
  for (let i = 0; i < value.data.length; i++) {
    const v = value.data[i]!;
    const k = classes[i % value.cols]!;
    if (!(v >= -1 && v < k)) throw new RangeError(`fixed: column ${i % value.cols} holds ${v}, expected -1 (free) or a class in 0..${k - 1}`);
  }
  return value;
}

const TIME_DRAW_STREAM = 3; // kStreamTrainTime, at a step training never reaches
const TIME_DRAW_STEP = 4294967295;

/** Gaussian timesteps per (row, draw): the full grid 0..T-1 (draws = T) or seeded uniform draws. */
export function evaluationTimesteps(addon: NativeAddon, rows: number, T: number, draws: number | undefined, seed: number): { k: Int32Array; draws: number } {
  if (draws === undefined) {
    const k = new Int32Array(rows * T);
    for (let r = 0; r < rows; r++) for (let j = 0; j < T; j++) k[r * T + j] = j;
    return { k, draws: T };
  }
  const u = addon.draws({ seed, stream: TIME_DRAW_STREAM, rowStart: 0, rows, step: TIME_DRAW_STEP, cols: draws, kind: 'uniform' });
  return { k: Int32Array.from(u, (v) => Math.min(T - 1, Math.floor(v * T))), draws };
}

export function evalOptions(
  x: { numeric: Matrix; categorical: IntMatrix }, schedule: NoiseSchedule, context: Matrix | undefined,
  k: Int32Array, draws: number, seed: number, useEma: boolean, observed?: Uint8Array,
): MixedEvalOptions {
  return {
    x: x.numeric.data, rows: x.numeric.rows, categorical: x.categorical.data, context: context?.data,
    sqrtAlphaBars: schedule.sqrtAlphaBars, sqrtOneMinusAlphaBars: schedule.sqrtOneMinusAlphaBars, alphaBars: schedule.alphaBars,
    k, draws, seed, useEma, ...(observed ? { observed } : {}),
  };
}

/** Per-row bound from evaluation terms: mean over draws of the diffusion integrand + prior. */
export function nllFromEval(out: MixedEvalOutput, rows: number, draws: number): CategoricalNll {
  const diffusion = new Float64Array(rows);
  const nll = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < draws; j++) s += out.cat[r * draws + j]!;
    diffusion[r] = s / draws;
    nll[r] = diffusion[r]! + out.prior[r]!;
  }
  return { nll, diffusion, prior: out.prior };
}

/**
 * The training loss's estimate on held-out rows: mean eps-MSE + weight * mean categorical term.
 * With `observed` (rows with gaps: observed cells per row, draws per row) the eps-MSE is the
 * mean over observed cells (out.mse then sums observed cells only), 0 when there are none.
 */
export function lossFromEval(
  out: MixedEvalOutput, numericDim: number, categoricalColumns: number, weight: number,
  observed?: { perRow: Int32Array; draws: number },
): number {
  if (observed) {
    let mse = 0, cells = 0, cat = 0;
    for (let i = 0; i < out.mse.length; i++) {
      mse += out.mse[i]!;
      cells += observed.perRow[Math.floor(i / observed.draws)]!;
      cat += (weight * out.cat[i]!) / categoricalColumns;
    }
    return out.mse.length > 0 ? (cells > 0 ? mse / cells : 0) + cat / out.mse.length : NaN;
  }
  let total = 0;
  for (let i = 0; i < out.mse.length; i++) {
    total += (numericDim > 0 ? out.mse[i]! / numericDim : 0) + (weight * out.cat[i]!) / categoricalColumns;
  }
  return out.mse.length > 0 ? total / out.mse.length : NaN;
}

/**
 * The mixed reverse chain one step at a time through the native ops, for per-step hooks: the
 * same draws and arithmetic as the native loop (native/cpu/mixed_sampler.cpp), so the same bytes.
 */
export async function sampleMixedStepwise(a: {
  addon: NativeAddon; native: NativeModel; n: number; numericDim: number; classes: readonly number[];
  cat: ResolvedCategoricalOptions; schedule: NoiseSchedule; sampler: 'ddpm' | 'ddim' | 'dpm-solver++';
  variance: 'beta' | 'posterior'; timesteps: Int32Array; eta: number; seed: number; offset: number;
  context: Matrix | undefined; fixed: IntMatrix | undefined; callbacks: DiffusionCallback[]; state: SampleState;
  signal: AbortSignal | undefined; abortError: (s: AbortSignal) => Error;
}): Promise<{ numeric: Float32Array; categorical: Int32Array }> {
  const { addon, native, n, numericDim: d, classes, cat, schedule } = a;
  const C = classes.length;
  const sedd = cat.method === 'sedd';
  const graph = sedd ? cat.graph : 'uniform';
  const states = classes.map((k) => (graph === 'absorbing' ? k + 1 : k));
  const total = states.reduce((s, v) => s + v, 0);
  const D = d + total;
  const noise = { noise: cat.noise, noiseEps: cat.noiseEps, sigmaMin: cat.sigmaMin, sigmaMax: cat.sigmaMax };
  const block = { classes: Int32Array.from(classes), rows: n };
  const T = schedule.T;
  const SAMPLE_INIT_STREAM = 6; // kStreamSampleInit
  let x = d > 0 ? addon.draws({ seed: a.seed, stream: SAMPLE_INIT_STREAM, rowStart: a.offset, rows: n, step: 0, cols: d }) : new Float32Array(0);
  // Absorbing starts at MASK (uniform with probability e^{-sigma(1)}); uniform and multinomial at uniform classes.
  let xc = addon.seddInit({ ...block, graph, ...noise, seed: a.seed, rowOffset: a.offset });
  const hold = (v: Int32Array): Int32Array => {
    if (!a.fixed) return v;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < C; c++) {
        const f = a.fixed.data[(a.fixed.rows === 1 ? 0 : i) * C + c]!;
        if (f >= 0) v[i * C + c] = f;
      }
    }
    return v;
  };
  xc = hold(xc);
  const x0Prev = new Float32Array(x.length);
  const input = new Float32Array(n * D);
  const offsets = states.map((_, c) => states.slice(0, c).reduce((s, v) => s + v, 0));
  for (let k = 0; k < a.timesteps.length; k++) {
    if (a.signal?.aborted) throw a.abortError(a.signal);
    const t = a.timesteps[k]!;
    const prev = k + 1 < a.timesteps.length ? a.timesteps[k + 1]! : -1;
    input.fill(0);
    for (let i = 0; i < n; i++) {
      if (d > 0) input.set(x.subarray(i * d, (i + 1) * d), i * D);
      for (let c = 0; c < C; c++) input[i * D + d + offsets[c]! + xc[i * C + c]!] = 1;
    }
    const out = native.predictEps(input, t, { rows: n, context: a.context?.data, contextRows: a.context?.rows });
    const epsHat = new Float32Array(n * d);
    const head = new Float32Array(n * total);
    for (let i = 0; i < n; i++) {
      epsHat.set(out.subarray(i * D, i * D + d), i * d);
      head.set(out.subarray(i * D + d, (i + 1) * D), i * total);
    }
    if (d > 0) {
      const common = { x, epsHat, rows: n, cols: d, t, alphaBars: schedule.alphaBars, seed: a.seed, rowOffset: a.offset };
      if (a.sampler === 'ddpm') x = addon.ddpmStep({ ...common, betas: schedule.betas, variance: a.variance });
      else if (a.sampler === 'ddim') x = addon.ddimStep({ ...common, prev, eta: a.eta });
      else x = addon.dpmSolverStep({ ...common, prev, before: dpmSolverBefore(a.timesteps, k), x0Prev });
    }
    if (sedd) {
      const now = (t + 1) / T;
      const sigma = addon.seddNoise({ ...noise, t: Float64Array.of(now) }).total[0]!;
      const logScore = addon.seddScaleLogScores({ ...block, graph, raw: head, x: xc, sigma: new Float64Array(n).fill(sigma) });
      xc = addon.seddStep({
        ...block, graph, ...noise, logScore, x: xc, t: now, tNext: prev >= 0 ? (prev + 1) / T : 0, sampler: cat.sampler,
        seed: a.seed, rowOffset: a.offset, step: t,
      });
    } else {
      xc = addon.multinomialStep({ ...block, logits: head, x: xc, alphaBars: schedule.alphaBars, t, prev, seed: a.seed, rowOffset: a.offset });
    }
    xc = hold(xc);
    a.state.step = k + 1;
    a.state.t = t;
    a.state.x = { rows: n, cols: d, data: x };
    for (const c of a.callbacks) await c.onSampleStep?.(a.state);
  }
  a.state.x = undefined;
  return { numeric: x, categorical: xc };
}
