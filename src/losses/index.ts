/**
 * nabla/losses — the 33 loss functions of "A survey and taxonomy of loss functions in machine
 * learning" (Ciampiconi et al., arXiv 2301.05579v1), with a taxonomy registry, a property
 * checker that verifies the survey's property tags numerically, and the taxonomy figure.
 * See docs/losses.md.
 */
export type { EbmNllOptions, EnergyMarginOptions, SquareExponentialOptions } from './energy.js';
export {
  ebmHinge,
  ebmLog,
  ebmNll,
  energyLoss,
  generalizedMargin,
  generalizedPerceptron,
  minimumClassificationError,
  mostOffendingIncorrect,
  squareExponential,
  squareSquare,
} from './energy.js';
export type { GradientPenaltyOptions, MinimaxGeneratorOptions } from './generative.js';
export {
  diffusionSimpleLoss,
  gradientPenalty,
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
} from './generative.js';
export type {
  CosineSimilarityOptions,
  QuadraticallySmoothedHingeOptions,
  RampOptions,
} from './margin.js';
export {
  cosineSimilarity,
  hinge,
  modifiedHuber,
  perceptron,
  quadraticallySmoothedHinge,
  ramp,
  smoothedHinge,
  zeroOne,
} from './margin.js';
export type { CrossEntropyOptions, KlDivergenceOptions } from './probabilistic.js';
export { binaryCrossEntropy, crossEntropy, klDivergence, negativeLogLikelihood } from './probabilistic.js';
export { lossProbe } from './probes.js';
export type {
  CheckOptions,
  KinkCandidate,
  LossPropertyCheck,
  PropertyProbe,
  PropertyReport,
  PropertyVerdict,
} from './properties.js';
export { checkLossProperties, checkProperties, checkRegistry, ProbeRng } from './properties.js';
export type { ContrastiveOptions, TripletOptions } from './ranking.js';
export { contrastive, triplet } from './ranking.js';
export type {
  CheckedProperty,
  HyperParameter,
  LossFunction,
  LossId,
  LossInfo,
  LossParadigm,
  LossProperty,
  LossQuery,
  LossStrategy,
  LossTask,
  SurveyComparison,
} from './registry.js';
export {
  CHECKED_PROPERTIES,
  compareWithSurvey,
  getLoss,
  LOSS_IDS,
  LOSS_PROPERTIES,
  listLosses,
  losses,
  lossRegistry,
} from './registry.js';
export type { HuberOptions, SmoothL1Options } from './regression.js';
export {
  huber,
  logCosh,
  meanAbsoluteError,
  meanBiasError,
  meanSquaredError,
  rootMeanSquaredError,
  rootMeanSquaredLogError,
  smoothL1,
} from './regression.js';
export type { TaxonomyLink, TaxonomyNode } from './taxonomy-figure.js';
export { renderTaxonomySvg, taxonomyGraph, taxonomySpec } from './taxonomy-figure.js';
export * from './training/index.js';
export type { LossOptions, Reduction } from './types.js';
