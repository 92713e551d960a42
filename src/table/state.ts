// Persistence of a fitted transformer: plain JSON, validated field by field on the way in.
import { ColumnBasics, ColumnKind, ColumnSpec, MAX_NUMERIC_MAGNITUDE } from './columns.js';
import { DateFormat } from './dates.js';
import { MAX_KNOTS } from './quantile-map.js';

export const STATE_FORMAT = 'tabular-diffusion/transformer';
export const STATE_VERSION = 2;

export interface ColumnState extends ColumnBasics {
  /** Clip range of a numeric column (null for categorical). */
  lo: number | null;
  hi: number | null;
  categories?: string[];
  quantile?: { knots: number[]; probs: number[] };
  date?: DateFormat;
  gap: boolean;
  masses: number[];
  /** Share of the observed rows at each mass; absent in files written before it was kept. */
  massShares?: number[];
}

export function specToState(c: ColumnSpec): ColumnState {
  const s: ColumnState = {
    name: c.name, kind: c.kind, nonnegative: c.nonnegative, mean: c.mean, sd: c.sd,
    lo: Number.isNaN(c.lo) ? null : c.lo, hi: Number.isNaN(c.hi) ? null : c.hi, gap: c.gap, masses: c.masses.slice(),
  };
  if (c.massShares && c.masses.length > 0) s.massShares = c.massShares.slice();
  if (c.categories) s.categories = c.categories.slice();
  if (c.quantile) s.quantile = { knots: Array.from(c.quantile.knots), probs: Array.from(c.quantile.probs) };
  if (c.date) s.date = { ...c.date };
  return s;
}

export function expectObject(value: unknown, name: string, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${where}: ${name} must be an object`);
  return value as Record<string, unknown>;
}

export function readNumberArray(value: unknown, name: string, length: number | null, where: string): Float64Array {
  if (!Array.isArray(value) || (length !== null && value.length !== length)) {
    throw new TypeError(`${where}: ${name} must be an array of ${length ?? 'some'} numbers`);
  }
  const out = new Float64Array(value.length);
  value.forEach((v, k) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${where}: ${name}[${k}] must be a finite number`);
    out[k] = v;
  });
  return out;
}

const KINDS: readonly ColumnKind[] = ['continuous', 'integer', 'binary', 'categorical', 'date'];

export function stateToSpec(raw: unknown, name: string, where: string): ColumnSpec {
  const c = expectObject(raw, name, where);
  if (typeof c.name !== 'string') throw new TypeError(`${where}: ${name}.name must be a string`);
  const kind = c.kind as ColumnKind;
  if (!KINDS.includes(kind)) throw new TypeError(`${where}: ${name}.kind must be one of ${KINDS.join(', ')}, got ${describe(c.kind)}`);
  if (typeof c.nonnegative !== 'boolean' || typeof c.gap !== 'boolean') throw new TypeError(`${where}: ${name}.nonnegative and .gap must be booleans`);
  const finite = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${where}: ${name}.${key} must be a finite number`);
    // A forged scale (sd = 1e308) would decode samples to Infinity.
    if (Math.abs(v) > MAX_NUMERIC_MAGNITUDE) throw new RangeError(`${where}: ${name}.${key} = ${v} is beyond +-${MAX_NUMERIC_MAGNITUDE}`);
    return v;
  };
  const sd = finite('sd');
  if (!(sd > 0)) throw new RangeError(`${where}: ${name}.sd must be positive, got ${sd}`);
  const spec: ColumnSpec = {
    name: c.name, kind, categories: null, quantile: null, mean: finite('mean'), sd, lo: NaN, hi: NaN,
    nonnegative: c.nonnegative, date: null, gap: c.gap, masses: [], massShares: null,
  };
  if (kind === 'categorical') {
    const cats = c.categories;
    if (!Array.isArray(cats) || cats.length === 0 || !cats.every((v) => typeof v === 'string')) {
      throw new TypeError(`${where}: ${name}.categories must be a non-empty array of strings`);
    }
    if (new Set(cats).size !== cats.length) throw new TypeError(`${where}: ${name}.categories has duplicates`);
    spec.categories = cats.slice() as string[];
    return spec;
  }
  spec.lo = finite('lo');
  spec.hi = finite('hi');
  if (spec.lo > spec.hi) throw new RangeError(`${where}: ${name}.lo exceeds .hi`);
  spec.masses = Array.from(readNumberArray(c.masses, `${name}.masses`, null, where));
  if (spec.masses.some((v) => Math.abs(v) > MAX_NUMERIC_MAGNITUDE)) throw new RangeError(`${where}: ${name}.masses hold a value beyond +-${MAX_NUMERIC_MAGNITUDE}`);
  if (new Set(spec.masses).size !== spec.masses.length) throw new TypeError(`${where}: ${name}.masses has duplicates`);
  if (c.massShares !== undefined) {
    const shares = Array.from(readNumberArray(c.massShares, `${name}.massShares`, spec.masses.length, where));
    const total = shares.reduce((a, b) => a + b, 0);
    if (shares.some((v) => !(v > 0 && v <= 1)) || !(total <= 1 + 1e-9)) throw new RangeError(`${where}: ${name}.massShares must be in (0, 1] and sum to at most 1`);
    spec.massShares = shares;
  }
  if (c.quantile !== undefined) {
    const q = expectObject(c.quantile, `${name}.quantile`, where);
    const knots = readNumberArray(q.knots, `${name}.quantile.knots`, null, where);
    const probs = readNumberArray(q.probs, `${name}.quantile.probs`, knots.length, where);
    if (knots.length < 1 || knots.length > MAX_KNOTS) throw new TypeError(`${where}: ${name}.quantile.knots must hold 1..${MAX_KNOTS} numbers`);
    for (let k = 0; k < knots.length; k++) {
      if (!(probs[k]! > 0 && probs[k]! < 1)) throw new RangeError(`${where}: ${name}.quantile.probs[${k}] must be in (0, 1)`);
      if (k > 0 && (knots[k]! < knots[k - 1]! || probs[k]! <= probs[k - 1]!)) {
        throw new RangeError(`${where}: ${name}.quantile must have non-decreasing knots and increasing probs (index ${k})`);
      }
    }
    for (let k = 0; k < knots.length; k++) {
      if (Math.abs(knots[k]!) > MAX_NUMERIC_MAGNITUDE) throw new RangeError(`${where}: ${name}.quantile.knots[${k}] is beyond +-${MAX_NUMERIC_MAGNITUDE}`);
    }
    spec.quantile = { knots, probs };
  }
  if (kind === 'date') spec.date = readDateFormat(c.date, `${name}.date`, where);
  return spec;
}

function readDateFormat(raw: unknown, name: string, where: string): DateFormat {
  const d = expectObject(raw, name, where);
  if (!['date', 'datetime', 'object'].includes(d.kind as string) || (d.separator !== 'T' && d.separator !== ' ') ||
      !['minute', 'second', 'ms'].includes(d.precision as string) || typeof d.zone !== 'boolean') {
    throw new TypeError(`${where}: ${name} must be { kind, separator, precision, zone }`);
  }
  return { kind: d.kind, separator: d.separator, precision: d.precision, zone: d.zone } as DateFormat;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}
