// Typed surface of the discrete-chain ops of the addon (native/addon/ops_sedd.cpp): SEDD's
// noise, transitions, corruption, score entropy, reverse rates and steps, and multinomial
// diffusion's loss and steps. Tests and the step-wise samplers drive the kernels through them.

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
