// TabularSynthesizer's options: the public option types, the keys each call reads (anything
// else is a typo and throws), and the reading of the constructor's options and of stored settings.
import type { DiffusionCallback } from '../callbacks.js';
import type { GivenRow } from '../conditioning/given.js';
import type { ResampleOptions } from '../conditioning/known.js';
import { DIFFUSION_OPTION_KEYS, SamplerName, TabularDiffusionOptions } from '../diffusion/options.js';
import { AssertTrue, CoversKeys, checkKnownOptions } from '../option-checks.js';
import type { CategoricalOptions } from '../sedd/options.js';
import type { TabularTransformerOptions } from '../transformer.js';
import type { ValidationRecord } from '../validation.js';

/**
 * Categorical columns of a synthesizer: which they are (`columns`, else detected) and how they
 * are diffused: 'sedd' (default: score-entropy discrete diffusion), 'multinomial' (Tab-DDPM's
 * chain) or 'onehot' (one-hot blocks in the Gaussian chain, argmax on the way back).
 */
export interface SynthesizerCategoricalOptions extends Omit<CategoricalOptions, 'method'> {
  columns?: readonly string[];
  method?: 'sedd' | 'multinomial' | 'onehot';
}

export interface TabularSynthesizerOptions
  extends Omit<TabularDiffusionOptions, 'categorical'>, Omit<TabularTransformerOptions, 'categoricalEncoding' | 'categorical'> {
  /** A list of categorical column names, or { columns, method, graph, noise, sampler, ... }. */
  categorical?: readonly string[] | SynthesizerCategoricalOptions;
  /**
   * 'any': train for arbitrary conditioning (a random subset of each row's cells observed and
   * given to the network; the loss on the others), stored in the model file. Default 'none':
   * conditioning by inpainting only. See docs/imputation.md.
   */
  conditioning?: 'none' | 'any';
  /**
   * conditioning 'any': copies of the training rows, each with its own random observed subset
   * (default 4), drawn afresh after about one pass over them (more copies per draw in a small table).
   */
  conditioningCopies?: number;
}

export interface SynthesizerFitOptions {
  /**
   * Share of the rows held out (seeded) to watch the fit: every `validationEvery` steps the
   * held-out denoising loss and a fidelity score (Shape and Trend of a small sample against the
   * held-out rows) are measured; the weights with the best fidelity are kept. Default 0 (off).
   */
  validation?: number;
  /** Steps between validation checks (default: about 10 checks per fit). */
  validationEvery?: number;
  /** Called once the settings are chosen, before training (the CLI prints them). */
  onSettings?: (settings: SynthesizerSettings) => void;
  /** Called after each validation check. */
  onValidation?: (record: ValidationRecord) => void;
  /** Receives warnings (columns left out) instead of process.emitWarning. */
  onWarning?: (message: string) => void;
  callbacks?: DiffusionCallback[];
  signal?: AbortSignal;
  onProgress?: (progress: { step: number; maxSteps: number; loss: number }) => void;
}

export interface SynthesizerSampleOptions {
  seed?: number;
  sampler?: SamplerName;
  steps?: number;
  eta?: number;
  /** Draw binary columns as Bernoulli(p) instead of rounding. */
  sampleBinary?: boolean;
  /** Rows generated per chunk: bounds memory; results do not depend on it. */
  chunkRows?: number;
  /**
   * First row of the seed's run to draw (default 0): sample(n, { seed, offset: a }) gives rows
   * [a, a + n) of the one big run, the same bytes as those rows of sample(a + n, { seed }).
   */
  offset?: number;
  /**
   * Hold categorical columns at given categories ({ race: 'black' }); the other columns are
   * generated around them (inpainting by replacement on the discrete chain). SEDD / multinomial only.
   */
  conditions?: Record<string, unknown>;
  /** SEDD reverse step for this call: 'analytic' or 'euler' (default: the model's option). */
  categoricalSampler?: 'analytic' | 'euler';
  /**
   * Rows whose reverse chain runs away from the data are drawn again (TabularDiffusion's
   * `redrawLimit`): those with a value that is not finite, or beyond this size in the model's
   * transformed space (default: no size limit; on california_housing the rows that did not run
   * away stayed within 5-8 there, bench/results/runaway-rows.md).
   */
  redrawLimit?: number;
  /**
   * Condition on cells of any columns: one row (shared by all n rows) or n rows (one per output
   * row). A value is held (it comes back unchanged); { min, max } on a numeric column draws the
   * value inside the range; a gap or an absent column is drawn. See docs/imputation.md.
   */
  given?: GivenRow | readonly GivenRow[];
  /**
   * RePaint resampling of conditional sampling and impute. With no `sampler` passed, given and impute
   * run DDIM (eta 1, 0.4 T steps) with { jumps: 10, length: 5, start: 0.75 }; with a sampler the
   * defaults are { jumps: 10, length: 10, start: 0.75 } (docs/imputation.md, "The default chain").
   */
  resample?: ResampleOptions;
  signal?: AbortSignal;
  onProgress?: (progress: { rowsDone: number; rows: number }) => void;
}

