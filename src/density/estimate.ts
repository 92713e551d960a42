// Log-density of rows under a fitted model (TabularDiffusion.logDensity): the native estimators
// of native/cpu/density_path.cpp and density_ode.cpp (Gaussian models) and density_mixed.cpp
// (mixed models: the joint chain, docs/density.md section 5), called on slices of
// rows so a long call can be aborted between slices (the slicing never changes a result: each
// row's draws are indexed by its global row). The maths and its choices are docs/density.md.
import { Matrix, MatrixLike, toMatrix } from '../matrix.js';
import { NativeModel, loadNative } from '../native.js';
import type { NoiseSchedule } from '../schedule.js';
import type { IntMatrix } from '../transformer.js';

export type DensityMethod = 'path-integral' | 'ode';

export interface LogDensityOptions {
  /** 'path-integral' (default): Monte Carlo over noise levels; 'ode': the probability-flow ODE. */
  method?: DensityMethod;
  /** Path integral: network evaluations per row, in antithetic pairs (default 100). */
  throws?: number;
  /** ODE: fixed RK4 steps on the clock log(sigma / alpha) (default 100). */
  steps?: number;
  /** ODE: 0 = exact divergence (d forward-mode passes; default for d <= 64), else Hutchinson probes per row (default 4 above 64). */
  probes?: number;
  seed?: number;
  /** Index of the first row: rows [a, b) of one call equal rows [a, b) of a larger call. */
  offset?: number;
  context?: MatrixLike;
  /**
   * Mixed-type models: [rows x numeric columns] 1 = the cell holds a value, 0 = masked (its
   * mode is a gap or a point mass). Masked cells are left out of the Gaussian part, as in
   * training (docs/density.md section 5). Default: every cell holds a value.
   */
  observed?: Uint8Array;
  signal?: AbortSignal;
  onProgress?: (progress: { rowsDone: number; rows: number }) => void;
}

export interface LogDensityResult {
  /** log p(x) per row, in nats, in the coordinates the model was fitted on. */
  logDensity: Float64Array;
  /** Monte Carlo standard error per row (0 for the ODE with the exact divergence; NaN when it cannot be estimated). */
  standardError: Float64Array;
  /**
   * Mixed-type models only: the discrete chain's part of logDensity per row (minus its prior
   * term and the integral of its bound term); logDensity - discrete is the Gaussian part.
   */
  discrete?: Float64Array;
  /** Mixed-type models only: the Monte Carlo standard error of `discrete`. */
  discreteStandardError?: Float64Array;
  method: DensityMethod;
  /** 'estimate' (path integral, ODE with Hutchinson probes) or 'deterministic' (ODE, exact divergence: only discretisation error). */
  kind: 'estimate' | 'deterministic';
  throws?: number;
  steps?: number;
  probes?: number;
}

/** Network evaluations per native call (about a second or less): the granularity of abort and progress. */
const SLICE_EVALUATIONS = 4e6;
const EXACT_TRACE_MAX_DIM = 64;

function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

export function resolveDensityOptions(o: LogDensityOptions, dim: number): {
  method: DensityMethod; throws: number; steps: number; probes: number; seed: number; offset: number;
} {
  if (o === null || typeof o !== 'object') throw new TypeError('options: expected an object');
  const method = o.method ?? 'path-integral';
  if (method !== 'path-integral' && method !== 'ode') throw new RangeError(`method: expected 'path-integral' or 'ode', got ${JSON.stringify(method)}`);
  if (method === 'ode' && o.throws !== undefined) throw new RangeError("throws: applies to method 'path-integral'");
  if (method === 'path-integral' && (o.steps !== undefined || o.probes !== undefined)) {
    throw new RangeError("steps / probes: apply to method 'ode'");
  }
  return {
    method,
    throws: checkInt('throws', o.throws ?? 100, 1, 100000),
    steps: checkInt('steps', o.steps ?? 100, 1, 100000),
    probes: checkInt('probes', o.probes ?? (dim > EXACT_TRACE_MAX_DIM ? 4 : 0), 0, 256),
    seed: checkInt('seed', o.seed ?? 0, 0, Number.MAX_SAFE_INTEGER),
    offset: checkInt('offset', o.offset ?? 0, 0, 2 ** 47),
  };
}

