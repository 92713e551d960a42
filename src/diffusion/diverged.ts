// Rows whose reverse chain ran away from the data: now and then the network's noise prediction,
// asked about a point it never saw in training, pushes a row outwards and the chain runs away
// geometrically, to 10^2-10^30 or to Infinity and NaN (bench/results/runaway-rows.md: on
// california_housing 1 row in 16,000 at 3e7 with the defaults; with a [512, 512] network 8 finite
// rows beyond 20 and 1 non-finite). A NaN stopped the whole call (the decoder refuses it). Such rows are found after the native chain and drawn again from the same row with
// another key, so the result stays a function of (seed, row) alone (docs/architecture.md,
// "Runaway rows"). By default only rows that are not finite count: a finite value cannot be told
// from what a barely trained model draws (the test suite fits such models on purpose; their
// chains end far outside the data); `redrawLimit` lets a caller who knows the scale of the
// model's space also redraw rows beyond a size, and `softRedrawLimit` does so without failing
// on a row that never gets inside (TabularSynthesizer passes the limit it chose at fit:
// synthesizer/runaway.ts).
import type { NativeSampleOptions } from '../native-types.js';

/** The default limit on |value|: none, only values that are not finite count. */
export const DEFAULT_REDRAW_LIMIT = Infinity;

/**
 * Rows (0-based within the call) with a value that is not finite or beyond `limit` in size.
 * Observed cells of an inpainting call (the native arguments' knownMask, 1 row or n) are the
 * caller's values and never count.
 */
export function divergedRows(
  numeric: Float32Array, n: number, cols: number, limit: number,
  call: Pick<NativeSampleOptions, 'knownMask' | 'knownRows'> = {},
): number[] {
  const mask = call.knownMask;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = mask ? (call.knownRows === 1 ? 0 : i) * cols : -1;
    for (let j = 0; j < cols; j++) {
      if (mask && mask[k + j] === 1) continue;
      const v = numeric[i * cols + j]!;
      if (!Number.isFinite(v) || Math.abs(v) > limit) {
        out.push(i);
        break;
      }
    }
  }
  return out;
}

/** Redraws of a row: up to this many keys before the call fails. */
export const REDRAW_ATTEMPTS = 8;

/** The key of redraw `attempt` (1, 2, ...) of a call seeded with `seed`: a fixed odd step apart, mod 2^53. */
export function redrawSeed(seed: number, attempt: number): number {
  return Number((BigInt(seed) + BigInt(attempt) * 0x9e3779b97f4a7c15n) % 2n ** 53n);
}

/** The native sample() arguments of one row of a call: per-row inputs cut to that row, others shared. */
export function oneRowArgs(args: NativeSampleOptions, i: number, attempt: number): NativeSampleOptions {
  const out: NativeSampleOptions = {
    ...args, n: 1, rowOffset: (args.rowOffset ?? 0) + i, seed: redrawSeed(Number(args.seed ?? 0), attempt), progressInterval: 0,
  };
  // n rows of a per-row input are cut to row i; 1 row is shared by every row.
  const cut = <T extends Float32Array | Int32Array | Uint8Array>(data: T | undefined, rows: number | undefined): T | undefined =>
    data !== undefined && rows !== undefined && rows > 1 ? data.subarray(i * (data.length / rows), (i + 1) * (data.length / rows)) as T : data;
  const one = (rows: number | undefined) => (rows !== undefined && rows > 1 ? 1 : rows);
  if (args.contextRows !== undefined) Object.assign(out, { context: cut(args.context, args.contextRows), contextRows: one(args.contextRows) });
  if (args.fixedRows !== undefined) Object.assign(out, { fixed: cut(args.fixed, args.fixedRows), fixedRows: one(args.fixedRows) });
  if (args.knownRows !== undefined) {
    Object.assign(out, { known: cut(args.known, args.knownRows), knownMask: cut(args.knownMask, args.knownRows), knownRows: one(args.knownRows) });
  }
  return out;
}