export interface SynthesizerImputeOptions {
  /** Completed tables to return (multiple imputation); default 1. With `point`, the draws pooled (default 50). */
  draws?: number;
  /**
   * One best-guess table instead of draws: each gap gets the mean of the draws (numeric columns),
   * the most frequent draw (binary, categorical) or the median draw (dates). Returns one table.
   */
  point?: boolean;
  /**
   * With `point`: also the bounds of a prediction interval of this level (e.g. 0.9) per gap cell,
   * from the pooled draws (predictionInterval). Returns [point, lower, upper]; categorical and
   * binary cells hold the pooled class in all three. Needs draws >= 2 / (1 - interval) - 1.
   */
  interval?: number;
  seed?: number;
  signal?: AbortSignal;
  sampler?: SamplerName;
  steps?: number;
  eta?: number;
  resample?: ResampleOptions;
  /** As in sample(): rows whose chain ran away (not finite, or beyond this size) are drawn again. */
  redrawLimit?: number;
  /** Receives the warning when some gaps could not be filled with values. */
  onWarning?: (message: string) => void;
  /** Called as the draws are sampled: rows = draws x rows with gaps; retries of gap draws are not counted. */
  onProgress?: (progress: { rowsDone: number; rows: number }) => void;
}

const TRANSFORMER_KEYS = [
  'categorical', 'binary', 'nonnegative', 'integer', 'continuous', 'date', 'quantile', 'maxCategories', 'missing', 'identifiers', 'pointMasses',
] as const;
// Every option of fit and sample (anything else is a typo and throws; add new options here).
export const FIT_KEYS = ['validation', 'validationEvery', 'onSettings', 'onValidation', 'onWarning', 'callbacks', 'signal', 'onProgress'] as const;
export const SAMPLE_KEYS = [
  'seed', 'offset', 'sampler', 'steps', 'eta', 'sampleBinary', 'chunkRows', 'conditions', 'given', 'resample', 'categoricalSampler', 'redrawLimit', 'signal', 'onProgress',
] as const;
export const IMPUTE_KEYS = ['draws', 'point', 'interval', 'seed', 'signal', 'sampler', 'steps', 'eta', 'resample', 'redrawLimit', 'onWarning', 'onProgress'] as const;
// TabularDiffusion's options but 'categorical' (the synthesizer's own, read by splitCategorical).
const DIFFUSION_KEYS = DIFFUSION_OPTION_KEYS.filter((k) => k !== 'categorical');
type _KeyListsComplete = AssertTrue<
  | CoversKeys<TabularSynthesizerOptions, [...typeof TRANSFORMER_KEYS, ...typeof DIFFUSION_OPTION_KEYS, 'conditioning', 'conditioningCopies']>
  | CoversKeys<SynthesizerFitOptions, typeof FIT_KEYS> | CoversKeys<SynthesizerSampleOptions, typeof SAMPLE_KEYS>
  | CoversKeys<SynthesizerImputeOptions, typeof IMPUTE_KEYS>
>;

/** What fit chose for the options left unset, and what it measured (stored in the model file). */
export interface SynthesizerSettings {
  /** The diffusion options the model was fitted with (the user's, else the defaults for the table). */
  diffusion: TabularDiffusionOptions;
  /** Default sampler of sample() and sampleStream(). */
  sampler: { sampler: SamplerName; steps?: number; eta?: number };
  /** One line per choice: what was chosen and why. */
  notes: string[];
  /** Validation checks (fit with `validation`) and the step whose weights were kept. */
  validation?: { heldOutRows: number; bestStep: number; history: ValidationRecord[] };
  /** Training loss as fit reported it (about 100 points), for the report's loss curve. */
  lossHistory?: { step: number; loss: number }[];
  /** 'any': the network was trained for arbitrary conditioning (its context row is the observed cells). */
  conditioning?: 'any';
  /**
   * Sampled rows beyond this size in the model's space are redrawn (src/synthesizer/runaway.ts);
   * null: no size limit (the probe at fit found the model far from its data). Absent in files
   * written before it was chosen.
   */
  redrawLimit?: number | null;
}

