// Checks of user option objects shared by the estimators (the one place for them, as sharp's
// lib/is.js; the addon is to keep only what memory safety needs): integer and number ranges,
// unknown keys (a typo such as `offest` must not be ignored silently), AbortSignal and
// callback types, and whether n rows of objects can fit in the JS heap at all.
import { getHeapStatistics } from 'node:v8';

/** Throws a RangeError unless `value` is an integer in [min, max]. */
export function checkInteger(name: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Throws a RangeError unless `value` is a finite number in [min, max]. */
export function checkNumber(name: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected a number in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Edit distance, for the "did you mean" hint. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The known option nearest to `key`. */
export function closestOption(key: string, known: readonly string[]): string {
  let best = known[0];
  let bestScore = Infinity;
  for (const k of known) {
    // A prefix (`maxStep` of `maxSteps`, `hidden` of `hiddenDims`) counts as close.
    const score = k.toLowerCase().startsWith(key.toLowerCase()) || key.toLowerCase().startsWith(k.toLowerCase()) ? 0.5 : distance(key, k);
    if (score < bestScore) {
      best = k;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Throws a RangeError for the first own key of `options` that is not in `known`, naming the
 * closest known option. Keys whose value is undefined are ignored (spread defaults).
 */
export function checkKnownOptions(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    throw new RangeError(`${where}: unknown option ${JSON.stringify(key)}; did you mean ${JSON.stringify(closestOption(key, known))}?`);
  }
}

/**
 * Compile-time guard that a key list names every option of T, so the unknown-option lists
 * cannot fall behind the option types: `type _ = AssertTrue<CoversKeys<T, typeof KEYS>>` fails
 * to compile (naming the missing keys) when one is left out.
 */
export type CoversKeys<T, K extends readonly PropertyKey[]> = [Exclude<keyof T, K[number]>] extends [never] ? true : Exclude<keyof T, K[number]>;
export type AssertTrue<T extends true> = T;

/** `signal` must be an AbortSignal and `onProgress` a function when given. */
export function checkSignalAndProgress(options: { signal?: unknown; onProgress?: unknown }): void {
  const { signal, onProgress } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`signal: expected an AbortSignal, got ${describe(signal)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`onProgress: expected a function, got ${describe(onProgress)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
  return typeof v;
}

// Rough heap cost of one output row object: a dictionary-mode object with `columns` properties
// (key slot, value slot, a boxed number or string) plus its header.
const ROW_BASE_BYTES = 64;
const CELL_BYTES = 48;

/**
 * Refuses, before any work, an `n` whose row objects cannot fit in the JS heap: sample(1e8)
 * would otherwise run for minutes and die with a heap out-of-memory abort. Row counts that fit
 * go ahead; the estimate is generous to them (it is a guard, not a budget).
 */
export function checkRowObjectsFit(n: number, columns: number, limitBytes = heapLimitBytes()): void {
  const need = n * (ROW_BASE_BYTES + CELL_BYTES * Math.max(1, columns));
  if (need > limitBytes) {
    const gib = (x: number) => (x / 2 ** 30).toFixed(1);
    throw new RangeError(
      `n: ${n} rows of ${columns} columns as objects need about ${gib(need)} GiB of JS heap, more than the ` +
        `${gib(limitBytes)} GiB available; use sampleStream(n) to write them in chunks, or sampleColumns(n) for typed columns`,
    );
  }
}

function heapLimitBytes(): number {
  const h = getHeapStatistics();
  return Math.max(0, h.heap_size_limit - h.used_heap_size);
}
