// danfo.js DataFrames in, without a dependency on danfojs (its npm install pulls a package from
// a CDN, so it cannot be a dependency here): a frame is recognised by the public shape every
// danfo version has — `columns` (names), `shape` ([rows, columns]) and `values` (row arrays).
// danfo writes a gap as NaN or null, both gaps here (gaps.ts).
import type { ColumnarTable } from './types.js';

/** The part of a danfo.js DataFrame (or any pandas-like frame with the same shape) read here. */
export interface DataFrameLike {
  readonly columns: readonly string[];
  readonly shape: readonly number[];
  readonly values: readonly (readonly unknown[])[];
}

/** True for a danfo.js DataFrame, recognised by shape. */
export function isDataFrameLike(value: unknown): value is DataFrameLike {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  // `values` is only looked up, not read: danfo builds a copy of the whole frame on every read.
  const f = value as Partial<DataFrameLike>;
  return Array.isArray(f.columns) && Array.isArray(f.shape) && f.shape.length === 2 && 'values' in f;
}

/** A frame as the columnar input the library reads; `argName` names the argument in errors. */
export function dataFrameToColumns(frame: DataFrameLike, argName: string): ColumnarTable {
  const names = frame.columns;
  const rows = frame.values;  // read once (a copy in danfo)
  if (!Array.isArray(rows)) throw new TypeError(`${argName}: DataFrame values is not an array of rows`);
  const [nRows, nCols] = frame.shape as [number, number];
  names.forEach((name, j) => {
    if (typeof name !== 'string') throw new TypeError(`${argName}: DataFrame column ${j} has a name of type ${typeof name}, expected a string`);
  });
  if (nCols !== names.length || nRows !== rows.length) {
    throw new TypeError(`${argName}: DataFrame shape [${nRows}, ${nCols}] does not match its ${rows.length} rows of values and ${names.length} column names`);
  }
  const out = Object.create(null) as Record<string, unknown[]>;
  names.forEach((name, j) => {
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new TypeError(`${argName}: DataFrame has two columns named "${name}"`);
    const col = new Array<unknown>(nRows);
    for (let i = 0; i < nRows; i++) {
      const row = rows[i];
      if (!Array.isArray(row) || row.length !== nCols) throw new TypeError(`${argName}: DataFrame row ${i} does not hold ${nCols} values`);
      col[i] = row[j];
    }
    out[name] = col;
  });
  return out;
}
