// Row slices of a sampled chunk in the model's space, so sampleStream can decode and convert
// a big chunk piecewise and give the event loop back in between.
import type { Matrix } from './matrix.js';
import type { MixedSample } from './sedd/mixed.js';

/** A chunk in the model's space: numeric only, or numeric plus categorical class indices. */
export type Latent = Matrix | MixedSample;

/**
 * Rows decoded and turned into objects per turn of the event loop. 256 rows: bench/stream-lag.mjs
 * measured a largest event-loop gap of 6-11 ms (1024 rows: 22-27 ms; issue 12 asks for <= 20 ms).
 */
export const STREAM_SLICE_ROWS = 256;

function sliceMatrix<T extends { rows: number; cols: number; data: Float32Array | Int32Array }>(m: T, start: number, end: number): T {
  return { ...m, rows: end - start, data: m.data.subarray(start * m.cols, end * m.cols) };
}

/** Rows [start, end) of a chunk (views, no copy). */
export function sliceLatent(z: Latent, start: number, end: number): Latent {
  if ('numeric' in z) return { numeric: sliceMatrix(z.numeric, start, end), categorical: sliceMatrix(z.categorical, start, end) };
  return sliceMatrix(z as Matrix & { data: Float32Array }, start, end);
}
