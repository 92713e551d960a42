// The memorisation gap: mean log-density of the training rows minus that of held-out rows under
// a fitted model (nats). A model that memorised its training rows gives them far higher density
// than fresh rows from the same source; a gap near 0 (within its standard error) is what
// generalisation looks like. It is taken in the model's coordinates (the Gaussian part of
// logDensity), where every row has a value; in user units a row is -Infinity beyond a quantile
// map's range and, for Gaussian-only models, NaN on a gap or point mass (mixed models give such
// rows the mode's probability: src/density/table.ts), and ties of a map use the midpoint-rule
// approximation (src/density/jacobian.ts). The user-unit gap, over the rows finite there, is
// added when at least 2 rows per side are.
import type { TabularSynthesizer } from '../synthesizer.js';
import type { TableInput } from '../transformer.js';
import type { LogDensityOptions } from './estimate.js';

export interface MemorisationGap {
  gap: number;
  /** Standard error of the gap: the two means' sampling errors (rows and Monte Carlo) combined. */
  standardError: number;
  trainMean: number;
  heldOutMean: number;
  trainRows: number;
  heldOutRows: number;
  /** Rows left out for a non-finite model-coordinate log-density, per side. */
  leftOut: { train: number; heldOut: number };
  /** The same in user units over the rows finite there (absent when fewer than 2 per side). */
  userUnits?: { gap: number; standardError: number; trainRows: number; heldOutRows: number };
}

function meanAndSe(v: Float64Array): { mean: number; se: number; n: number; left: number } {
  const a = Array.from(v).filter(Number.isFinite);
  const n = a.length;
  const mean = a.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  return { mean, se: sd / Math.sqrt(n), n, left: v.length - n };
}

export async function memorisationGap(
  synth: TabularSynthesizer, train: TableInput, heldOut: TableInput, options: LogDensityOptions = {},
): Promise<MemorisationGap> {
  const ra = await synth.logDensity(train, options);
  const rb = await synth.logDensity(heldOut, options);
  const a = meanAndSe(ra.gaussian);
  const b = meanAndSe(rb.gaussian);
  if (a.n < 2 || b.n < 2) throw new RangeError('memorisationGap: needs at least 2 rows with a finite log-density on each side');
  const out: MemorisationGap = {
    gap: a.mean - b.mean, standardError: Math.hypot(a.se, b.se), trainMean: a.mean, heldOutMean: b.mean,
    trainRows: a.n, heldOutRows: b.n, leftOut: { train: a.left, heldOut: b.left },
  };
  const ua = meanAndSe(ra.logDensity);
  const ub = meanAndSe(rb.logDensity);
  if (ua.n >= 2 && ub.n >= 2) {
    out.userUnits = { gap: ua.mean - ub.mean, standardError: Math.hypot(ua.se, ub.se), trainRows: ua.n, heldOutRows: ub.n };
  }
  return out;
}
