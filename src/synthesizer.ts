// TabularSynthesizer: rows in, rows out. Owns a TabularTransformer (the statistical
// contract: types, standardisation, rounding) and a TabularDiffusion (the DGP).
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';

import { ArrowTableLike, columnsToArrow } from './arrow.js';
import type { DataFrameLike } from './table/dataframe.js';
import { autoSettings } from './auto-config.js';
import { anyValidationSets, contextLayout, fitAny, samplingContext } from './conditioning/any.js';
import { Conditions, GivenRow } from './conditioning/given.js';
import { completeTables, drawGaps, readImputeInput, warnGaps } from './conditioning/impute.js';
import { drawsForLevel } from './conditioning/interval.js';
import { POINT_DRAWS, poolDraws, poolIntervals } from './conditioning/pool.js';
import { KnownCells, checkResample, inpaintChain } from './conditioning/known.js';
import { TabularDiffusion, TabularDiffusionOptions } from './diffusion.js';
import { diffusionFromState, diffusionToState } from './diffusion-state.js';
import { packageVersion, readModelFile, writeModelFile } from './model-file.js';
import { checkKnownOptions, checkRowObjectsFit, checkSignalAndProgress } from './option-checks.js';
import { synthesizerSafetensors, writeFileAtomically } from './safetensors.js';
import type { CategoricalNll } from './sedd/mixed.js';
import type { LogDensityOptions } from './density/estimate.js';
import { TableLogDensityResult, tableLogDensity } from './density/table.js';
import { checkCardinalities } from './sedd/options.js';
import { Latent, STREAM_SLICE_ROWS, sliceLatent } from './stream-slices.js';
import { PROBE_ROWS, PROBE_SEED, PROBE_SHARE, checkedLimit, rowsBeyond, runawayLimit } from './synthesizer/runaway.js';
import {
  FIT_KEYS, IMPUTE_KEYS, SAMPLE_KEYS, SynthesizerFitOptions, SynthesizerImputeOptions, SynthesizerSampleOptions, SynthesizerSettings, TabularSynthesizerOptions,
  checkOffset, readSettings, readSynthesizerOptions,
} from './synthesizer/options.js';
import { fitWithValidation, splitRows } from './validation.js';
import {
  IntMatrix, MixedMatrices, OutputColumns, OutputRow, TableInput, TabularDataError, TabularTransformer,
  TransformerState, categoryKey, columnsToRows,
} from './transformer.js';

export type {
  SynthesizerCategoricalOptions, TabularSynthesizerOptions, SynthesizerFitOptions, SynthesizerSampleOptions, SynthesizerImputeOptions,
  SynthesizerSettings,
} from './synthesizer/options.js';

const FILE_KIND = 'TabularSynthesizer';
const DEFAULT_CHUNK_ROWS = 65536;

export class TabularSynthesizer {
  readonly transformer: TabularTransformer;
  private model: TabularDiffusion;
  private readonly userDiffusion: TabularDiffusionOptions;
  private chosen: SynthesizerSettings | null = null;
  /** A fit in flight: it replaces the transformer's state and the model, so nothing else may run. */
  private fitting = false;
  private readonly conditioning: { mode: 'none' | 'any'; copies: number } = { mode: 'none', copies: 4 };

  constructor(
    options: TabularSynthesizerOptions = {},
    parts?: { transformer: TabularTransformer; diffusion: TabularDiffusion; settings?: SynthesizerSettings },
  ) {
    if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
    if (parts) {
      this.transformer = parts.transformer;
      this.model = parts.diffusion;
      this.userDiffusion = {};
      this.chosen = parts.settings ?? null;
      return;
    }
    const read = readSynthesizerOptions(options);
    this.conditioning = read.conditioning;
    this.transformer = new TabularTransformer(read.transformer);
    this.userDiffusion = read.diffusion;
    // Validates the user's options now; fit replaces it with the model for the table.
    this.model = new TabularDiffusion(this.userDiffusion);
  }

  /** The diffusion model (before fit: one built from the user's options alone). */
  get diffusion(): TabularDiffusion {
    return this.model;
  }

  /** What fit chose and measured; null before fit. */
  get settings(): SynthesizerSettings | null {
    return this.chosen ? structuredClone(this.chosen) : null;
  }

