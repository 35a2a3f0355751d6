/** Adjoints: how a solve is differentiated. */
export type { AbstractAdjoint, AdjointResult } from './base.js';
export type { CheckpointOptions, CheckpointStats } from './checkpoint.js';
export { RecursiveCheckpointAdjoint } from './checkpoint.js';
export type { BacksolveOptions, BackwardStats, ContinuousAdjointOptions } from './continuous.js';
export { BacksolveAdjoint, InterpolatedAdjoint } from './continuous.js';
export { DirectAdjoint } from './direct.js';
export type { ReversibleAdjointOptions, ReversibleAdjointStats } from './reversible.js';
export { ReversibleAdjoint } from './reversible.js';
