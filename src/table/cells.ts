// One numeric cell to and from its Gaussian value, placeholders of masked cells, and the
// shape check of a categorical index matrix.
import { mulberry32 } from '../prng.js';
import type { ColumnSpec } from './columns.js';
import { fromNormal, toNormal } from './quantile-map.js';
import type { IntMatrix } from './types.js';

/**
 * Placeholders of a column's masked cells (gaps, point masses): values resampled (seeded, per
 * column) from the column's own observed cells. The loss ignores them, but the network sees
 * them in its input: a constant there would tell it "this row's mode is not a value", a cue
 * that sampling, where the cell evolves like any value, never gives; a gap rate that depends on
 * another column then came out 7 points low. With typical values there is no such cue.
 */
export function fillPlaceholders(numeric: Float32Array, observed: Uint8Array, n: number, W: number, k: number, column: number): void {
  const pool: number[] = [];
  for (let i = 0; i < n; i++) if (observed[i * W + k]) pool.push(numeric[i * W + k]!);
  if (pool.length === n) return;
  const rng = mulberry32(0x9e3779b9 ^ column);
  for (let i = 0; i < n; i++) {
    if (observed[i * W + k]) continue;
    numeric[i * W + k] = pool.length > 0 ? pool[Math.floor(rng() * pool.length)]! : 0;
  }
}

/** A value of a numeric column -> its Gaussian cell. */
export function encodeValue(c: ColumnSpec, x: number): number {
  if (c.kind === 'binary') return x;
  return c.quantile ? toNormal(c.quantile, x) : (x - c.mean) / c.sd;
}

/** A Gaussian cell -> the value: inverse map, rounding of integers and dates, clipping. */
export function decodeValue(c: ColumnSpec, v: number, clip: boolean): number {
  // A constant column (one value in training) comes back as that value, clipped or not.
  if (c.lo === c.hi && c.masses.length === 0) return c.lo;
  let x = c.quantile ? fromNormal(c.quantile, v) : v * c.sd + c.mean;
  const integral = c.kind === 'integer' || c.kind === 'date';
  if (clip) x = Math.min(Math.max(x, c.lo), c.hi);
  if (integral) {
    x = Math.round(x);
    // Keep a rounded value inside the range too (lo and hi are group means, not integers).
    if (clip) x = Math.min(Math.max(x, Math.ceil(c.lo)), Math.max(Math.floor(c.hi), Math.ceil(c.lo)));
    x = x || 0; // -0 -> 0
  }
  // Non-negativity holds with clip: false too, for integers as for continuous columns (dates
  // are exempt: a date before 1970 is a negative number but a fine date).
  if (c.nonnegative && c.kind !== 'date' && x < 0) x = 0;
  return x;
}

export function checkIntMatrix(m: IntMatrix | null, rows: number, cols: number): void {
  if (m == null || typeof m !== 'object' || !(m.data instanceof Int32Array)) {
    throw new TypeError('values.categorical: expected { rows, cols, data: Int32Array } with the class indices of the categorical columns');
  }
  if (m.rows !== rows) throw new RangeError(`values.categorical: has ${m.rows} rows but values.numeric has ${rows}`);
  if (m.cols !== cols) throw new RangeError(`values.categorical: expected ${cols} columns (one per discrete part), got ${m.cols}`);
  if (m.data.length !== rows * cols) throw new RangeError(`values.categorical: data has ${m.data.length} values, expected rows*cols = ${rows * cols}`);
}
