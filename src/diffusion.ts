// TabularDiffusion: the Trex estimator (docs/design.md section 4) on standardised matrices.
// Fit and sample run in the native engine; with per-step callbacks the same native ops run
// one step at a time. Options and their checks: diffusion/options.ts.
import { randomInt } from 'node:crypto';

import {
  FitState, SampleState, CallbackModel, hasPerStepFitHooks, hasPerStepSampleHooks,
} from './callbacks.js';
import { BackendChoice, resolveDevice } from './device.js';
import { Matrix, MatrixLike, assertFinite, toMatrix } from './matrix.js';
import { NativeModel, loadNative } from './native.js';
import type { NativeSampleOptions } from './native-types.js';
import { nativeKnown } from './conditioning/known.js';
import { observedPerRow, readObserved } from './observed.js';
import { checkInteger, checkKnownOptions, checkNumber, checkSignalAndProgress } from './option-checks.js';
import {
  DenoisingLossOptions, FIT_OPTION_KEYS, FitData, FitOptions, MixedSampleOptions, ResolvedOptions, SAMPLE_OPTION_KEYS, SampleOptions,
  TabularDiffusionOptions, resolveOptions,
} from './diffusion/options.js';
import { abortError, withSignal } from './diffusion/jobs.js';
import { numericDenoisingLoss } from './diffusion/loss.js';
import { sampleNumericStepwise } from './diffusion/stepwise.js';
import { DEFAULT_REDRAW_LIMIT, REDRAW_ATTEMPTS, divergedRows, oneRowArgs } from './diffusion/diverged.js';
import { NoiseSchedule, fewStepSequence, noiseSchedule, timestepSequence } from './schedule.js';
import {
  CategoricalNll, MixedInput, MixedSample, evalOptions, evaluationTimesteps, isMixedInput,
  lossFromEval, nllFromEval, readFixed, readMixedInput, sampleMixedStepwise,
} from './sedd/mixed.js';
import { ResolvedCategoricalOptions, nativeCategoricalOptions, resolveCategoricalOptions } from './sedd/options.js';
import { LogDensityOptions, LogDensityResult, estimateLogDensity, readDensityRows } from './density/estimate.js';
import type { IntMatrix } from './transformer.js';

export type {
  SamplerName, TabularDiffusionOptions, FitOptions, DenoisingLossOptions, MixedSampleOptions, SampleOptions,
} from './diffusion/options.js';

export class TabularDiffusion {
  readonly options: ResolvedOptions;
  readonly schedule: NoiseSchedule;
  readonly backend: BackendChoice;
  /** The categorical chain's options (used when fit on { numeric, categorical } input). */
  readonly categoricalOptions: ResolvedCategoricalOptions;
  private native: NativeModel | undefined;
  private dataDim = 0;
  private contextDim = 0;
  private categoricalClasses: number[] = [];
  /** fit / sample / nll calls in flight (a step-wise fit is idle natively between steps). */
  private jobs = 0;

  constructor(options: TabularDiffusionOptions = {}) {
    const merged = resolveOptions(options);
    this.categoricalOptions = resolveCategoricalOptions(merged.categorical);
    this.options = merged;
    this.backend = resolveDevice(merged.device);
    if (this.backend.device === 'cpu' && merged.precision !== 'fp32') {
      throw new RangeError(`precision: '${merged.precision}' needs the CUDA backend (${this.backend.reason})`);
    }
    this.schedule = Array.isArray(merged.schedule)
      ? noiseSchedule(merged.schedule, merged.nTimesteps)
      : noiseSchedule(merged.schedule, merged.nTimesteps, { betaStart: merged.betaStart, betaEnd: merged.betaEnd });
  }

  get fitted(): boolean {
    return this.native !== undefined;
  }

  /** Columns of the data the model was fitted on (numeric part), of its context, and class counts of its categorical columns. */
  get dims(): { dataDim: number; contextDim: number; categoricalClasses: number[] } {
    return { dataDim: this.dataDim, contextDim: this.contextDim, categoricalClasses: this.categoricalClasses.slice() };
  }

