// A table read by the CLI, held by column: numbers as Float64Array (NaN = gap), other columns as
// strings (or Dates from Parquet), so a large file costs 8 bytes per numeric cell instead of a
// string and an object slot per cell. Messages name the file and its line (CSV) or row (Parquet).
import { CliError } from '../cli/errors.js';

export type ColumnValues = Float64Array | (string | Date | null)[];

export interface ColumnTable {
  /** The path as the user gave it. */
  path: string;
  format: 'csv' | 'parquet';
  /** Column names in file order. */
  columns: string[];
  nRows: number;
  /** Null-prototype object: a column may be named "__proto__". */
  data: Record<string, ColumnValues>;
  /** Columns read as numbers. */
  numeric: string[];
  /** Columns whose text the library would read as numbers (0x10, Infinity): keep them categorical. */
  forceCategorical: string[];
  /** "line 12" (CSV: the line on which row i ends) or "row 13" (Parquet, 1-based). */
  where(i: number): string;
}

/** The decimal numbers of a CSV cell: no hex (0x10), octal, binary, Infinity or thousands separators. */
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Checks the header: every column named, no name twice. */
export function checkHeader(path: string, header: readonly string[], where = 'line 1'): void {
  const seen = new Set<string>();
  header.forEach((name, k) => {
    if (name === '') throw new CliError(`${path}: ${where}: column ${k + 1} of the header has no name`);
    if (seen.has(name)) throw new CliError(`${path}: ${where}: the header names column "${name}" twice`);
    seen.add(name);
  });
}

/** Checks that the columns the user listed exist. */
export function checkListed(table: { path: string; columns: readonly string[] }, names: Iterable<string>): void {
  for (const name of names) {
    if (!table.columns.includes(name)) throw new CliError(`${table.path}: no column "${name}" (columns: ${table.columns.join(', ')})`);
  }
}

/**
 * A library data error about `rows[i]` / row i, said in the file's terms: "<path>: line L: ...".
 * Other errors pass through.
 */
export function tableErrorInFileTerms(err: unknown, table: ColumnTable): unknown {
  const e = err as { name?: string; message?: string };
  if (!e || e.name !== 'TabularDataError' || typeof e.message !== 'string') return err;
  const message = e.message.replace(/\b(?:rows\[(\d+)\]|row (\d+))/g, (_m, a: string | undefined, b: string | undefined) => {
    const i = Number(a ?? b);
    return i < table.nRows ? table.where(i) : `row ${i}`;
  });
  return new CliError(`${table.path}: ${message}`);
}
