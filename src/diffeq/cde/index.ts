/** Neural CDEs: interpolation of irregular, partially observed time series and the `NeuralCDE` model. */
export type { PiecewiseCoefficients } from './coefficients.js';
export type { ChannelLayout, FillMethod, InterpolationOptions, TimesLike } from './data.js';
export {
  hermiteCubicBackwardDifferences,
  linearInterpolation,
  rectilinearInterpolation,
} from './interpolation.js';
export type { CDEMode, NeuralCDEOptions } from './neural-cde.js';
export { NeuralCDE } from './neural-cde.js';
export type { InterpolatedPathInit, InterpolationKind } from './path.js';
export { InterpolatedPath } from './path.js';
