/**
 * Distribution metrics between a real and a synthetic table (docs/design.md section 7).
 *
 * Per column: exact two-sample KS statistic and exact Wasserstein-1 distance for numeric
 * columns, total variation distance for categorical ones. Per pair: SDMetrics'
 * CorrelationSimilarity (numeric pairs) and ContingencySimilarity (pairs with a categorical
 * column; the numeric side is cut into equal-width bins over the real column's range).
 * Shape and Trend are the SDMetrics "Column Shapes" and "Column Pair Trends" scores.
 */
import { TableView, TabularDataError, tableView } from './table/input.js';
import { GAP_CLASS, ReadColumn, readTables } from './table/read-columns.js';
import type { TableInput } from './transformer.js';

export interface MetricsOptions {
  /** Columns to treat as categorical even when their values look numeric. */
  categorical?: readonly string[];
  /** Equal-width bins for numeric columns in mixed contingency pairs (default 10, as SDMetrics). */
  bins?: number;
  /** Columns to compare (default: all columns of `real`, in order). */
  columns?: readonly string[];
}

export interface ColumnMetrics {
  column: string;
  kind: 'numeric' | 'categorical';
  /** Two-sample Kolmogorov-Smirnov statistic (numeric columns, else null). */
  ks: number | null;
  /** Wasserstein-1 distance between the empirical distributions (numeric, else null). */
  w1: number | null;
  /** w1 divided by the real column's population sd (by 1 when that sd is 0). */
  w1Scaled: number | null;
  /** Total variation distance of the category frequencies (categorical, else null). */
  tv: number | null;
  /** KSComplement (1 - ks, on the values that are not gaps) or TVComplement (1 - tv, gaps a class). */
  score: number;
  /** Share of gaps in the real and the synthetic column. */
  gapRate: { real: number; synthetic: number };
}

export interface PairMetrics {
  columns: [string, string];
  metric: 'CorrelationSimilarity' | 'ContingencySimilarity';
  score: number;
  /** Pearson correlations (CorrelationSimilarity pairs only). */
  realCorrelation?: number;
  syntheticCorrelation?: number;
}

export interface MetricsSummary {
  nReal: number;
  nSynthetic: number;
  /** Mean of KS/TV complements over columns. */
  shape: number;
  /** Mean of pair similarities over column pairs (null with fewer than two columns). */
  trend: number | null;
  /** (shape + trend) / 2, SDMetrics' overall quality score (shape alone without pairs). */
  overall: number;
  meanKS: number | null;
  meanW1Scaled: number | null;
  meanTV: number | null;
  correlationSimilarity: number | null;
  contingencySimilarity: number | null;
}

export interface DistributionMetrics {
  columns: ColumnMetrics[];
  pairs: PairMetrics[];
  /** Mean |rho_real - rho_syn| over off-diagonal numeric pairs (null with < 2 numeric columns). */
  correlationError: number | null;
  /** Mean |cov_real - cov_syn| over all entries of the numeric covariance matrix (null without numeric columns). */
  covarianceError: number | null;
  /** Pearson correlation matrices of the numeric columns. */
  correlation: { columns: string[]; real: number[][]; synthetic: number[][] };
  summary: MetricsSummary;
}

// ----------------------------------------------------------------------------------------
// One-dimensional statistics (exported: small, exact and reusable)

/** Exact two-sample KS statistic sup|F - G|; ties are stepped over together. Sorts copies. */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return ksSorted(sortedCopy(a, 'a'), sortedCopy(b, 'b'));
}

/** Exact W1 = integral |F - G| dx between the two empirical distributions. Sorts copies. */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return w1Sorted(sortedCopy(a, 'a'), sortedCopy(b, 'b'));
}

function sortedCopy(values: ArrayLike<number>, name: string): Float64Array {
  if (values.length === 0) throw new RangeError(`${name}: empty sample`);
  const out = Float64Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new RangeError(`${name}: non-finite value at index ${i}`);
  }
  return out.sort();
}

function ksSorted(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < n && a[i] === v) i++;
    while (j < m && b[j] === v) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  // Once one sample is exhausted |F - G| only shrinks towards 0.
  return d;
}

