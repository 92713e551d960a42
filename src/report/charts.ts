/**
 * Vega-Lite specifications of the report's charts, with the number of data marks each must
 * draw (the browser test checks it). Data is binned here, so a chart carries a few dozen values
 * whatever the table's size.
 */
import type { ReadColumn } from '../evaluation/tables.js';

export interface Chart {
  title: string;
  spec: Record<string, unknown>;
  /** Mark items the rendered chart must hold (bars, cells, or one line per series). */
  expectedMarks: number;
}

const SOURCE_COLORS = { domain: ['real', 'synthetic'], range: ['#4c78a8', '#f58518'] };
const MAX_CATEGORIES = 20;
const BINS = 20;

interface Bar {
  source: string;
  start: number;
  end: number;
  share: number;
}

/** Equal-width shares of `values` (NaN skipped) over [lo, hi]; values outside go to the end bins. */
export function binShares(values: Float64Array, lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  let n = 0;
  const width = (hi - lo) / bins;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    n++;
    const b = width > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width))) : 0;
    counts[b]!++;
  }
  return counts.map((c) => (n > 0 ? c / n : 0));
}

function range(arrays: Float64Array[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (const v of a) if (!Number.isNaN(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return lo === Infinity ? [0, 1] : lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

function histogramBars(series: { source: string; values: Float64Array }[], lo: number, hi: number, bins: number): Bar[] {
  const width = (hi - lo) / bins;
  return series.flatMap(({ source, values }) =>
    binShares(values, lo, hi, bins).map((share, b) => ({ source, start: lo + b * width, end: lo + (b + 1) * width, share })),
  );
}

function overlaidHistogram(title: string, xTitle: string, bars: Bar[], domain: { domain: string[]; range: string[] }, temporal = false): Chart {
  return {
    title,
    expectedMarks: bars.length,
    spec: {
      width: 260, height: 140, data: { values: bars },
      mark: { type: 'bar', opacity: 0.55 },
      encoding: {
        x: { field: 'start', type: temporal ? 'temporal' : 'quantitative', bin: { binned: true }, title: xTitle },
        x2: { field: 'end' },
        y: { field: 'share', type: 'quantitative', title: 'share of rows', stack: null },
        color: { field: 'source', type: 'nominal', scale: domain, title: null },
      },
    },
  };
}

/**
 * Real vs synthetic distribution of one column: overlaid histograms or grouped bars. `temporal`:
 * the numbers are dates as milliseconds (metrics.ts reads date columns so), drawn on a time axis.
 */
export function columnChart(real: ReadColumn, synthetic: ReadColumn, temporal = false): Chart {
  if (real.kind === 'numeric' && synthetic.kind === 'numeric') {
    const [lo, hi] = range([real.values, synthetic.values]);
    const bars = histogramBars([{ source: 'real', values: real.values }, { source: 'synthetic', values: synthetic.values }], lo, hi, BINS);
    // Bars are shares of the values present; the gaps' shares go in the title.
    const gaps = (v: Float64Array): number => v.reduce((n, x) => n + (Number.isNaN(x) ? 1 : 0), 0) / v.length;
    const gr = gaps(real.values), gs = gaps(synthetic.values);
    const title = gr > 0 || gs > 0 ? `${real.name} (gaps: real ${(100 * gr).toFixed(1)}%, synthetic ${(100 * gs).toFixed(1)}%)` : real.name;
    return overlaidHistogram(title, real.name, bars, SOURCE_COLORS, temporal);
  }
  const r = real as Extract<ReadColumn, { kind: 'categorical' }>;
  const s = synthetic as typeof r;
  const K = r.categories.length;
  const share = (codes: Int32Array): Float64Array => {
    const c = new Float64Array(K);
    for (const k of codes) c[k]++;
    return c.map((x) => x / codes.length);
  };
  const pr = share(r.codes), ps = share(s.codes);
  const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => pr[b]! - pr[a]! || ps[b]! - ps[a]! || a - b);
  const shown = order.slice(0, MAX_CATEGORIES);
  const rest = order.slice(MAX_CATEGORIES);
  const rows: { category: string; source: string; share: number }[] = [];
  for (const k of shown) {
    rows.push({ category: r.categories[k]!, source: 'real', share: pr[k]! }, { category: r.categories[k]!, source: 'synthetic', share: ps[k]! });
  }
  if (rest.length > 0) {
    const label = `(${rest.length} others)`;
    rows.push({ category: label, source: 'real', share: rest.reduce((a, k) => a + pr[k]!, 0) });
    rows.push({ category: label, source: 'synthetic', share: rest.reduce((a, k) => a + ps[k]!, 0) });
  }
  return {
    title: r.name,
    expectedMarks: rows.length,
    spec: {
      width: { step: 9 }, height: 140, data: { values: rows },
      mark: 'bar',
      encoding: {
        x: { field: 'category', type: 'nominal', sort: null, title: r.name, axis: { labelLimit: 90, labelAngle: -45 } },
        xOffset: { field: 'source', type: 'nominal', scale: { domain: SOURCE_COLORS.domain } },
        y: { field: 'share', type: 'quantitative', title: 'share of rows' },
        color: { field: 'source', type: 'nominal', scale: SOURCE_COLORS, title: null },
      },
    },
  };
}

/** A correlation matrix (or a difference of two) as a heatmap over [-1, 1]. */
export function heatmap(title: string, columns: string[], matrix: number[][]): Chart {
  const cells = columns.flatMap((a, i) => columns.map((b, j) => ({ a, b, value: matrix[i]![j]! })));
  return {
    title,
    expectedMarks: cells.length,
    spec: {
      width: { step: Math.max(12, Math.min(28, Math.floor(280 / Math.max(1, columns.length)))) },
      height: { step: Math.max(12, Math.min(28, Math.floor(280 / Math.max(1, columns.length)))) },
      data: { values: cells },
      mark: 'rect',
      encoding: {
        x: { field: 'a', type: 'nominal', sort: columns, title: null, axis: { labelAngle: -45, labelLimit: 90 } },
        y: { field: 'b', type: 'nominal', sort: columns, title: null, axis: { labelLimit: 90 } },
        color: { field: 'value', type: 'quantitative', scale: { domain: [-1, 1], scheme: 'redblue', reverse: true }, title: 'r' },
        tooltip: [{ field: 'a' }, { field: 'b' }, { field: 'value', format: '.3f' }],
      },
    },
  };
}

/** Distances to the closest training record: synthetic rows beside holdout rows. */
export function dcrChart(synthetic: Float64Array, holdout: Float64Array | null): Chart {
  const q99 = (v: Float64Array): number => {
    const s = Float64Array.from(v).sort();
    return s[Math.min(s.length - 1, Math.floor(0.99 * s.length))]!;
  };
  const hi = Math.max(q99(synthetic), holdout ? q99(holdout) : 0) || 1;
  const series = [{ source: 'synthetic', values: synthetic }, ...(holdout ? [{ source: 'holdout', values: holdout }] : [])];
  const bars = histogramBars(series, 0, hi, 30);
  return overlaidHistogram('Distance to closest training record', 'DCR (rows beyond the 99th percentile in the last bin)', bars, {
    domain: ['holdout', 'synthetic'], range: ['#4c78a8', '#f58518'],
  });
}

/** Loss against step, one line per series. */
export function lossChart(points: { step: number; loss: number; series: string }[]): Chart {
  const series = new Set(points.map((p) => p.series));
  const positive = points.every((p) => p.loss > 0);
  return {
    title: 'Training loss',
    expectedMarks: series.size,
    spec: {
      width: 560, height: 200, data: { values: points },
      mark: { type: 'line', point: false },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { type: positive ? 'log' : 'linear' } },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  };
}