  /**
   * Fits on a numeric matrix, or on mixed input { numeric, categorical } (class indices, e.g.
   * TabularTransformer.fitTransformMixed): categorical columns then follow the discrete chain.
   */
  async fit(X: MatrixLike | MixedInput, options: FitOptions = {}): Promise<{ steps: number; loss: number }> {
    // Refused before anything changes: a second fit would replace the model under the first.
    if (this.busy) throw new Error('TabularDiffusion: a fit or sample is already running on this model; await it (or abort it) first');
    if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
    checkKnownOptions('fit options', options, FIT_OPTION_KEYS);
    checkSignalAndProgress(options);
    this.jobs++;
    try {
      return await this.fitUnguarded(X, options);
    } finally {
      this.jobs--;
    }
  }

  /** True while a fit, sample or nll of this model runs. */
  get busy(): boolean {
    return this.jobs > 0;
  }

  private async fitUnguarded(X: MatrixLike | MixedInput, options: FitOptions): Promise<{ steps: number; loss: number }> {
    const { x, mixed, observed, context } = readFitData({ X, observed: options.observed, context: options.context }, options.categoricalClasses, '');
    const redraw = options.redrawData;
    if (redraw !== undefined) {
      if (redraw === null || typeof redraw !== 'object' || typeof redraw.draw !== 'function') throw new TypeError('redrawData: expected { every, draw(segment) }');
      checkInteger('redrawData.every', redraw.every, 1, 2 ** 32 - 1);
    }
    const device = this.backend.device;
    const o = this.options;
    this.dispose();
    this.dataDim = x.cols;
    this.contextDim = context?.cols ?? 0;
    this.categoricalClasses = mixed?.classes ?? [];
    const addon = loadNative();
    this.native = new addon.NativeModel({
      dataDim: x.cols, contextDim: this.contextDim, timeDim: o.timeDim, hidden: o.hiddenDims,
      activation: o.activation, dropout: o.dropout, seed: o.seed, threads: o.threads,
      device, precision: o.precision,
      ...(mixed ? nativeCategoricalOptions(mixed.classes, this.categoricalOptions) : {}),
    });
    const native = this.native;
    const base = {
      sqrtAlphaBars: this.schedule.sqrtAlphaBars, sqrtOneMinusAlphaBars: this.schedule.sqrtOneMinusAlphaBars,
      batchSize: o.batchSize, lr: o.lr, weightDecay: o.weightDecay, emaDecay: o.emaDecay,
      lrDecaySteps: o.lrDecay ? o.maxSteps : 0, maxGradNorm: o.maxGradNorm, seed: o.seed,
      ...(mixed ? { alphaBars: this.schedule.alphaBars, categoricalWeight: o.categoricalWeight } : {}),
    };
    const dataArgs = (d: FitMatrices) => ({
      x: d.x.data, rows: d.x.rows, context: d.context?.data,
      ...(d.mixed ? { categorical: d.mixed.categorical.data } : {}),
      ...(d.observed ? { observed: d.observed } : {}),
    });
    const first = dataArgs({ x, mixed, observed, context });
    // The rows of the segment starting at `step`: the fit's own, a redraw, or those already in the model.
    const rowsAt = (step: number) => {
      if (step === 0) return first;
      if (redraw && step % redraw.every === 0) {
        const d = readFitData(redraw.draw(step / redraw.every), mixed?.classes, `redrawData.draw(${step / redraw.every}).`);
        if (d.x.cols !== x.cols || (d.context?.cols ?? 0) !== this.contextDim || (d.mixed?.classes.length ?? 0) !== this.categoricalClasses.length) {
          throw new RangeError(`redrawData.draw(${step / redraw.every}): the rows must have the fit's columns and context width`);
        }
        return dataArgs(d);
      }
      return { x: new Float32Array(0), rows: x.rows, observed: undefined, reuseData: true };
    };
    const callbacks = options.callbacks ?? [];
    const state: FitState = { step: 0, maxSteps: o.maxSteps, stop: false };
    for (const c of callbacks) await c.onFitStart?.(state, this.callbackModel());

    if ((options.checkpoints || redraw) && !hasPerStepFitHooks(callbacks)) {
      if (options.checkpoints) checkInteger('checkpoints.every', options.checkpoints.every, 1, 2 ** 32 - 1);
      const checkEvery = options.checkpoints?.every ?? Infinity;
      const redrawEvery = redraw?.every ?? Infinity;
      const next = (done: number, every: number) => (Number.isFinite(every) ? (Math.floor(done / every) + 1) * every : Infinity);
      const interval = options.progressInterval ?? Math.max(1, Math.floor(o.maxSteps / 100));
      const onProgress = options.onProgress;
      while (state.step < o.maxSteps && !state.stop) {
        const done = state.step;
        const steps = Math.min(next(done, checkEvery), next(done, redrawEvery), o.maxSteps) - done;
        const r = await withSignal(options.signal, native, () =>
          native.fit({ ...base, ...rowsAt(done), steps, lrDecayOffset: done, progressInterval: onProgress ? interval : 0 },
            onProgress ? (step, loss) => onProgress({ step: done + step, maxSteps: o.maxSteps, loss }) : undefined));
        state.step += r.steps;
        state.loss = r.lastLoss;
        if (options.checkpoints && (state.step % checkEvery === 0 || state.step === o.maxSteps)) {
          if ((await options.checkpoints.check(state)) === false) state.stop = true;
        }
      }
    } else if (!hasPerStepFitHooks(callbacks)) {
      const interval = options.progressInterval ?? Math.max(1, Math.floor(o.maxSteps / 100));
      const onProgress = options.onProgress;
      const result = await withSignal(options.signal, native, () =>
        native.fit({ ...base, ...first, steps: o.maxSteps, progressInterval: onProgress ? interval : 0 },
          onProgress ? (step, loss) => onProgress({ step, maxSteps: o.maxSteps, loss }) : undefined),
      );
      state.step = result.steps;
      state.loss = result.lastLoss;
    } else {
      // Step by step: one native step per await, hooks in between.
      while (state.step < o.maxSteps && !state.stop) {
        for (const c of callbacks) await c.onBatchStart?.(state);
        // The first call copies the data (and the observed mask) into the model; later ones reuse it.
        const r = await withSignal(options.signal, native, () =>
          native.fit({ ...base, ...rowsAt(state.step), steps: 1, lrDecayOffset: state.step }));
        state.step += 1;
        state.loss = r.lastLoss;
        for (const c of callbacks) await c.onLossReady?.(state);
        for (const c of callbacks) {
          if ((await c.onStepEnd?.(state)) === false) state.stop = true;
        }
        const interval = options.progressInterval ?? Math.max(1, Math.floor(o.maxSteps / 100));
        if (options.onProgress && state.step % interval === 0) options.onProgress({ step: state.step, maxSteps: o.maxSteps, loss: r.lastLoss });
      }
    }
    for (const c of callbacks) await c.onFitEnd?.(state);
    return { steps: state.step, loss: state.loss ?? NaN };
  }

