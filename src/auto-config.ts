// Defaults that work on real tables: the settings a TabularSynthesizer picks for the options a
// user leaves unset, from the size of the table. Each choice and the measurement behind it is
// in docs/defaults.md; `TabularSynthesizer.settings` reports them and the model file keeps them.
import type { TabularDiffusionOptions, SamplerName } from './diffusion.js';

export interface TableShape {
  rows: number;
  /** Columns of the Gaussian matrix. */
  numeric: number;
  /** Classes of each discrete part (categorical columns, numeric modes). */
  classes: readonly number[];
}

export interface AutoSettings {
  diffusion: TabularDiffusionOptions;
  sampler: { sampler: SamplerName; steps?: number; eta?: number };
  /** Why each value was chosen, one line per setting (printed by the CLI). */
  notes: string[];
}

/** Rows at or below which the smallest budget is used, and at or above which the largest. */
const SMALL_TABLE = 1_000;
const LARGE_TABLE = 30_000;
const MIN_STEPS = 10_000;
const MAX_STEPS = 60_000;

/** Settings for a table of this shape; `user` holds the options the user set (they win). */
export function autoSettings(shape: TableShape, user: TabularDiffusionOptions): AutoSettings {
  const { rows } = shape;
  const width = shape.numeric + shape.classes.reduce((s, k) => s + k, 0);
  const big = rows >= 5_000 || width > 64;
  const frac = Math.min(1, Math.max(0, Math.log(rows / SMALL_TABLE) / Math.log(LARGE_TABLE / SMALL_TABLE)));
  const steps = Math.round((MIN_STEPS + frac * (MAX_STEPS - MIN_STEPS)) / 100) * 100;
  const auto: TabularDiffusionOptions = {
    // T = 500 linear betas (scaled by 1000/T): the chain ends at alpha-bar 4e-5, i.e. at N(0, I).
    nTimesteps: 500,
    schedule: 'linear',
    hiddenDims: big ? [256, 256] : [128, 128],
    batchSize: 256,
    maxSteps: steps,
    lr: big ? 2e-3 : 3e-3,
    lrDecay: true,
    emaDecay: 0.999,
  };
  const diffusion: TabularDiffusionOptions = { ...auto, ...stripUndefined(user) };
  // An EMA window (1 / (1 - decay) steps) over a tenth of the run at most: a short fit the
  // user asked for would otherwise sample from weights that lag far behind.
  if (user.emaDecay === undefined) diffusion.emaDecay = Math.min(0.999, Math.max(0, 1 - 10 / Math.max(1, diffusion.maxSteps!)));
  const notes = [
    `${rows} rows, ${width} model inputs (numeric values + discrete classes)`,
    `network ${JSON.stringify(diffusion.hiddenDims)}${user.hiddenDims ? ' (yours)' : big ? ' (table of 5000+ rows or 64+ inputs)' : ''}`,
    `T = ${diffusion.nTimesteps}, ${diffusion.schedule} betas${user.nTimesteps ? ' (yours)' : ': the chain ends at N(0, I)'}`,
    `${diffusion.maxSteps} training steps${user.maxSteps !== undefined ? ' (yours)' : ` (scaled to the table: ${MIN_STEPS} at <= ${SMALL_TABLE} rows to ${MAX_STEPS} at >= ${LARGE_TABLE})`}, batch ${diffusion.batchSize}`,
    `lr ${diffusion.lr}${diffusion.lrDecay ? ' decayed linearly to 0' : ''}, EMA ${diffusion.emaDecay}`,
  ];
  return { diffusion, sampler: { sampler: 'ddpm' }, notes };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
