/** Deep equilibrium models and fixed-point solvers. */
export type { DEQOptions, DEQStats } from './deq.js';
export { DEQ, deqFixedPoint } from './deq.js';
export type { FixedPointOptions, FixedPointResult } from './fixed-point.js';
export { fixedPoint } from './fixed-point.js';