/**
 * The synthesizer's options split between its transformer and its diffusion model, checked:
 * unknown keys, conditioning, and the categorical option (names, encoding, chain).
 */
export function readSynthesizerOptions(options: TabularSynthesizerOptions): {
  transformer: TabularTransformerOptions; diffusion: TabularDiffusionOptions; conditioning: { mode: 'none' | 'any'; copies: number };
} {
  checkKnownOptions('TabularSynthesizer options', options, [...TRANSFORMER_KEYS, ...DIFFUSION_KEYS, 'conditioning', 'conditioningCopies']);
  const { categorical, conditioning, conditioningCopies, ...rest } = options;
  if (conditioning !== undefined && conditioning !== 'none' && conditioning !== 'any') {
    throw new RangeError(`conditioning: expected 'none' or 'any', got ${JSON.stringify(conditioning)}`);
  }
  const copies = conditioningCopies ?? 4;
  if (!Number.isInteger(copies) || copies < 1 || copies > 64) throw new RangeError(`conditioningCopies: expected an integer in [1, 64], got ${String(copies)}`);
  const split = splitCategorical(categorical);
  const transformerOptions: TabularTransformerOptions = { categoricalEncoding: split.encoding };
  if (split.columns) transformerOptions.categorical = split.columns;
  const diffusionOptions: Record<string, unknown> = split.chain ? { categorical: split.chain } : {};
  for (const [key, value] of Object.entries(rest)) {
    if ((TRANSFORMER_KEYS as readonly string[]).includes(key)) (transformerOptions as Record<string, unknown>)[key] = value;
    else diffusionOptions[key] = value;
  }
  // Quantile-normal numeric columns unless the user says otherwise (see docs/defaults.md).
  if (transformerOptions.quantile === undefined) transformerOptions.quantile = true;
  return { transformer: transformerOptions, diffusion: diffusionOptions as TabularDiffusionOptions, conditioning: { mode: conditioning ?? 'none', copies } };
}

export function checkOffset(offset: number | undefined): number {
  if (offset === undefined) return 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset: expected a non-negative integer, got ${String(offset)}`);
  return offset;
}

/** The settings stored in a model file: checked enough that sampling defaults are safe. */
export function readSettings(raw: unknown, path: string): SynthesizerSettings {
  const s = raw as SynthesizerSettings;
  const sampler = s?.sampler?.sampler;
  if (!s || typeof s !== 'object' || (sampler !== 'ddpm' && sampler !== 'ddim' && sampler !== 'dpm-solver++') || !Array.isArray(s.notes)) {
    throw new Error(`${path}: the stored settings are malformed`);
  }
  if (s.conditioning !== undefined && s.conditioning !== 'any') throw new Error(`${path}: the stored settings' conditioning is malformed`);
  const limit = s.redrawLimit;
  if (limit !== undefined && limit !== null && !(typeof limit === 'number' && limit > 0 && Number.isFinite(limit))) {
    throw new Error(`${path}: the stored settings' redrawLimit is malformed`);
  }
  return s;
}

/** Splits the synthesizer's `categorical` option into column names, encoding and chain options. */
function splitCategorical(value: TabularSynthesizerOptions['categorical']): {
  columns?: readonly string[]; encoding: 'onehot' | 'index'; chain?: CategoricalOptions;
} {
  if (value === undefined || Array.isArray(value)) return { columns: value as readonly string[] | undefined, encoding: 'index' };
  if (value === null || typeof value !== 'object') {
    throw new TypeError("categorical: expected a list of column names or { columns, method: 'sedd' | 'multinomial' | 'onehot', graph, noise, sampler }");
  }
  const { columns, method, ...chain } = value as SynthesizerCategoricalOptions;
  if (columns !== undefined && !Array.isArray(columns)) throw new TypeError('categorical.columns: expected an array of column names');
  if (method === 'onehot') {
    const extra = Object.keys(chain).filter((k) => (chain as Record<string, unknown>)[k] !== undefined);
    if (extra.length > 0) throw new RangeError(`categorical.${extra[0]}: applies to method 'sedd' or 'multinomial', not 'onehot'`);
    return { columns, encoding: 'onehot' };
  }
  if (method !== undefined && method !== 'sedd' && method !== 'multinomial') {
    throw new RangeError(`categorical.method: expected 'sedd', 'multinomial' or 'onehot', got ${JSON.stringify(method)}`);
  }
  return { columns, encoding: 'index', chain: { ...chain, method } };
}
