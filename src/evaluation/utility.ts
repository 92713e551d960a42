/**
 * Machine-learning utility ("ML efficiency", Tab-DDPM): a gradient-boosted tree model trained
 * on the synthetic rows and one trained on the real training rows, both scored on the same real
 * held-out rows (train-synthetic-test-real against train-real-test-real). docs/evaluation.md.
 */
import { TabularDataError } from '../table/input.js';
import type { TableInput } from '../transformer.js';
import { categoryRanks, treeDesign } from './features.js';
import { GbdtObjective, GbdtOptions, fitGbdt, predictGbdt, toProbabilities } from './gbdt.js';
import { accuracy, macroAuc, macroF1, r2, rmse, rocAuc } from './scores.js';
import { ReadColumn, checkOptions, checkSeed, pickRows, readSameColumns } from './tables.js';

export type UtilityTask = 'classification' | 'regression';

export interface UtilityOptions {
  /** The column to predict from the others. */
  target: string;
  /** Real rows the synthesizer did not see: the test set of both models. */
  holdout: TableInput;
  /** Default: classification for a categorical target, regression for a numeric one. */
  task?: UtilityTask;
  /** Columns to read as categorical even when their values look numeric. */
  categorical?: readonly string[];
  /** Seed of the learner's row and column subsampling (default 0). */
  seed?: number;
  /** Learner settings (default: gbdt.ts GBDT_DEFAULTS, as bench/peers/ml_efficiency.py). */
  learner?: GbdtOptions;
}

export interface ClassificationScores {
  /** ROC AUC (binary: of the positive class; more classes: macro one-vs-rest). */
  auc: number;
  macroF1: number;
  accuracy: number;
}

export interface RegressionScores {
  r2: number;
  rmse: number;
}

export interface UtilityResult {
  task: UtilityTask;
  target: string;
  /** Classification: the classes in index order; binary: the positive class is the last. */
  classes?: string[];
  rows: { real: number; synthetic: number; holdout: number };
  /** Trained on the real rows, tested on the holdout. */
  real: ClassificationScores | RegressionScores;
  /** Trained on the synthetic rows, tested on the holdout. */
  synthetic: ClassificationScores | RegressionScores;
  /** synthetic / real for each score (for RMSE, lower is better: a ratio above 1 is worse). */
  ratio: Record<string, number>;
  /** The headline ratio: AUC (classification) or R2 (regression), synthetic / real. */
  score: number;
}

interface Prepared {
  features: ReadColumn[];
  y: Float64Array;
  rows: number;
}

export function utility(real: TableInput, synthetic: TableInput, options: UtilityOptions): UtilityResult {
  return utilityOfEach(real, [synthetic], options)[0]!;
}

/**
 * @internal utility() for several synthetic tables against one real table and holdout: the
 * train-on-real model is fitted once (the report scores the model and the baselines this way).
 */
