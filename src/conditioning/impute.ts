// impute(): every gap of a table drawn from the model given the row's observed cells.
// Rows without gaps are not sampled. A gap can itself be a class of the model (a categorical
// column's gap class, a numeric column's gap mode); a row whose draw fills a gap with a gap is
// drawn again with another seed (rejection on "no filled cell is a gap", i.e. the conditional
// given that the cells hold values), at most MAX_ROUNDS times; cells still gaps after that stay
// gaps and are reported in the warning. docs/imputation.md.
import { TabularDataError, tableView } from '../table/input.js';
import type { OutputColumns, OutputRow, TableInput, TabularTransformer } from '../transformer.js';
import { Conditions, GivenRow } from './given.js';

export const MAX_ROUNDS = 8;
const ROUND_SEED_STRIDE = 0x9e3779b1;

export type ImputeProgress = (progress: { rowsDone: number; rows: number }) => void;

/** Samples rows for `cond` (all its given rows) at global rows [offset, offset + n) of `seed`. */
export type ConditionalSampler = (cond: Conditions, offset: number, seed: number, onProgress?: ImputeProgress) => Promise<OutputColumns>;

type Filled = OutputRow[string] | null;

/** The draws of the gap cells only; complete rows are not copied per draw. */
export interface GapDraws {
  /** Input row of each row with gaps (k-th gap row = rows[k]). */
  rows: number[];
  /** Its drawn (free) columns. */
  free: string[][];
  /** values[d][k][j]: draw d of free column free[k][j] of the k-th gap row; null = still a gap. */
  values: Filled[][][];
  /** Cells still gaps after MAX_ROUNDS, over all draws. */
  unfilled: number;
}

/** Reads the table to complete: the model's columns as given rows (gaps free), and the rows to output. */
export function readImputeInput(transformer: TabularTransformer, rows: TableInput): { given: GivenRow[]; records: Record<string, unknown>[] } {
  const view = tableView(rows, 'rows');
  if (view.nRows === 0) throw new TabularDataError('rows: empty table (0 rows)');
  const names = transformer.columns.map((c) => c.name);
  const present = new Set(view.names);
  const records: Record<string, unknown>[] = [];
  if (view.format === 'records') {
    (rows as readonly Record<string, unknown>[]).forEach((r, i) => {
      if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new TypeError(`rows: row ${i} is not an object record`);
      records.push({ ...r });
    });
  } else {
    const cols = view.names.map((n) => view.column(n));
    for (let i = 0; i < view.nRows; i++) {
      const rec: Record<string, unknown> = {};
      view.names.forEach((n, j) => (rec[n] = cols[j]![i]));
      records.push(rec);
    }
  }
  const given = records.map((r) => {
    const g: Record<string, unknown> = {};
    for (const n of names) if (present.has(n) || n in r) g[n] = r[n];
    return g;
  });
  return { given, records };
}

/** Rows of one native sampling call: bounds the decoded columns held at once, not the result. */
const CALL_ROWS = 1 << 16;

/**
 * Draws every gap cell `draws` times. All draws of a round go to the sampler together (in calls
 * of up to CALL_ROWS rows), so a table with few gap rows still fills every thread. Draw d of gap
 * row k (k-th row with a gap) is global row d * G + k of round 0 (G rows with gaps); a round's
 * retries are numbered in (draw, row) order. The bytes therefore depend on the seed only, not on
 * how the rows are split into calls or chunks, and the first m draws of a call are those of a call
 * asking for m.
 */
export async function drawGaps(
  cond: Conditions, nRows: number, draws: number, seed: number, sample: ConditionalSampler, onProgress?: ImputeProgress,
): Promise<GapDraws> {
  const rows: number[] = [];
  const free: string[][] = [];
  for (let i = 0; i < nRows; i++) {
    const f = cond.freeColumns(i);
    if (f.length > 0) {
      rows.push(i);
      free.push(f);
    }
  }
  const values: Filled[][][] = Array.from({ length: draws }, () => free.map((f) => new Array<Filled>(f.length).fill(null)));
  let pending: { draw: number; k: number }[] = [];
  for (let d = 0; d < draws; d++) for (let k = 0; k < rows.length; k++) pending.push({ draw: d, k });
  let unfilled = 0;
  const total = pending.length;
  for (let round = 0; round <= MAX_ROUNDS && pending.length > 0; round++) {
    const roundSeed = (seed + round * ROUND_SEED_STRIDE) % 2 ** 48;
    const again: typeof pending = [];
    for (let at = 0; at < pending.length; at += CALL_ROWS) {
      const part = pending.slice(at, at + CALL_ROWS);
      // Progress counts round 0 (draws x gap rows); retries are few and not known in advance.
      const report = onProgress && round === 0 ? (p: { rowsDone: number }) => onProgress({ rowsDone: at + p.rowsDone, rows: total }) : undefined;
      const columns = await sample(cond.select(part.map((q) => rows[q.k]!)), at, roundSeed, report);
      part.forEach(({ draw, k }, i) => {
        const names = free[k]!;
        if (round < MAX_ROUNDS && names.some((name) => isGapOut(columns[name]![i]))) {
          again.push({ draw, k });
          return;
        }
        names.forEach((name, j) => {
          const v = columns[name]![i];
          if (isGapOut(v)) unfilled++;
          else values[draw]![k]![j] = v as Filled;
        });
      });
    }
    pending = again;
  }
  return { rows, free, values, unfilled };
}

/** The completed tables: the input rows with each draw's values in the gap cells. */
export function completeTables(records: readonly Record<string, unknown>[], g: GapDraws): OutputRow[][] {
  return g.values.map((drawn) => {
    const out = records.map((r) => ({ ...r }) as OutputRow);
    g.rows.forEach((row, k) => g.free[k]!.forEach((name, j) => (out[row]![name] = drawn[k]![j]!)));
    return out;
  });
}

/** impute's warning about cells left as gaps: to onWarning, else process.emitWarning. */
export function warnGaps(message: string, onWarning?: (message: string) => void): void {
  if (onWarning) onWarning(message);
  else process.emitWarning(message, { code: 'TABDIFF_IMPUTE_GAPS' });
}

function isGapOut(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}
