/**
 * Reading the tables an evaluation compares: the same columns on every side (a clear error
 * naming the argument and the column otherwise), at least one row each, one kind per column and
 * one category vocabulary shared by all the tables (metrics.ts readTables).
 */
import { ReadColumn, readTables } from '../table/read-columns.js';
import { TableView, TabularDataError, tableView } from '../table/input.js';
import type { TableInput } from '../transformer.js';

export type { ReadColumn };

export interface NamedTable {
  /** The argument's name, used in messages ("real", "synthetic", "options.holdout"). */
  name: string;
  table: TableInput;
}

export interface ReadTables {
  names: string[];
  /** Per table (in the order given), its columns in `names` order. */
  columns: ReadColumn[][];
  rows: number[];
}

/** Reads tables that must hold the same columns as the first one. */
export function readSameColumns(tables: readonly NamedTable[], categorical: readonly string[] = []): ReadTables {
  const views: TableView[] = tables.map(({ name, table }) => {
    const view = tableView(table, name);
    if (view.nRows === 0) throw new TabularDataError(`${name}: empty table (0 rows)`);
    if (view.names.length === 0) throw new TabularDataError(`${name}: no columns in row 0`);
    return view;
  });
  const first = views[0]!;
  const names = first.names.slice();
  for (let t = 1; t < views.length; t++) {
    const have = new Set(views[t]!.names);
    const missing = names.find((n) => !have.has(n));
    if (missing !== undefined) {
      throw new TabularDataError(`${tables[t]!.name}: missing column "${missing}" (${tables[0]!.name} has it)`, missing);
    }
    const known = new Set(names);
    const extra = views[t]!.names.find((n) => !known.has(n));
    if (extra !== undefined) {
      throw new TabularDataError(`${tables[t]!.name}: column "${extra}" is not in ${tables[0]!.name}`, extra);
    }
  }
  const columns = readTables(views, names, new Set(categorical), tables.map((t) => t.name));
  return { names, columns, rows: views.map((v) => v.nRows) };
}

/** Row i of a read table as one string key (exact values; gaps as their own token). */
export function rowKeys(cols: readonly ReadColumn[], rows: number): string[] {
  const out = new Array<string>(rows);
  for (let i = 0; i < rows; i++) {
    const parts = new Array<string>(cols.length);
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j]!;
      parts[j] = c.kind === 'numeric' ? (Number.isNaN(c.values[i]!) ? '\u0000gap' : String(c.values[i]!)) : `#${c.codes[i]!}`;
    }
    out[i] = parts.join('\u0001');
  }
  return out;
}

/** The rows `idx` of a read column. */
export function pickRows(c: ReadColumn, idx: ArrayLike<number>): ReadColumn {
  if (c.kind === 'numeric') {
    const v = new Float64Array(idx.length);
    for (let i = 0; i < idx.length; i++) v[i] = c.values[idx[i]!]!;
    return { name: c.name, kind: 'numeric', values: v };
  }
  const codes = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) codes[i] = c.codes[idx[i]!]!;
  return { name: c.name, kind: 'categorical', codes, categories: c.categories };
}

/** Checks a seed option: an integer in [0, 2^32). */
export function checkSeed(seed: unknown, name = 'options.seed'): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new RangeError(`${name}: expected an integer in [0, 2^32), got ${String(seed)}`);
  }
  return seed;
}

export function checkOptions(options: unknown): void {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
}
