/** All tensor ops, re-exported. */

export { copy_, fill_ } from './assign.js';
export * from './binary.js';
export * from './cast.js';
export * from './creation.js';
export * from './matmul.js';
export * from './reduce.js';
export * from './structure.js';
export * from './unary.js';
export * from './view.js';
