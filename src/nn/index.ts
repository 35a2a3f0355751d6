/**
 * Neural-network building blocks (like `torch.nn`): the `Module` system, `Parameter`,
 * layers, loss modules, the initialisers (`init`) and the functional ops
 * (`functional`, alias `F`).
 */
export * as F from './functional/index.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
export * from './layers/activation.js';
export * from './layers/attention.js';
export type { FactoryOptions } from './layers/common.js';
export * from './layers/containers.js';
export * from './layers/conv.js';
export * from './layers/dropout.js';
export * from './layers/embedding.js';
export * from './layers/flatten.js';
export * from './layers/linear.js';
export * from './layers/loss.js';
export * from './layers/normalization.js';
export * from './layers/pool.js';
export * from './module.js';
export * from './parameter.js';
