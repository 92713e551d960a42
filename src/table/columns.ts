// One column of a table: its kind, detected or forced, and its fitted codec.
//
// Every column maps to at most two parts of the model's input:
// - a value on the Gaussian chain (numeric kinds): standardised, or quantile-normal;
// - a class on the discrete chain: the category (categorical kinds), or the numeric column's
//   "mode": 'value', 'gap', or one of its point masses (a value held by many rows, such as the
//   zeros of an income). When the mode is not 'value' the Gaussian cell is a placeholder (0)
//   that is masked out of the training loss, so neither gaps nor point masses are smeared into
//   the continuous part, and the rate of each, and how it depends on the other columns, is
//   learned by the discrete chain.
import { DateFormat, dateUnitMs, formatDate, mergeFormats, readDateCell } from './dates.js';
import { describeRows, isGap } from './gaps.js';
import { TabularDataError, categoryKey, parseNumeric } from './input.js';
import { MIN_GROUP, QuantileMap, fitQuantileMap } from './quantile-map.js';

export type ColumnKind = 'continuous' | 'integer' | 'binary' | 'categorical' | 'date';

/**
 * What every record of a column holds: the codec (ColumnSpec), its JSON state (ColumnState in
 * state.ts) and the public view (TransformerColumn in types.ts) extend it.
 */
export interface ColumnBasics {
  name: string;
  kind: ColumnKind;
  /** All training values were >= 0 (or the column was listed as nonnegative). */
  nonnegative: boolean;
  /** Standardisation parameters (0 and 1 for binary, categorical and quantile columns). */
  mean: number;
  sd: number;
}

/** The fitted codec of one column (persisted by state.ts). */
export interface ColumnSpec extends ColumnBasics {
  /** Sorted vocabulary of a categorical column (gap not included). */
  categories: string[] | null;
  /** Quantile-normal map of the value part; null = standardised (binary: kept on 0/1). */
  quantile: QuantileMap | null;
  /** Outputs are clipped to [lo, hi]: the means of the lowest and highest knot groups. NaN for categorical. */
  lo: number;
  hi: number;
  date: DateFormat | null;
  /** The column had gaps: they are a class of their own (categorical) or a mode (numeric). */
  gap: boolean;
  /** Point masses of a numeric column, each a class of its mode. */
  masses: number[];
  /**
   * Share of the column's observed (non-gap) rows at each mass; what a range condition needs to
   * weigh the masses inside it against the value part. null in files written before it was kept.
   */
  massShares: number[] | null;
}

/** How fit treats one column, resolved from the transformer's options. */
export interface ColumnFitOptions {
  forced: ColumnKind | null;
  nonnegative: boolean;
  /** Quantile-normal map for the value part (numeric kinds other than binary). */
  quantile: boolean;
  missing: 'model' | 'error';
  maxCategories: number;
  /** Look for point masses (zero-inflation and the like). */
  pointMasses: boolean;
}

/** A value held by at least this share of the rows is a point mass ... */
/**
 * Largest magnitude a numeric value may have: spreads, standardised cells and decoded samples
 * (a cell times the spread, plus the mean) must stay finite in float64 (1e308 would overflow).
 */
export const MAX_NUMERIC_MAGNITUDE = 1e300;

export const MASS_SHARE = 0.05;
/** ... in a numeric column with at least this many distinct values (fewer: the quantile map's ties handle it). */
export const MASS_MIN_DISTINCT = 20;
export const MAX_MASSES = 3;
/**
 * A column of exact amounts (adult's capital-gain: 119 distinct values spread over 0..99,999,
 * 99% of its rows on values held by 10 or more rows) makes each amount held by at least
 * AMOUNT_MIN_SHARE of the rows a point mass, up to this many. What tells amounts from a dense grid
 * of integers (age, hours): at least AMOUNT_COVER of the rows sit on values held by MIN_GROUP or
 * more rows, and the values are sparse on their range (range / (smallest step x distinct values)
 * at least AMOUNT_SPARSITY; age: 1.0, capital-gain: 420). docs/defaults.md.
 */
