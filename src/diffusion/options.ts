// TabularDiffusion's options: the public option types, the keys each call reads, the defaults,
// and their resolution and validation (the one place for them; the addon's own range checks
// are to shrink to what memory safety needs, issue 11).
import type { DiffusionCallback, FitState } from '../callbacks.js';
import type { DeviceOption } from '../device.js';
import type { MatrixLike } from '../matrix.js';
import type { KnownCells, ResampleOptions } from '../conditioning/known.js';
import { AssertTrue, CoversKeys, checkInteger, checkKnownOptions, checkNumber } from '../option-checks.js';
import type { CategoricalOptions } from '../sedd/options.js';
import type { MixedInput } from '../sedd/mixed.js';
import type { IntMatrix } from '../transformer.js';

export type SamplerName = 'ddpm' | 'ddim' | 'dpm-solver++';

export interface TabularDiffusionOptions {
  hiddenDims?: number[];
  timeDim?: number;
  nTimesteps?: number;
  schedule?: 'linear' | 'cosine' | number[];
  betaStart?: number;
  betaEnd?: number;
  batchSize?: number;
  maxSteps?: number;
  lr?: number;
  weightDecay?: number;
  dropout?: number;
  seed?: number;
  device?: DeviceOption;
  threads?: number;
  activation?: 'silu' | 'relu';
  /** EMA of the weights used for sampling; 0 = off (Tab-DDPM uses 0.999 with 30k steps). */
  emaDecay?: number;
  /** Linear decay of the learning rate to 0 over maxSteps (Tab-DDPM's choice). */
  lrDecay?: boolean;
  /** Clip the gradient's global L2 norm to this value; 0 = off. */
  maxGradNorm?: number;
  /** DDPM noise variance: beta_t (Trex, docs/design.md section 4) or the posterior variance (Tab-DDPM). */
  variance?: 'beta' | 'posterior';
  /**
   * Categorical columns (fit on { numeric, categorical } input): their discrete chain, SEDD
   * (default) or multinomial diffusion, on the same clock as the Gaussian chain.
   */
  categorical?: CategoricalOptions;
  /** Mixed loss = eps-MSE + categoricalWeight * categorical loss (mean over categorical columns). */
  categoricalWeight?: number;
  /** GPU sampling arithmetic: fp32, or bf16/fp16 tensor-core GEMMs with fp32 accumulation. */
  precision?: 'fp32' | 'bf16' | 'fp16';
}

export interface FitOptions {
  context?: MatrixLike;
  callbacks?: DiffusionCallback[];
  signal?: AbortSignal;
  onProgress?: (progress: { step: number; maxSteps: number; loss: number }) => void;
  /** Report progress every k steps (default: about 100 reports per fit). */
  progressInterval?: number;
  /**
   * Runs the native fit in segments of `every` steps and awaits `check` after each (and after
   * the last): return false to stop. Same bytes as one call (the data stays in the model and
   * the learning-rate decay continues across segments).
   */
  checkpoints?: { every: number; check: (state: FitState) => boolean | void | Promise<boolean | void> };
  /** Mixed input: class count of each categorical column (default: max index + 1). */
  categoricalClasses?: number[];
  /**
   * Missing values in the numeric columns: rows x numeric columns (row-major, as X or
   * X.numeric), 1 = observed, 0 = gap. Gap cells of X hold a fill value (use 0): the network
   * still sees it in its input, but the cell's term is masked out of the eps-MSE loss (the
   * mean runs over the batch's observed cells). Default: every cell observed.
   */
  observed?: Uint8Array;
  /**
   * Replaces the training rows every `every` steps with `draw(k)` at step k * every (k = 1, 2,
   * ...; the first segment trains on X): the same columns, classes and context width, any number
   * of rows. A model trained for arbitrary conditioning draws each row's observed subset afresh
   * this way instead of repeating a few fixed subsets (docs/imputation.md). Same bytes whatever
   * the checkpoints.
   */
  redrawData?: { every: number; draw: (segment: number) => FitData };
}

/** The rows of one segment of a fit with redrawData. */
export interface FitData {
  X: MatrixLike | MixedInput;
  observed?: Uint8Array;
  context?: MatrixLike;
}

/** denoisingLoss options. */
export interface DenoisingLossOptions {
  context?: MatrixLike;
  seed?: number;
  draws?: number;
  /** Missing values of X's numeric columns (as FitOptions.observed): gaps are left out of the loss. */
  observed?: Uint8Array;
}

/** sampleMixed options: SampleOptions plus the categorical chain's. */
export interface MixedSampleOptions extends SampleOptions {
  /** Classes to hold fixed (conditioning), 1 row (shared) or n rows, -1 = free. */
  fixed?: IntMatrix;
  /** Overrides the model's categorical.sampler for this call (SEDD only). */
  categoricalSampler?: 'analytic' | 'euler';
}

export interface SampleOptions {
  context?: MatrixLike;
  sampler?: SamplerName;
  /** Model evaluations for DDIM / DPM-Solver++ (DDPM always runs all nTimesteps). */
  steps?: number;
  eta?: number;
  /** Without a seed every call draws fresh rows. */
  seed?: number;
  /** Index of the first row: rows [a, b) of one call equal rows [a, b) of a larger call. */
  offset?: number;
  /** Rows per native chunk (memory and cache size, not results). */
  batchSize?: number;
  /** Inpainting: observed cells of the numeric matrix, held on the chain (docs/imputation.md). */
  known?: KnownCells;
  /** RePaint resampling of an inpainting call (default { jumps: 10, length: 10, start: 0.75 }; 1 jump with DPM-Solver++). */
  resample?: ResampleOptions;
  /**
   * Rows whose chain ran away from the data are drawn again, keyed by (seed, row): rows with a
   * numeric value that is not finite, or beyond this size in the model's space (default: no size
   * limit; src/diffusion/diverged.ts).
   */
  redrawLimit?: number;
  /**
   * As redrawLimit, but a finite row still beyond it after the redraws keeps its first draw
   * (counted in the warning) instead of failing the call: TabularSynthesizer passes the limit it
   * chose at fit (settings.redrawLimit), where a row beyond it is almost surely a runaway but a
   * given value far outside the data may also cause it.
   */
  softRedrawLimit?: number;
  callbacks?: DiffusionCallback[];
  signal?: AbortSignal;
  onProgress?: (progress: { rowsDone: number; rows: number }) => void;
}

