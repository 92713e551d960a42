/**
 * Reference generators a diffusion model has to beat, and a side-by-side comparison.
 *
 * - independentMarginalsSample: bootstraps every column on its own. Marginals are right,
 *   every dependence between columns is destroyed: a floor for the Trend score.
 * - gaussianCopulaSample: empirical marginals tied together by a Gaussian copula fitted on
 *   normal scores. Categorical columns enter the copula through a frequency encoding (as
 *   SDV's GaussianCopula does): categories ordered by decreasing frequency, each occupying an
 *   interval of the empirical CDF as wide as its frequency, so their marginals are kept and
 *   monotone association with the other columns is carried (for that ordering). Option
 *   `categoricalMode: 'independent'` bootstraps them independently instead.
 *
 * Both sample from the data they are given: with the evaluation data itself as input they are
 * optimistic baselines (pass `train` to compareToBaselines to fit them on a training split).
 * All randomness comes from a seeded PRNG, so a seed fixes the output.
 */
import { setOwn } from './own-keys.js';
import { DistributionMetrics, distributionMetrics, formatNumber, markdownTable } from './metrics.js';
import { ReadColumn, readTables } from './table/read-columns.js';
import { TableInput, TabularDataError, normalCdf, normalQuantile, tableView } from './transformer.js';
import { mulberry32 } from './prng.js';

export type SampleRow = Record<string, number | string>;

export interface BaselineOptions {
  /** Columns to treat as categorical even when their values look numeric. */
  categorical?: readonly string[];
}

export interface GaussianCopulaOptions extends BaselineOptions {
  /** How categorical columns are sampled (default 'copula', see the module comment). */
  categoricalMode?: 'copula' | 'independent';
}

export interface CompareToBaselinesOptions extends BaselineOptions {
  seed?: number;
  /** Equal-width bins for mixed contingency pairs (see distributionMetrics). */
  bins?: number;
  /** Data the baselines are fitted on (default: `real`). */
  train?: TableInput;
}

export interface BaselineComparison {
  model: DistributionMetrics;
  independent: DistributionMetrics;
  copula: DistributionMetrics;
}

/** Draws n rows, each column bootstrapped independently of the others. */
export function independentMarginalsSample(rows: TableInput, n: number, seed = 0, options: BaselineOptions = {}): SampleRow[] {
  const columns = readSource(rows, options);
  checkCount(n);
  const rng = mulberry32(checkSeed(seed), true);
  const N = sourceRows(columns);
  const out = new Array<SampleRow>(n);
  for (let r = 0; r < n; r++) {
    const row: SampleRow = {};
    for (const c of columns) {
      const i = Math.floor(rng() * N);
      setOwn(row, c.name, c.kind === 'numeric' ? c.values[i]! : c.categories[c.codes[i]!]!);
    }
    out[r] = row;
  }
  return out;
}

/** Draws n rows from a Gaussian copula with the empirical marginals of `rows`. */
export function gaussianCopulaSample(rows: TableInput, n: number, seed = 0, options: GaussianCopulaOptions = {}): SampleRow[] {
  const columns = readSource(rows, options);
  checkCount(n);
  const mode = options.categoricalMode ?? 'copula';
  if (mode !== 'copula' && mode !== 'independent') {
    throw new TypeError(`options.categoricalMode: expected 'copula' or 'independent', got ${String(mode)}`);
  }
  const rng = mulberry32(checkSeed(seed), true);
  const N = sourceRows(columns);
  // Position of each column among the copula margins (-1: bootstrapped independently).
  const marginIndex = columns.map(() => -1);
  const margins: Margin[] = [];
  columns.forEach((c, j) => {
    if (c.kind === 'numeric' || mode === 'copula') {
      marginIndex[j] = margins.length;
      margins.push(marginOf(c));
    }
  });
  const L = choleskyWithJitter(correlation(margins.map((m) => normalScores(m.keys, m.sorted))));
  const d = margins.length;
  const e = new Float64Array(d);
  const normal = normalSource(rng);
  const out = new Array<SampleRow>(n);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < d; k++) e[k] = normal();
    const row: SampleRow = {};
    columns.forEach((c, j) => {
      const a = marginIndex[j]!;
      if (a < 0) {
        const cc = c as Extract<ReadColumn, { kind: 'categorical' }>;
        setOwn(row, c.name, cc.categories[cc.codes[Math.floor(rng() * N)]!]!);
        return;
      }
      let z = 0;
      for (let b = 0; b <= a; b++) z += L[a * d + b]! * e[b]!;
      // Inverse empirical CDF: keeps the observed support (integers, categories) exactly.
      const m = margins[a]!;
      setOwn(row, c.name, m.decode(m.sorted[Math.min(N - 1, Math.floor(normalCdf(z) * N))]!));
    });
    out[r] = row;
  }
  return out;
}

/**
 * Metrics of the model's synthetic rows next to those of the two baselines, each drawn with as
 * many rows as `synthetic` and compared with `real`.
 */
export function compareToBaselines(real: TableInput, synthetic: TableInput, options: CompareToBaselinesOptions = {}): BaselineComparison {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const seed = checkSeed(options.seed ?? 0);
  const n = tableView(synthetic, 'synthetic').nRows;
  const source = options.train ?? real;
  const metricOptions = { ...(options.categorical ? { categorical: options.categorical } : {}), ...(options.bins ? { bins: options.bins } : {}) };
  const baselineOptions = options.categorical ? { categorical: options.categorical } : {};
  return {
    model: distributionMetrics(real, synthetic, metricOptions),
    independent: distributionMetrics(real, independentMarginalsSample(source, n, seed, baselineOptions), metricOptions),
    copula: distributionMetrics(real, gaussianCopulaSample(source, n, seed, baselineOptions), metricOptions),
  };
}