export const MAX_AMOUNT_MASSES = 254;
export const AMOUNT_COVER = 0.98;
export const AMOUNT_SPARSITY = 10;
/**
 * An amount becomes a mass only if held by at least this share of the rows (and MIN_GROUP rows):
 * with every amount of 5+ rows as a mass (87 on adult's capital-gain) the default fit's
 * memorisation gap on adult rose from 0.53 to 0.86 nats; at 0.1% (20 and 12 masses on the full table) it was 0.64
 * (bench/results/density.md, section 4). The rarer amounts stay in the value part.
 */
export const AMOUNT_MIN_SHARE = 0.001;

/** Parsed cells of one column: numbers (NaN = gap) or class codes (-1 = gap). */
export type ParsedColumn = { kind: 'numeric'; values: Float64Array } | { kind: 'codes'; codes: Int32Array };

/** Number of classes of a spec's discrete part (0 when it has none). */
export function discreteClasses(c: ColumnSpec): number {
  if (c.kind === 'categorical') return c.categories!.length + (c.gap ? 1 : 0);
  const modes = (c.gap ? 1 : 0) + c.masses.length;
  return modes > 0 ? 1 + modes : 0;
}

/** Class names of a spec's discrete part, for messages and one-hot names. */
export function discreteNames(c: ColumnSpec): string[] {
  if (c.kind === 'categorical') return [...c.categories!, ...(c.gap ? ['(gap)'] : [])];
  return ['(value)', ...(c.gap ? ['(gap)'] : []), ...c.masses.map((v) => `=${v}`)];
}

/** Fits one column: detects its kind (unless forced) and estimates its codec. */
export function fitColumn(name: string, raw: ArrayLike<unknown>, o: ColumnFitOptions): { spec: ColumnSpec; parsed: ParsedColumn } {
  const n = raw.length;
  const gaps: number[] = [];
  for (let i = 0; i < n; i++) if (isGap(raw[i])) gaps.push(i);
  if (gaps.length === n) throw new TabularDataError(`column "${name}": every one of its ${n} rows is a gap (drop the column)`, name, 0);
  if (gaps.length > 0 && o.missing === 'error') {
    throw new TabularDataError(`column "${name}": ${describeRows(gaps)} hold gaps (missing: 'error' was asked for)`, name, gaps[0]);
  }
  if (o.forced === 'categorical') return fitCategorical(name, raw, o, gaps.length > 0);
  const dates = o.forced === null || o.forced === 'date' ? readDates(name, raw, o.forced === 'date') : null;
  let values: Float64Array | null;
  let date: DateFormat | null = null;
  if (dates) {
    values = dates.values;
    date = dates.format;
  } else {
    values = parseNumeric(raw, name, o.forced !== null);
    if (values === null) return fitCategorical(name, raw, o, gaps.length > 0);
  }
  return { spec: fitNumeric(name, values, date, o, gaps.length > 0), parsed: { kind: 'numeric', values } };
}

function fitCategorical(name: string, raw: ArrayLike<unknown>, o: ColumnFitOptions, gap: boolean): { spec: ColumnSpec; parsed: ParsedColumn } {
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const key = categoryKey(raw[i], name, i);
    if (key === null || seen.has(key)) continue;
    if (seen.size === o.maxCategories) {
      throw new TabularDataError(
        `column "${name}", row ${i}: more than maxCategories = ${o.maxCategories} distinct categories (raise the option maxCategories, or mark the column as numeric)`,
        name, i);
    }
    seen.add(key);
  }
  // Plain code-unit order: deterministic and locale-independent.
  const categories = Array.from(seen).sort();
  const spec: ColumnSpec = {
    name, kind: 'categorical', categories, quantile: null, mean: 0, sd: 1, lo: NaN, hi: NaN, nonnegative: false, date: null, gap, masses: [], massShares: null,
  };
  return { spec, parsed: { kind: 'codes', codes: encodeCategories(spec, raw) } };
}

