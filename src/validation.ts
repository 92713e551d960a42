// Fit with a held-out split: every k steps, the held-out denoising loss and a fidelity score
// (Shape and Trend of a small sample against the held-out rows, as distributionMetrics) are
// measured, and the sampling weights with the best fidelity are kept.
import type { DiffusionCallback } from './callbacks.js';
import type { SamplerName, TabularDiffusion } from './diffusion.js';
import type { FitData, FitOptions } from './diffusion/options.js';
import type { Matrix } from './matrix.js';
import { distributionMetrics } from './metrics.js';
import { mulberry32 } from './prng.js';
import type { IntMatrix, MixedMatrices, TabularTransformer } from './transformer.js';

export interface ValidationRecord {
  step: number;
  /** Training loss of the last step before the check. */
  loss: number;
  /** Denoising loss of the held-out rows (eps-MSE plus the discrete chain's loss). */
  heldOutLoss: number;
  /** (Shape + Trend) / 2 of a sample against the held-out rows. */
  fidelity: number;
  shape: number;
  trend: number | null;
}

export interface ValidationResult {
  steps: number;
  loss: number;
  history: ValidationRecord[];
  bestStep: number;
}

export interface FitSplit {
  train: MixedMatrices;
  heldOut: MixedMatrices;
}

/** What a model with a context input (conditioning: 'any') trains and is checked on. */
export interface ContextSets {
  /** The first training rows built from split.train (with their context and loss mask), and their redraws. */
  train: FitData;
  redrawData: NonNullable<FitOptions['redrawData']>;
  /** The held-out loss's set, built the same way from split.heldOut. */
  heldOut: MixedMatrices & { context: Matrix };
  /** Context of the fidelity sample (one row, broadcast: the unconditional case). */
  sample: Matrix;
}

/** Seeded split of the transformed rows: `share` of them (at least one) held out. */
export function splitRows(m: MixedMatrices, share: number, seed: number): FitSplit {
  const n = m.numeric.rows;
  const nHeld = Math.min(n - 1, Math.max(1, Math.round(n * share)));
  if (n < 2) throw new RangeError('validation: needs at least two rows');
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const held = order.slice(0, nHeld).sort((a, b) => a - b);
  const train = order.slice(nHeld).sort((a, b) => a - b);
  return { train: pick(m, train), heldOut: pick(m, held) };
}

function pick(m: MixedMatrices, rows: number[]): MixedMatrices {
  const W = m.numeric.cols;
  const C = m.categorical.cols;
  const numeric = new Float32Array(rows.length * W);
  const categorical = new Int32Array(rows.length * C);
  const observed = m.observed ? new Uint8Array(rows.length * W) : null;
  rows.forEach((r, i) => {
    numeric.set(m.numeric.data.subarray(r * W, (r + 1) * W), i * W);
    categorical.set(m.categorical.data.subarray(r * C, (r + 1) * C), i * C);
    observed?.set(m.observed!.subarray(r * W, (r + 1) * W), i * W);
  });
  return {
    numeric: { rows: rows.length, cols: W, data: numeric },
    categorical: { rows: rows.length, cols: C, data: categorical } as IntMatrix,
    observed,
  };
}

export interface ValidationFitOptions {
  every: number;
  sampler: { sampler: SamplerName; steps?: number; eta?: number };
  /** Rows sampled per fidelity check. */
  sampleRows: number;
  signal?: AbortSignal;
  onProgress?: (progress: { step: number; maxSteps: number; loss: number }) => void;
  callbacks?: DiffusionCallback[];
  onCheck?: (record: ValidationRecord) => void;
}

/**
 * Fits `d` on split.train with checks on split.heldOut; ends with the best checked weights. With
 * `sets` (a context model) it trains on sets.train, takes the held-out loss on sets.heldOut and
 * samples with sets.sample; the fidelity is always against split.heldOut's rows.
 */
export async function fitWithValidation(
  d: TabularDiffusion, tf: TabularTransformer, split: FitSplit, classes: number[], o: ValidationFitOptions, sets?: ContextSets,
): Promise<ValidationResult> {
  const mixed = classes.length > 0;
  const heldRows = tf.inverseTransformMixedColumns(split.heldOut);
  const lossSet = sets?.heldOut ?? split.heldOut;
  const heldInput = mixed ? { numeric: lossSet.numeric, categorical: lossSet.categorical } : lossSet.numeric;
  const history: ValidationRecord[] = [];
  let best = -Infinity;
  let bestStep = 0;
  let bestWeights: { params: Float32Array; ema: Float32Array | null } | null = null;
  const check = async (state: { step: number; loss?: number }): Promise<void> => {
    const native = d.nativeModel();
    const heldOutLoss = d.denoisingLoss(heldInput, { seed: 12345, observed: lossSet.observed ?? undefined, context: sets?.heldOut.context });
    const n = o.sampleRows;
    const common = { seed: 777, ...o.sampler, signal: o.signal, context: sets?.sample };
    const sample = mixed
      ? tf.inverseTransformMixedColumns(await d.sampleMixed(n, common))
      : tf.inverseTransformMixedColumns({ numeric: await d.sample(n, common) });
    const metrics = distributionMetrics(heldRows, sample, { categorical: tf.columns.filter((c) => c.kind === 'categorical').map((c) => c.name) });
    const { shape, trend } = metrics.summary;
    const fidelity = trend === null ? shape : (shape + trend) / 2;
    const record = { step: state.step, loss: state.loss ?? NaN, heldOutLoss, fidelity, shape, trend };
    history.push(record);
    o.onCheck?.(record);
    if (fidelity > best) {
      best = fidelity;
      bestStep = state.step;
      bestWeights = { params: native.getWeights('params')!, ema: native.getWeights('ema') };
    }
  };
  const fit: FitData = sets?.train ?? {
    X: mixed ? { numeric: split.train.numeric, categorical: split.train.categorical } : split.train.numeric,
    observed: split.train.observed ?? undefined,
  };
  const result = await d.fit(fit.X, {
    ...(mixed ? { categoricalClasses: classes } : {}),
    observed: fit.observed,
    context: fit.context,
    ...(sets ? { redrawData: sets.redrawData } : {}),
    signal: o.signal, onProgress: o.onProgress, callbacks: o.callbacks,
    checkpoints: { every: o.every, check },
  });
  if (bestWeights && bestStep !== result.steps) {
    const w = bestWeights as { params: Float32Array; ema: Float32Array | null };
    d.nativeModel().setWeights({ params: w.params, ...(w.ema ? { ema: w.ema } : {}) });
  }
  return { steps: result.steps, loss: result.loss, history, bestStep };
}
