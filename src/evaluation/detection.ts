/**
 * Detection (classifier two-sample test, C2ST): can a classifier tell real rows from synthetic
 * ones? Rows are labelled by origin, split into stratified folds, and every row is scored by a
 * model trained on the other folds; the pooled out-of-fold ROC AUC is reported for logistic
 * regression and for the tree learner. 0.5: indistinguishable; 1: always told apart.
 * docs/evaluation.md.
 */
import { mulberry32 } from '../prng.js';
import type { TableInput } from '../transformer.js';
import { categoryRanks, linearDesign, numericStats, treeDesign } from './features.js';
import { GbdtOptions, fitGbdt, predictGbdt } from './gbdt.js';
import { fitLogistic, predictLogistic } from './logistic.js';
import { rocAuc } from './scores.js';
import { ReadColumn, checkOptions, checkSeed, pickRows, readSameColumns } from './tables.js';

export interface DetectionOptions {
  categorical?: readonly string[];
  /** Cross-validation folds (default 3). */
  folds?: number;
  /** Rows used per side at most, drawn without replacement (default 5000). */
  maxRows?: number;
  seed?: number;
  /** Tree learner settings (default: 100 rounds, learning rate 0.1, else gbdt.ts defaults). */
  learner?: GbdtOptions;
}

export interface DetectionResult {
  rows: { real: number; synthetic: number };
  folds: number;
  /** Out-of-fold ROC AUC of telling synthetic (positive) from real rows. */
  auc: { logistic: number; tree: number };
  /** SDMetrics' detection score 1 - (2 max(AUC, 0.5) - 1): 1 is best. */
  score: { logistic: number; tree: number };
}

export const DETECTION_LEARNER: GbdtOptions = { rounds: 100, learningRate: 0.1 };

export function detection(real: TableInput, synthetic: TableInput, options: DetectionOptions = {}): DetectionResult {
  checkOptions(options);
  const folds = options.folds ?? 3;
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`options.folds: expected an integer >= 2, got ${String(folds)}`);
  const maxRows = options.maxRows ?? 5000;
  if (!Number.isInteger(maxRows) || maxRows < folds) throw new RangeError(`options.maxRows: expected an integer >= folds (${folds}), got ${String(maxRows)}`);
  const seed = checkSeed(options.seed ?? 0);
  const read = readSameColumns([{ name: 'real', table: real }, { name: 'synthetic', table: synthetic }], options.categorical);
  const rng = mulberry32(seed);
  const draw = (n: number): number[] => {
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, Math.min(n, maxRows));
  };
  const realIdx = draw(read.rows[0]!);
  const synIdx = draw(read.rows[1]!);
  if (realIdx.length < folds || synIdx.length < folds) {
    throw new RangeError(`detection: needs at least ${folds} rows on each side (one per fold); real has ${read.rows[0]}, synthetic ${read.rows[1]}`);
  }
  // Pooled table: real rows then synthetic rows; label 1 = synthetic.
  const cols: ReadColumn[] = read.names.map((_, j) => concat(pickRows(read.columns[0]![j]!, realIdx), pickRows(read.columns[1]![j]!, synIdx)));
  const n = realIdx.length + synIdx.length;
  const y = new Float64Array(n);
  const fold = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i < realIdx.length ? 0 : 1;
    // The draws are shuffled already: position modulo folds stratifies by origin.
    fold[i] = (i < realIdx.length ? i : i - realIdx.length) % folds;
  }
  // Label-free transforms fitted on the pooled rows: no fold learns from another's labels.
  const lin = linearDesign(cols, numericStats(cols, [cols]), n);
  const tree = treeDesign(cols, categoryRanks(cols), n);
  const d = cols.length;
  const learner = { ...DETECTION_LEARNER, seed, ...(options.learner ?? {}) };
  const outLogistic = new Float64Array(n);
  const outTree = new Float64Array(n);
  for (let f = 0; f < folds; f++) {
    const tr: number[] = [], te: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? te : tr).push(i);
    const lr = fitLogistic(rowsOf(lin.x, lin.dims, tr), tr.length, lin.dims, tr.map((i) => y[i]!));
    predictLogistic(lr, rowsOf(lin.x, lin.dims, te), te.length).forEach((z, k) => (outLogistic[te[k]!] = z));
    const gb = fitGbdt(rowsOf(tree, d, tr), tr.length, d, Float64Array.from(tr, (i) => y[i]!), 'binary', 2, learner);
    predictGbdt(gb, rowsOf(tree, d, te), te.length, learner.threads).forEach((z, k) => (outTree[te[k]!] = z));
  }
  const auc = { logistic: rocAuc(outLogistic, y), tree: rocAuc(outTree, y) };
  const score = (a: number): number => 1 - (2 * Math.max(a, 0.5) - 1);
  return { rows: { real: realIdx.length, synthetic: synIdx.length }, folds, auc, score: { logistic: score(auc.logistic), tree: score(auc.tree) } };
}

function rowsOf(x: Float64Array, d: number, idx: number[]): Float64Array {
  const out = new Float64Array(idx.length * d);
  idx.forEach((i, k) => out.set(x.subarray(i * d, i * d + d), k * d));
  return out;
}

function concat(a: ReadColumn, b: ReadColumn): ReadColumn {
  if (a.kind === 'numeric' && b.kind === 'numeric') {
    const v = new Float64Array(a.values.length + b.values.length);
    v.set(a.values);
    v.set(b.values, a.values.length);
    return { name: a.name, kind: 'numeric', values: v };
  }
  const ac = a as Extract<ReadColumn, { kind: 'categorical' }>;
  const bc = b as typeof ac;
  const codes = new Int32Array(ac.codes.length + bc.codes.length);
  codes.set(ac.codes);
  codes.set(bc.codes, ac.codes.length);
  return { name: a.name, kind: 'categorical', codes, categories: ac.categories };
}