  async sample(n: number, options: SampleOptions = {}): Promise<Matrix> {
    this.requireFitted();
    if (this.categoricalClasses.length > 0) {
      throw new Error('TabularDiffusion.sample: this model has categorical columns; use sampleMixed(n) for { numeric, categorical }');
    }
    const { numeric } = await this.runSample(n, options, false);
    return { rows: n, cols: this.dataDim, data: numeric };
  }

  /** Mixed-type models: n rows as { numeric, categorical } (class indices per categorical column). */
  async sampleMixed(n: number, options: MixedSampleOptions = {}): Promise<MixedSample> {
    this.requireFitted();
    if (this.categoricalClasses.length === 0) {
      throw new Error('TabularDiffusion.sampleMixed: this model has no categorical columns; use sample(n)');
    }
    const out = await this.runSample(n, options, true);
    return {
      numeric: { rows: n, cols: this.dataDim, data: out.numeric },
      categorical: { rows: n, cols: this.categoricalClasses.length, data: out.categorical! },
    };
  }

  private async runSample(n: number, options: MixedSampleOptions, mixed: boolean): Promise<{ numeric: Float32Array; categorical?: Int32Array }> {
    if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
    checkKnownOptions('sample options', options, SAMPLE_OPTION_KEYS);
    checkSignalAndProgress(options);
    this.jobs++;
    try {
      return await this.runSampleUnguarded(n, options, mixed);
    } finally {
      this.jobs--;
    }
  }