/** Numeric rows with NaN or infinite values: a RangeError naming the row and column. */
export function readDensityRows(X: MatrixLike, dim: number, columnName: (j: number) => string): Matrix {
  const x = toMatrix(X, 'X');
  if (x.rows < 1) throw new RangeError('X: needs at least one row');
  if (x.cols !== dim) throw new RangeError(`X: has ${x.cols} columns, the model was fitted on ${dim}`);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i]!)) {
      throw new RangeError(`X: row ${Math.floor(i / dim)}, column ${columnName(i % dim)}: ${x.data[i]} is not a finite number`);
    }
  }
  return x;
}

function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  (err as Error & { code: string }).code = 'ABORT_ERR';
  return err;
}

/** Mixed-type models: the class indices of the rows and the numeric cells' observed mask. */
export interface DiscreteRows {
  categorical: IntMatrix;
  observed?: Uint8Array;
}

/** The estimator over all rows of x, slice by slice. */
export async function estimateLogDensity(
  native: NativeModel, schedule: NoiseSchedule, x: Matrix, context: Matrix | undefined, options: LogDensityOptions,
  discreteRows?: DiscreteRows,
): Promise<LogDensityResult> {
  const o = resolveDensityOptions(options, x.cols);
  if (discreteRows && o.method === 'ode') {
    throw new RangeError("method: 'ode' is not available for models with categorical columns on a discrete chain (use 'path-integral')");
  }
  const C = discreteRows?.categorical.cols ?? 0;
  const discrete = discreteRows ? new Float64Array(x.rows) : undefined;
  const discreteSe = discreteRows ? new Float64Array(x.rows) : undefined;
  const addon = loadNative();
  const logDensity = new Float64Array(x.rows);
  const standardError = new Float64Array(x.rows);
  const perRow = o.method === 'ode' ? 4 * o.steps * (1 + (o.probes > 0 ? o.probes : x.cols)) : o.throws;
  const sliceRows = Math.max(64, Math.min(16384, Math.floor(SLICE_EVALUATIONS / perRow)));
  for (let start = 0; start < x.rows; start += sliceRows) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const rows = Math.min(sliceRows, x.rows - start);
    const ctx = context
      ? context.rows === 1 ? { context: context.data, contextRows: 1 }
        : { context: context.data.subarray(start * context.cols, (start + rows) * context.cols), contextRows: rows }
      : {};
    const out = addon.densityLogp({
      model: native, x: x.data.subarray(start * x.cols, (start + rows) * x.cols), rows, alphaBars: schedule.alphaBars,
      method: o.method, throws: o.throws, steps: o.steps, probes: o.probes, seed: o.seed, rowOffset: o.offset + start, ...ctx,
      ...(discreteRows ? {
        categorical: discreteRows.categorical.data.subarray(start * C, (start + rows) * C),
        ...(discreteRows.observed ? { observed: discreteRows.observed.subarray(start * x.cols, (start + rows) * x.cols) } : {}),
      } : {}),
    });
    logDensity.set(out.logp, start);
    if (discrete) discrete.set(out.discrete!, start);
    if (discreteSe) discreteSe.set(out.discreteSe!, start);
    standardError.set(out.se, start);
    options.onProgress?.({ rowsDone: start + rows, rows: x.rows });
    // Lets timers and the abort signal run between slices.
    if (start + rows < x.rows) await new Promise((resolve) => setImmediate(resolve));
  }
  const result: LogDensityResult = {
    logDensity, standardError, method: o.method, kind: o.method === 'ode' && o.probes === 0 ? 'deterministic' : 'estimate',
  };
  if (discrete) result.discrete = discrete;
  if (discreteSe) result.discreteStandardError = discreteSe;
  if (o.method === 'ode') {
    result.steps = o.steps;
    result.probes = o.probes;
  } else {
    result.throws = o.throws;
  }
  return result;
}
