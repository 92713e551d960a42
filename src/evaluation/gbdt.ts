/**
 * The gradient-boosted tree learner of the utility and detection metrics: native/cpu/gbdt.cpp
 * (histogram GBDT, deterministic for a seed whatever the thread count) behind a typed wrapper.
 * Defaults are the hyper-parameters bench/peers/ml_efficiency.py gives XGBoost, so the two are
 * compared like for like (bench/eval.mjs).
 */
import { EvalOps, loadNative } from '../native.js';

export type GbdtObjective = 'regression' | 'binary' | 'multiclass';

export interface GbdtOptions {
  rounds?: number;
  learningRate?: number;
  maxDepth?: number;
  minChildWeight?: number;
  /** L2 penalty on leaf values. */
  lambda?: number;
  /** Minimum gain of a split. */
  gamma?: number;
  /** Value bins per feature (2..255). */
  maxBins?: number;
  /** Share of rows drawn for each tree. */
  subsample?: number;
  /** Share of features drawn for each tree. */
  colsample?: number;
  seed?: number;
  /** Worker threads (default: the machine's cores); the model does not depend on it. */
  threads?: number;
}

export const GBDT_DEFAULTS: Required<Omit<GbdtOptions, 'threads' | 'seed'>> = {
  rounds: 400, learningRate: 0.05, maxDepth: 6, minChildWeight: 1, lambda: 1, gamma: 0, maxBins: 255, subsample: 0.8, colsample: 0.8,
};

export interface GbdtModel {
  features: number;
  outputs: number;
  baseScore: Float64Array;
  treeStart: Int32Array;
  /** 6 numbers per node: feature (-1 leaf), left, right, defaultLeft, threshold, value. */
  nodes: Float64Array;
}

/** @internal The evaluation ops of the addon (a clear message when the binary predates them). */
export function evalOps(): EvalOps {
  const addon = loadNative();
  if (typeof addon.gbdtFit !== 'function' || typeof addon.nearestNeighbours !== 'function') {
    throw new Error('tabular-diffusion: the native binary has no evaluation ops (gbdtFit, nearestNeighbours); rebuild it with "npm run build:native"');
  }
  return addon;
}

/** Fits on x [rows x cols] (NaN = missing); y holds targets, or class indices for the classification objectives. */
export function fitGbdt(
  x: Float64Array, rows: number, cols: number, y: Float64Array, objective: GbdtObjective, classes: number, options: GbdtOptions = {},
): GbdtModel {
  return evalOps().gbdtFit({ ...GBDT_DEFAULTS, ...options, x, rows, cols, y, objective, ...(objective === 'multiclass' ? { classes } : {}) });
}

/** Margins [rows x outputs]. */
export function predictGbdt(model: GbdtModel, x: Float64Array, rows: number, threads?: number): Float64Array {
  return evalOps().gbdtPredict({ model, x, rows, ...(threads !== undefined ? { threads } : {}) });
}

/** Class probabilities [rows x K] from margins (sigmoid for one output, softmax otherwise). */
export function toProbabilities(margins: Float64Array, outputs: number): Float64Array {
  const rows = margins.length / outputs;
  if (outputs === 1) {
    const p = new Float64Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      const q = 1 / (1 + Math.exp(-margins[i]!));
      p[2 * i] = 1 - q;
      p[2 * i + 1] = q;
    }
    return p;
  }
  const p = new Float64Array(margins.length);
  for (let i = 0; i < rows; i++) {
    let top = -Infinity;
    for (let k = 0; k < outputs; k++) top = Math.max(top, margins[i * outputs + k]!);
    let z = 0;
    for (let k = 0; k < outputs; k++) z += (p[i * outputs + k] = Math.exp(margins[i * outputs + k]! - top));
    for (let k = 0; k < outputs; k++) p[i * outputs + k]! /= z;
  }
  return p;
}