function w1Sorted(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0]!, b[0]!);
  let w = 0;
  while (i < n || j < m) {
    const v = Math.min(i < n ? a[i]! : Infinity, j < m ? b[j]! : Infinity);
    // F and G are constant on [prev, v).
    w += Math.abs(i / n - j / m) * (v - prev);
    while (i < n && a[i] === v) i++;
    while (j < m && b[j] === v) j++;
    prev = v;
  }
  return w;
}

/** Total variation distance 0.5 * sum |p - q| between two code arrays over K classes. */
function tvCodes(a: Int32Array, b: Int32Array, K: number): number {
  const ca = new Float64Array(K);
  const cb = new Float64Array(K);
  for (let i = 0; i < a.length; i++) ca[a[i]!]++;
  for (let i = 0; i < b.length; i++) cb[b[i]!]++;
  let tv = 0;
  for (let k = 0; k < K; k++) tv += Math.abs(ca[k]! / a.length - cb[k]! / b.length);
  return tv / 2;
}

function nonEmptyView(input: TableInput, argName: string): TableView {
  const view = tableView(input, argName);
  if (view.nRows === 0) throw new TabularDataError(`${argName}: empty data (0 rows)`);
  return view;
}

// ----------------------------------------------------------------------------------------
// Main entry

/** Compares a synthetic table with a real one (records or columnar objects, same columns). */
export function distributionMetrics(real: TableInput, synthetic: TableInput, options: MetricsOptions = {}): DistributionMetrics {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const bins = options.bins ?? 10;
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`options.bins: expected a positive integer, got ${String(bins)}`);
  }
  const realView = nonEmptyView(real, 'real');
  const synView = nonEmptyView(synthetic, 'synthetic');
  const names = options.columns ? options.columns.slice() : realView.names.slice();
  if (names.length === 0) throw new TabularDataError('real: no columns in row 0');
  const [realCols, synCols] = readTables([realView, synView], names, new Set(options.categorical ?? []), ['real', 'synthetic']) as [ReadColumn[], ReadColumn[]];

  const columns: ColumnMetrics[] = realCols.map((r, j) => {
    const s = synCols[j]!;
    if (r.kind === 'numeric' && s.kind === 'numeric') {
      const a = present(r.values).sort();
      const b = present(s.values).sort();
      const gapRate = { real: 1 - a.length / r.values.length, synthetic: 1 - b.length / s.values.length };
      // A column that is all gaps on one side shares nothing with the other: KS 1.
      const ks = a.length > 0 && b.length > 0 ? ksSorted(a, b) : a.length === b.length ? 0 : 1;
      const w1 = a.length > 0 && b.length > 0 ? w1Sorted(a, b) : NaN;
      const sd = a.length > 0 ? populationSd(a) : 0;
      return { column: r.name, kind: 'numeric', ks, w1, w1Scaled: w1 / (sd > 0 ? sd : 1), tv: null, score: 1 - ks, gapRate };
    }
    const rc = r as Extract<ReadColumn, { kind: 'categorical' }>;
    const sc = s as typeof rc;
    const tv = tvCodes(rc.codes, sc.codes, rc.categories.length);
    const gap = rc.categories.indexOf(GAP_CLASS);
    const gapRate = { real: gap < 0 ? 0 : share(rc.codes, gap), synthetic: gap < 0 ? 0 : share(sc.codes, gap) };
    return { column: r.name, kind: 'categorical', ks: null, w1: null, w1Scaled: null, tv, score: 1 - tv, gapRate };
  });

  const numericIdx = realCols.flatMap((c, j) => (c.kind === 'numeric' ? [j] : []));
  const numericNames = numericIdx.map((j) => names[j]!);
  const realNum = numericIdx.map((j) => (realCols[j] as { values: Float64Array }).values);
  const synNum = numericIdx.map((j) => (synCols[j] as { values: Float64Array }).values);
  const realCov = covariance(realNum);
  const synCov = covariance(synNum);
  const realCorr = correlationFromCov(realCov);
  const synCorr = correlationFromCov(synCov);
  const d = numericIdx.length;
  let corrSum = 0;
  let covSum = 0;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      covSum += Math.abs(realCov[a]![b]! - synCov[a]![b]!);
      if (a < b) corrSum += Math.abs(realCorr[a]![b]! - synCorr[a]![b]!);
    }
  }
  const correlationError = d >= 2 ? corrSum / ((d * (d - 1)) / 2) : null;
  const covarianceError = d >= 1 ? covSum / (d * d) : null;

  const pairs = pairMetrics(realCols, synCols, numericIdx, realCorr, synCorr, bins);

  const mean = (xs: number[]): number | null => (xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
  const numericCols = columns.filter((c) => c.kind === 'numeric');
  const shape = mean(columns.map((c) => c.score))!;
  const trend = mean(pairs.map((p) => p.score));
  return {
    columns,
    pairs,
    correlationError,
    covarianceError,
    correlation: { columns: numericNames, real: realCorr, synthetic: synCorr },
    summary: {
      nReal: realView.nRows,
      nSynthetic: synView.nRows,
      shape,
      trend,
      overall: trend === null ? shape : (shape + trend) / 2,
      meanKS: mean(numericCols.map((c) => c.ks!)),
      meanW1Scaled: mean(numericCols.map((c) => c.w1Scaled!)),
      meanTV: mean(columns.filter((c) => c.kind === 'categorical').map((c) => c.tv!)),
      correlationSimilarity: mean(pairs.filter((p) => p.metric === 'CorrelationSimilarity').map((p) => p.score)),
      contingencySimilarity: mean(pairs.filter((p) => p.metric === 'ContingencySimilarity').map((p) => p.score)),
    },
  };
}

