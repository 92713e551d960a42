// TabularSynthesizer: rows in, rows out. Owns a TabularTransformer (the statistical
// contract: types, standardisation, rounding) and a TabularDiffusion (the DGP).
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';

import { DiffusionCallback } from './callbacks.js';
import { TabularDiffusion, TabularDiffusionOptions, SamplerName } from './diffusion.js';
import { diffusionFromState, diffusionToState } from './diffusion-state.js';
import { readModelFile, writeModelFile } from './model-file.js';
import type { CategoricalNll } from './sedd/mixed.js';
import { CategoricalOptions, checkCardinalities } from './sedd/options.js';
import {
  IntMatrix, OutputColumns, OutputRow, TableInput, TabularDataError, TabularTransformer, TabularTransformerOptions,
  TransformerState, categoryKey,
} from './transformer.js';

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
}

export interface SynthesizerFitOptions {
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
   * Hold categorical columns at given categories ({ race: 'black' }); the other columns are
   * generated around them (inpainting by replacement on the discrete chain). SEDD / multinomial only.
   */
  conditions?: Record<string, unknown>;
  /** SEDD reverse step for this call: 'analytic' or 'euler' (default: the model's option). */
  categoricalSampler?: 'analytic' | 'euler';
  signal?: AbortSignal;
  onProgress?: (progress: { rowsDone: number; rows: number }) => void;
}

const TRANSFORMER_KEYS = ['categorical', 'binary', 'nonnegative', 'integer', 'continuous', 'quantile', 'maxCategories'] as const;
const FILE_KIND = 'TabularSynthesizer';
const DEFAULT_CHUNK_ROWS = 65536;

export class TabularSynthesizer {
  readonly transformer: TabularTransformer;
  readonly diffusion: TabularDiffusion;

  constructor(options: TabularSynthesizerOptions = {}, parts?: { transformer: TabularTransformer; diffusion: TabularDiffusion }) {
    if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
    if (parts) {
      this.transformer = parts.transformer;
      this.diffusion = parts.diffusion;
      return;
    }
    const { categorical, ...rest } = options;
    const split = splitCategorical(categorical);
    const transformerOptions: TabularTransformerOptions = { categoricalEncoding: split.encoding };
    if (split.columns) transformerOptions.categorical = split.columns;
    const diffusionOptions: Record<string, unknown> = split.chain ? { categorical: split.chain } : {};
    for (const [key, value] of Object.entries(rest)) {
      if ((TRANSFORMER_KEYS as readonly string[]).includes(key)) (transformerOptions as Record<string, unknown>)[key] = value;
      else diffusionOptions[key] = value;
    }
    this.transformer = new TabularTransformer(transformerOptions);
    this.diffusion = new TabularDiffusion(diffusionOptions as TabularDiffusionOptions);
  }

  get fitted(): boolean {
    return this.diffusion.fitted;
  }

  async fit(rows: TableInput, options: SynthesizerFitOptions = {}): Promise<{ steps: number; loss: number }> {
    if (this.transformer.categoricalEncoding === 'onehot') return this.diffusion.fit(this.transformer.fitTransform(rows), options);
    const mixed = this.transformer.fitTransformMixed(rows);
    if (mixed.categorical.cols === 0) return this.diffusion.fit(mixed.numeric, options);
    const classes = this.transformer.categoricalCardinalities;
    checkCardinalities(classes, this.categoricalNames());
    return this.diffusion.fit(mixed, { ...options, categoricalClasses: classes });
  }

  /** True when categorical columns follow a discrete chain (SEDD or multinomial). */
  get mixed(): boolean {
    return this.diffusion.dims.categoricalClasses.length > 0;
  }

  /**
   * The discrete likelihood bound (nats per row) of the categorical columns of `rows` under the
   * fitted model: SEDD's rate-weighted score entropy integrated over t (or multinomial's KL
   * sum), plus the prior term. `draws` = random times per row (default: all T grid times).
   */
  async nll(rows: TableInput, options: { seed?: number; draws?: number; signal?: AbortSignal } = {}): Promise<CategoricalNll> {
    this.requireFitted();
    if (!this.mixed) throw new Error('TabularSynthesizer.nll: the model has no categorical columns on a discrete chain');
    return this.diffusion.nll(this.transformer.transformMixed(rows), options);
  }

  /** n synthetic rows as objects with the training columns, in order. */
  async sample(n: number, options: SynthesizerSampleOptions = {}): Promise<OutputRow[]> {
    const columns = await this.sampleColumns(n, options);
    return columnsToRows(columns, n);
  }

  /** n synthetic rows as columns (typed arrays for numbers): the cheap form for big n. */
  async sampleColumns(n: number, options: SynthesizerSampleOptions = {}): Promise<OutputColumns> {
    this.requireFitted();
    const seed = options.seed ?? randomInt(0, 2 ** 48 - 1);
    const fixed = this.fixedFor(options.conditions);
    return this.sampleChunk(n, 0, seed, options, fixed, seed, options.onProgress);
  }

  /** Rows [offset, offset + n) of the stream of `seed`, decoded to columns. */
  private async sampleChunk(
    n: number, offset: number, seed: number, options: SynthesizerSampleOptions, fixed: IntMatrix | undefined, binarySeed: number,
    onProgress?: (progress: { rowsDone: number; rows: number }) => void,
  ): Promise<OutputColumns> {
    const common = { seed, offset, sampler: options.sampler, steps: options.steps, eta: options.eta, signal: options.signal, onProgress };
    if (!this.mixed) {
      if (options.categoricalSampler !== undefined) throw new RangeError('categoricalSampler: the model has no categorical columns on a discrete chain');
      const z = await this.diffusion.sample(n, common);
      return this.transformer.inverseTransformColumns(z, { sampleBinary: options.sampleBinary, seed: binarySeed });
    }
    const z = await this.diffusion.sampleMixed(n, { ...common, fixed, categoricalSampler: options.categoricalSampler });
    return this.transformer.inverseTransformMixedColumns(z, { sampleBinary: options.sampleBinary, seed: binarySeed });
  }

