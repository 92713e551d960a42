// Public entry point of tabular-diffusion.
export { TabularDiffusion } from './diffusion.js';
export type { TabularDiffusionOptions, FitOptions, SampleOptions, MixedSampleOptions, SamplerName, DenoisingLossOptions } from './diffusion.js';
export { readObserved } from './observed.js';
export { EarlyStopping, Diagnostics } from './callbacks.js';
export type { DiffusionCallback, FitState, SampleState, CallbackModel } from './callbacks.js';
export { noiseSchedule, timestepSequence, fewStepSequence, dpmSolverBefore } from './schedule.js';
export type { NoiseSchedule, NoiseScheduleOptions } from './schedule.js';
export { TabularTransformer, TabularDataError } from './transformer.js';
export type {
  TabularTransformerOptions, TransformerState, TableInput, RowRecord, ColumnarTable, OutputRow, OutputColumns, TransformerColumn,
  IntMatrix, MixedMatrices, InverseTransformOptions, CategoricalEncoding, ColumnKind, DateFormat,
} from './transformer.js';
export { distributionMetrics, formatMetricsTable, ksStatistic, wasserstein1 } from './metrics.js';
export type { DistributionMetrics, MetricsOptions, ColumnMetrics, PairMetrics, MetricsSummary } from './metrics.js';
export { compareToBaselines, independentMarginalsSample, gaussianCopulaSample, formatBaselineTable } from './baselines.js';
export type { BaselineComparison, BaselineOptions, GaussianCopulaOptions, CompareToBaselinesOptions, SampleRow } from './baselines.js';
export { toMatrix } from './matrix.js';
export type { Matrix, MatrixLike } from './matrix.js';
export { loadNative as nativeOps } from './native.js';
export type { NativeAddon, NativeModel, NativeModelOptions, NativeFitOptions, NativeSampleOptions, StepOptions, WeightSlot } from './native.js';
export { backendInfo } from './backend-info.js';
export { TabularSynthesizer } from './synthesizer.js';
export { isArrowTable, columnsToArrow as toArrowTable } from './arrow.js';
export { isDataFrameLike } from './table/dataframe.js';
export type { DataFrameLike } from './table/dataframe.js';
export type { ArrowTableLike } from './arrow.js';
export type {
  TabularSynthesizerOptions, SynthesizerFitOptions, SynthesizerSampleOptions, SynthesizerCategoricalOptions, SynthesizerSettings,
  SynthesizerImputeOptions,
} from './synthesizer.js';
export type { ValidationRecord } from './validation.js';
export type { DeviceOption, BackendChoice } from './device.js';
export type { GivenRow, RangeCondition } from './conditioning/given.js';
export type { KnownCells, ResampleOptions } from './conditioning/known.js';
export { predictionInterval } from './conditioning/interval.js';
export { readModelFile, writeModelFile, MODEL_FILE_VERSION } from './model-file.js';
export type { ModelFileContents } from './model-file.js';
export { MAX_CATEGORICAL_CLASSES } from './sedd/options.js';
export type { CategoricalOptions, CategoricalMethod } from './sedd/options.js';
export type { MixedInput, MixedSample, CategoricalNll } from './sedd/mixed.js';
export type { SeddOps, GraphName, DiscreteNoiseName, DiscreteSamplerName } from './native.js';
export type { LogDensityOptions, LogDensityResult, DensityMethod } from './density/estimate.js';
export type { TableLogDensityResult, DensityPart } from './density/table.js';
export { memorisationGap } from './density/memorisation.js';
export type { MemorisationGap } from './density/memorisation.js';
export { utility } from './evaluation/utility.js';
export type { UtilityOptions, UtilityResult, UtilityTask, ClassificationScores, RegressionScores } from './evaluation/utility.js';
export { privacy } from './evaluation/privacy.js';
export type { PrivacyOptions, PrivacyResult } from './evaluation/privacy.js';
export { detection } from './evaluation/detection.js';
export type { DetectionOptions, DetectionResult } from './evaluation/detection.js';
export { fitGbdt, predictGbdt, GBDT_DEFAULTS } from './evaluation/gbdt.js';
export type { GbdtOptions, GbdtModel, GbdtObjective } from './evaluation/gbdt.js';
export { report } from './report/report.js';
export type { ReportOptions } from './report/report.js';
