/** The loss-survey experiments (Ciampiconi et al. 2023, spec A.3), in the spec's order. */
import type { Experiment } from '../../experiment/types.js';
import { lossesCeVsKl } from './ce-vs-kl.js';
import { lossesEnergy } from './energy.js';
import { lossesGenerative } from './generative.js';
import { lossesMarginNoise } from './margin-noise.js';
import { lossesRanking } from './ranking.js';
import { lossesRobustRegression } from './robust-regression.js';

export {
  lossesCeVsKl,
  lossesEnergy,
  lossesGenerative,
  lossesMarginNoise,
  lossesRanking,
  lossesRobustRegression,
};

export const lossesExperiments: readonly Experiment[] = [
  lossesRobustRegression,
  lossesMarginNoise,
  lossesCeVsKl,
  lossesRanking,
  lossesGenerative,
  lossesEnergy,
];