  private async runSampleUnguarded(n: number, options: MixedSampleOptions, mixed: boolean): Promise<{ numeric: Float32Array; categorical?: Int32Array }> {
    const native = this.requireFitted();
    checkInteger('n', n, 0, 2 ** 31 - 1);
    const sampler = options.sampler ?? 'ddpm';
    if (sampler !== 'ddpm' && sampler !== 'ddim' && sampler !== 'dpm-solver++') {
      throw new RangeError(`sampler: expected 'ddpm', 'ddim' or 'dpm-solver++', got '${String(sampler)}'`);
    }
    const T = this.options.nTimesteps;
    let timesteps: Int32Array;
    if (sampler === 'ddpm') {
      if (options.steps !== undefined && options.steps !== T) {
        throw new RangeError(`steps: DDPM runs all ${T} steps; use sampler 'ddim' or 'dpm-solver++' for fewer`);
      }
      timesteps = timestepSequence(T, T);
    } else {
      const steps = options.steps ?? Math.min(T, sampler === 'ddim' ? 50 : 20);
      checkInteger('steps', steps, 1, T);
      timesteps = fewStepSequence(T, steps);
    }
    const eta = options.eta ?? 0;
    checkNumber('eta', eta, 0, 1e6);
    const seed = options.seed ?? randomInt(0, 2 ** 48 - 1);
    checkInteger('seed', seed, 0, Number.MAX_SAFE_INTEGER);
    const offset = options.offset ?? 0;
    checkInteger('offset', offset, 0, 2 ** 48 - 1 - n);
    const context = this.sampleContext(n, options.context);
    const fixed = mixed ? readFixed(options.fixed, n, this.categoricalClasses) : undefined;
    if (!mixed && (options.fixed !== undefined || options.categoricalSampler !== undefined)) {
      throw new RangeError('fixed / categoricalSampler: apply to models with categorical columns');
    }
    const cat = { ...this.categoricalOptions, sampler: options.categoricalSampler ?? this.categoricalOptions.sampler };
    if (mixed) resolveCategoricalOptions(cat, 'categoricalSampler');
    const inpaint = nativeKnown(options.known, options.resample, n, this.dataDim, sampler);
    const callbacks = options.callbacks ?? [];
    if (options.known !== undefined && hasPerStepSampleHooks(callbacks)) {
      throw new RangeError('known: inpainting runs in the native loop; per-step sample callbacks are not supported with it');
    }
    const state: SampleState = { step: 0, steps: timesteps.length, t: timesteps[0]! };
    for (const c of callbacks) await c.onSampleStart?.(state);

    const chunkRows = options.batchSize ?? 1024;
    checkInteger('batchSize', chunkRows, 1, 1 << 20);
    const onProgress = options.onProgress;
    const limit = options.redrawLimit ?? DEFAULT_REDRAW_LIMIT;
    if (typeof limit !== 'number' || !(limit > 0)) throw new RangeError(`redrawLimit: expected a positive number, got ${String(limit)}`);
    const soft = options.softRedrawLimit ?? Infinity;
    if (typeof soft !== 'number' || !(soft > 0)) throw new RangeError(`softRedrawLimit: expected a positive number, got ${String(soft)}`);
    const args: NativeSampleOptions = {
      n, rowOffset: offset, seed, sampler, timesteps, eta, variance: this.options.variance,
      betas: this.schedule.betas, alphaBars: this.schedule.alphaBars, chunkRows,
      context: context?.data, contextRows: context?.rows, progressInterval: onProgress ? Math.max(chunkRows, Math.ceil(n / 100)) : 0,
      ...(mixed ? { categoricalSampler: cat.method === 'sedd' ? cat.sampler : undefined, fixed: fixed?.data, fixedRows: fixed?.rows } : {}),
      ...inpaint,
    };
    const run = async (a: NativeSampleOptions, progress?: (rowsDone: number) => void) => {
      const out = await withSignal(options.signal, native, () => native.sample(a, progress)) as
        Float32Array | { numeric: Float32Array; categorical: Int32Array };
      return out instanceof Float32Array ? { numeric: out } : out;
    };
    let result: { numeric: Float32Array; categorical?: Int32Array };
    if (!hasPerStepSampleHooks(callbacks)) {
      result = await run(args, onProgress ? (rowsDone) => onProgress({ rowsDone, rows: n }) : undefined);
    } else if (mixed) {
      result = await sampleMixedStepwise({
        addon: loadNative(), native, n, numericDim: this.dataDim, classes: this.categoricalClasses, cat, schedule: this.schedule,
        sampler, variance: this.options.variance, timesteps, eta, seed, offset, context, fixed, callbacks, state,
        signal: options.signal, abortError,
      });
    } else {
      result = {
        numeric: await sampleNumericStepwise(loadNative(), native, this.schedule, this.options.variance, n, this.dataDim, {
          sampler, timesteps, eta, seed, offset, context, callbacks, state, signal: options.signal,
        }),
      };
    }
    // The step-by-step path draws the native loop's bytes, so its runaway rows are redrawn by the
    // native loop too (the per-step hooks see each row's first draw only).
    await this.redrawDiverged(result, args, { limit, soft }, run);
    state.step = timesteps.length;
    for (const c of callbacks) await c.onSampleEnd?.(state);
    return result;
  }

