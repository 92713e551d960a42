// The one TypeScript declaration of the native addon's surface (native/addon/): the model
// class, the standalone ops, the discrete-chain ops (native/addon/ops_sedd.cpp) and the
// evaluation ops. src/native.ts loads the binary and re-exports these.
import type { GbdtModel } from './evaluation/gbdt.js';

/** The typed surface of the addon (see native/addon/). */
export interface NativeAddon extends SeddOps, EvalOps {
  abiVersion: number;
  /** Stops every running fit and sample (called on process exit). */
  abortAllJobs(): void;
  NativeModel: new (options: NativeModelOptions) => NativeModel;
  philox4x32(counter: Uint32Array, key: Uint32Array): Uint32Array;
  draws(options: { seed?: number | bigint; stream?: number; rowStart?: number; rows: number; step?: number; cols: number; kind?: 'normal' | 'uniform'; reference?: boolean }): Float32Array;
  forwardNoise(options: {
    x0: Float32Array; rows: number; cols: number; t: Int32Array; sqrtAlphaBars: Float32Array;
    sqrtOneMinusAlphaBars: Float32Array; seed?: number | bigint; rowOffset?: number; step?: number;
  }): { xt: Float32Array; eps: Float32Array };
  /** With observed (0/1 per value) the mean runs over observed values; gaps get a zero gradient. */
  epsMse(epsHat: Float32Array, eps: Float32Array, options?: { device?: 'cpu' | 'cuda'; observed?: Uint8Array }): { loss: number; grad: Float32Array };
  ddpmStep(options: StepOptions & { betas: Float64Array; variance?: 'beta' | 'posterior' }): Float32Array;
  ddimStep(options: StepOptions & { prev: number; eta?: number }): Float32Array;
  dpmSolverStep(options: StepOptions & { prev: number; before?: number; x0Prev: Float32Array }): Float32Array;
  adamwStep(options: {
    params: Float32Array; grads: Float32Array; m: Float32Array; v: Float32Array; step: number;
    lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number;
  }): void;
  sgemm(options: {
    transA?: boolean; transB?: boolean; m: number; n: number; k: number; alpha?: number; beta?: number;
    a: Float32Array; b: Float32Array; c: Float32Array; threads?: number; reference?: boolean;
    /** Split the work as a fit's GEMMs are (bounded tasks, k in phases): the same bytes, for tests. */
    abortable?: boolean;
  }): void;
  timeEmbedding(t: number, dim: number): Float32Array;
  /** Log-density estimators (native/addon/ops_density.cpp) on a model or a Gaussian mixture oracle. */
  densityLogp(options: {
    model?: NativeModel; mixture?: { dim: number; weights: Float64Array; means: Float64Array; covs: Float64Array };
    x: Float32Array; rows: number; alphaBars: Float64Array; method?: 'path-integral' | 'ode'; throws?: number; steps?: number;
    probes?: number; seed?: number | bigint; rowOffset?: number; context?: Float32Array; contextRows?: number;
    chunkRows?: number; threads?: number;
    /** Mixed models: class indices [rows x categorical columns] and the numeric cells' 0/1 observed mask. */
    categorical?: Int32Array; observed?: Uint8Array;
  }): { logp: Float64Array; se: Float64Array; discrete?: Float64Array; discreteSe?: Float64Array };
  /** Inpainting ops (native/cpu/inpaint.h): a reverse step fused with the substitution, a jump back up, RePaint's schedule. */
  inpaintStep(options: {
    x: Float32Array; epsHat: Float32Array; rows: number; cols: number; t: number; prev?: number; alphaBars: Float64Array;
    betas?: Float64Array; sampler?: 'ddpm' | 'ddim'; eta?: number; variance?: 'beta' | 'posterior'; seed?: number | bigint;
    rowOffset?: number; pass?: number; known: Float32Array; knownMask: Uint8Array; knownRows?: number; device?: 'cpu' | 'cuda';
  }): Float32Array;
  inpaintJump(options: { x: Float32Array; rows: number; cols: number; abarFrom: number; abarTo: number; seed?: number | bigint; rowOffset?: number; step?: number; device?: 'cpu' | 'cuda' }): Float32Array;
  inpaintSchedule(options: { steps: number; jumps?: number; length?: number; start?: number }): Int32Array;
  backendInfo(): {
    backend: string; gemmKernel: string; defaultThreads: number;
    cuda: { available: boolean; devices: number; device?: string; reason?: string; library?: string };
  };
}