  get fitted(): boolean {
    return this.model.fitted;
  }

  /**
   * Fits the transformer and the diffusion model. Options left unset get defaults scaled to the
   * table (see `settings`); columns that look like identifiers are left out with a warning.
   */
  /**
   * `rows`: records, a columnar object, an apache-arrow Table (arrow.ts) or a danfo.js DataFrame
   * (table/dataframe.ts), the last two read by shape.
   */
  async fit(rows: TableInput | ArrowTableLike | DataFrameLike, options: SynthesizerFitOptions = {}): Promise<{ steps: number; loss: number }> {
    // A refused call must change nothing: check before the transformer is refitted.
    if (this.fitting || this.model.busy) {
      throw new Error('TabularSynthesizer: a fit or sample is already running on this model; await it (or abort it) first');
    }
    if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
    checkKnownOptions('fit options', options, FIT_KEYS);
    checkSignalAndProgress(options);
    const validation = options.validation ?? 0;
    if (typeof validation !== 'number' || !(validation >= 0 && validation < 1)) {
      throw new RangeError(`validation: expected a share of the rows in [0, 1), got ${String(validation)}`);
    }
    this.fitting = true;
    try {
      return await this.fitUnguarded(rows, options, validation);
    } finally {
      this.fitting = false;
    }
  }

  private async fitUnguarded(rows: TableInput | ArrowTableLike | DataFrameLike, options: SynthesizerFitOptions, validation: number): Promise<{ steps: number; loss: number }> {
    // Arrow Tables and danfo DataFrames are converted where every method reads a table (tableView).
    const m = this.transformer.fitTransformMixed(rows as TableInput);
    const excluded = this.transformer.excluded;
    if (excluded.length > 0) {
      const message = `columns left out of the model: ${excluded.map((e) => `"${e.name}" (${e.reason})`).join('; ')}; ` +
        `pass identifiers: 'keep' or list the column's kind to model them`;
      if (options.onWarning) options.onWarning(message);
      else process.emitWarning(message, { code: 'TABDIFF_EXCLUDED_COLUMNS' });
    }
    const classes = this.transformer.categoricalCardinalities;
    if (classes.length > 0) checkCardinalities(classes, this.transformer.categoricalNames);
    const auto = autoSettings({ rows: m.numeric.rows, numeric: m.numeric.cols, classes }, this.userDiffusion);
    this.model.dispose();
    this.model = new TabularDiffusion(auto.diffusion);
    this.chosen = { diffusion: auto.diffusion, sampler: auto.sampler, notes: auto.notes };
    if (this.conditioning.mode === 'any') {
      this.chosen.conditioning = 'any';
      this.chosen.notes.push(`conditioning 'any': copies of the rows (${this.conditioning.copies} or more), each with a random observed subset, drawn afresh after about one pass`);
    }
    options.onSettings?.(this.settings!);
    const lossHistory: { step: number; loss: number }[] = [];
    this.chosen.lossHistory = lossHistory;
    const userProgress = options.onProgress;
    options = {
      ...options,
      onProgress: (p) => {
        lossHistory.push({ step: p.step, loss: p.loss });
        userProgress?.(p);
      },
    };
    const result = await this.train(m, classes, options, validation, auto.sampler);
    // The runaway limit of sample calls, chosen on the fitted model (synthesizer/runaway.ts).
    const limit = runawayLimit(m.numeric);
    const probe = await this.sampleLatent(PROBE_ROWS, 0, PROBE_SEED, { signal: options.signal }, undefined);
    const beyond = rowsBeyond(limit, probe);
    this.chosen.redrawLimit = checkedLimit(limit, beyond, PROBE_ROWS);
    const shown = Number(limit.toPrecision(3));
    if (this.chosen.redrawLimit === null) {
      // A model whose own rows lie far outside its data is undertrained, its training diverged (an
      // adult fit with lr 5e-3: final loss 1.7e24), or its reverse chain pushes rows out though the
      // loss looks normal (the same with the gradient clipped: loss 0.645); docs/architecture.md, "Runaway rows".
      const message = `fit: ${beyond} of ${PROBE_ROWS} rows sampled from the fitted model lie beyond ${shown} in the model's space ` +
        `(4x the training data's largest value; final training loss ${Number(result.loss.toPrecision(3))}): the model is far from its data. ` +
        'Its training diverged or its reverse chain is unstable (lower lr), or it was too short (more maxSteps); its samples will not resemble the data';
      if (options.onWarning) options.onWarning(message);
      else process.emitWarning(message, { code: 'TABDIFF_FAR_FROM_DATA' });
    }
    this.chosen.notes.push(this.chosen.redrawLimit === null
      ? `runaway rows: no size limit (more than ${PROBE_SHARE * 100}% of ${PROBE_ROWS} probe rows lie beyond ${shown}: is the model trained?); non-finite rows are redrawn`
      : `runaway rows: sampled rows beyond ${shown} in the model's space are redrawn (4x the training data's largest value, at least 20)`);
    return result;
  }

