/**
 * Noise schedules for discrete-time Gaussian diffusion (docs/design.md section 4).
 *
 * Indices run t = 0..T-1 as in the Trex code: alpha_t = 1 - beta_t and
 * alphaBar_t = prod_{s<=t} alpha_s. All maths is done in float64; float32 copies are cached
 * for the native kernels, which take float32 buffers.
 */

export type ScheduleKind = 'linear' | 'cosine' | 'custom';

export interface NoiseScheduleOptions {
  /** First beta of the linear schedule (default 1e-4). */
  betaStart?: number;
  /** Last beta of the linear schedule (default 0.02). */
  betaEnd?: number;
  /** Offset s of the cosine schedule (default 0.008, Nichol & Dhariwal 2021). */
  s?: number;
}

export interface NoiseSchedule {
  readonly kind: ScheduleKind;
  readonly T: number;
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  readonly alphaBars: Float64Array;
  /** alphaBar_{t-1}, with alphaBar_{-1} = 1 (the convention used by the DDPM posterior). */
  readonly alphaBarsPrev: Float64Array;
  /** Tab-DDPM posterior variance beta_t (1 - alphaBar_{t-1}) / (1 - alphaBar_t); 0 at t = 0. */
  readonly posteriorVariance: Float64Array;
  // Float32 caches for the native kernels.
  readonly betas32: Float32Array;
  readonly alphas32: Float32Array;
  readonly alphaBars32: Float32Array;
  readonly sqrtAlphaBars: Float32Array;
  readonly sqrtOneMinusAlphaBars: Float32Array;
}

export const MAX_TIMESTEPS = 100_000;
/** Cosine betas are clipped here so the last step does not divide by alphaBar = 0. */
const COSINE_MAX_BETA = 0.999;
/** Smallest alphaBar accepted: the float32 caches must stay positive normal numbers. */
const MIN_ALPHA_BAR = 2 ** -126;

/**
 * Builds a noise schedule.
 * - 'linear': betas evenly spaced from betaStart to betaEnd (T = 1 gives [betaStart]).
 * - 'cosine': improved-DDPM discretisation, beta_t = min(1 - f(t+1)/f(t), 0.999) with
 *   f(t) = cos^2(((t/T) + s)/(1 + s) * pi/2); alphaBars are the cumulative product of 1 - beta.
 * - an array of betas: validated (finite, in (0, 1)); T defaults to its length.
 */
export function noiseSchedule(
  kind: 'linear' | 'cosine' | ArrayLike<number>,
  T?: number,
  options: NoiseScheduleOptions = {},
): NoiseSchedule {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('options: expected an object');
  }
  let betas: Float64Array;
  let scheduleKind: ScheduleKind;
  if (typeof kind === 'string') {
    const steps = checkT(T);
    if (kind === 'linear') {
      betas = linearBetas(steps, options);
    } else if (kind === 'cosine') {
      betas = cosineBetas(steps, options);
    } else {
      throw new RangeError(`kind: unknown schedule "${kind}" (expected 'linear', 'cosine' or an array of betas)`);
    }
    scheduleKind = kind;
  } else if (kind != null && typeof (kind as ArrayLike<number>).length === 'number') {
    betas = customBetas(kind, T);
    scheduleKind = 'custom';
  } else {
    throw new TypeError(`kind: expected 'linear', 'cosine' or an array of betas, got ${describe(kind)}`);
  }
  return fromBetas(scheduleKind, betas);
}

/**
 * The decreasing sub-sequence of `steps` distinct timesteps used by few-step samplers (DDIM):
 * a rounded linspace from T-1 down to 0. steps = 1 gives [T-1]; steps = T gives every step.
 */
export function timestepSequence(T: number, steps: number): Int32Array {
  checkT(T);
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new RangeError(`steps: expected an integer in [1, T = ${T}], got ${describe(steps)}`);
  }
  const out = new Int32Array(steps);
  if (steps === 1) {
    out[0] = T - 1;
    return out;
  }
  // Exact integer rounding (half up) of (T-1) * k / (steps-1): the spacing is >= 1 because
  // steps <= T, so the rounded points stay distinct.
  const den = steps - 1;
  for (let i = 0; i < steps; i++) {
    const k = den - i;
    out[i] = Math.floor((2 * (T - 1) * k + den) / (2 * den));
  }
  return out;
}

/**
 * The timesteps of a few-step sampler (DDIM, DPM-Solver++): floor(i T / steps) for
 * i = steps-1 .. 0, the spacing of the DDIM paper. It starts one stride below T-1 rather than
 * at T-1: with the cosine schedule alphaBar_{T-1} is ~2e-7 (the last beta is capped at 0.999),
 * and an x0 estimate there multiplies the network's error by thousands, while a chain started
 * one stride lower begins from a marginal that is still N(0, I) to within a few percent.
 * steps = T gives every step.
 */
