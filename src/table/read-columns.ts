// Reading the same columns of several tables (real, synthetic, holdout) with one kind per
// column and one shared category vocabulary: the metrics, baselines and evaluation read
// their inputs through readTables.
import { readDateCell } from './dates.js';
import { isGap } from './gaps.js';
import { TableView, TabularDataError, categoryKey, parseNumeric } from './input.js';

/** The category that stands for gaps in a categorical column's metrics. */
export const GAP_CLASS = '(gap)';

/** @internal A column of a table read as numbers or as category codes over a shared vocabulary. */
export type ReadColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; codes: Int32Array; categories: string[] };

/**
 * @internal Reads the named columns of several tables with one kind per column: categorical
 * when listed or when any table holds a non-numeric string there; categorical codes share one
 * vocabulary (sorted) across the tables. `labels` name the tables in error messages.
 */
export function readTables(
  views: readonly TableView[],
  names: readonly string[],
  categorical: ReadonlySet<string>,
  labels: readonly string[] = views.map((_, t) => `table ${t}`),
): ReadColumn[][] {
  const out: ReadColumn[][] = views.map(() => []);
  for (const name of names) {
    const raws = views.map((v) => v.column(name));
    const numeric = categorical.has(name) ? null : withLabels(labels, (t) => readDates(raws[t]!) ?? parseNumeric(raws[t]!, name, false), raws.length);
    if (numeric !== null && numeric.every((v) => v !== null)) {
      numeric.forEach((values, t) => out[t]!.push({ name, kind: 'numeric', values: values! }));
      continue;
    }
    const seen = new Set<string>();
    const keys = withLabels(
      labels,
      (t) => {
        const raw = raws[t]!;
        const k = new Array<string>(raw.length);
        for (let i = 0; i < raw.length; i++) {
          k[i] = categoryKey(raw[i], name, i) ?? GAP_CLASS;
          seen.add(k[i]!);
        }
        return k;
      },
      raws.length,
    );
    const categories = Array.from(seen).sort();
    const vocab = new Map(categories.map((c, idx) => [c, idx]));
    keys.forEach((k, t) => {
      const codes = new Int32Array(k.length);
      for (let i = 0; i < k.length; i++) codes[i] = vocab.get(k[i]!)!;
      out[t]!.push({ name, kind: 'categorical', codes, categories });
    });
  }
  return out;
}

/** Runs fn for each table, prefixing data errors with the table's label. */
function withLabels<T>(labels: readonly string[], fn: (t: number) => T, count: number): T[] {
  const out: T[] = [];
  for (let t = 0; t < count; t++) {
    try {
      out.push(fn(t));
    } catch (e) {
      if (e instanceof TabularDataError) throw new TabularDataError(`${labels[t]}: ${e.message}`, e.column, e.row);
      throw e;
    }
  }
  return out;
}

/** A column whose cells are all dates or gaps (at least one date), as milliseconds; else null. */
function readDates(raw: ArrayLike<unknown>): Float64Array | null {
  const out = new Float64Array(raw.length);
  let any = false;
  for (let i = 0; i < raw.length; i++) {
    if (isGap(raw[i])) {
      out[i] = NaN;
      continue;
    }
    const d = readDateCell(raw[i]);
    if (!d) return null;
    out[i] = d.ms;
    any = true;
  }
  return any ? out : null;
}
