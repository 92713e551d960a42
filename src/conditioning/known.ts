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

/** RePaint's resampling: each block of `length` reverse steps is run `jumps` times, jumping back up in between. */
export interface ResampleOptions {
  jumps?: number;
  length?: number;
}

/** Defaults: RePaint's own (10 and 10); docs/imputation.md gives the bias and cost of other choices. */
export const DEFAULT_RESAMPLE = { jumps: 10, length: 10 } as const;

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
  const { jumps, length } = checkResample(resample, sampler);
  return { known: values, knownMask: mask, knownRows: rows, resampleJumps: jumps, resampleLength: length };
}

/** The resampling schedule with defaults filled in; a bad value is a RangeError naming it. */
export function checkResample(resample: ResampleOptions | undefined, sampler: string | undefined): { jumps: number; length: number } {
  const r = resample ?? {};
  if (r === null || typeof r !== 'object') throw new TypeError('resample: expected { jumps, length }');
  const dpm = sampler === 'dpm-solver++';
  const jumps = r.jumps ?? (dpm ? 1 : DEFAULT_RESAMPLE.jumps);
  const length = r.length ?? DEFAULT_RESAMPLE.length;
  if (!Number.isInteger(jumps) || jumps < 1 || jumps > 100) throw new RangeError(`resample.jumps: expected an integer in [1, 100], got ${String(jumps)}`);
  if (!Number.isInteger(length) || length < 1 || length > 100000) throw new RangeError(`resample.length: expected an integer in [1, 100000], got ${String(length)}`);
  if (dpm && jumps > 1) {
    throw new RangeError("resample.jumps: jumps need a one-step sampler ('ddpm' or 'ddim'); DPM-Solver++ carries the previous step's prediction");
  }
  return { jumps, length };
}
