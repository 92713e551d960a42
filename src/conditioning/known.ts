// Inpainting arguments of TabularDiffusion sampling: the observed cells of the numeric
// (Gaussian) matrix and RePaint's resampling schedule (docs/imputation.md).

/** Observed cells of the numeric matrix: values in the transformed space, mask 1 = observed. */
export interface KnownCells {
  /** rows x numeric columns, row-major; read only where mask is 1. */
  values: Float32Array;
  mask: Uint8Array;
  /** 1 (shared by every sampled row) or n. */
  rows: number;
}

/**
 * RePaint's resampling: each block of `length` reverse steps is run `jumps` times, jumping back
 * up in between; only blocks after the first `start` share of the chain (the low-noise end,
 * where the observed cells carry information).
 */
export interface ResampleOptions {
  jumps?: number;
  length?: number;
  start?: number;
}

/** Defaults: RePaint's jumps and length, over the last quarter of the chain (docs/imputation.md). */
export const DEFAULT_RESAMPLE = { jumps: 10, length: 10, start: 0.75 } as const;

/**
 * The chain of given / impute on a model without conditioning: 'any' when no sampler is passed:
 * strided ancestral DDIM (eta 1, stepShare x T steps: 200 at the default T = 500) with 10 jumps
 * of 5 steps over its last quarter. The share, not a fixed count, keeps the cost at about 1.3x for
 * any T (200 steps of a T = 100 chain would be all of it, and the jumps would triple it). bench/impute-resample.mjs: the imputation accuracy of the full DDPM chain with 10 jumps
 * of 10 (adult 0.875 / 0.752 against 0.871 / 0.746, california 0.458 / 0.801 against 0.464 / 0.814
 * on 2000 held-out rows), the known-truth mean and coverage targets, at 1.31x the cost of
 * unconditional sampling instead of 3.11x (docs/imputation.md, "The default chain").
 */
export const INPAINT_CHAIN = { sampler: 'ddim', stepShare: 0.4, eta: 1, resample: { jumps: 10, length: 5, start: 0.75 } } as const;

/**
 * The default chain for a model of T timesteps: its sampler settings and the caller's resample
 * keys over the chain's (keys passed as undefined, as the CLI does, keep the chain's own).
 */
export function inpaintChain(T: number, resample: ResampleOptions | undefined): {
  sampler: { sampler: 'ddim'; steps: number; eta: number }; resample: ResampleOptions;
} {
  const set = Object.entries(resample ?? {}).filter(([, v]) => v !== undefined);
  return {
    sampler: { sampler: INPAINT_CHAIN.sampler, steps: Math.max(1, Math.round(INPAINT_CHAIN.stepShare * T)), eta: INPAINT_CHAIN.eta },
    resample: { ...INPAINT_CHAIN.resample, ...Object.fromEntries(set) },
  };
}

/** The native sample() keys of an inpainting call, validated. */
export function nativeKnown(
  known: KnownCells | undefined, resample: ResampleOptions | undefined, n: number, cols: number, sampler: string,
): Record<string, unknown> {
  if (known === undefined) {
    if (resample !== undefined) throw new RangeError('resample: applies only with known cells (given / impute)');
    return {};
  }
  if (known === null || typeof known !== 'object') throw new TypeError('known: expected { values: Float32Array, mask: Uint8Array, rows }');
  const { values, mask, rows } = known;
  if (rows !== 1 && rows !== n) throw new RangeError(`known.rows: expected 1 (shared) or n = ${n}, got ${String(rows)}`);
  if (!(values instanceof Float32Array) || values.length !== rows * cols) {
    throw new RangeError(`known.values: expected a Float32Array of rows x ${cols} values`);
  }
  if (!(mask instanceof Uint8Array) || mask.length !== rows * cols) throw new RangeError(`known.mask: expected a Uint8Array of rows x ${cols} flags`);
  const { jumps, length, start } = checkResample(resample, sampler);
  return { known: values, knownMask: mask, knownRows: rows, resampleJumps: jumps, resampleLength: length, resampleStart: start };
}

/** The resampling schedule with defaults filled in; a bad value is a RangeError naming it. */
export function checkResample(resample: ResampleOptions | undefined, sampler: string | undefined): { jumps: number; length: number; start: number } {
  const r = resample ?? {};
  if (r === null || typeof r !== 'object') throw new TypeError('resample: expected { jumps, length }');
  const dpm = sampler === 'dpm-solver++';
  const jumps = r.jumps ?? (dpm ? 1 : DEFAULT_RESAMPLE.jumps);
  const length = r.length ?? DEFAULT_RESAMPLE.length;
  if (!Number.isInteger(jumps) || jumps < 1 || jumps > 100) throw new RangeError(`resample.jumps: expected an integer in [1, 100], got ${String(jumps)}`);
  if (!Number.isInteger(length) || length < 1 || length > 100000) throw new RangeError(`resample.length: expected an integer in [1, 100000], got ${String(length)}`);
  const start = r.start ?? DEFAULT_RESAMPLE.start;
  if (typeof start !== 'number' || !(start >= 0 && start <= 1)) throw new RangeError(`resample.start: expected a share of the chain in [0, 1], got ${String(start)}`);
  if (dpm && jumps > 1) {
    throw new RangeError("resample.jumps: jumps need a one-step sampler ('ddpm' or 'ddim'); DPM-Solver++ carries the previous step's prediction");
  }
  return { jumps, length, start };
}