  /**
   * Mixed-type models: the discrete likelihood bound of the categorical columns per row, in
   * nats (SEDD: the rate-weighted score entropy integrated over t, plus the prior term;
   * multinomial: Tab-DDPM's sum of KL terms plus prior). The numeric columns are noised on the
   * shared clock, as the network saw them in training. Without `draws` the integral is the
   * quadrature over all T grid times (deterministic in t); with `draws`, a Monte Carlo estimate
   * with that many random times per row.
   */
  async nll(X: MixedInput, options: { context?: MatrixLike; seed?: number; draws?: number; signal?: AbortSignal } = {}): Promise<CategoricalNll> {
    const native = this.requireMixed('nll');
    const x = this.readHeldOut(X);
    const context = this.fitContext(x.numeric.rows, options.context);
    const seed = options.seed ?? 0;
    checkInteger('seed', seed, 0, Number.MAX_SAFE_INTEGER);
    if (options.draws !== undefined) checkInteger('draws', options.draws, 1, 100000);
    const { k, draws } = evaluationTimesteps(loadNative(), x.numeric.rows, this.options.nTimesteps, options.draws, seed);
    const out = await withSignal(options.signal, native, () =>
      native.evaluateAsync(evalOptions(x, this.schedule, context, k, draws, seed, true)));
    return nllFromEval(out, x.numeric.rows, draws);
  }

  /**
   * Log-density of rows (nats) under the fitted model, in the coordinates it was fitted on: the
   * path-integral estimator (default) or the probability-flow ODE; see src/density/estimate.ts
   * and docs/density.md. Models with categorical columns on a discrete chain take
   * { numeric, categorical } (and options.observed for masked numeric cells): the path integral
   * over the joint chain, whose discrete part is a bound (docs/density.md section 5).
   */
  async logDensity(X: MatrixLike | MixedInput, options: LogDensityOptions = {}): Promise<LogDensityResult> {
    const native = this.requireFitted();
    if (this.backend.device === 'cuda') throw new Error("TabularDiffusion.logDensity: runs on the CPU backend; load the model with device 'cpu'");
    const contextFor = (rows: number): Matrix | undefined =>
      this.contextDim > 0 && options.context !== undefined && toMatrix(options.context, 'context').rows === 1
        ? this.sampleContext(1, options.context) : this.fitContext(rows, options.context);
    if (this.categoricalClasses.length > 0) {
      if (!isMixedInput(X)) throw new TypeError('X: this model has categorical columns on a discrete chain; pass { numeric, categorical }');
      const x = this.readHeldOut(X);
      const observed = options.observed !== undefined ? readObserved(options.observed, x.numeric.rows, x.numeric.cols, 'observed') : undefined;
      return estimateLogDensity(native, this.schedule, x.numeric, contextFor(x.numeric.rows), options,
        { categorical: x.categorical, ...(observed ? { observed } : {}) });
    }
    if (isMixedInput(X)) throw new TypeError('X: this model has no categorical columns on a discrete chain; pass the numeric matrix');
    if (options.observed !== undefined) throw new RangeError('observed: applies to models with categorical columns on a discrete chain');
    const x = readDensityRows(X, this.dataDim, (j) => String(j));
    return estimateLogDensity(native, this.schedule, x, contextFor(x.rows), options);
  }

