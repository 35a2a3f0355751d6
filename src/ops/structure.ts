/** Structural ops: joining/splitting, padding, integer indexing, triangular parts, sorting and einsum. */

export * from './einsum.js';
export * from './indexing.js';
export * from './join.js';
export * from './pad.js';
export * from './sort.js';
export * from './triangular.js';