export interface StepOptions {
  x: Float32Array; epsHat: Float32Array; rows: number; cols: number; t: number;
  alphaBars: Float64Array; seed?: number | bigint; rowOffset?: number;
}

export interface NativeModelOptions {
  dataDim: number; contextDim?: number; timeDim?: number; hidden: number[] | Int32Array; outDim?: number;
  activation?: 'silu' | 'relu'; dropout?: number; seed?: number | bigint; threads?: number;
  device?: 'cpu' | 'cuda'; precision?: 'fp32' | 'bf16' | 'fp16';
  /** Mixed-type models (dataDim = numeric columns): class count per categorical column and their chain. */
  categoricalClasses?: number[] | Int32Array; categoricalMethod?: 'sedd' | 'multinomial';
  graph?: 'absorbing' | 'uniform'; noise?: 'loglinear' | 'geometric'; noiseEps?: number; sigmaMin?: number; sigmaMax?: number;
}

export interface NativeFitOptions {
  x: Float32Array; rows: number; context?: Float32Array; sqrtAlphaBars: Float32Array;
  sqrtOneMinusAlphaBars: Float32Array; batchSize?: number; steps: number; lr?: number; beta1?: number;
  beta2?: number; eps?: number; weightDecay?: number; lrDecaySteps?: number; lrDecayOffset?: number; maxGradNorm?: number;
  emaDecay?: number; seed?: number | bigint; progressInterval?: number; reuseData?: boolean;
  /** Mixed-type models: class indices [rows x categorical columns], the schedule's alphaBars, the loss weight. */
  categorical?: Int32Array; alphaBars?: Float64Array; categoricalWeight?: number;
  /**
   * Missing values: [rows x numeric columns] 1 = observed, 0 = gap (x holds a fill value there);
   * the eps-MSE runs over observed cells only. Copied by the call; reuseData reuses the copy.
   */
  observed?: Uint8Array;
}

export interface NativeSampleOptions {
  n: number; rowOffset?: number; seed?: number | bigint; sampler?: 'ddpm' | 'ddim' | 'dpm-solver++';
  timesteps: Int32Array; eta?: number; variance?: 'beta' | 'posterior'; betas: Float64Array;
  alphaBars: Float64Array; chunkRows?: number; context?: Float32Array; contextRows?: number;
  useEma?: boolean; progressInterval?: number;
  /** Mixed-type models (sample then resolves to { numeric, categorical }). */
  categoricalSampler?: 'analytic' | 'euler'; fixed?: Int32Array; fixedRows?: number;
  /** Inpainting (native/addon/ops_inpaint.h). */
  known?: Float32Array; knownMask?: Uint8Array; knownRows?: number; resampleJumps?: number; resampleLength?: number; resampleStart?: number;
}

export type WeightSlot = 'params' | 'ema' | 'adamM' | 'adamV';

export interface NativeModel {
  fit(options: NativeFitOptions, onProgress?: (step: number, loss: number) => void): Promise<{ steps: number; lastLoss: number; totalSteps: number }>;
  sample(options: NativeSampleOptions, onProgress?: (rowsDone: number) => void): Promise<Float32Array>;
  predictEps(x: Float32Array, t: number, options: { rows: number; context?: Float32Array; contextRows?: number; useEma?: boolean }): Float32Array;
  forward(input: Float32Array, rows: number): Float32Array;
  backward(input: Float32Array, gradOutput: Float32Array, rows: number): { gradParams: Float32Array; gradInput: Float32Array };
  getWeights(which: WeightSlot): Float32Array | null;
  setWeights(weights: { params?: Float32Array; ema?: Float32Array | null; adamM?: Float32Array; adamV?: Float32Array; step?: number }): void;
  layout(): { name: string; rows: number; cols: number; offset: number }[];
  info(): { released: boolean; busy: boolean; threads: number; device: 'cpu' | 'cuda'; paramCount?: number; step?: number; hasEma?: boolean; inputDim?: number;
    numericDim?: number; categoricalClasses?: number[]; categoricalMethod?: 'sedd' | 'multinomial' };
  /** Mixed-type models only (the addon throws otherwise): loss and likelihood terms per row. */
  evaluate(options: MixedEvalOptions): MixedEvalOutput;
  evaluateAsync(options: MixedEvalOptions): Promise<MixedEvalOutput>;
  abort(): void;
  release(): void;
}

