/** Neural SDEs: the SDE-GAN (generator SDE, neural-CDE discriminator) and the latent SDE. */

export { DiagonalDiffusion } from './diagonal.js';
export type { CDEDiscriminatorOptions } from './discriminator.js';
export { CDEDiscriminator } from './discriminator.js';
export type { TimeFieldOptions } from './fields.js';
export { MatrixField, TimeField } from './fields.js';
export type { BrownianChoice, GeneratorSample, SDEGeneratorOptions } from './generator.js';
export { SDEGenerator } from './generator.js';
export { GRUCell, ReverseGRUEncoder } from './gru.js';
export type { ELBOOptions, LatentSDEOptions, LatentSDEOutput, Likelihood } from './latent-sde.js';
export { gaussianKL, LatentSDE, pathKLIntegrand } from './latent-sde.js';
export { LIPSWISH_SCALE, LipSwish, lipswish } from './lipswish.js';
export type { MLPActivation, MLPOptions } from './mlp.js';
export { MLP } from './mlp.js';
export type { SDEGANData, SDEGANStepInfo, SDEGANTrainOptions, TrainSDEGANOptions } from './sde-gan.js';
export { SDEGANTrainer, trainSDEGAN, wassersteinLoss } from './sde-gan.js';
export type { SolverChoice, Times } from './times.js';