// Every option the estimator reads: anything else is a typo and throws (add new options here).
export const DIFFUSION_OPTION_KEYS = [
  'hiddenDims', 'timeDim', 'nTimesteps', 'schedule', 'betaStart', 'betaEnd', 'batchSize', 'maxSteps', 'lr', 'weightDecay', 'dropout',
  'seed', 'device', 'threads', 'activation', 'emaDecay', 'lrDecay', 'maxGradNorm', 'variance', 'categorical', 'categoricalWeight', 'precision',
] as const;
export const FIT_OPTION_KEYS = ['context', 'callbacks', 'signal', 'onProgress', 'progressInterval', 'checkpoints', 'categoricalClasses', 'observed', 'redrawData'] as const;
export const SAMPLE_OPTION_KEYS = [
  'context', 'sampler', 'steps', 'eta', 'seed', 'offset', 'batchSize', 'callbacks', 'signal', 'onProgress', 'fixed', 'categoricalSampler', 'known', 'resample', 'redrawLimit', 'softRedrawLimit',
] as const;
type _KeyListsComplete = AssertTrue<
  CoversKeys<TabularDiffusionOptions, typeof DIFFUSION_OPTION_KEYS> | CoversKeys<FitOptions, typeof FIT_OPTION_KEYS> | CoversKeys<MixedSampleOptions, typeof SAMPLE_OPTION_KEYS>
>;

const DEFAULTS = {
  hiddenDims: [128, 128],
  timeDim: 64,
  nTimesteps: 100,
  schedule: 'linear' as const,
  betaStart: 1e-4,
  betaEnd: 0.02,
  batchSize: 256,
  maxSteps: 2000,
  lr: 1e-3,
  weightDecay: 0,
  dropout: 0,
  seed: 0,
  activation: 'silu' as const,
  emaDecay: 0,
  lrDecay: false,
  maxGradNorm: 0,
  variance: 'beta' as const,
  precision: 'fp32' as const,
  categorical: {} as CategoricalOptions,
  categoricalWeight: 1,
};

export type ResolvedOptions = Required<Omit<TabularDiffusionOptions, 'threads' | 'device'>> & { threads?: number; device: DeviceOption };

/** Defaults merged under the user options, then validated (throws on the first bad value). */
export function resolveOptions(options: TabularDiffusionOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  checkKnownOptions('TabularDiffusion options', options, DIFFUSION_OPTION_KEYS);
  const merged = { ...DEFAULTS, ...stripUndefined(options) } as ResolvedOptions;
  // Linear betas 1e-4..0.02 are tuned for T = 1000; with fewer steps the chain would end far
  // from N(0, I) (abar_T = 0.36 at T = 100) while sampling starts there. Unless the user sets
  // them, scale both by 1000 / T as improved-diffusion does (capped below 1).
  if (options.betaStart === undefined && options.betaEnd === undefined) {
    const scale = 1000 / merged.nTimesteps;
    merged.betaEnd = Math.min(0.999, DEFAULTS.betaEnd * scale);
    merged.betaStart = Math.min(merged.betaEnd, DEFAULTS.betaStart * scale);
  }
  merged.device = options.device ?? 'auto';
  validateOptions(merged);
  return merged;
}

function validateOptions(o: ResolvedOptions): void {
  if (!Array.isArray(o.hiddenDims) || o.hiddenDims.length === 0) throw new RangeError('hiddenDims: expected a non-empty array of widths');
  o.hiddenDims.forEach((w, i) => checkInteger(`hiddenDims[${i}]`, w, 1, 65536));
  checkInteger('timeDim', o.timeDim, 2, 65536);
  if (o.timeDim % 2 !== 0) throw new RangeError(`timeDim: must be even, got ${o.timeDim}`);
  checkInteger('nTimesteps', o.nTimesteps, 1, 100000);
  checkInteger('batchSize', o.batchSize, 1, 1 << 20);
  checkInteger('maxSteps', o.maxSteps, 0, 2 ** 32 - 1);
  checkNumber('lr', o.lr, 0, 10);
  checkNumber('weightDecay', o.weightDecay, 0, 1000);
  checkNumber('dropout', o.dropout, 0, 0.99);
  checkInteger('seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
  checkNumber('emaDecay', o.emaDecay, 0, 0.999999);
  checkNumber('maxGradNorm', o.maxGradNorm, 0, 1e30);
  if (o.threads !== undefined) checkInteger('threads', o.threads, 1, 256);
  if (o.activation !== 'silu' && o.activation !== 'relu') throw new RangeError(`activation: expected 'silu' or 'relu'`);
  if (o.variance !== 'beta' && o.variance !== 'posterior') throw new RangeError(`variance: expected 'beta' or 'posterior'`);
  if (o.precision !== 'fp32' && o.precision !== 'bf16' && o.precision !== 'fp16') throw new RangeError(`precision: expected 'fp32', 'bf16' or 'fp16'`);
  checkNumber('categoricalWeight', o.categoricalWeight, 0, 1e6);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