function pairMetrics(
  realCols: ReadColumn[],
  synCols: ReadColumn[],
  numericIdx: number[],
  realCorr: number[][],
  synCorr: number[][],
  bins: number,
): PairMetrics[] {
  const numericPos = new Map(numericIdx.map((j, k) => [j, k]));
  // Each column as codes for contingency tables: numeric ones binned over the real range.
  const discrete = realCols.map((r, j) => {
    const s = synCols[j]!;
    if (r.kind === 'categorical') return null;
    return binned(r.values, (s as { values: Float64Array }).values, bins);
  });
  const asCodes = (j: number): { real: Int32Array; syn: Int32Array; K: number } => {
    const r = realCols[j]!;
    if (r.kind === 'categorical') return { real: r.codes, syn: (synCols[j] as typeof r).codes, K: r.categories.length };
    return discrete[j]!;
  };
  const pairs: PairMetrics[] = [];
  for (let a = 0; a < realCols.length; a++) {
    for (let b = a + 1; b < realCols.length; b++) {
      const columns: [string, string] = [realCols[a]!.name, realCols[b]!.name];
      const pa = numericPos.get(a);
      const pb = numericPos.get(b);
      if (pa !== undefined && pb !== undefined) {
        const rho = realCorr[pa]![pb]!;
        const rhoSyn = synCorr[pa]![pb]!;
        pairs.push({ columns, metric: 'CorrelationSimilarity', score: 1 - Math.abs(rho - rhoSyn) / 2, realCorrelation: rho, syntheticCorrelation: rhoSyn });
      } else {
        const ca = asCodes(a);
        const cb = asCodes(b);
        const tv = jointTv(ca.real, cb.real, ca.syn, cb.syn, cb.K);
        pairs.push({ columns, metric: 'ContingencySimilarity', score: 1 - tv });
      }
    }
  }
  return pairs;
}

/** Equal-width bins over the real column's range; synthetic values outside go to the end bins. */
function binned(real: Float64Array, syn: Float64Array, bins: number): { real: Int32Array; syn: Int32Array; K: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < real.length; i++) {
    if (real[i]! < min) min = real[i]!;
    if (real[i]! > max) max = real[i]!;
  }
  const width = (max - min) / bins;
  // Gaps get a bin of their own (the last).
  const code = (x: number): number =>
    Number.isNaN(x) ? bins : width > 0 ? Math.min(Math.max(Math.floor((x - min) / width), 0), bins - 1) : 0;
  const toCodes = (v: Float64Array): Int32Array => {
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = code(v[i]!);
    return out;
  };
  return { real: toCodes(real), syn: toCodes(syn), K: bins + 1 };
}

