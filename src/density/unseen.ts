// Rows holding a category the model never saw. The model gives such a row probability 0, so its
// log-density is exactly -Infinity (an anomaly score of +Infinity), not an error: scoring a batch
// from a live source must not fail on the first new class. The rest of the row is still run
// through the estimator with the cell replaced by a known class (its result is then overwritten),
// so every other row's result is the one it gets alone.
import { categoryKey, tableView } from '../table/input.js';
import type { TableInput, TransformerState } from '../transformer.js';

export interface UnseenCategories {
  /** The input, or a columnar copy with each unseen cell replaced by the column's first class. */
  input: TableInput;
  /** Per categorical column with unseen cells: the rows (0-based) holding them. */
  rows: Map<string, number[]>;
}

export function findUnseenCategories(state: TransformerState, input: TableInput): UnseenCategories {
  const view = tableView(input, 'rows');
  const found = new Map<string, number[]>();
  for (const c of state.columns) {
    if (c.kind !== 'categorical' || !c.categories || !view.names.includes(c.name)) continue;
    const known = new Set(c.categories);
    const values = view.column(c.name);
    const hit: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const key = categoryKey(values[i], c.name, i);
      if (key !== null && !known.has(key)) hit.push(i);
    }
    if (hit.length > 0) found.set(c.name, hit);
  }
  if (found.size === 0) return { input, rows: found };
  // Columnar, with only the columns holding unseen classes copied.
  const copy: Record<string, ArrayLike<unknown>> = {};
  for (const name of view.names) copy[name] = view.column(name);
  for (const [name, hit] of found) {
    copy[name] = Array.from(copy[name]!);
    const first = state.columns.find((c) => c.name === name)!.categories![0];
    for (const i of hit) (copy[name] as unknown[])[i] = first;
  }
  return { input: copy, rows: found };
}
