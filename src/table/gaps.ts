// What counts as a gap (a missing cell): one rule for the API, the CLI and the metrics.
//
// A cell is a gap when it is null, undefined, NaN, an invalid Date, or a string whose trimmed,
// lower-cased text is one of GAP_TOKENS. Strings are trimmed everywhere (CSV padding such as
// " >50K" is not part of a category), so "?" or " NA " are gaps in every kind of column.

/** Strings that mean "missing" in CSV exports (compared trimmed and lower-cased). */
export const GAP_TOKENS: ReadonlySet<string> = new Set(['', 'na', 'n/a', '#n/a', 'nan', '-nan', 'null', 'none', '?']);

/** True when the cell is a gap (see the module comment). */
export function isGap(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'string') return GAP_TOKENS.has(v.trim().toLowerCase());
  if (v instanceof Date) return Number.isNaN(v.getTime());
  return false;
}

/** "3 rows (rows[4], rows[9], rows[17])": a count and the first few 0-based indices. */
export function describeRows(rows: readonly number[], argName = 'rows', shown = 5): string {
  const list = rows.slice(0, shown).map((i) => `${argName}[${i}]`).join(', ');
  const more = rows.length > shown ? `, ... ${rows.length - shown} more` : '';
  return `${rows.length} row${rows.length === 1 ? '' : 's'} (${list}${more})`;
}
