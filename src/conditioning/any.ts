// A model trained for arbitrary conditioning (conditioning: 'any'): in training a random subset
// of each row's columns is marked observed and handed to the network as a context row (the
// observed mask and the clean observed values), and the eps-MSE covers the other numeric cells
// only; the network then learns p(missing | observed) directly, as TabularDAR's random orders
// do. It reuses the native context input, so no native change: the context row is
//   [numeric mask (W) | categorical mask (C) | numeric values x mask (W) | one-hot classes x mask (S)]
// with W numeric-matrix columns, C discrete parts and S their classes. Sampling builds the same
// row from the given cells; unconditional sampling is the all-missing row. docs/imputation.md.
import type { FitOptions, TabularDiffusion } from '../diffusion.js';
import type { FitData } from '../diffusion/options.js';
import type { Matrix } from '../matrix.js';
import { mulberry32 } from '../prng.js';
import type { IntMatrix, MixedMatrices, TabularTransformer } from '../transformer.js';
import type { ContextSets, FitSplit } from '../validation.js';
import type { KnownCells } from './known.js';

export interface ContextLayout {
  W: number;
  C: number;
  classes: number[];
  /** First one-hot entry of each discrete part. */
  offsets: number[];
  dim: number;
  /** Per user column: its numeric-matrix cells and its discrete part (-1: none). */
  groups: { cells: number[]; cat: number }[];
}

export function contextLayout(transformer: TabularTransformer): ContextLayout {
  const W = transformer.outputDim;
  const classes = transformer.categoricalEncoding === 'index' ? transformer.categoricalCardinalities : [];
  const C = classes.length;
  const offsets: number[] = [];
  let S = 0;
  for (const k of classes) {
    offsets.push(S);
    S += k;
  }
  const groups = transformer.columns.map((c) => ({
    cells: Array.from({ length: c.width }, (_, k) => c.offset + k),
    cat: c.categoricalIndex,
  }));
  return { W, C, classes, offsets, dim: 2 * W + C + S, groups };
}

/** Fills context row `row` (at ctx[row * dim]) from the observed numeric cells and held classes. */
function writeRow(
  L: ContextLayout, ctx: Float32Array, row: number, numMask: (j: number) => boolean, numValue: (j: number) => number, cls: (c: number) => number,
): void {
  const base = row * L.dim;
  for (let j = 0; j < L.W; j++) {
    if (!numMask(j)) continue;
    ctx[base + j] = 1;
    ctx[base + L.W + L.C + j] = numValue(j);
  }
  for (let c = 0; c < L.C; c++) {
    const k = cls(c);
    if (k < 0) continue;
    ctx[base + L.W + c] = 1;
    ctx[base + 2 * L.W + L.C + L.offsets[c]! + k] = 1;
  }
}

/**
 * The training set of a conditioning: 'any' model: `copies` copies of the rows, each row with
 * its own random observed subset of columns (share p ~ U(0, 1) per row; a tenth of the rows
 * with none, the unconditional case). Conditioned numeric cells leave the loss (observed 0).
 */
export function anyTrainingSet(
  L: ContextLayout, m: MixedMatrices, copies: number, seed: number,
): { numeric: Matrix; categorical: IntMatrix; observed: Uint8Array; context: Matrix } {
  const n = m.numeric.rows;
  const rows = n * copies;
  const { W, C } = L;
  const numeric = new Float32Array(rows * W);
  const categorical = new Int32Array(rows * C);
  const observed = new Uint8Array(rows * W);
  const context = new Float32Array(rows * L.dim);
  const rng = mulberry32(seed ^ 0x5eed);
  const cond = new Uint8Array(W);
  const condCat = new Int32Array(C);
  for (let r = 0; r < rows; r++) {
    const i = r % n;
    numeric.set(m.numeric.data.subarray(i * W, (i + 1) * W), r * W);
    categorical.set(m.categorical.data.subarray(i * C, (i + 1) * C), r * C);
    const p = rng() < 0.1 ? 0 : rng();
    cond.fill(0);
    condCat.fill(-1);
    for (const g of L.groups) {
      if (!(rng() < p)) continue;
      for (const j of g.cells) cond[j] = m.observed === null || m.observed[i * W + j] ? 1 : 0;
      if (g.cat >= 0) condCat[g.cat] = m.categorical.data[i * C + g.cat]!;
    }
    for (let j = 0; j < W; j++) observed[r * W + j] = (m.observed === null || m.observed[i * W + j] ? 1 : 0) & (cond[j] ? 0 : 1);
    writeRow(L, context, r, (j) => cond[j] === 1, (j) => m.numeric.data[i * W + j]!, (c) => condCat[c]!);
  }
  return {
    numeric: { rows, cols: W, data: numeric },
    categorical: { rows, cols: C, data: categorical },
    observed,
    context: { rows, cols: L.dim, data: context },
  };
}

