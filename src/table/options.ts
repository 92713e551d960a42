// Reading and checking the transformer's options (constructor and inverse transform).
import { describe } from './state.js';
import type { CategoricalEncoding, InverseTransformOptions, TabularTransformerOptions } from './types.js';

export const KIND_LISTS = ['categorical', 'binary', 'integer', 'continuous', 'date'] as const;

export interface NormalizedOptions {
  lists: Partial<Record<(typeof KIND_LISTS)[number] | 'nonnegative', string[]>>;
  quantile: boolean | string[];
  categoricalEncoding: CategoricalEncoding;
  maxCategories: number;
  missing: 'model' | 'error';
  identifiers: 'exclude' | 'keep';
  pointMasses: boolean;
}

export function readInverseOptions(options: InverseTransformOptions): { sampleBinary: boolean; seed: number; clip: boolean } {
  if (options == null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new TypeError(`options.seed: expected a finite number, got ${describe(seed)}`);
  return { sampleBinary: options.sampleBinary === true, seed, clip: options.clip !== false };
}

export function normalizeOptions(options: TabularTransformerOptions): NormalizedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const lists: NormalizedOptions['lists'] = {};
  const owner = new Map<string, string>();
  for (const key of [...KIND_LISTS, 'nonnegative'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    const names = readNameList(value, `options.${key}`);
    lists[key] = names;
    for (const name of names) {
      if (key === 'nonnegative') {
        if (lists.categorical?.includes(name)) throw new TypeError(`options: column "${name}" cannot be both categorical and nonnegative`);
        continue;
      }
      const prev = owner.get(name);
      if (prev) throw new TypeError(`options: column "${name}" is listed as both ${prev} and ${key}`);
      owner.set(name, key);
    }
  }
  let quantile: boolean | string[] = false;
  if (typeof options.quantile === 'boolean') quantile = options.quantile;
  else if (options.quantile !== undefined) {
    quantile = readNameList(options.quantile, 'options.quantile');
    for (const name of quantile) {
      const kind = owner.get(name);
      if (kind === 'categorical' || kind === 'binary') throw new TypeError(`options.quantile: column "${name}" is ${kind}; quantile applies to continuous, integer and date columns`);
    }
  }
  const encoding = options.categoricalEncoding ?? 'onehot';
  if (encoding !== 'onehot' && encoding !== 'index') throw new TypeError(`options.categoricalEncoding: expected 'onehot' or 'index', got ${describe(encoding)}`);
  const maxCategories = options.maxCategories ?? 1000;
  if (typeof maxCategories !== 'number' || !Number.isInteger(maxCategories) || maxCategories < 1) {
    throw new RangeError(`options.maxCategories: expected a positive integer, got ${describe(maxCategories)}`);
  }
  const missing = options.missing ?? 'model';
  if (missing !== 'model' && missing !== 'error') throw new TypeError(`options.missing: expected 'model' or 'error', got ${describe(missing)}`);
  const identifiers = options.identifiers ?? 'exclude';
  if (identifiers !== 'exclude' && identifiers !== 'keep') throw new TypeError(`options.identifiers: expected 'exclude' or 'keep', got ${describe(identifiers)}`);
  const pointMasses = options.pointMasses ?? true;
  if (typeof pointMasses !== 'boolean') throw new TypeError(`options.pointMasses: expected a boolean, got ${describe(pointMasses)}`);
  return { lists, quantile, categoricalEncoding: encoding, maxCategories, missing, identifiers, pointMasses };
}

function readNameList(value: unknown, argName: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new TypeError(`${argName}: expected an array of column names`);
  return value.slice() as string[];
}
