/**
 * report(): one self-contained HTML page that shows whether synthetic rows can stand in for
 * real ones: Shape/Trend, utility, privacy and detection beside the independent-marginals and
 * Gaussian-copula baselines, per-column distributions, correlation heatmaps, the DCR histogram
 * and the training loss curve. docs/evaluation.md describes every figure.
 */
import { gaussianCopulaSample, independentMarginalsSample } from '../baselines.js';
import { detection, DetectionResult } from '../evaluation/detection.js';
import { privacy, PrivacyResult } from '../evaluation/privacy.js';
import { checkOptions, checkSeed, readSameColumns } from '../evaluation/tables.js';
import { UtilityResult, UtilityTask, utilityOfEach } from '../evaluation/utility.js';
import { DistributionMetrics, distributionMetrics } from '../metrics.js';
import { readModelFile } from '../model-file.js';
import { mulberry32 } from '../prng.js';
import { readDateCell } from '../table/dates.js';
import { isGap } from '../table/gaps.js';
import { TabularDataError, tableView } from '../table/input.js';
import type { TableInput } from '../transformer.js';
import { Chart, columnChart, dcrChart, heatmap, lossChart } from './charts.js';
import { OverviewRow, Page, renderPage } from './html.js';

export type LossPoint = { step: number; loss: number };

export interface ReportOptions {
  /** A .tdm model file (path), or its loss history, for the training loss curve. */
  model?: string | { lossHistory?: LossPoint[]; heldOutHistory?: LossPoint[] };
  /** Column to predict for the utility figures (none: utility is left out). */
  target?: string;
  task?: UtilityTask;
  /** Real rows the synthesizer did not see. Without it `real` is split 80/20 (seeded); see the page's note. */
  holdout?: TableInput;
  categorical?: readonly string[];
  seed?: number;
  title?: string;
  /** Rows per side for the detection classifiers (default 5000). */
  detectionRows?: number;
}

const GENERATORS = ['model', 'independent marginals', 'Gaussian copula'] as const;

/** The report as an HTML string (see the module comment). */
export function report(real: TableInput, synthetic: TableInput, options: ReportOptions = {}): string {
  checkOptions(options);
  const seed = checkSeed(options.seed ?? 0);
  const categorical = options.categorical ?? [];
  // Same columns on both sides, rows on each: errors name the argument and the column.
  const both = readSameColumns([{ name: 'real', table: real }, { name: 'synthetic', table: synthetic }], categorical);
  if (options.target !== undefined && !both.names.includes(options.target)) {
    throw new TabularDataError(`options.target: column "${options.target}" is not in real (columns: ${both.names.join(', ')})`, options.target);
  }
  const notes: string[] = [];
  let train: TableInput = real;
  let holdout = options.holdout;
  if (holdout === undefined) {
    const split = splitRows(real, seed);
    train = split.train;
    holdout = split.holdout;
    notes.push('No holdout was given: the real table was split 80/20 (seeded) into training and holdout rows for utility and privacy. ' +
      'If the model was fitted on all of the real rows, it has seen the "holdout" rows, and utility and privacy look better than they are: pass the rows held out from fitting.');
  }
  const n = both.rows[1]!;
  const baselineOptions = categorical.length > 0 ? { categorical } : {};
  const generated: TableInput[] = [
    synthetic,
    independentMarginalsSample(train, n, seed, baselineOptions),
    gaussianCopulaSample(train, n, seed, baselineOptions),
  ];
  const metricOptions = categorical.length > 0 ? { categorical } : {};
  const fidelity: DistributionMetrics[] = generated.map((g) => distributionMetrics(real, g, metricOptions));
  const privacyResults: PrivacyResult[] = generated.map((g) => privacy(train, g, { holdout, ...metricOptions }));
  const detectionResults: DetectionResult[] = generated.map((g) =>
    detection(real, g, { seed, ...metricOptions, ...(options.detectionRows ? { maxRows: options.detectionRows } : {}) }),
  );
  let utilityResults: UtilityResult[] | null = null;
  if (options.target !== undefined) {
    utilityResults = utilityOfEach(train, generated, { target: options.target, holdout, seed, ...metricOptions, ...(options.task ? { task: options.task } : {}) });
  } else {
    notes.push('No target column was given: utility (train on synthetic, test on real) is left out. Pass a target to include it.');
  }

  const sections: Page['sections'] = [];
  sections.push({
    title: 'Columns: real vs synthetic',
    charts: both.names.map((name, j) => columnChart(both.columns[0]![j]!, both.columns[1]![j]!, isDateColumn(real, name))),
  });
  const corr = fidelity[0]!.correlation;
  if (corr.columns.length >= 2) {
    const diff = corr.real.map((row, a) => row.map((v, b) => corr.synthetic[a]![b]! - v));
    sections.push({
      title: 'Correlations (Pearson, numeric columns)',
      charts: [heatmap('Real', corr.columns, corr.real), heatmap('Synthetic', corr.columns, corr.synthetic), heatmap('Synthetic - real', corr.columns, diff)],
    });
  }
  const p0 = privacyResults[0]!;
  sections.push({
    title: 'Privacy: distance to closest record',
    note: 'Distances from each synthetic row, and from each holdout row, to its nearest training row (standardised numbers, one unit per differing category). Synthetic rows piled up near 0, left of the holdout rows, are copies or near-copies.',
    charts: [dcrChart(p0.dcrSynthetic, p0.dcrHoldout)],
  });
  const loss = lossSection(options.model, notes);
  if (loss) sections.push({ title: 'Training', charts: [loss] });

  const page: Page = {
    title: options.title ?? 'Synthetic data report',
    subtitle: `${both.rows[0]} real rows, ${n} synthetic rows, ${both.names.length} columns` +
      (options.target ? `; target "${options.target}"` : '') + `; baselines drawn from the training rows with seed ${seed}.`,
    notes,
    overview: { columns: [...GENERATORS], rows: overviewRows(fidelity, utilityResults, privacyResults, detectionResults) },
    sections,
  };
  return renderPage(page);
}

