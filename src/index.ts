// Public entry point of tabular-diffusion.
export { TabularDiffusion } from './diffusion.js';
export type { TabularDiffusionOptions, FitOptions, SampleOptions, SamplerName } from './diffusion.js';
export { EarlyStopping, Diagnostics } from './callbacks.js';
export type { DiffusionCallback, FitState, SampleState, CallbackModel } from './callbacks.js';
export { noiseSchedule, timestepSequence } from './schedule.js';
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