  /** Anomaly score per row: -logDensity (higher = less likely under the model). */
  async score(X: MatrixLike | MixedInput, options: LogDensityOptions = {}): Promise<Float64Array> {
    return (await this.logDensity(X, options)).logDensity.map((v) => -v);
  }

  /**
   * Mean eps-MSE of the current training weights on rows X at random timesteps (seeded),
   * averaged over `draws` noise draws per row: the held-out loss of EarlyStopping. With
   * `observed`, the mean runs over observed cells only (gaps are left out, as in training).
   */
  denoisingLoss(X: MatrixLike | MixedInput, options: DenoisingLossOptions = {}): number {
    const native = this.requireFitted();
    const addon = loadNative();
    if (this.categoricalClasses.length > 0) {
      // Mixed-type models: the training loss (eps-MSE + weighted categorical term), natively.
      if (!isMixedInput(X)) throw new TypeError('X: this model has categorical columns; pass { numeric, categorical }');
      const mixedX = this.readHeldOut(X);
      const ctx = this.fitContext(mixedX.numeric.rows, options.context);
      const n = options.draws ?? 1;
      checkInteger('draws', n, 1, 1000);
      const s = options.seed ?? 0;
      const mask = options.observed !== undefined
        ? readObserved(options.observed, mixedX.numeric.rows, mixedX.numeric.cols, 'observed') : undefined;
      const { k } = evaluationTimesteps(addon, mixedX.numeric.rows, this.options.nTimesteps, n, s);
      const out = native.evaluate(evalOptions(mixedX, this.schedule, ctx, k, n, s, false, mask));
      return lossFromEval(out, this.dataDim, this.categoricalClasses.length, this.options.categoricalWeight,
        mask ? { perRow: observedPerRow(mask, mixedX.numeric.rows, mixedX.numeric.cols), draws: n } : undefined);
    }
    if (isMixedInput(X)) X = X.numeric;
    const x = toMatrix(X, 'X');
    if (x.cols !== this.dataDim) throw new RangeError(`X: has ${x.cols} columns, the model was fitted on ${this.dataDim}`);
    assertFinite(x, 'X');
    const observed = options.observed !== undefined ? readObserved(options.observed, x.rows, x.cols, 'observed') : undefined;
    if (observed && !observed.includes(1)) {
      throw new RangeError('observed: no cell of X is observed; the held-out loss needs at least one');
    }
    const context = this.fitContext(x.rows, options.context);
    const draws = options.draws ?? 1;
    checkInteger('draws', draws, 1, 1000);
    const seed = options.seed ?? 0;
    return numericDenoisingLoss(addon, native, this.schedule, this.options.timeDim, x, context, this.contextDim, { draws, seed, observed });
  }

  /** The native handle (for persistence and tests); throws before fit. */
  nativeModel(): NativeModel {
    return this.requireFitted();
  }

