// impute(rows, { point: true }): one best-guess table from m draws, for users who want a single
// fill (as scikit-learn's imputers give) rather than multiple imputation. Per gap cell:
//   continuous and integer columns: the mean of the draws (the estimate with the least squared
//     error; an integer column can get a non-integer mean);
//   binary and categorical columns: the most frequent draw (ties: the value that reached the count first);
//   date columns: the median draw (a value in the column's own format).
// Draws that left the cell a gap are skipped; a cell with no value in any draw stays a gap.
// docs/imputation.md, "Point estimates".
import type { ColumnKind } from '../table/columns.js';
import type { OutputRow } from '../transformer.js';
import type { GapDraws } from './impute.js';
import { drawsForLevel, lowerRank, predictionInterval } from './interval.js';

/** Draws pooled into one table when `draws` is not given (bench/impute.mjs: 10 vs 50 draws). */
export const POINT_DRAWS = 50;

/**
 * The pooled table: the input rows with each gap cell's pooled draws; `left` counts the cells no
 * draw filled (they stay gaps).
 */
export function poolDraws(
  records: readonly Record<string, unknown>[], g: GapDraws, kinds: ReadonlyMap<string, ColumnKind>,
): { table: OutputRow[]; left: number } {
  const table = records.map((r) => ({ ...r }) as OutputRow);
  let left = 0;
  forEachGapCell(g, (row, name, values) => {
    if (values.length === 0) {
      table[row]![name] = null;
      left++;
    } else table[row]![name] = pool(kinds.get(name)!, values);
  });
  return { table, left };
}

/** Each gap cell (input row, column) with the values its draws gave (draws that left it a gap skipped). */
function forEachGapCell(g: GapDraws, fn: (row: number, name: string, values: Cell[]) => void): void {
  g.rows.forEach((row, k) => g.free[k]!.forEach((name, j) => {
    fn(row, name, g.values.map((drawn) => drawn[k]![j]).filter((v): v is Cell => v !== null && v !== undefined));
  }));
}

const dateMs = (v: Cell): number => (v instanceof Date ? v.getTime() : Date.parse(String(v)));

type Cell = OutputRow[string];

function pool(kind: ColumnKind, values: Cell[]): Cell {
  if (kind === 'continuous' || kind === 'integer') {
    let sum = 0;
    for (const v of values) sum += v as number;
    return sum / values.length;
  }
  if (kind === 'date') {
    const sorted = values.slice().sort((a, b) => dateMs(a) - dateMs(b));
    return sorted[(sorted.length - 1) >> 1]!;
  }
  const counts = new Map<Cell, number>();
  let best: Cell = values[0]!, bestCount = 0;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

/**
 * impute(rows, { point: true, interval }): the tables of lower and upper bounds. A continuous or
 * integer gap cell gets predictionInterval of its draws (interpolated between draws, so an
 * integer column's bound can be fractional); a date cell the draws at whole ranks just outside
 * (floor of the lower rank, ceiling of the upper: at least `level`, in the column's own format).
 * Binary and categorical cells have no order: both tables hold the pooled class, as the point
 * table does. A cell with fewer filled draws than the level needs keeps the widest interval its
 * draws give (their minimum and maximum). Observed cells are their own bounds.
 */
export function poolIntervals(
  g: GapDraws, kinds: ReadonlyMap<string, ColumnKind>, point: readonly OutputRow[], level: number,
): [OutputRow[], OutputRow[]] {
  const lower = point.map((r) => ({ ...r }));
  const upper = point.map((r) => ({ ...r }));
  forEachGapCell(g, (row, name, values) => {
    const kind = kinds.get(name)!;
    if ((kind !== 'continuous' && kind !== 'integer' && kind !== 'date') || values.length === 0) return;
    const [lo, hi] = kind === 'date' ? dateBounds(values, level) : numericBounds(values as number[], level);
    lower[row]![name] = lo;
    upper[row]![name] = hi;
  });
  return [lower, upper];
}

function numericBounds(values: number[], level: number): [number, number] {
  if (values.length >= drawsForLevel(level)) return predictionInterval(values, level);
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function dateBounds(values: Cell[], level: number): [Cell, Cell] {
  const sorted = values.slice().sort((a, b) => dateMs(a) - dateMs(b));
  const m = sorted.length;
  const rank = lowerRank(m, level);
  const lo = Math.max(1, Math.floor(rank + 1e-9));
  const hi = Math.min(m, Math.ceil(m + 1 - rank - 1e-9));
  return [sorted[lo - 1]!, sorted[hi - 1]!];
}