  private async train(
    m: MixedMatrices, classes: number[], options: SynthesizerFitOptions, validation: number, sampler: SynthesizerSettings['sampler'],
  ): Promise<{ steps: number; loss: number }> {
    const chosen = this.chosen!;
    const any = this.conditioning.mode === 'any';
    if (any && validation === 0) return fitAny(this.model, contextLayout(this.transformer), m, classes, this.conditioning.copies, options);
    if (validation > 0) {
      const split = splitRows(m, validation, this.model.options.seed);
      const steps = this.model.options.maxSteps;
      const every = options.validationEvery ?? Math.max(1, Math.round(steps / 10));
      const result = await fitWithValidation(this.model, this.transformer, split, classes, {
        every, sampler, sampleRows: Math.min(2000, Math.max(500, split.heldOut.numeric.rows)),
        signal: options.signal, onProgress: options.onProgress, callbacks: options.callbacks, onCheck: options.onValidation,
      }, any ? anyValidationSets(contextLayout(this.transformer), split, this.conditioning.copies, this.model.options.seed, this.model.options.batchSize, classes) : undefined);
      chosen.validation = { heldOutRows: split.heldOut.numeric.rows, bestStep: result.bestStep, history: result.history };
      return { steps: result.steps, loss: result.loss };
    }
    return this.fitMatrices(m, classes, options);
  }

  private fitMatrices(m: MixedMatrices, classes: number[], options: SynthesizerFitOptions): Promise<{ steps: number; loss: number }> {
    const common = { callbacks: options.callbacks, signal: options.signal, onProgress: options.onProgress, observed: m.observed ?? undefined };
    if (classes.length === 0) return this.model.fit(m.numeric, common);
    return this.model.fit({ numeric: m.numeric, categorical: m.categorical }, { ...common, categoricalClasses: classes });
  }

  /** True when categorical columns follow a discrete chain (SEDD or multinomial). */
  get mixed(): boolean {
    return this.diffusion.dims.categoricalClasses.length > 0;
  }

  /**
   * Log-density of rows in the user's units (nats): the model's density of the transformed row
   * plus each numeric column's log-Jacobian; `parts` says which parts are exact or estimates.
   * See src/density/table.ts and docs/density.md.
   */
  async logDensity(rows: TableInput, options: LogDensityOptions = {}): Promise<TableLogDensityResult> {
    this.requireFitted();
    return tableLogDensity(this.transformer, this.diffusion, rows, options);
  }

