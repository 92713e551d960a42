// Output columns -> row objects.
import { setOwn } from '../own-keys.js';
import type { OutputColumns, OutputRow } from './types.js';

/** @internal Output columns (rows [start, end)) -> row objects (gaps as null). */
export function columnsToRows(columns: OutputColumns, start = 0, end?: number): OutputRow[] {
  const names = Object.keys(columns);
  const cols = names.map((name) => columns[name]!);
  const n = end ?? (cols.length > 0 ? cols[0]!.length : 0);
  const rows = new Array<OutputRow>(n - start);
  const proto = names.indexOf('__proto__');
  for (let i = start; i < n; i++) {
    const row: OutputRow = {};
    for (let j = 0; j < names.length; j++) {
      const v = cols[j]![i]!;
      const value = typeof v === 'number' && Number.isNaN(v) ? null : v;
      if (j === proto) setOwn(row, names[j]!, value);
      else row[names[j]!] = value;
    }
    rows[i - start] = row;
  }
  return rows;
}
