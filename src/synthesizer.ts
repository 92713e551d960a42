// TabularSynthesizer: rows in, rows out. Owns a TabularTransformer (the statistical
// contract: types, standardisation, rounding) and a TabularDiffusion (the DGP).
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';

import { DiffusionCallback } from './callbacks.js';
import { TabularDiffusion, TabularDiffusionOptions, SamplerName } from './diffusion.js';
import { diffusionFromState, diffusionToState } from './diffusion-state.js';
import { readModelFile, writeModelFile } from './model-file.js';
import {
  OutputColumns, OutputRow, TableInput, TabularTransformer, TabularTransformerOptions, TransformerState,
} from './transformer.js';

export interface TabularSynthesizerOptions extends TabularDiffusionOptions, Omit<TabularTransformerOptions, 'categoricalEncoding'> {}

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
    const transformerOptions: TabularTransformerOptions = { categoricalEncoding: 'onehot' };
    const diffusionOptions: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
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
    const x = this.transformer.fitTransform(rows);
    return this.diffusion.fit(x, options);
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
    const z = await this.diffusion.sample(n, {
      seed, sampler: options.sampler, steps: options.steps, eta: options.eta, signal: options.signal,
      onProgress: options.onProgress,
    });
    return this.transformer.inverseTransformColumns(z, { sampleBinary: options.sampleBinary, seed });
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
          const z = await self.diffusion.sample(rows, {
            seed, offset, sampler: options.sampler, steps: options.steps, eta: options.eta, signal: options.signal,
          });
          // Binary draws (when asked for) use one seed per chunk: decorrelated across chunks.
          const columns = self.transformer.inverseTransformColumns(z, { sampleBinary: options.sampleBinary, seed: seed + offset });
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

  static async load(path: string, runtime: Pick<TabularDiffusionOptions, 'device' | 'threads'> = {}): Promise<TabularSynthesizer> {
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