export function utilityOfEach(real: TableInput, synthetics: readonly TableInput[], options: UtilityOptions): UtilityResult[] {
  checkOptions(options);
  const { target } = options;
  if (typeof target !== 'string' || target === '') throw new TypeError('options.target: expected a column name');
  if (options.holdout === undefined) throw new TypeError('options.holdout: required (real rows the synthesizer did not see, the test set)');
  if (options.task !== undefined && options.task !== 'classification' && options.task !== 'regression') {
    throw new RangeError(`options.task: expected 'classification' or 'regression', got ${String(options.task)}`);
  }
  const seed = checkSeed(options.seed ?? 0);
  const tables = [
    { name: 'real', table: real },
    { name: 'options.holdout', table: options.holdout },
    ...synthetics.map((table, k) => ({ name: synthetics.length === 1 ? 'synthetic' : `synthetic[${k}]`, table })),
  ];
  const categorical = [...(options.categorical ?? [])];
  let read = readSameColumns(tables, categorical);
  const t = read.names.indexOf(target);
  if (t < 0) throw new TabularDataError(`options.target: column "${target}" is not in real (columns: ${read.names.join(', ')})`, target);
  if (read.names.length < 2) throw new TabularDataError(`real: needs at least one column besides the target "${target}"`);
  const task: UtilityTask = options.task ?? (read.columns[0]![t]!.kind === 'categorical' ? 'classification' : 'regression');
  if (task === 'classification' && read.columns[0]![t]!.kind === 'numeric') read = readSameColumns(tables, [...categorical, target]);
  if (task === 'regression' && read.columns[0]![t]!.kind === 'categorical') {
    throw new TabularDataError(`options.target: column "${target}" holds non-numeric values; regression needs numbers (task 'classification'?)`, target);
  }

  // Class index per category code of the target (the gap class is no class: its rows are dropped).
  let classes: string[] | undefined;
  let classOf: Int32Array | undefined;
  if (task === 'classification') {
    const cats = (read.columns[0]![t] as Extract<ReadColumn, { kind: 'categorical' }>).categories;
    classes = [];
    classOf = new Int32Array(cats.length).fill(-1);
    cats.forEach((c, k) => {
      if (c !== '(gap)') classOf![k] = classes!.push(c) - 1;
    });
    if (classes.length < 2) throw new TabularDataError(`options.target: column "${target}" has ${classes.length} class(es); classification needs 2 or more`, target);
  }
  const prepare = (cols: ReadColumn[], label: string): Prepared => {
    const tc = cols[t]!;
    const keep: number[] = [];
    const yAll: number[] = [];
    const n = tc.kind === 'numeric' ? tc.values.length : tc.codes.length;
    for (let i = 0; i < n; i++) {
      const v = tc.kind === 'numeric' ? tc.values[i]! : classOf![tc.codes[i]!]!;
      if (Number.isNaN(v) || v < 0) continue;
      keep.push(i);
      yAll.push(v);
    }
    if (keep.length === 0) throw new TabularDataError(`${label}: every row's target "${target}" is a gap`, target);
    return { features: cols.filter((_, j) => j !== t).map((c) => pickRows(c, keep)), y: Float64Array.from(yAll), rows: keep.length };
  };
  const prepared = read.columns.map((cols, k) => prepare(cols, tables[k]!.name));
  const [trainReal, test] = prepared as [Prepared, Prepared];
  const K = classes?.length ?? 0;
  const objective: GbdtObjective = task === 'regression' ? 'regression' : K === 2 ? 'binary' : 'multiclass';
  const learner = { seed, ...(options.learner ?? {}) };
  const realScores = fitAndScore(trainReal, test, objective, K, learner);
  return prepared.slice(2).map((trainSyn) => {
    const synScores = fitAndScore(trainSyn, test, objective, K, learner);
    const ratio: Record<string, number> = {};
    for (const key of Object.keys(realScores) as (keyof typeof realScores)[]) ratio[key] = (synScores[key] as number) / (realScores[key] as number);
    return {
      task,
      target,
      ...(classes ? { classes } : {}),
      rows: { real: trainReal.rows, synthetic: trainSyn.rows, holdout: test.rows },
      real: realScores,
      synthetic: synScores,
      ratio,
      score: task === 'regression' ? ratio.r2! : ratio.auc!,
    };
  });
}

/** Fits the learner on `train` (categories ranked on its own rows) and scores it on `test`. */
function fitAndScore(train: Prepared, test: Prepared, objective: GbdtObjective, K: number, learner: GbdtOptions): ClassificationScores | RegressionScores {
  const d = train.features.length;
  const ranks = categoryRanks(train.features, objective === 'multiclass' ? undefined : train.y);
  const model = fitGbdt(treeDesign(train.features, ranks, train.rows), train.rows, d, train.y, objective, K, learner);
  const margins = predictGbdt(model, treeDesign(test.features, ranks, test.rows), test.rows, learner.threads);
  if (objective === 'regression') return { r2: r2(margins, test.y), rmse: rmse(margins, test.y) };
  const prob = toProbabilities(margins, model.outputs);
  const pred = new Int32Array(test.rows);
  for (let i = 0; i < test.rows; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (prob[i * K + k]! > prob[i * K + best]!) best = k;
    pred[i] = best;
  }
  const auc = K === 2 ? rocAuc(prob.filter((_, i) => i % 2 === 1), test.y) : macroAuc(prob, test.y, K);
  return { auc, macroF1: macroF1(pred, test.y, K), accuracy: accuracy(pred, test.y) };
}