  /**
   * Rows of a native sample whose chain ran away (a value not finite or beyond `limit`;
   * diffusion/diverged.ts) are drawn again, each from its own row with the next redraw key, until
   * they stay in range; a warning says how many. Beyond only the `soft` limit, a row that never
   * gets inside it keeps its first draw within `limit` (its own, else the first redraw's). A row's
   * redraws depend on (seed, row) only.
   */
  private async redrawDiverged(
    result: { numeric: Float32Array; categorical?: Int32Array }, args: NativeSampleOptions, limits: { limit: number; soft: number },
    run: (a: NativeSampleOptions) => Promise<{ numeric: Float32Array; categorical?: Int32Array }>,
  ): Promise<void> {
    const W = this.dataDim, C = this.categoricalClasses.length, n = args.n;
    const { limit } = limits;
    const inner = Math.min(limit, limits.soft);
    const bad = divergedRows(result.numeric, n, W, inner, args);
    // Rows beyond the hard limit too: their own draw cannot be their fallback.
    const beyondHard = new Set(inner < limit && bad.length > 0 ? divergedRows(result.numeric, n, W, limit, args) : bad);
    let kept = 0;
    for (const i of bad) {
      // The fallback: the first draw that stays within the hard limit (the row's own, if it does).
      let fallback: { numeric: Float32Array; categorical?: Int32Array } | null = beyondHard.has(i) ? null : result;
      let attempt = 1;
      for (; attempt <= REDRAW_ATTEMPTS; attempt++) {
        const row = oneRowArgs(args, i, attempt);
        const one = await run(row);
        if (divergedRows(one.numeric, 1, W, inner, row).length > 0) {
          if (fallback === null && divergedRows(one.numeric, 1, W, limit, row).length === 0) fallback = one;
          continue;
        }
        result.numeric.set(one.numeric, i * W);
        if (C > 0) result.categorical!.set(one.categorical!, i * C);
        break;
      }
      if (attempt <= REDRAW_ATTEMPTS) continue;
      if (fallback === null) {
        const how = Number.isFinite(limit) ? `ran beyond redrawLimit ${limit}` : 'ended non-finite';
        throw new Error(`sample: the reverse chain of row ${(args.rowOffset ?? 0) + i} ${how} in ${REDRAW_ATTEMPTS + 1} draws ` +
          '(the network pushes it outwards: given values far outside the training data do this, and so can an overfitted network; refit with a smaller network or fewer steps)');
      }
      kept++;
      if (fallback !== result) {
        result.numeric.set(fallback.numeric, i * W);
        if (C > 0) result.categorical!.set(fallback.categorical!, i * C);
      }
    }
    if (bad.length > 0) {
      const first = bad.slice(0, 5).map((i) => (args.rowOffset ?? 0) + i).join(', ');
      const stayed = kept === 0 ? '' : `; ${kept} stayed beyond ${Number(inner.toPrecision(3))} in all ${REDRAW_ATTEMPTS} redraws and keep a draw ` +
        'as it came (is the model trained? given values far outside the data also do this)';
      process.emitWarning(`${bad.length} of ${n} sampled rows ran away from the training data in the reverse chain and were drawn again ` +
        `(row${bad.length > 1 ? 's' : ''} ${first}${bad.length > 5 ? ', ...' : ''})${stayed}`, { code: 'TABDIFF_REDRAWN_ROWS' });
    }
  }

  /** Restores a fitted state (used by load): weights, EMA and step count. */
  restore(state: {
    dataDim: number; contextDim: number; params: Float32Array; ema: Float32Array | null; step: number; categoricalClasses?: number[];
  }): void {
    if (this.busy) throw new Error('TabularDiffusion: a fit or sample is already running on this model');
    this.dispose();
    const o = this.options;
    const addon = loadNative();
    const classes = state.categoricalClasses ?? [];
    const native = new addon.NativeModel({
      dataDim: state.dataDim, contextDim: state.contextDim, timeDim: o.timeDim, hidden: o.hiddenDims,
      activation: o.activation, dropout: o.dropout, seed: o.seed, threads: o.threads,
      device: this.backend.device, precision: o.precision,
      ...(classes.length > 0 ? nativeCategoricalOptions(classes, this.categoricalOptions) : {}),
    });
    native.setWeights({ params: state.params, ema: state.ema, step: state.step });
    this.native = native;
    this.dataDim = state.dataDim;
    this.contextDim = state.contextDim;
    this.categoricalClasses = classes.slice();
  }

  /** Frees the native memory now rather than at garbage collection. */
  dispose(): void {
    this.native?.release();
    this.native = undefined;
  }

  private requireFitted(): NativeModel {
    if (!this.native) throw new Error('TabularDiffusion: call fit() (or load a saved model) before sampling');
    return this.native;
  }

  private requireMixed(method: string): NativeModel {
    const native = this.requireFitted();
    if (this.categoricalClasses.length === 0) throw new Error(`TabularDiffusion.${method}: applies to models fitted with categorical columns`);
    return native;
  }

