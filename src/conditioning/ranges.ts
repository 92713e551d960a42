// Range conditions: the value of a ranged cell is drawn from the column's training marginal
// restricted to the range. The quantile map sends the training values to about N(0, 1), so that
// draw is u ~ U(Phi(z_lo), Phi(z_hi)), z = Phi^-1(u) in the transformed space; the cell is then
// held like a given value and the rest of the row is inpainted around it (docs/imputation.md).
import { loadNative } from '../native.js';

/** Step of the user stream (8) the range uniforms are drawn at: apart from the held-out loss's steps. */
export const RANGE_DRAW_STEP = 0x52414e; // 'RAN'

/** Uniforms [rows x columns] for sampled rows [offset, offset + rows): indexed by global row, so chunking changes nothing. */
export function rangeUniforms(seed: number, offset: number, rows: number, columns: number): Float32Array {
  return loadNative().draws({ seed, stream: 8, rowStart: offset, rows, step: RANGE_DRAW_STEP, cols: columns, kind: 'uniform' });
}
