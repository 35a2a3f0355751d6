/**
 * nabla — tensors, autograd and the engine. Higher layers live in subpath
 * modules: `nabla/nn`, `nabla/optim`, `nabla/data`, `nabla/io`.
 */

export * from './autograd/index.js';
export type { Backend } from './backend/index.js';
export {
  backendInfo,
  getBackend,
  listBackends,
  registerBackend,
  setBackend,
  slabPoolStats,
} from './backend/index.js';
export type { DataArray, DType } from './core/dtype.js';
export { promoteTypes } from './core/dtype.js';
export * from './core/errors.js';
export type { BackwardOptions, NestedArray, TensorLike } from './core/tensor.js';
export { Tensor } from './core/tensor.js';
export * as data from './data/index.js';
export * as io from './io/index.js';
export * as linalg from './linalg/index.js';
export * as nn from './nn/index.js';
export * from './ops/index.js';
export * as optim from './optim/index.js';
export * from './random/index.js';