/** TV distance between the joint frequency tables of (a, b) in the real and synthetic data. */
function jointTv(realA: Int32Array, realB: Int32Array, synA: Int32Array, synB: Int32Array, KB: number): number {
  // Integer counts per cell, so identical samples give exactly 0.
  const count = (a: Int32Array, b: Int32Array): Map<number, number> => {
    const counts = new Map<number, number>();
    for (let i = 0; i < a.length; i++) {
      const key = a[i]! * KB + b[i]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  const real = count(realA, realB);
  const syn = count(synA, synB);
  const n = realA.length;
  const m = synA.length;
  let tv = 0;
  for (const [key, c] of real) tv += Math.abs(c / n - (syn.get(key) ?? 0) / m);
  for (const [key, c] of syn) if (!real.has(key)) tv += c / m;
  return Math.min(tv / 2, 1);
}

function populationSd(v: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]!;
  const mean = sum / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i]! - mean) ** 2;
  return Math.sqrt(ss / v.length);
}

/**
 * Population covariance matrix (divide by n) of equally long columns. Gaps (NaN): each entry
 * uses the rows where both columns hold values, with those rows' means (pairwise complete).
 */
function covariance(cols: Float64Array[]): number[][] {
  const d = cols.length;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const x = cols[a]!;
      const y = cols[b]!;
      let n = 0, sx = 0, sy = 0;
      for (let i = 0; i < x.length; i++) {
        if (Number.isNaN(x[i]!) || Number.isNaN(y[i]!)) continue;
        n++;
        sx += x[i]!;
        sy += y[i]!;
      }
      const mx = sx / n, my = sy / n;
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        if (Number.isNaN(x[i]!) || Number.isNaN(y[i]!)) continue;
        s += (x[i]! - mx) * (y[i]! - my);
      }
      cov[a]![b] = cov[b]![a] = n > 0 ? s / n : 0;
    }
  }
  return cov;
}

/** The values that are not gaps. */
function present(v: Float64Array): Float64Array {
  return v.filter((x) => !Number.isNaN(x));
}

function share(codes: Int32Array, k: number): number {
  let c = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i] === k) c++;
  return codes.length > 0 ? c / codes.length : 0;
}

/** Pearson correlations; a constant column is taken as uncorrelated with everything (rho = 0). */
function correlationFromCov(cov: number[][]): number[][] {
  return cov.map((row, a) =>
    row.map((c, b) => {
      if (a === b) return 1;
      const denom = Math.sqrt(cov[a]![a]! * cov[b]![b]!);
      return denom > 0 ? Math.max(-1, Math.min(1, c / denom)) : 0;
    }),
  );
}

// ----------------------------------------------------------------------------------------
// Formatting

/** A plain markdown table of the per-column metrics followed by the summary. */
export function formatMetricsTable(result: DistributionMetrics): string {
  const f = (x: number | null): string => (x === null ? '-' : formatNumber(x));
  const header = ['column', 'kind', 'KS', 'W1', 'W1/sd', 'TV', 'score'];
  const rows = result.columns.map((c) => [c.column, c.kind, f(c.ks), f(c.w1), f(c.w1Scaled), f(c.tv), f(c.score)]);
  const s = result.summary;
  const lines = [
    markdownTable(header, rows),
    '',
    `rows: real ${s.nReal}, synthetic ${s.nSynthetic}`,
    `Shape (mean KS/TV complement): ${f(s.shape)}`,
    `Trend (mean pair similarity): ${f(s.trend)}`,
    `Overall quality: ${f(s.overall)}`,
    `mean KS: ${f(s.meanKS)}   mean W1/sd: ${f(s.meanW1Scaled)}   mean TV: ${f(s.meanTV)}`,
    `correlation error: ${f(result.correlationError)}   covariance error: ${f(result.covarianceError)}`,
  ];
  return lines.join('\n');
}

/** @internal */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, k) => c.padEnd(widths[k]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** @internal */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(3);
  return x.toFixed(4);
}