/** Category codes of a fitted categorical column; a gap is the last class. */
export function encodeCategories(spec: ColumnSpec, raw: ArrayLike<unknown>): Int32Array {
  const lookup = new Map(spec.categories!.map((v, k) => [v, k]));
  const gapCode = spec.categories!.length;
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const key = categoryKey(raw[i], spec.name, i);
    if (key === null) {
      if (!spec.gap) throw new TabularDataError(`column "${spec.name}", row ${i}: a gap, but the column had none when the model was fitted`, spec.name, i);
      codes[i] = gapCode;
      continue;
    }
    const code = lookup.get(key);
    if (code === undefined) throw new TabularDataError(`column "${spec.name}", row ${i}: category ${JSON.stringify(key)} was not seen in fit`, spec.name, i);
    codes[i] = code;
  }
  return codes;
}

/**
 * Dates in a column: null when no cell is a date. A column where some cells are dates and
 * others numbers is an error; dates among other strings make the column categorical (null).
 */
function readDates(name: string, raw: ArrayLike<unknown>, forced: boolean): { values: Float64Array; format: DateFormat } | null {
  const n = raw.length;
  const ms = new Float64Array(n);
  let format: DateFormat | null = null;
  let firstDate = -1;
  let firstOther = -1;
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    if (isGap(v)) {
      ms[i] = NaN;
      continue;
    }
    const d = readDateCell(v);
    if (d) {
      if (firstDate < 0) firstDate = i;
      format = format ? mergeFormats(format, d.format) : d.format;
      ms[i] = d.ms;
    } else if (firstOther < 0) {
      firstOther = i;
    }
  }
  if (firstDate < 0) {
    if (forced) throw new TabularDataError(`column "${name}", row ${firstOther}: listed as a date but holds ${JSON.stringify(raw[firstOther])}`, name, firstOther);
    return null;
  }
  if (firstOther >= 0) {
    const other = raw[firstOther];
    const numberLike = typeof other === 'number' || (typeof other === 'string' && Number.isFinite(Number(other.trim())));
    if (forced && !numberLike) {
      throw new TabularDataError(`column "${name}", row ${firstOther}: listed as a date but holds ${JSON.stringify(other)}`, name, firstOther);
    }
    if (numberLike) {
      throw new TabularDataError(
        `column "${name}": row ${firstDate} holds a date (${JSON.stringify(raw[firstDate])}) but row ${firstOther} holds ${JSON.stringify(other)}; ` +
          `a column is dates or numbers, not both`, name, firstOther);
    }
    return null; // dates among free text: categorical
  }
  const unit = dateUnitMs(format!);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = ms[i]! / unit;
  return { values, format: format! };
}

