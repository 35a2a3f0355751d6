/** Brownian motion: a stateless virtual Brownian tree and a cached Brownian interval. */
export type { AbstractBrownianPath, BrownianIncrement, BrownianOptions, LevyAreaKind } from './base.js';
export { isBrownianPath } from './base.js';
export type { BrownianIntervalOptions, BrownianIntervalStats } from './interval.js';
export { BrownianInterval } from './interval.js';
export type { VirtualBrownianTreeOptions } from './tree.js';
export { VirtualBrownianTree } from './tree.js';