  /** Anomaly score per row: -logDensity (higher = less likely under the model). */
  async score(rows: TableInput, options: LogDensityOptions = {}): Promise<Float64Array> {
    return (await this.logDensity(rows, options)).logDensity.map((v) => -v);
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

  /**
   * n synthetic rows as objects with the training columns, in order; with `format: 'arrow'` an
   * apache-arrow Table instead (needs the apache-arrow package; numeric columns zero-copy).
   */
  async sample(n: number, options: SynthesizerSampleOptions & { format: 'arrow' }): Promise<ArrowTableLike>;
  async sample(n: number, options?: SynthesizerSampleOptions & { format?: 'rows' }): Promise<OutputRow[]>;
  async sample(n: number, options: SynthesizerSampleOptions & { format?: 'rows' | 'arrow' } = {}): Promise<OutputRow[] | ArrowTableLike> {
    this.requireFitted();
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n: expected a non-negative integer, got ${String(n)}`);
    const { format, ...rest } = options ?? {};
    if (format !== undefined && format !== 'rows' && format !== 'arrow') throw new RangeError(`format: expected 'rows' or 'arrow', got ${JSON.stringify(format)}`);
    if (format !== 'arrow') checkRowObjectsFit(n, this.transformer.columns.length);
    const columns = await this.sampleColumns(n, rest);
    return format === 'arrow' ? columnsToArrow(columns) : columnsToRows(columns);
  }

  /** n synthetic rows as columns (typed arrays for numbers): the cheap form for big n. */
  async sampleColumns(n: number, options: SynthesizerSampleOptions = {}): Promise<OutputColumns> {
    this.requireFitted();
    this.checkSampleOptions(options);
    const seed = options.seed ?? randomInt(0, 2 ** 48 - 1);
    const offset = checkOffset(options.offset);
    const fixed = this.fixedFor(options.conditions);
    const cond = this.conditionsFor(n, options);
    return this.sampleChunk(n, offset, seed, options, fixed, seed + offset, options.onProgress, cond && { cond, start: 0 });
  }

  /**
   * Completes `rows`: every gap of a model column is drawn given the row's observed cells, in
   * the user's units; observed cells and other columns come back unchanged. Returns `draws`
   * completed tables (multiple imputation), or with `point: true` one table of best guesses pooled
   * over the draws. See docs/imputation.md.
   */
  async impute(rows: TableInput, options: SynthesizerImputeOptions = {}): Promise<OutputRow[][]> {
    this.requireFitted();
    if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
    checkKnownOptions('impute options', options, IMPUTE_KEYS);
    checkSignalAndProgress(options);
    if (options.point !== undefined && typeof options.point !== 'boolean') throw new TypeError(`point: expected true or false, got ${String(options.point)}`);
    const point = options.point === true;
    const draws = options.draws ?? (point ? POINT_DRAWS : 1);
    if (!Number.isInteger(draws) || draws < 1 || draws > 10000) throw new RangeError(`draws: expected an integer in [1, 10000], got ${String(draws)}`);
    const level = options.interval;
    if (level !== undefined) {
      if (typeof level !== 'number' || !(level > 0 && level < 1)) throw new RangeError(`interval: expected a level in (0, 1) such as 0.9, got ${String(level)}`);
      if (!point) throw new RangeError('interval: applies with point: true (the bounds are pooled over the draws)');
      if (draws < drawsForLevel(level)) throw new RangeError(`interval: a ${Number((level * 100).toPrecision(12))}% interval needs at least ${drawsForLevel(level)} draws; draws is ${draws}`);
    }
    const seed = options.seed ?? randomInt(0, 2 ** 48 - 1);
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) throw new RangeError(`seed: expected a non-negative integer, got ${String(seed)}`);
    checkResample(options.resample, options.sampler ?? this.chosen?.sampler.sampler);
    const { given, records } = readImputeInput(this.transformer, rows);
    const cond = new Conditions(this.transformer, given, 'rows', { allowUnknownColumns: true });
    const sampleOptions: SynthesizerSampleOptions = {
      sampler: options.sampler, steps: options.steps, eta: options.eta, resample: options.resample, signal: options.signal,
      redrawLimit: options.redrawLimit,
    };
    const gaps = await drawGaps(cond, records.length, draws, seed, (sub, offset, roundSeed, onProgress) =>
      this.sampleChunk(sub.rows, offset, roundSeed, sampleOptions, undefined, roundSeed, onProgress, { cond: sub, start: 0 }), options.onProgress);
    const why = '(the model gives gaps a high probability there)';
    if (!point) {
      if (gaps.unfilled > 0) warnGaps(`impute: ${gaps.unfilled} cell(s) over ${draws} draw(s) were drawn as gaps in every try and stay gaps ${why}`, options.onWarning);
      return completeTables(records, gaps);
    }
    // Pooled: a cell some draws left a gap takes the others' values; only cells no draw filled stay gaps.
    const kinds = new Map(this.transformer.columns.map((c) => [c.name, c.kind] as const));
    const { table, left } = poolDraws(records, gaps, kinds);
    if (left > 0) warnGaps(`impute: ${left} cell(s) were drawn as gaps in every try of all ${draws} draws and stay gaps in the pooled table ${why}`, options.onWarning);
    return level === undefined ? [table] : [table, ...poolIntervals(gaps, kinds, table, level)];
  }

  /** Rows [offset, offset + n) of the stream of `seed`, decoded to columns. */
  private async sampleChunk(
    n: number, offset: number, seed: number, options: SynthesizerSampleOptions, fixed: IntMatrix | undefined, binarySeed: number,
    onProgress?: (progress: { rowsDone: number; rows: number }) => void, given?: { cond: Conditions; start: number },
  ): Promise<OutputColumns> {
    const out = this.decodeLatent(await this.sampleLatent(n, offset, seed, options, fixed, onProgress, given), options, binarySeed);
    given?.cond.finish(out, given.start, n);
    return out;
  }

  /** Rows [offset, offset + n) of the stream of `seed`, in the model's space. */
  private async sampleLatent(
    n: number, offset: number, seed: number, options: SynthesizerSampleOptions, fixed: IntMatrix | undefined,
    onProgress?: (progress: { rowsDone: number; rows: number }) => void, given?: { cond: Conditions; start: number },
  ): Promise<Latent> {
    let chosen = options.sampler === undefined ? this.chosen?.sampler : undefined;
    let known: KnownCells | undefined;
    if (given) ({ known, fixed } = given.cond.encode(given.start, n, seed, offset));
    let resample = known ? options.resample : undefined;
    if (known && options.sampler === undefined && this.chosen?.conditioning !== 'any') {
      ({ sampler: chosen, resample } = inpaintChain(this.model.options.nTimesteps, options.resample));
    }
    let context;
    if (this.chosen?.conditioning === 'any') {
      // The network reads the observed cells from its context row; classes given through
      // `given` are not clamped (training saw them noised like any cell; finish() restores them),
      // those of `conditions` still are (nothing restores them); no resampling is needed.
      context = samplingContext(contextLayout(this.transformer), known, fixed);
      if (given) fixed = undefined;
      if (known) resample = { jumps: 1, ...options.resample };
    }
    const common = {
      seed, offset, sampler: options.sampler ?? chosen?.sampler, steps: options.steps ?? chosen?.steps, eta: options.eta ?? chosen?.eta,
      signal: options.signal, onProgress, known, resample, context, redrawLimit: options.redrawLimit,
      softRedrawLimit: this.chosen?.redrawLimit ?? undefined,
    };
    if (!this.mixed) {
      if (options.categoricalSampler !== undefined) throw new RangeError('categoricalSampler: the model has no categorical columns on a discrete chain');
      return this.diffusion.sample(n, common);
    }
    return this.diffusion.sampleMixed(n, { ...common, fixed, categoricalSampler: options.categoricalSampler });
  }

  private decodeLatent(z: Latent, options: SynthesizerSampleOptions, binarySeed: number): OutputColumns {
    const inverse = { sampleBinary: options.sampleBinary, seed: binarySeed };
    return 'numeric' in z ? this.transformer.inverseTransformMixedColumns(z, inverse) : this.transformer.inverseTransformColumns(z, inverse);
  }

  /** The given rows of a sampling call, parsed; undefined without `given`. */
  private conditionsFor(n: number, options: SynthesizerSampleOptions): Conditions | undefined {
    if (options.given === undefined) {
      if (options.resample !== undefined) throw new RangeError('resample: applies to conditional sampling (given) and impute');
      return undefined;
    }
    if (options.conditions !== undefined) throw new RangeError('given: pass given or conditions, not both (given covers conditions)');
    const g = options.given;
    if (g === null || typeof g !== 'object') throw new TypeError('given: expected a row { column: value } or an array of rows');
    checkResample(options.resample, options.sampler ?? this.chosen?.sampler.sampler);
    const rows = Array.isArray(g) ? (g as readonly GivenRow[]) : [g as GivenRow];
    if (Array.isArray(g) && rows.length !== n) {
      throw new RangeError(`given: holds ${rows.length} rows; pass one row (shared by all n rows) or n = ${n} rows (one per output row)`);
    }
    return new Conditions(this.transformer, rows, 'given');
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
      if (col.kind !== 'categorical' || col.categoricalIndex < 0 || !this.mixed) {
        throw new TabularDataError(
          `conditions: column "${name}" is ${col.kind === 'categorical' ? "categorical under method 'onehot'" : col.kind}; ` +
            `conditions apply to categorical columns on a discrete chain (categorical.method 'sedd' or 'multinomial')`, name);
      }
      const key = categoryKey(value, name, 0);
      if (key === null) throw new TabularDataError(`conditions: column "${name}": a gap cannot be a condition`, name);
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
    this.checkSampleOptions(options);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n: expected a non-negative integer, got ${String(n)}`);
    const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows: expected a positive integer`);
    const seed = options.seed ?? randomInt(0, 2 ** 48 - 1);
    const fixed = this.fixedFor(options.conditions);
    const cond = this.conditionsFor(n, options);
    const start = checkOffset(options.offset);
    let offset = start;
    const end = start + n;
    let reading = false;
    const self = this;
    return new Readable({
      objectMode: true,
      highWaterMark: 1024,
      async read() {
        // A chunk still being pushed (between slices): its pushes ask for more when it is done.
        if (reading) return;
        try {
          if (offset >= end) {
            this.push(null);
            return;
          }
          reading = true;
          const rows = Math.min(chunkRows, end - offset);
          const first = offset;
          const given = cond && { cond, start: first - start };
          const z = await self.sampleLatent(rows, first, seed, options, fixed, undefined, given);
          offset += rows;
          options.onProgress?.({ rowsDone: offset - start, rows: n });
          // Decoded and turned into objects a slice at a time, yielding in between, so a big
          // chunk does not hold the event loop (issue 12: lag <= 20 ms). Binary draws (when
          // asked for) use one seed per chunk, drawn in order over the whole chunk.
          const whole = options.sampleBinary ? self.decodeLatent(z, options, seed + first) : undefined;
          if (whole && given) given.cond.finish(whole, given.start, rows);
          for (let from = 0; from < rows; from += STREAM_SLICE_ROWS) {
            const to = Math.min(rows, from + STREAM_SLICE_ROWS);
            let slice = whole;
            if (!slice) {
              slice = self.decodeLatent(sliceLatent(z, from, to), options, seed + first);
              if (given) given.cond.finish(slice, given.start + from, to - from);
            }
            const part = whole ? columnsToRows(whole, from, to) : columnsToRows(slice);
            for (const row of part) this.push(row);
            if (to < rows) await new Promise((resolve) => setImmediate(resolve));
          }
          reading = false;
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
  }

  async save(path: string): Promise<void> {
    this.requireFitted();
    const { header, sections } = diffusionToState(this.diffusion);
    writeModelFile(path, { kind: FILE_KIND, transformer: this.transformer.toJSON(), diffusion: header, ...(this.chosen ? { settings: this.chosen } : {}) }, sections);
  }

  /**
   * Writes the network's weights as safetensors (see safetensors.ts): `params.<layer>` and
   * `ema.<layer>` float32 tensors, with the transformer state, diffusion options and settings as
   * JSON strings in `__metadata__`, for tools outside Node (PyTorch, JAX, candle).
   */
  exportWeights(path: string): void {
    this.requireFitted();
    writeFileAtomically(path, synthesizerSafetensors(this.transformer.toJSON(), diffusionToState(this.diffusion), this.chosen, packageVersion()));
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
    const settings = header.settings === undefined ? undefined : readSettings(header.settings, path);
    return new TabularSynthesizer({}, { transformer, diffusion, settings });
  }

  dispose(): void {
    this.diffusion.dispose();
  }

  private checkSampleOptions(options: SynthesizerSampleOptions): void {
    if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
    checkKnownOptions('sample options', options, SAMPLE_KEYS);
    checkSignalAndProgress(options);
  }

  private requireFitted(): void {
    if (this.fitting) throw new Error('TabularSynthesizer: a fit is running; sample after it settles');
    if (!this.fitted) throw new Error('TabularSynthesizer: call fit() (or load a saved model) before sampling');
  }
}
