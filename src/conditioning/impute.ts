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

/** Samples rows for `cond` (all its given rows) at global rows [offset, offset + n) of `seed`. */
export type ConditionalSampler = (cond: Conditions, offset: number, seed: number) => Promise<OutputColumns>;

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

/** Completes the table `draws` times; cells left as gaps after MAX_ROUNDS are reported to onWarning (else process.emitWarning). */
export async function imputeTables(
  cond: Conditions, records: readonly Record<string, unknown>[], draws: number, seed: number, sample: ConditionalSampler,
  onWarning?: (message: string) => void,
): Promise<OutputRow[][]> {
  const n = records.length;
  const withGaps: number[] = [];
  for (let i = 0; i < n; i++) if (cond.freeColumns(i).length > 0) withGaps.push(i);
  const tables: OutputRow[][] = [];
  let unfilled = 0;
  for (let d = 0; d < draws; d++) {
    const out = records.map((r) => ({ ...r }) as OutputRow);
    let pending = withGaps;
    let left = 0;
    for (let round = 0; round <= MAX_ROUNDS && pending.length > 0; round++) {
      const sub = cond.select(pending);
      const roundSeed = (seed + round * ROUND_SEED_STRIDE) % 2 ** 48;
      const columns = await sample(sub, d * n, roundSeed);
      const again: number[] = [];
      pending.forEach((row, k) => {
        const free = cond.freeColumns(row);
        const gap = free.some((name) => isGapOut(columns[name]![k]));
        if (gap && round < MAX_ROUNDS) {
          again.push(row);
          return;
        }
        for (const name of free) {
          const v = columns[name]![k];
          out[row]![name] = isGapOut(v) ? null : (v as number | string | Date);
          if (isGapOut(v)) left++;
        }
      });
      pending = again;
    }
    tables.push(out);
    unfilled += left;
  }
  if (unfilled > 0) {
    const message = `impute: ${unfilled} cell(s) over ${draws} draw(s) were drawn as gaps in every try and stay gaps (the model gives gaps a high probability there)`;
    if (onWarning) onWarning(message);
    else process.emitWarning(message, { code: 'TABDIFF_IMPUTE_GAPS' });
  }
  return tables;
}

function isGapOut(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}
