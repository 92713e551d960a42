// Missing values in numeric columns: a per-cell "observed" mask, rows x numeric columns
// (row-major, as the numeric matrix), 1 = observed, 0 = gap. Gaps hold a fill value in the
// numeric matrix (0 is the convention): the network still sees it in its input, but the cell's
// eps-MSE term is masked out of the training loss and of the held-out loss.

/**
 * Checks a mask for a rows x cols numeric matrix and returns it (no copy). Errors name the
 * argument and the first bad cell as 1-based "row N, column M".
 */
export function readObserved(value: unknown, rows: number, cols: number, argName: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${argName}: expected a Uint8Array of rows x numeric columns (1 = observed, 0 = gap)`);
  }
  if (isDetached(value.buffer)) throw new TypeError(`${argName}: its ArrayBuffer is detached`);
  if (value.length !== rows * cols) {
    throw new RangeError(
      `${argName}: has ${value.length} values, expected rows x numeric columns = ${rows} x ${cols} = ${rows * cols}`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const v = value[i]!;
    if (v !== 0 && v !== 1) {
      const r = Math.floor(i / cols);
      throw new RangeError(`${argName}: row ${r + 1}, column ${i - r * cols + 1} holds ${v}; expected 0 (gap) or 1 (observed)`);
    }
  }
  return value;
}

/** Observed cells per row of a checked mask. */
export function observedPerRow(mask: Uint8Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let j = 0; j < cols; j++) n += mask[r * cols + j]!;
    out[r] = n;
  }
  return out;
}

function isDetached(buffer: ArrayBufferLike): boolean {
  const flag = (buffer as { detached?: unknown }).detached;
  if (typeof flag === 'boolean') return flag;
  try {
    new Uint8Array(buffer, 0, 0); // throws on a detached buffer (Node < 21 has no .detached)
    return false;
  } catch {
    return true;
  }
}
