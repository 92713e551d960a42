// Public entry point of tabular-diffusion.
export { TabularDiffusion } from './diffusion.js';
export type { TabularDiffusionOptions, FitOptions, SampleOptions, MixedSampleOptions, SamplerName, DenoisingLossOptions } from './diffusion.js';
export { readObserved } from './observed.js';
export { EarlyStopping, Diagnostics } from './callbacks.js';
export type { DiffusionCallback, FitState, SampleState, CallbackModel } from './callbacks.js';
export { noiseSchedule, timestepSequence, fewStepSequence, dpmSolverBefore } from './schedule.js';
export type { NoiseSchedule, NoiseScheduleOptions } from './schedule.js';
export { TabularTransformer, TabularDataError } from './transformer.js';
export type { TabularTransformerOptions, TransformerState, TableInput } from './transformer.js';
export { distributionMetrics, formatMetricsTable, ksStatistic, wasserstein1 } from './metrics.js';
export type { DistributionMetrics, MetricsOptions } from './metrics.js';
export { compareToBaselines, independentMarginalsSample, gaussianCopulaSample, formatBaselineTable } from './baselines.js';
export { toMatrix } from './matrix.js';
export type { Matrix, MatrixLike } from './matrix.js';
export { loadNative as nativeOps } from './native.js';
export type { NativeAddon, NativeModel } from './native.js';
export { backendInfo } from './backend-info.js';
export { TabularSynthesizer } from './synthesizer.js';
export type {
  TabularSynthesizerOptions, SynthesizerFitOptions, SynthesizerSampleOptions, SynthesizerCategoricalOptions, SynthesizerImputeOptions,
} from './synthesizer.js';
export type { GivenRow, RangeCondition } from './conditioning/given.js';
export type { KnownCells, ResampleOptions } from './conditioning/known.js';
export { readModelFile, writeModelFile, MODEL_FILE_VERSION } from './model-file.js';
export { MAX_CATEGORICAL_CLASSES } from './sedd/options.js';
export type { CategoricalOptions, CategoricalMethod } from './sedd/options.js';
export type { MixedInput, MixedSample, CategoricalNll } from './sedd/mixed.js';
export type { SeddOps, GraphName, DiscreteNoiseName, DiscreteSamplerName } from './sedd/ops.js';