/**
 * Training steps between redraws of the observed subsets: about one pass over the copies (each
 * (row, subset) pair then trains about once: with 4 fixed copies adult's numeric imputation RMSE
 * was 0.863, with 64 fixed copies 0.852; docs/imputation.md), but at least this many, so a small
 * table does not pay a native call every few steps (it gets more copies per draw instead).
 */
export const MIN_REDRAW_STEPS = 100;

/**
 * The training rows of an 'any' fit: the first set and the redraws (copies of the rows with fresh
 * random subsets every `every` steps; FitOptions.redrawData). Deterministic from the seed.
 */
export function anyFitData(
  L: ContextLayout, m: MixedMatrices, copies: number, seed: number, batchSize: number, classes: number[],
): { first: FitData; redrawData: { every: number; draw: (segment: number) => FitData } } {
  const n = m.numeric.rows;
  const every = Math.max(MIN_REDRAW_STEPS, Math.ceil((copies * n) / batchSize));
  const perDraw = Math.max(copies, Math.ceil((every * batchSize) / n));
  const draw = (segment: number): FitData => {
    const set = anyTrainingSet(L, m, perDraw, (seed + Math.imul(segment, 0x9e3779b9)) >>> 0);
    return {
      X: classes.length === 0 ? set.numeric : { numeric: set.numeric, categorical: set.categorical },
      observed: set.observed, context: set.context,
    };
  };
  return { first: draw(0), redrawData: { every, draw } };
}

/** Fits `model` for arbitrary conditioning on the transformed table `m` (see anyFitData). */
export function fitAny(
  model: TabularDiffusion, L: ContextLayout, m: MixedMatrices, classes: number[], copies: number,
  options: Pick<FitOptions, 'callbacks' | 'signal' | 'onProgress'>,
): Promise<{ steps: number; loss: number }> {
  const { first, redrawData } = anyFitData(L, m, copies, model.options.seed, model.options.batchSize, classes);
  return model.fit(first.X, {
    callbacks: options.callbacks, signal: options.signal, onProgress: options.onProgress,
    observed: first.observed, context: first.context, redrawData, ...(classes.length > 0 ? { categoricalClasses: classes } : {}),
  });
}

/**
 * fit(rows, { validation }) of an 'any' model: it trains on the training split's copies with
 * their random subsets, redrawn as in fitAny; the held-out loss covers one copy of the held-out
 * rows, masked the same way (the conditional objective, not just the unconditional case); the
 * fidelity sample is unconditional (the all-missing context).
 */
export function anyValidationSets(L: ContextLayout, split: FitSplit, copies: number, seed: number, batchSize: number, classes: number[]): ContextSets {
  const { first, redrawData } = anyFitData(L, split.train, copies, seed, batchSize, classes);
  const heldOut = anyTrainingSet(L, split.heldOut, 1, seed + 1);
  return { train: first, redrawData, heldOut, sample: samplingContext(L, undefined, undefined) };
}

/** The context rows of a sampling call (1 or n rows): from the known cells and held classes. */
export function samplingContext(L: ContextLayout, known: KnownCells | undefined, fixed: IntMatrix | undefined): Matrix {
  const rows = Math.max(known?.rows ?? 1, fixed?.rows ?? 1);
  const ctx = new Float32Array(rows * L.dim);
  for (let r = 0; r < rows; r++) {
    const kr = known && known.rows > 1 ? r : 0;
    const fr = fixed && fixed.rows > 1 ? r : 0;
    writeRow(
      L, ctx, r,
      (j) => known !== undefined && known.mask[kr * L.W + j] === 1,
      (j) => known!.values[kr * L.W + j]!,
      (c) => (fixed ? fixed.data[fr * L.C + c]! : -1),
    );
  }
  return { rows, cols: L.dim, data: ctx };
}