/** One summary line per generator, as a markdown table. */
export function formatBaselineTable(result: BaselineComparison): string {
  const f = (x: number | null): string => (x === null ? '-' : formatNumber(x));
  const header = ['generator', 'shape', 'trend', 'mean KS', 'mean W1/sd', 'mean TV', 'corr. error'];
  const rows = (['model', 'independent', 'copula'] as const).map((name) => {
    const m = result[name];
    const s = m.summary;
    return [name, f(s.shape), f(s.trend), f(s.meanKS), f(s.meanW1Scaled), f(s.meanTV), f(m.correlationError)];
  });
  return markdownTable(header, rows);
}

// ----------------------------------------------------------------------------------------

function readSource(rows: TableInput, options: BaselineOptions): ReadColumn[] {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const view = tableView(rows, 'rows');
  if (view.nRows === 0) throw new TabularDataError('rows: empty data (0 rows)');
  if (view.names.length === 0) throw new TabularDataError('rows: no columns in row 0');
  return readTables([view], view.names, new Set(options.categorical ?? []), ['rows'])[0]!;
}

function sourceRows(columns: ReadColumn[]): number {
  const c = columns[0]!;
  return c.kind === 'numeric' ? c.values.length : c.codes.length;
}

function checkCount(n: unknown): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new RangeError(`n: expected a non-negative integer, got ${String(n)}`);
}

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new TypeError(`seed: expected a finite number, got ${String(seed)}`);
  return seed;
}

interface Margin {
  column: ReadColumn;
  /** Numeric key per source row: the value, or the frequency rank of the category. */
  keys: Float64Array;
  sorted: Float64Array;
  decode(key: number): number | string;
}

function marginOf(column: ReadColumn): Margin {
  if (column.kind === 'numeric') {
    // A gap ranks above every value (key +Infinity) and decodes back to a gap (NaN).
    const keys = column.values.map((x) => (Number.isNaN(x) ? Infinity : x));
    return { column, keys, sorted: keys.slice().sort(), decode: (x) => (x === Infinity ? NaN : x) };
  }
  const K = column.categories.length;
  const counts = new Float64Array(K);
  for (let i = 0; i < column.codes.length; i++) counts[column.codes[i]!]++;
  // Most frequent category first (ties by code), as SDV's frequency encoding.
  const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const rankOf = new Int32Array(K);
  order.forEach((code, rank) => (rankOf[code] = rank));
  const keys = new Float64Array(column.codes.length);
  for (let i = 0; i < keys.length; i++) keys[i] = rankOf[column.codes[i]!]!;
  return { column, keys, sorted: keys.slice().sort(), decode: (rank) => column.categories[order[rank]!]! };
}

/** Van der Waerden scores: z = Phi^-1(average rank / (N + 1)), ties sharing their mean rank. */
function normalScores(keys: Float64Array, sorted: Float64Array): Float64Array {
  const N = keys.length;
  const z = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const lo = bound(sorted, keys[i]!, false);
    const hi = bound(sorted, keys[i]!, true);
    z[i] = normalQuantile((lo + hi + 1) / 2 / (N + 1));
  }
  return z;
}

/** First index with sorted[k] >= x (strict = false) or > x (strict = true). */
function bound(sorted: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x || (strict && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Pearson correlation matrix (row-major d x d); constant columns get 0 off the diagonal. */
function correlation(cols: Float64Array[]): Float64Array {
  const d = cols.length;
  const centred = cols.map((v) => {
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += v[i]!;
    const mean = sum / v.length;
    return v.map((x) => x - mean);
  });
  const cov = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      let s = 0;
      const x = centred[a]!;
      const y = centred[b]!;
      for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
      cov[a * d + b] = cov[b * d + a] = s;
    }
  }
  const R = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      const denom = Math.sqrt(cov[a * d + a]! * cov[b * d + b]!);
      R[a * d + b] = a === b ? 1 : denom > 0 ? cov[a * d + b]! / denom : 0;
    }
  }
  return R;
}

/**
 * Lower Cholesky factor of a correlation matrix. A semi-definite estimate (collinear columns)
 * is made definite by shrinking towards the identity, (R + jI) / (1 + j), with growing j.
 */
function choleskyWithJitter(R: Float64Array): Float64Array {
  const d = Math.round(Math.sqrt(R.length));
  for (const jitter of [0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1e-1, 1]) {
    const A = R.map((v, k) => (k % (d + 1) === 0 ? v + jitter : v) / (1 + jitter));
    const L = cholesky(A, d);
    if (L) return L;
  }
  return R.map((_, k) => (k % (d + 1) === 0 ? 1 : 0)); // unreachable: jitter 1 is always definite
}

function cholesky(A: Float64Array, d: number): Float64Array | null {
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let diag = A[j * d + j]!;
    for (let k = 0; k < j; k++) diag -= L[j * d + k]! ** 2;
    if (!(diag > 1e-12)) return null;
    const ljj = Math.sqrt(diag);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = A[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      L[i * d + j] = s / ljj;
    }
  }
  return L;
}


/** Standard normals by Box-Muller, both values of each pair used. */
function normalSource(uniform: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const z = spare;
      spare = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}
