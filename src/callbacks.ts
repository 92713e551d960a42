// The callback protocol of the Trex note ("Trex": docs/architecture.md; its maths:
// docs/design.md): hooks receive a state object. Hooks that are not set cost nothing:
// TabularDiffusion only leaves the native fast path when a per-step hook exists.
import type { Matrix } from './matrix.js';

export interface FitState {
  /** Optimiser steps taken in this fit so far. */
  step: number;
  /** Steps this fit will take at most. */
  maxSteps: number;
  /** eps-MSE of the last step (undefined before the first one). */
  loss?: number;
  /** Set to true to stop the fit after this step. */
  stop: boolean;
}

export interface SampleState {
  /** Reverse steps done so far. */
  step: number;
  /** Reverse steps in total. */
  steps: number;
  /** The timestep the last update started from (the current x is at the next one). */
  t: number;
  /** The current x of all rows being sampled: a view, valid only during the call. */
  x?: Matrix;
}

export interface DiffusionCallback {
  onFitStart?(state: FitState, model: CallbackModel): void | Promise<void>;
  onBatchStart?(state: FitState): void | Promise<void>;
  onLossReady?(state: FitState): void | Promise<void>;
  /** Return false (or set state.stop) to stop the fit. */
  onStepEnd?(state: FitState): void | boolean | Promise<void | boolean>;
  onFitEnd?(state: FitState): void | Promise<void>;
  onSampleStart?(state: SampleState): void | Promise<void>;
  onSampleStep?(state: SampleState): void | Promise<void>;
  onSampleEnd?(state: SampleState): void | Promise<void>;
}

/** What a callback may ask of the model it is attached to. */
export interface CallbackModel {
  denoisingLoss(x: Matrix, options?: { context?: Matrix; seed?: number; draws?: number; observed?: Uint8Array }): number;
  getWeights(): Float32Array;
  setWeights(weights: Float32Array): void;
}

export function hasPerStepFitHooks(callbacks: readonly DiffusionCallback[]): boolean {
  return callbacks.some((c) => c.onBatchStart || c.onLossReady || c.onStepEnd);
}

export function hasPerStepSampleHooks(callbacks: readonly DiffusionCallback[]): boolean {
  return callbacks.some((c) => c.onSampleStep);
}

/**
 * Stops the fit when the denoising loss on held-out rows has not improved by minDelta for
 * `patience` checks (one check every `every` steps); restores the best weights by default.
 */
export class EarlyStopping implements DiffusionCallback {
  readonly history: { step: number; loss: number }[] = [];
  bestLoss = Infinity;
  bestStep = 0;
  stoppedAt: number | undefined;
  private bestWeights: Float32Array | undefined;
  private model: CallbackModel | undefined;
  private sinceBest = 0;

  constructor(
    private readonly options: {
      validation: Matrix;
      validationContext?: Matrix;
      /** Missing values of the validation rows (rows x numeric columns, 1 = observed, 0 = gap). */
      validationObserved?: Uint8Array;
      every?: number;
      patience?: number;
      minDelta?: number;
      restoreBest?: boolean;
      seed?: number;
      draws?: number;
    },
  ) {
    if (!options || !options.validation) throw new TypeError('EarlyStopping: options.validation (a Matrix of held-out rows) is required');
    const every = options.every ?? 100;
    if (!Number.isInteger(every) || every < 1) throw new RangeError('EarlyStopping: every must be a positive integer');
    const patience = options.patience ?? 5;
    if (!Number.isInteger(patience) || patience < 1) throw new RangeError('EarlyStopping: patience must be a positive integer');
  }

  onFitStart(_state: FitState, model: CallbackModel): void {
    this.model = model;
    this.history.length = 0;
    this.bestLoss = Infinity;
    this.sinceBest = 0;
    this.stoppedAt = undefined;
  }

  onStepEnd(state: FitState): boolean {
    const every = this.options.every ?? 100;
    if (state.step % every !== 0 || !this.model) return true;
    // A fixed seed makes successive checks compare the same noise draws.
    const loss = this.model.denoisingLoss(this.options.validation, {
      context: this.options.validationContext,
      seed: this.options.seed ?? 12345,
      draws: this.options.draws ?? 4,
      observed: this.options.validationObserved,
    });
    this.history.push({ step: state.step, loss });
    if (loss < this.bestLoss - (this.options.minDelta ?? 0)) {
      this.bestLoss = loss;
      this.bestStep = state.step;
      this.sinceBest = 0;
      if (this.options.restoreBest ?? true) this.bestWeights = this.model.getWeights();
      return true;
    }
    this.sinceBest += 1;
    if (this.sinceBest >= (this.options.patience ?? 5)) {
      this.stoppedAt = state.step;
      return false;
    }
    return true;
  }

  onFitEnd(): void {
    if (this.stoppedAt !== undefined && this.bestWeights && this.model) this.model.setWeights(this.bestWeights);
  }
}

/** Records the training loss (and, with validation rows, the held-out loss) every k steps. */
export class Diagnostics implements DiffusionCallback {
  readonly records: { step: number; loss: number; heldOutLoss?: number; elapsedMs: number }[] = [];
  private model: CallbackModel | undefined;
  private started = 0;

  constructor(private readonly options: { every?: number; validation?: Matrix; validationContext?: Matrix; validationObserved?: Uint8Array } = {}) {
    const every = options.every ?? 100;
    if (!Number.isInteger(every) || every < 1) throw new RangeError('Diagnostics: every must be a positive integer');
  }

  onFitStart(_state: FitState, model: CallbackModel): void {
    this.model = model;
    this.records.length = 0;
    this.started = performance.now();
  }

  onStepEnd(state: FitState): void {
    if (state.step % (this.options.every ?? 100) !== 0) return;
    const record: Diagnostics['records'][number] = {
      step: state.step,
      loss: state.loss ?? NaN,
      elapsedMs: performance.now() - this.started,
    };
    if (this.options.validation && this.model) {
      record.heldOutLoss = this.model.denoisingLoss(this.options.validation, {
        context: this.options.validationContext, seed: 12345, observed: this.options.validationObserved,
      });
    }
    this.records.push(record);
  }
}