function overviewRows(fidelity: DistributionMetrics[], utility: UtilityResult[] | null, privacy: PrivacyResult[], det: DetectionResult[]): OverviewRow[] {
  const f = (x: number | null | undefined, digits = 3): string | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x.toFixed(digits));
  const rows: OverviewRow[] = [
    { metric: 'Shape (column distributions)', ideal: '1 is best', values: fidelity.map((m) => f(m.summary.shape)) },
    { metric: 'Trend (column pairs)', ideal: '1 is best', values: fidelity.map((m) => f(m.summary.trend)) },
  ];
  if (utility) {
    const u = utility[0]!;
    const main = u.task === 'regression' ? 'r2' : 'auc';
    const realScore = (u.real as unknown as Record<string, number>)[main]!;
    rows.push({
      metric: `Utility: ${main.toUpperCase()} trained on these rows (trained on real: ${realScore.toFixed(3)})`,
      ideal: `${realScore.toFixed(3)}, as real rows`,
      values: utility.map((r) => f((r.synthetic as unknown as Record<string, number>)[main])),
    });
    rows.push({ metric: `Utility ratio (${main.toUpperCase()} synthetic / real)`, ideal: '1 is best', values: utility.map((r) => f(r.score)) });
    if (u.task === 'classification') rows.push({ metric: 'Utility: macro-F1', ideal: `${(u.real as { macroF1: number }).macroF1.toFixed(3)}, as real rows`, values: utility.map((r) => f((r.synthetic as { macroF1: number }).macroF1)) });
  }
  rows.push(
    { metric: 'Privacy: DCR share (synthetic closer to training than holdout)', ideal: '0.5 (no closer than fresh real rows)', values: privacy.map((p) => f(p.dcrShare)) },
    { metric: `Privacy: median DCR (holdout: ${f(privacy[0]!.medianDcr.holdout)})`, ideal: 'as the holdout', values: privacy.map((p) => f(p.medianDcr.synthetic)) },
    { metric: `Privacy: exact copies of training rows (holdout: ${privacy[0]!.holdoutExactCopies ?? '-'})`, ideal: '0, or as the holdout', values: privacy.map((p) => `${p.exactCopies} (${(100 * p.exactCopyShare).toFixed(2)}%)`) },
    { metric: 'Detection AUC, logistic regression', ideal: '0.5 (indistinguishable)', values: det.map((d) => f(d.auc.logistic)) },
    { metric: 'Detection AUC, gradient-boosted trees', ideal: '0.5 (indistinguishable)', values: det.map((d) => f(d.auc.tree)) },
  );
  return rows;
}

/** The loss curve from a model file's stored history (or one given directly); null with a note when there is none. */
function lossSection(model: ReportOptions['model'], notes: string[]): Chart | null {
  if (model === undefined) return null;
  let history: LossPoint[] | undefined;
  let heldOut: LossPoint[] | undefined;
  if (typeof model === 'string') {
    const { header } = readModelFile(model);
    const settings = header.settings as { lossHistory?: LossPoint[]; validation?: { history?: { step: number; heldOutLoss: number }[] } } | undefined;
    history = settings?.lossHistory;
    heldOut = settings?.validation?.history?.map((h) => ({ step: h.step, loss: h.heldOutLoss }));
  } else if (model !== null && typeof model === 'object') {
    history = model.lossHistory;
    heldOut = model.heldOutHistory;
  } else {
    throw new TypeError('options.model: expected a model file path or { lossHistory }');
  }
  const points = [
    ...(history ?? []).map((p) => ({ step: p.step, loss: p.loss, series: 'training' })),
    ...(heldOut ?? []).map((p) => ({ step: p.step, loss: p.loss, series: 'held-out' })),
  ].filter((p) => Number.isFinite(p.step) && Number.isFinite(p.loss));
  if (points.length === 0) {
    notes.push('The model file stores no loss history (it was fitted before tabular-diffusion kept one): no loss curve.');
    return null;
  }
  return lossChart(points);
}

/** True when the column's first non-gap cell of `table` is a date (then metrics.ts read it as dates). */
function isDateColumn(table: TableInput, name: string): boolean {
  const values = tableView(table, 'real').column(name);
  for (let i = 0; i < values.length; i++) if (!isGap(values[i])) return readDateCell(values[i]) !== null;
  return false;
}

/** A seeded 80/20 split of a table's rows, as records. */
function splitRows(table: TableInput, seed: number): { train: Record<string, unknown>[]; holdout: Record<string, unknown>[] } {
  const view = tableView(table, 'real');
  const cols = view.names.map((name) => view.column(name));
  const rows = Array.from({ length: view.nRows }, (_, i) => Object.fromEntries(view.names.map((name, j) => [name, cols[j]![i]])));
  const rng = mulberry32(seed ^ 0x5eed);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const cut = Math.max(1, Math.min(rows.length - 1, Math.round(rows.length * 0.8)));
  if (rows.length < 2) throw new RangeError('real: needs at least 2 rows to split into training and holdout rows (or pass options.holdout)');
  return { train: rows.slice(0, cut), holdout: rows.slice(cut) };
}
