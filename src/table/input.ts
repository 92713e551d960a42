// Table input: records ({ column: value }[]) or columns ({ column: values[] }), read by column,
// and the cell readers (numbers, category keys) every part of the library shares.
import { arrowToColumns, isArrowTable } from '../arrow.js';
import { dataFrameToColumns, isDataFrameLike } from './dataframe.js';
import { GAP_TOKENS, isGap } from './gaps.js';

/** Bad data: the message names the column and (where one applies) the row (0-based index). */
export class TabularDataError extends Error {
  readonly column: string | undefined;
  readonly row: number | undefined;
  constructor(message: string, column?: string, row?: number) {
    super(message);
    this.name = 'TabularDataError';
    this.column = column;
    this.row = row;
  }
}

/** Uniform read access to records or columnar input. @internal (shared with metrics/baselines) */
export interface TableView {
  readonly names: readonly string[];
  readonly nRows: number;
  readonly format: 'records' | 'columnar';
  /** The values of one column; throws naming the column and row when a record lacks it. */
  column(name: string): ArrayLike<unknown>;
}

/**
 * @internal An apache-arrow Table or a danfo.js DataFrame as a columnar object (one conversion);
 * records and columnar objects as they are. For a caller that reads the same input more than once.
 */
export function plainTable(input: unknown, argName = 'rows'): unknown {
  if (isArrowTable(input)) return arrowToColumns(input);
  if (isDataFrameLike(input)) return dataFrameToColumns(input, argName);
  return input;
}

/**
 * @internal Wraps records (`{col: v}[]`), a columnar object (`{col: v[]}`), an apache-arrow Table
 * or a danfo.js DataFrame (both read by shape) for column access.
 */
export function tableView(input: unknown, argName = 'rows'): TableView {
  input = plainTable(input, argName);
  if (Array.isArray(input)) {
    const rows = input as readonly unknown[];
    const first = rows[0];
    if (rows.length > 0 && (first === null || typeof first !== 'object' || Array.isArray(first))) {
      throw new TypeError(`${argName}: row 0 is not an object record ({ column: value })`);
    }
    const names = rows.length > 0 ? Object.keys(first as object) : [];
    return {
      names,
      nRows: rows.length,
      format: 'records',
      column(name: string): unknown[] {
        const out = new Array<unknown>(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as Record<string, unknown> | null;
          if (row === null || typeof row !== 'object') throw new TabularDataError(`${argName}: row ${i} is not an object record`, undefined, i);
          const v = row[name];
          if (v === undefined && !(name in row)) {
            throw new TabularDataError(`${argName}: missing column "${name}" in row ${i}`, name, i);
          }
          out[i] = v;
        }
        return out;
      },
    };
  }
  if (input === null || typeof input !== 'object' || ArrayBuffer.isView(input)) {
    throw new TypeError(`${argName}: expected an array of records, a columnar object { column: values[] }, an apache-arrow Table or a danfo.js DataFrame`);
  }
  const table = input as Record<string, unknown>;
  const names = Object.keys(table);
  let nRows = 0;
  names.forEach((name, j) => {
    const values = table[name];
    const isArray = Array.isArray(values) || (ArrayBuffer.isView(values) && !(values instanceof DataView));
    if (!isArray) throw new TypeError(`${argName}: column "${name}" is not an array of values`);
    const len = (values as ArrayLike<unknown>).length;
    if (j === 0) nRows = len;
    else if (len !== nRows) {
      const row = Math.min(len, nRows);
      throw new TabularDataError(
        `${argName}: ragged columnar input: column "${name}" has ${len} rows but column "${names[0]}" has ${nRows} (they differ from row ${row})`,
        name,
        row,
      );
    }
  });
  return {
    names,
    nRows,
    format: 'columnar',
    column(name: string): ArrayLike<unknown> {
      if (!Object.prototype.hasOwnProperty.call(table, name)) {
        throw new TabularDataError(`${argName}: missing column "${name}" (columnar input has ${names.join(', ')}; row 0)`, name, 0);
      }
      return table[name] as ArrayLike<unknown>;
    },
  };
}

export function requireRows(view: TableView): void {
  if (view.nRows === 0) throw new TabularDataError('rows: empty data (0 rows)');
  if (view.names.length === 0) throw new TabularDataError('rows: no columns in row 0');
}


/**
 * Reads a column as numbers (float64); gaps (see gaps.ts) become NaN. CSV strings like "3.5"
 * count as numbers, booleans as 0/1. strict = false: returns null at the first string that is
 * neither a number nor a gap (the column is categorical); strict = true: that is an error.
 */
export function parseNumeric(raw: ArrayLike<unknown>, name: string, strict: boolean): Float64Array | null {
  const n = raw.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    let x: number;
    if (typeof v === 'number') {
      x = v;
    } else if (typeof v === 'string') {
      const s = v.trim();
      if (GAP_TOKENS.has(s.toLowerCase())) {
        out[i] = NaN;
        continue;
      }
      x = Number(s);
      if (Number.isNaN(x)) {
        if (!strict) return null;
        throw new TabularDataError(`column "${name}", row ${i}: ${JSON.stringify(v)} is not a number (numeric column)`, name, i);
      }
    } else if (typeof v === 'boolean') {
      x = v ? 1 : 0;
    } else if (typeof v === 'bigint') {
      x = Number(v);
    } else if (isGap(v)) {
      out[i] = NaN;
      continue;
    } else {
      if (!strict) return null;
      throw new TabularDataError(`column "${name}", row ${i}: expected a number or string, got ${v instanceof Date ? 'a Date' : typeof v}`, name, i);
    }
    if (Number.isNaN(x)) {
      out[i] = NaN;
      continue;
    }
    if (!Number.isFinite(x)) throw new TabularDataError(`column "${name}", row ${i}: non-finite value ${String(v)}`, name, i);
    out[i] = x;
  }
  return out;
}

/** A categorical cell as its key: the trimmed string (numbers as String(x)); null for a gap. */
export function categoryKey(v: unknown, name: string, row: number): string | null {
  if (isGap(v)) return null;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  throw new TabularDataError(`column "${name}", row ${row}: expected a string or number, got ${typeof v}`, name, row);
}