function fitNumeric(name: string, values: Float64Array, date: DateFormat | null, o: ColumnFitOptions, gap: boolean): ColumnSpec {
  const observed: number[] = [];
  let allBinary = true;
  let allInteger = true;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    observed.push(x);
    if (x !== 0 && x !== 1) allBinary = false;
    if (allInteger && !Number.isInteger(x)) allInteger = false;
  }
  const sorted = Float64Array.from(observed).sort();
  let kind: ColumnKind;
  if (date) kind = 'date';
  else if (o.forced !== null) kind = o.forced;
  else kind = allBinary ? 'binary' : allInteger ? 'integer' : 'continuous';
  if (kind === 'binary' && !allBinary) {
    const i = values.findIndex((x) => x !== 0 && x !== 1 && !Number.isNaN(x));
    throw new TabularDataError(`column "${name}", row ${i}: binary column holds ${values[i]} (expected 0 or 1)`, name, i);
  }
  if (!(Math.abs(sorted[0]!) <= MAX_NUMERIC_MAGNITUDE && Math.abs(sorted[sorted.length - 1]!) <= MAX_NUMERIC_MAGNITUDE)) {
    const i = values.findIndex((x) => Math.abs(x) > MAX_NUMERIC_MAGNITUDE);
    throw new TabularDataError(
      `column "${name}", row ${i}: ${values[i]} is beyond +-${MAX_NUMERIC_MAGNITUDE}, where the column's scale would overflow; rescale the column`, name, i);
  }
  if (o.nonnegative && sorted[0]! < 0) {
    const i = values.findIndex((x) => x < 0);
    throw new TabularDataError(`column "${name}", row ${i}: column is listed as nonnegative but holds ${values[i]}`, name, i);
  }
  if (kind === 'date' && sorted[0] === sorted[sorted.length - 1]) {
    const value = formatDate(sorted[0]!, date!);
    throw new TabularDataError(`column "${name}": a date column with one distinct value (${value instanceof Date ? value.toISOString() : value}); it carries no information, drop it`, name, 0);
  }
  const found = kind !== 'binary' && o.pointMasses ? findMasses(sorted, values.length) : [];
  const masses = found.map((r) => r.value);
  const massSet = new Set(masses);
  const rest = masses.length > 0 ? sorted.filter((x) => !massSet.has(x)) : sorted;
  const map = fitQuantileMap(rest);
  const spec: ColumnSpec = {
    name, kind, categories: null, quantile: null, mean: 0, sd: 1,
    lo: map.knots[0]!, hi: map.knots[map.knots.length - 1]!,
    nonnegative: o.nonnegative || sorted[0]! >= 0, date, gap, masses, massShares: found.map((r) => r.count / sorted.length),
  };
  if (kind === 'binary') {
    spec.lo = 0;
    spec.hi = 1;
  } else if (o.quantile) {
    spec.quantile = map;
  } else {
    const { mean, sd } = meanSd(rest);
    spec.mean = mean;
    spec.sd = sd;
  }
  return spec;
}

/**
 * The point masses of a column with their row counts (sorted observed values; n rows with gaps): for a column of exact
 * amounts (MAX_AMOUNT_MASSES) every amount held by AMOUNT_MIN_SHARE of its rows; otherwise values
 * held by at least MASS_SHARE of all n rows, most frequent first (at most MAX_MASSES). A mass is
 * saved verbatim in the model, so it must also be held by at least MIN_GROUP rows (the quantile
 * map's privacy floor); in tables under 100 rows 5% is fewer rows than that.
 */
function findMasses(sorted: Float64Array, n: number): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    runs.push({ value: sorted[i]!, count: j - i });
    i = j;
  }
  if (runs.length < MASS_MIN_DISTINCT) return [];
  const amounts = amountMasses(runs, sorted.length);
  if (amounts) return amounts;
  const minCount = Math.max(MASS_SHARE * n, MIN_GROUP);
  return byCount(runs.filter((r) => r.count >= minCount)).slice(0, MAX_MASSES);
}

/** A value of a sorted column and how many rows hold it. */
interface Run {
  value: number;
  count: number;
}

/** Most frequent first; ties by value. */
const byCount = (list: Run[]): Run[] => list.sort((a, b) => b.count - a.count || a.value - b.value);

/** The runs that become masses when the column holds exact amounts (see MAX_AMOUNT_MASSES), most frequent first, else null. */
function amountMasses(runs: Run[], observed: number): Run[] | null {
  let step = Infinity;
  for (let k = 1; k < runs.length; k++) step = Math.min(step, runs[k]!.value - runs[k - 1]!.value);
  const range = runs[runs.length - 1]!.value - runs[0]!.value;
  if (!(range / (step * runs.length) >= AMOUNT_SPARSITY)) return null;
  let covered = 0;
  for (const r of runs) if (r.count >= MIN_GROUP) covered += r.count;
  if (covered < AMOUNT_COVER * observed) return null;
  const minCount = Math.max(MIN_GROUP, AMOUNT_MIN_SHARE * observed);
  const held = byCount(runs.filter((r) => r.count >= minCount)).slice(0, MAX_AMOUNT_MASSES);
  covered = 0;
  for (const r of held) covered += r.count;
  // The value part keeps the rarer amounts; it needs rows to fit its map on (two groups at least).
  while (held.length > 0 && observed - covered < 2 * MIN_GROUP) covered -= held.pop()!.count;
  return held.length > 0 ? held : null;
}