  /** Held-out mixed rows with this model's shapes. */
  private readHeldOut(X: MixedInput): { numeric: Matrix; categorical: IntMatrix } {
    const x = readMixedInput(X, this.categoricalClasses);
    if (x.numeric.cols !== this.dataDim) throw new RangeError(`X.numeric: has ${x.numeric.cols} columns, the model was fitted on ${this.dataDim}`);
    if (x.numeric.rows < 1) throw new RangeError('X: needs at least one row');
    return x;
  }

  private callbackModel(): CallbackModel {
    return {
      denoisingLoss: (x, opts) => this.denoisingLoss(x, opts),
      getWeights: () => this.requireFitted().getWeights('params')!,
      setWeights: (w) => this.requireFitted().setWeights({ params: w }),
    };
  }

  private fitContext(rows: number, value: MatrixLike | undefined): Matrix | undefined {
    if (this.contextDim === 0) {
      if (value !== undefined) throw new RangeError('context: the model was fitted without a context');
      return undefined;
    }
    if (value === undefined) throw new RangeError(`context: the model was fitted with ${this.contextDim} context columns; pass them`);
    const c = toMatrix(value, 'context');
    if (c.cols !== this.contextDim) throw new RangeError(`context: has ${c.cols} columns, the model expects ${this.contextDim}`);
    if (c.rows !== rows) throw new RangeError(`context: has ${c.rows} rows, expected ${rows}`);
    assertFinite(c, 'context');
    return c;
  }

  private sampleContext(n: number, value: MatrixLike | undefined): Matrix | undefined {
    if (this.contextDim === 0) {
      if (value !== undefined) throw new RangeError('context: the model was fitted without a context');
      return undefined;
    }
    if (value === undefined) throw new RangeError(`context: the model was fitted with ${this.contextDim} context columns; pass one row, or one per sample`);
    const c = isNumberRow(value) ? toMatrix([value], 'context') : toMatrix(value, 'context');
    if (c.cols !== this.contextDim) throw new RangeError(`context: has ${c.cols} columns, the model expects ${this.contextDim}`);
    if (c.rows !== 1 && c.rows !== n) throw new RangeError(`context: has ${c.rows} rows; pass 1 (shared by all samples) or n = ${n}`);
    assertFinite(c, 'context');
    return c;
  }
}

/** One context row given as a plain array of numbers (shared by all samples). */
function isNumberRow(v: unknown): v is readonly number[] {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'number';
}

/** A fit's rows read and checked: numeric matrix, categorical part, observed mask, context. */
interface FitMatrices {
  x: Matrix;
  mixed: ReturnType<typeof readMixedInput> | undefined;
  observed: Uint8Array | undefined;
  context: Matrix | undefined;
}

/** Reads fit(X, { observed, context }) or one redrawData segment (`prefix` names its arguments in errors). */
function readFitData(d: FitData, classes: readonly number[] | undefined, prefix: string): FitMatrices {
  const X = d.X;
  let x: Matrix;
  let mixed: FitMatrices['mixed'];
  if (isMixedInput(X) && X.categorical?.cols !== 0) {
    mixed = readMixedInput(X, classes, `${prefix}X`);
    x = mixed.numeric;
    if (x.rows < 1) throw new RangeError(`${prefix}X: needs at least one row`);
  } else {
    x = toMatrix(isMixedInput(X) ? X.numeric : X, `${prefix}X`);
    if (x.rows < 1 || x.cols < 1) throw new RangeError(`${prefix}X: needs at least one row and one column`);
    assertFinite(x, `${prefix}X`);
  }
  const observed = d.observed !== undefined ? readObserved(d.observed, x.rows, x.cols, `${prefix}observed`) : undefined;
  let context: Matrix | undefined;
  if (d.context !== undefined) {
    context = toMatrix(d.context, `${prefix}context`);
    if (context.rows !== x.rows) throw new RangeError(`${prefix}context: has ${context.rows} rows, X has ${x.rows}; fit needs one context row per data row`);
    assertFinite(context, `${prefix}context`);
  }
  return { x, mixed, observed, context };
}