/** Per-row terms of NativeModel.evaluate: eps-MSE, categorical loss or bound, prior. */
export interface MixedEvalOutput {
  mse: Float64Array;
  cat: Float64Array;
  prior: Float64Array;
}

export interface MixedEvalOptions {
  x: Float32Array; rows: number; categorical: Int32Array; context?: Float32Array;
  sqrtAlphaBars: Float32Array; sqrtOneMinusAlphaBars: Float32Array; alphaBars: Float64Array;
  k: Int32Array; draws: number; seed?: number; useEma?: boolean;
  /** Missing values: [rows x numeric columns] 1 = observed, 0 = gap; mse sums observed cells only. */
  observed?: Uint8Array;
}

/** Evaluation ops (native/addon/ops_eval.cpp): the GBDT learner and exact nearest neighbours. */
export interface EvalOps {
  gbdtFit(o: Record<string, unknown>): GbdtModel;
  gbdtPredict(o: { model: GbdtModel; x: Float64Array; rows: number; threads?: number }): Float64Array;
  nearestNeighbours(o: {
    queries: Float32Array; rows: number; refs: Float32Array; refRows: number; cols: number; k?: number; threads?: number;
  }): { index: Int32Array; dist2: Float64Array };
}

// Discrete-chain ops: SEDD's noise, transitions, corruption, score entropy, reverse rates and
// steps, and multinomial diffusion's loss and steps. Tests and the step-wise samplers drive them.

export type GraphName = 'absorbing' | 'uniform';
export type DiscreteNoiseName = 'loglinear' | 'geometric';
export type DiscreteSamplerName = 'analytic' | 'euler';

/** The noise of the discrete chain; defaults as the reference (eps 1e-3; sigma 1e-4 .. 20). */
export interface DiscreteNoiseOptions {
  noise?: DiscreteNoiseName;
  noiseEps?: number;
  sigmaMin?: number;
  sigmaMax?: number;
}

/** One or more categorical columns: their class counts and the number of rows. */
export interface CategoricalBlock {
  classes: number[] | Int32Array;
  rows: number;
}

export interface SeddBlock extends CategoricalBlock {
  graph?: GraphName;
}

export interface LossOutput {
  loss: number;
  rowLoss: Float64Array;
  grad: Float32Array;
}

export interface SeddStepOptions extends SeddBlock, DiscreteNoiseOptions {
  logScore: Float32Array;
  x: Int32Array;
  t: number;
  tNext: number;
  sampler?: DiscreteSamplerName;
}

export interface SeddOps {
  seddNoise(options: DiscreteNoiseOptions & { t: Float64Array }): { total: Float64Array; rate: Float64Array };
  seddTransition(options: SeddBlock & { x0: Int32Array; sigma: Float64Array }): Float64Array;
  seddCorrupt(options: SeddBlock & { x0: Int32Array; sigma: Float64Array; seed?: number | bigint; rowOffset?: number; step?: number }): Int32Array;
  seddScaleLogScores(options: SeddBlock & { raw: Float32Array; x: Int32Array; sigma: Float64Array }): Float32Array;
  seddScoreEntropy(options: SeddBlock & { logScore: Float32Array; xt: Int32Array; x0: Int32Array; sigma: Float64Array; weight?: Float64Array }): LossOutput;
  seddReverseRate(options: SeddBlock & { logScore: Float32Array; x: Int32Array }): Float32Array;
  seddStepProbs(options: SeddStepOptions): Float32Array;
  seddStep(options: SeddStepOptions & { seed?: number | bigint; rowOffset?: number; step?: number }): Int32Array;
  seddInit(options: SeddBlock & DiscreteNoiseOptions & { seed?: number | bigint; rowOffset?: number }): Int32Array;
  multinomialLoss(options: CategoricalBlock & {
    logits: Float32Array; xt: Int32Array; x0: Int32Array; alphaBars: Float64Array; t: Int32Array; prev?: Int32Array; weight?: Float64Array;
  }): LossOutput;
  multinomialStepProbs(options: CategoricalBlock & { logits: Float32Array; x: Int32Array; alphaBars: Float64Array; t: number; prev?: number }): Float32Array;
  multinomialStep(options: CategoricalBlock & {
    logits: Float32Array; x: Int32Array; alphaBars: Float64Array; t: number; prev?: number; seed?: number | bigint; rowOffset?: number;
  }): Int32Array;
}
