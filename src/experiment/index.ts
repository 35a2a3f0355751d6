/**
 * nabla's experiment framework: typed experiment definitions, run folders, reports and charts.
 *
 * @example
 * import { z } from 'zod';
 * import { defineExperiment } from 'nabla/experiment';
 * export const myExp = defineExperiment({ name: 'my-exp', ..., configSchema: z.object({...}).strict(), run: async (config, ctx) => {...} });
 */
export {
  type BarOptions,
  bar,
  type ChartHelpers,
  type ChartOptions,
  type ChartSpec,
  type CurvesOptions,
  charts,
  curves,
  downsample,
  type HeatmapOptions,
  type HistogramOptions,
  heatmap,
  histogram,
  type LinesOptions,
  lines,
  namespaceSvgIds,
  overlay,
  type Row,
  renderSvg,
  type ScatterOptions,
  scatter,
} from './charts.js';
export { createCheckpointer, latestCheckpoint } from './checkpoint.js';
export {
  type Claim,
  type ClaimInput,
  type ClaimOp,
  type ClaimTarget,
  evaluateClaim,
  formatClaim,
  formatNumber,
  formatTarget,
} from './claims.js';
export {
  ConfigError,
  type ConfigField,
  type ConfigSources,
  describeSchema,
  resolveConfig,
  suggest,
} from './config.js';
export {
  type DatasetStatus,
  datasetStatuses,
  FASHION_MNIST_DIR,
  FASHION_MNIST_INSTALL,
  fashionMnistStatus,
  mnistPackageStatus,
  requireFashionMnist,
  requireMnistPackage,
} from './datasets.js';
export { defineExperiment } from './define.js';
export { type BackendStatus, collectEnv, type EnvInfo, getBackendInfo } from './env.js';
export type { Json } from './fs.js';
export { formatDuration, type OutputStream, Progress, type ProgressMode, Terminal } from './progress.js';
export { type RenderedChart, type ReportOutput, writeReport } from './report.js';
export { type MakeRng, makeRng, type Rng } from './rng.js';
export {
  createRunDir,
  INDEX_FILE,
  RUN_FILES,
  type RunConfigFile,
  type RunFolder,
  RunFolderError,
  type RunIndexEntry,
  type RunResult,
  type RunStatus,
  readMetrics,
  readRunFolder,
  runIdOf,
  runsRootOf,
} from './run-folder.js';
export { appendRunIndex, readRunIndex, resolveRunRef } from './run-index.js';
export {
  ResumeError,
  type ResumeOptions,
  type RunOptions,
  type RunOutcome,
  resumeRun,
  runExperiment,
} from './runner.js';
export { runTour, type TourEntry, type TourOptions, type TourOutcome, type TourStatus } from './tour.js';
export type {
  Checkpointer,
  CheckpointInfo,
  Experiment,
  ExperimentResult,
  ExperimentSpec,
  Logger,
  MetricChart,
  MetricRecord,
  PaperRef,
  PresetName,
  ProgressInfo,
  ResumeState,
  RunContext,
  SummaryValue,
} from './types.js';
