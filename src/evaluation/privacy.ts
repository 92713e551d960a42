/**
 * Privacy: how close the synthetic rows come to the training rows (docs/evaluation.md).
 * - DCR (distance to closest record): each synthetic row's distance to its nearest training
 *   row, beside the same for real holdout rows, which the model never saw: how close a fresh row
 *   of the distribution comes by chance.
 * - dcrShare: the chance that a synthetic row is closer to the training rows than a holdout row
 *   (ties half). 0.5: no closer than fresh data; towards 1: copies or near-copies.
 * - NNDR: nearest / second-nearest training distance; near 0, a row sits on one training record.
 * - Exact copies: synthetic rows equal, in every column, to a training row.
 * Neighbours are exact (native/cpu/nearest.cpp: GEMM in blocks, candidates re-ranked in double).
 */
import type { TableInput } from '../transformer.js';
import { distanceDesign, numericStats } from './features.js';
import { evalOps } from './gbdt.js';
import { checkOptions, readSameColumns, rowKeys } from './tables.js';

export interface PrivacyOptions {
  /** Real rows the synthesizer did not see (needed for dcrShare and the holdout reference). */
  holdout?: TableInput;
  categorical?: readonly string[];
  threads?: number;
}

export interface PrivacyResult {
  rows: { train: number; synthetic: number; holdout: number | null };
  /** Coordinates of the distance space. */
  dims: number;
  /** Per synthetic row: distance to the nearest training row. */
  dcrSynthetic: Float64Array;
  /** Per holdout row: distance to the nearest training row (null without a holdout). */
  dcrHoldout: Float64Array | null;
  /** P(DCR of a synthetic row < DCR of a holdout row) + P(equal) / 2; 0.5 is ideal (null without a holdout). */
  dcrShare: number | null;
  medianDcr: { synthetic: number; holdout: number | null };
  /** Mean nearest / second-nearest distance ratio (1 when both are 0). */
  meanNndr: { synthetic: number; holdout: number | null };
  /** Synthetic rows identical to some training row, and their share. */
  exactCopies: number;
  exactCopyShare: number;
  /** Holdout rows identical to some training row (duplicates in the real data itself). */
  holdoutExactCopies: number | null;
}

export function privacy(train: TableInput, synthetic: TableInput, options: PrivacyOptions = {}): PrivacyResult {
  checkOptions(options);
  const hasHoldout = options.holdout !== undefined;
  const tables = [
    { name: 'train', table: train },
    { name: 'synthetic', table: synthetic },
    ...(hasHoldout ? [{ name: 'options.holdout', table: options.holdout as TableInput }] : []),
  ];
  const read = readSameColumns(tables, options.categorical);
  const [trainCols, synCols, holdCols] = read.columns;
  const [nTrain, nSyn, nHold] = read.rows as [number, number, number | undefined];
  const stats = numericStats(trainCols!, read.columns);
  const ref = distanceDesign(trainCols!, stats, nTrain);
  const ops = evalOps();
  const k = Math.min(2, nTrain);
  const neighbours = (cols: typeof trainCols, rows: number): { dcr: Float64Array; nndr: number } => {
    const q = distanceDesign(cols!, stats, rows);
    const nn = ops.nearestNeighbours({ queries: q.x, rows, refs: ref.x, refRows: nTrain, cols: ref.dims, k, ...(options.threads ? { threads: options.threads } : {}) });
    const dcr = new Float64Array(rows);
    let ratioSum = 0;
    for (let i = 0; i < rows; i++) {
      const d1 = Math.sqrt(nn.dist2[i * k]!);
      const d2 = k > 1 ? Math.sqrt(nn.dist2[i * k + 1]!) : d1;
      dcr[i] = d1;
      ratioSum += d2 > 0 ? d1 / d2 : 1;
    }
    return { dcr, nndr: ratioSum / rows };
  };
  const syn = neighbours(synCols, nSyn);
  const hold = hasHoldout ? neighbours(holdCols, nHold!) : null;

  const trainKeys = new Set(rowKeys(trainCols!, nTrain));
  const copies = (cols: typeof trainCols, rows: number): number => rowKeys(cols!, rows).filter((key) => trainKeys.has(key)).length;
  const exactCopies = copies(synCols, nSyn);
  return {
    rows: { train: nTrain, synthetic: nSyn, holdout: hasHoldout ? nHold! : null },
    dims: ref.dims,
    dcrSynthetic: syn.dcr,
    dcrHoldout: hold?.dcr ?? null,
    dcrShare: hold ? closerShare(syn.dcr, hold.dcr) : null,
    medianDcr: { synthetic: median(syn.dcr), holdout: hold ? median(hold.dcr) : null },
    meanNndr: { synthetic: syn.nndr, holdout: hold?.nndr ?? null },
    exactCopies,
    exactCopyShare: exactCopies / nSyn,
    holdoutExactCopies: hasHoldout ? copies(holdCols, nHold!) : null,
  };
}

/** P(a < b) + P(a = b) / 2 for a drawn from `a`, b from `b` (by sorting b and binary search). */
export function closerShare(a: Float64Array, b: Float64Array): number {
  const sorted = Float64Array.from(b).sort();
  const lowerBound = (x: number, strict: boolean): number => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? sorted[mid]! < x : sorted[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let sum = 0;
  for (const x of a) {
    const below = lowerBound(x, true);
    const upTo = lowerBound(x, false);
    sum += (sorted.length - upTo + (upTo - below) / 2) / sorted.length;
  }
  return sum / a.length;
}

export function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