export function fewStepSequence(T: number, steps: number): Int32Array {
  checkT(T);
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new RangeError(`steps: expected an integer in [1, T = ${T}], got ${describe(steps)}`);
  }
  return Int32Array.from({ length: steps }, (_, i) => Math.floor(((steps - 1 - i) * T) / steps));
}

/**
 * The `before` argument of DPM-Solver++ step k over `timesteps` (the timestep before t, or -1
 * for a first-order step): first order on the first step and on the step into the last
 * timestep, which spans the largest change of log-SNR, where the 2M extrapolation overshoots.
 * Mirrors plan_steps in native/cpu/sampler.cpp.
 */
export function dpmSolverBefore(timesteps: ArrayLike<number>, k: number): number {
  return k > 0 && k + 2 < timesteps.length ? timesteps[k - 1]! : -1;
}

function checkT(T: unknown): number {
  if (typeof T !== 'number' || !Number.isInteger(T) || T < 1 || T > MAX_TIMESTEPS) {
    throw new RangeError(`T: expected an integer in [1, ${MAX_TIMESTEPS}], got ${describe(T)}`);
  }
  return T;
}

function checkProbability(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 1) {
    throw new RangeError(`${name}: expected a number in (0, 1), got ${describe(value)}`);
  }
  return value;
}

function linearBetas(T: number, options: NoiseScheduleOptions): Float64Array {
  const betaStart = checkProbability(options.betaStart ?? 1e-4, 'betaStart');
  const betaEnd = checkProbability(options.betaEnd ?? 0.02, 'betaEnd');
  if (betaStart > betaEnd) {
    throw new RangeError(`betaStart (${betaStart}) must be <= betaEnd (${betaEnd})`);
  }
  const betas = new Float64Array(T);
  if (T === 1) {
    betas[0] = betaStart;
    return betas;
  }
  for (let t = 0; t < T; t++) betas[t] = betaStart + ((betaEnd - betaStart) * t) / (T - 1);
  return betas;
}

function cosineBetas(T: number, options: NoiseScheduleOptions): Float64Array {
  const s = options.s ?? 0.008;
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0 || s >= 1) {
    throw new RangeError(`s: expected a number in (0, 1), got ${describe(s)}`);
  }
  // Only ratios f(t+1)/f(t) are used, so the normalisation by f(0) cancels.
  const f = (t: number): number => {
    const c = Math.cos((((t / T) + s) / (1 + s)) * (Math.PI / 2));
    return c * c;
  };
  const betas = new Float64Array(T);
  let ft = f(0);
  for (let t = 0; t < T; t++) {
    const fNext = f(t + 1);
    betas[t] = Math.min(1 - fNext / ft, COSINE_MAX_BETA);
    ft = fNext;
  }
  return betas;
}

function customBetas(values: ArrayLike<number>, T: number | undefined): Float64Array {
  const n = values.length;
  if (T === undefined) {
    checkT(n);
  } else if (checkT(T) !== n) {
    throw new RangeError(`kind: the array has ${n} betas but T = ${T}`);
  }
  const betas = new Float64Array(n);
  for (let t = 0; t < n; t++) betas[t] = checkProbability(values[t], `kind[${t}] (beta)`);
  return betas;
}

function fromBetas(kind: ScheduleKind, betas: Float64Array): NoiseSchedule {
  const T = betas.length;
  const alphas = new Float64Array(T);
  const alphaBars = new Float64Array(T);
  const alphaBarsPrev = new Float64Array(T);
  const posteriorVariance = new Float64Array(T);
  let abar = 1;
  for (let t = 0; t < T; t++) {
    alphas[t] = 1 - betas[t]!;
    alphaBarsPrev[t] = abar;
    abar *= alphas[t]!;
    alphaBars[t] = abar;
    posteriorVariance[t] = (betas[t]! * (1 - alphaBarsPrev[t]!)) / (1 - abar);
  }
  if (!(alphaBars[T - 1]! >= MIN_ALPHA_BAR)) {
    // Without this the float32 caches hold zeros and samplers divide by sqrt(alphaBar) = 0.
    throw new RangeError(
      `T: alphaBar underflows (alphaBar[${T - 1}] = ${alphaBars[T - 1]}): the schedule destroys the signal ` +
        `entirely; use fewer steps or smaller betas (e.g. betaStart/betaEnd scaled by 1000/T)`,
    );
  }
  const sqrtAlphaBars = new Float32Array(T);
  const sqrtOneMinusAlphaBars = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    sqrtAlphaBars[t] = Math.sqrt(alphaBars[t]!);
    sqrtOneMinusAlphaBars[t] = Math.sqrt(1 - alphaBars[t]!);
  }
  return {
    kind,
    T,
    betas,
    alphas,
    alphaBars,
    alphaBarsPrev,
    posteriorVariance,
    betas32: Float32Array.from(betas),
    alphas32: Float32Array.from(alphas),
    alphaBars32: Float32Array.from(alphaBars),
    sqrtAlphaBars,
    sqrtOneMinusAlphaBars,
  };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}
