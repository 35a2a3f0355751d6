/**
 * Training utilities for the survey's generative and energy-based losses: a GAN/WGAN trainer with
 * MMD and mode-coverage metrics, DDPM (schedule, forward process, L_simple step, ancestral
 * sampling, a small ε-MLP), and an energy-model wrapper.
 *
 * @module
 */
export type {
  DdpmSampleOptions,
  DdpmStepOptions,
  DiffusionSchedule,
  EpsMLPOptions,
  EpsModel,
} from './ddpm.js';
export {
  ddpmLoss,
  ddpmSample,
  ddpmTrainStep,
  EpsMLP,
  linearBetaSchedule,
  qSample,
  timeEmbedding,
} from './ddpm.js';
export type { EnergyForm, EnergyLossName, EnergyLossParams, EnergyModelOptions } from './energy-model.js';
export { defaultEnergyForm, ENERGY_LOSS_NAMES, EnergyModel, energyLossByName } from './energy-model.js';
export type {
  GanObjective,
  GanStepStats,
  GanTrainerOptions,
  LipschitzControl,
  MmdOptions,
  ModeCoverage,
  ModeCoverageOptions,
} from './gan.js';
export { GanTrainer, mmd, modeCoverage } from './gan.js';