  /** Names of the categorical columns in the order of the categorical index matrix. */
  private categoricalNames(): string[] {
    return this.transformer.columns.filter((c) => c.categoricalIndex >= 0).sort((a, b) => a.categoricalIndex - b.categoricalIndex).map((c) => c.name);
  }

  /** conditions { column: category } -> the fixed-class row of the discrete sampler. */
  private fixedFor(conditions: Record<string, unknown> | undefined): IntMatrix | undefined {
    if (conditions === undefined) return undefined;
    if (conditions === null || typeof conditions !== 'object' || Array.isArray(conditions)) {
      throw new TypeError('conditions: expected an object { column: category }');
    }
    const columns = this.transformer.columns;
    const C = this.transformer.categoricalCardinalities.length;
    const data = new Int32Array(C).fill(-1);
    for (const [name, value] of Object.entries(conditions)) {
      const col = columns.find((c) => c.name === name);
      if (!col) throw new TabularDataError(`conditions: column "${name}" is not in the model (columns: ${columns.map((c) => c.name).join(', ')})`, name);
      if (col.categoricalIndex < 0 || !this.mixed) {
        throw new TabularDataError(
          `conditions: column "${name}" is ${col.kind === 'categorical' ? "categorical under method 'onehot'" : col.kind}; ` +
            `conditions apply to categorical columns on a discrete chain (categorical.method 'sedd' or 'multinomial')`, name);
      }
      const key = categoryKey(value, name, 0);
      const code = col.categories!.indexOf(key);
      if (code < 0) {
        throw new TabularDataError(`conditions: column "${name}": category ${JSON.stringify(key)} was not seen in fit (known: ${col.categories!.join(', ')})`, name);
      }
      data[col.categoricalIndex] = code;
    }
    return { rows: 1, cols: C, data };
  }

  /**
   * A Readable of n row objects, generated chunk by chunk so memory stays bounded whatever n.
   * Rows are identical to sample(n, { seed }) (binary columns: when rounded, the default).
   */
  sampleStream(n: number, options: SynthesizerSampleOptions = {}): Readable {
    this.requireFitted();
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n: expected a non-negative integer, got ${String(n)}`);
    const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows: expected a positive integer`);
    const seed = options.seed ?? randomInt(0, 2 ** 48 - 1);
    const fixed = this.fixedFor(options.conditions);
    let offset = 0;
    const self = this;
    return new Readable({
      objectMode: true,
      highWaterMark: 1024,
      async read() {
        try {
          if (offset >= n) {
            this.push(null);
            return;
          }
          const rows = Math.min(chunkRows, n - offset);
          // Binary draws (when asked for) use one seed per chunk: decorrelated across chunks.
          const columns = await self.sampleChunk(rows, offset, seed, options, fixed, seed + offset);
          offset += rows;
          options.onProgress?.({ rowsDone: offset, rows: n });
          for (const row of columnsToRows(columns, rows)) this.push(row);
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
  }

  async save(path: string): Promise<void> {
    this.requireFitted();
    const { header, sections } = diffusionToState(this.diffusion);
    writeModelFile(path, { kind: FILE_KIND, transformer: this.transformer.toJSON(), diffusion: header }, sections);
  }

  static async load(path: string, runtime: Pick<TabularDiffusionOptions, 'device' | 'threads' | 'precision'> = {}): Promise<TabularSynthesizer> {
    const { header, sections } = readModelFile(path);
    if (header.kind !== FILE_KIND) throw new Error(`${path}: holds a '${String(header.kind)}', not a ${FILE_KIND}`);
    let transformer: TabularTransformer;
    try {
      transformer = TabularTransformer.fromJSON(header.transformer as TransformerState);
    } catch (err) {
      throw new Error(`${path}: transformer state is invalid: ${(err as Error).message}`);
    }
    const diffusion = diffusionFromState(header.diffusion, sections, runtime, path);
    if (diffusion.dims.dataDim !== transformer.outputDim) {
      diffusion.dispose();
      throw new Error(`${path}: the transformer produces ${transformer.outputDim} columns but the network models ${diffusion.dims.dataDim}`);
    }
    const classes = transformer.categoricalEncoding === 'index' ? transformer.categoricalCardinalities : [];
    if (JSON.stringify(classes) !== JSON.stringify(diffusion.dims.categoricalClasses)) {
      diffusion.dispose();
      throw new Error(`${path}: the transformer's categorical columns (${classes.join(', ') || 'none'} classes) do not match the network's (${diffusion.dims.categoricalClasses.join(', ') || 'none'})`);
    }
    return new TabularSynthesizer({}, { transformer, diffusion });
  }

  dispose(): void {
    this.diffusion.dispose();
  }

  private requireFitted(): void {
    if (!this.fitted) throw new Error('TabularSynthesizer: call fit() (or load a saved model) before sampling');
  }
}

function columnsToRows(columns: OutputColumns, n: number): OutputRow[] {
  const names = Object.keys(columns);
  const rows: OutputRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: OutputRow = {};
    for (const name of names) row[name] = columns[name]![i]!;
    rows[i] = row;
  }
  return rows;
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
