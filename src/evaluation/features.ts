/**
 * Design matrices built from read columns (tables.ts), one per use:
 * - treeDesign: what the GBDT sees. Numbers as they are (gaps NaN); a categorical column as the
 *   rank of its category, categories ordered by mean target on the training rows (the order
 *   in which a tree's best binary split of a category set is a threshold, for squared and
 *   logistic loss) or by frequency when no target applies. Categories unseen in training: NaN.
 * - linearDesign: logistic regression's input. Standardised numbers (a gap: 0 and a 1 in a
 *   gap flag), one-hot categories.
 * - distanceDesign: the privacy metric's space (docs/evaluation.md): standardised numbers (gap
 *   flag as above) and one-hot categories scaled by 1/sqrt(2), so a squared distance is the sum
 *   of squared standardised differences plus the number of columns whose categories differ.
 */
import { TabularDataError } from '../table/input.js';
import type { ReadColumn } from './tables.js';

/** Above this many coordinates the distance space is refused (a near-unique text column). */
export const MAX_DISTANCE_DIMS = 4096;

export type CategoryRanks = (Float64Array | null)[];

/** Per column: rank of each category code (NaN when unseen) for categorical columns, else null. */
export function categoryRanks(cols: readonly ReadColumn[], target?: Float64Array): CategoryRanks {
  return cols.map((c) => {
    if (c.kind === 'numeric') return null;
    const K = c.categories.length;
    const count = new Float64Array(K);
    const sum = new Float64Array(K);
    for (let i = 0; i < c.codes.length; i++) {
      count[c.codes[i]!]++;
      if (target) sum[c.codes[i]!] += target[i]!;
    }
    const seen = Array.from({ length: K }, (_, k) => k).filter((k) => count[k]! > 0);
    const key = (k: number): number => (target ? sum[k]! / count[k]! : -count[k]!);
    seen.sort((a, b) => key(a) - key(b) || a - b);
    const rank = new Float64Array(K).fill(NaN);
    seen.forEach((k, r) => (rank[k] = r));
    return rank;
  });
}

export function treeDesign(cols: readonly ReadColumn[], ranks: CategoryRanks, rows: number): Float64Array {
  const d = cols.length;
  const x = new Float64Array(rows * d);
  cols.forEach((c, j) => {
    if (c.kind === 'numeric') for (let i = 0; i < rows; i++) x[i * d + j] = c.values[i]!;
    else {
      const r = ranks[j]!;
      for (let i = 0; i < rows; i++) x[i * d + j] = r[c.codes[i]!]!;
    }
  });
  return x;
}

/** Mean, sd (1 when 0) and whether any gap occurs, per numeric column, from the reference columns. */
export interface NumericStats {
  mean: number;
  sd: number;
  gapFlag: boolean;
}

export function numericStats(reference: readonly ReadColumn[], all: readonly (readonly ReadColumn[])[]): (NumericStats | null)[] {
  return reference.map((c, j) => {
    if (c.kind !== 'numeric') return null;
    let n = 0, s = 0;
    for (const x of c.values) if (!Number.isNaN(x)) (n++, (s += x));
    const mean = n > 0 ? s / n : 0;
    let ss = 0;
    for (const x of c.values) if (!Number.isNaN(x)) ss += (x - mean) ** 2;
    const sd = n > 0 ? Math.sqrt(ss / n) : 0;
    const gapFlag = all.some((t) => (t[j] as { values: Float64Array }).values.some((x) => Number.isNaN(x)));
    return { mean, sd: sd > 0 ? sd : 1, gapFlag };
  });
}

function width(cols: readonly ReadColumn[], stats: readonly (NumericStats | null)[]): number {
  return cols.reduce((w, c, j) => w + (c.kind === 'numeric' ? (stats[j]!.gapFlag ? 2 : 1) : c.categories.length), 0);
}

function fill(cols: readonly ReadColumn[], stats: readonly (NumericStats | null)[], rows: number, oneHot: number, out: Float64Array | Float32Array): void {
  const d = width(cols, stats);
  let at = 0;
  cols.forEach((c, j) => {
    if (c.kind === 'numeric') {
      const s = stats[j]!;
      for (let i = 0; i < rows; i++) {
        const v = c.values[i]!;
        out[i * d + at] = Number.isNaN(v) ? 0 : (v - s.mean) / s.sd;
        if (s.gapFlag) out[i * d + at + 1] = Number.isNaN(v) ? 1 : 0;
      }
      at += s.gapFlag ? 2 : 1;
    } else {
      for (let i = 0; i < rows; i++) out[i * d + at + c.codes[i]!] = oneHot;
      at += c.categories.length;
    }
  });
}

export function linearDesign(cols: readonly ReadColumn[], stats: readonly (NumericStats | null)[], rows: number): { x: Float64Array; dims: number } {
  const dims = width(cols, stats);
  const x = new Float64Array(rows * dims);
  fill(cols, stats, rows, 1, x);
  return { x, dims };
}

export function distanceDesign(cols: readonly ReadColumn[], stats: readonly (NumericStats | null)[], rows: number): { x: Float32Array; dims: number } {
  const dims = width(cols, stats);
  if (dims > MAX_DISTANCE_DIMS) {
    const widest = cols.filter((c) => c.kind === 'categorical').sort((a, b) => (b as { categories: string[] }).categories.length - (a as { categories: string[] }).categories.length)[0];
    throw new TabularDataError(
      `privacy: the distance space would have ${dims} coordinates (limit ${MAX_DISTANCE_DIMS})` +
        (widest ? `; column "${widest.name}" has ${(widest as { categories: string[] }).categories.length} categories (drop it or pass a table without it)` : ''),
      widest?.name,
    );
  }
  const x = new Float32Array(rows * dims);
  fill(cols, stats, rows, Math.SQRT1_2, x);
  return { x, dims };
}
