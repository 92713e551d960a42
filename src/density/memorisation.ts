// The memorisation gap: mean log-density of the training rows minus that of held-out rows under
// a fitted model (nats, user units). A model that memorised its training rows gives them far
// higher density than fresh rows from the same source; a gap near 0 (within its standard error)
// is what generalisation looks like. Rows with a non-finite log-density (beyond a quantile map's
// range, gaps) are left out and counted.
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
  /** Rows left out for a non-finite log-density, per side. */
  leftOut: { train: number; heldOut: number };
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
  const a = meanAndSe((await synth.logDensity(train, options)).logDensity);
  const b = meanAndSe((await synth.logDensity(heldOut, options)).logDensity);
  if (a.n < 2 || b.n < 2) throw new RangeError('memorisationGap: needs at least 2 rows with a finite log-density on each side');
  return {
    gap: a.mean - b.mean, standardError: Math.hypot(a.se, b.se), trainMean: a.mean, heldOutMean: b.mean,
    trainRows: a.n, heldOutRows: b.n, leftOut: { train: a.left, heldOut: b.left },
  };
}