/** Population mean and sd (divide by n) of sorted values; a constant column gets sd = 1. */
function meanSd(values: Float64Array): { mean: number; sd: number } {
  const n = values.length;
  // Tested on the values, not on sd > 0: the rounded mean of equal values can differ from
  // them (3 x 0.1 -> 0.10000000000000002), which gives a spurious sd of about 1e-17.
  if (values[0] === values[n - 1]) return { mean: values[0]!, sd: 1 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  // Squares of deviations scaled by the largest one: d * d under- or overflows for spreads
  // below 1e-154 or above 1e154, which made sd 0 (then 1) or Infinity.
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(values[i]! - mean));
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i]! - mean) / scale;
    ss += d * d;
  }
  const sd = scale * Math.sqrt(ss / n);
  return { mean, sd: sd > 0 && Number.isFinite(sd) ? sd : 1 };
}

/** Parses a numeric column of new rows (transform) against its fitted spec. */
export function parseForSpec(spec: ColumnSpec, raw: ArrayLike<unknown>): ParsedColumn {
  if (spec.kind === 'categorical') return { kind: 'codes', codes: encodeCategories(spec, raw) };
  let values: Float64Array;
  if (spec.date) {
    const unit = dateUnitMs(spec.date);
    values = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (isGap(v)) {
        values[i] = NaN;
        continue;
      }
      const d = readDateCell(v);
      if (!d) throw new TabularDataError(`column "${spec.name}", row ${i}: ${JSON.stringify(v)} is not a date (date column)`, spec.name, i);
      values[i] = d.ms / unit;
    }
  } else {
    values = parseNumeric(raw, spec.name, true)!;
  }
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) {
      if (!spec.gap) throw new TabularDataError(`column "${spec.name}", row ${i}: a gap, but the column had none when the model was fitted`, spec.name, i);
    } else if (spec.kind === 'binary' && x !== 0 && x !== 1) {
      throw new TabularDataError(`column "${spec.name}", row ${i}: binary column holds ${x} (expected 0 or 1)`, spec.name, i);
    }
  }
  return { kind: 'numeric', values };
}

/**
 * Why a column looks like identifiers, or null: unique strings, or unique, about consecutive
 * integers, over at least 20 cells that are not gaps (gaps may be up to half the column: an id
 * that is sometimes missing is still an id).
 */
export function identifierReason(raw: ArrayLike<unknown>): string | null {
  const n = raw.length;
  const seen = new Set<string>();
  let strings = 0;
  let gaps = 0;
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    if (isGap(v)) {
      gaps++;
      continue;
    }
    let key: string;
    if (typeof v === 'string') {
      key = v.trim();
      const x = Number(key);
      if (key !== '' && Number.isFinite(x)) {
        if (!Number.isInteger(x)) return null;
      } else {
        if (readDateCell(key)) return null;
        strings++;
      }
    } else if (typeof v === 'number' || typeof v === 'bigint') {
      if (!Number.isInteger(Number(v))) return null;
      key = String(v);
    } else {
      return null;
    }
    if (seen.has(key)) return null;
    seen.add(key);
  }
  const m = n - gaps;
  if (m < 20 || gaps > m) return null;
  const held = `its ${m} values${gaps > 0 ? ` (and ${gaps} gap${gaps > 1 ? 's' : ''})` : ''} are all different`;
  if (strings === m) return `${held} strings: it looks like an identifier`;
  if (strings > 0) return null;
  // Unique integers: an identifier when they are about consecutive (a row or record number),
  // not when they are spread out like unique amounts.
  let min = Infinity;
  let max = -Infinity;
  for (const key of seen) {
    const x = Number(key);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return max - min + 1 <= 10 * m ? `${held} integers: it looks like an identifier` : null;
}
