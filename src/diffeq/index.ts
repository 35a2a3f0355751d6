/**
 * nabla/diffeq — differential equation solvers with swappable terms, solvers, step-size
 * controllers, save options and adjoints (Diffrax's design), plus neural ODEs,
 * continuous normalising flows and deep equilibrium models.
 */
export * from './adjoint/index.js';
export * from './brownian/index.js';
export * from './cde/index.js';
export type { CNFOptions } from './cnf.js';
export { CNF, localGraph } from './cnf.js';
export * from './controllers/index.js';
export * from './deq/index.js';
export type { DiffEqSolveOptions } from './diffeqsolve.js';
export { diffeqsolve } from './diffeqsolve.js';
export type { ResultCode } from './errors.js';
export { DiffEqError, isSuccess } from './errors.js';
export type { NeuralODEOptions, TimeInput } from './neural-ode.js';
export { callField, NeuralODE } from './neural-ode.js';
export * from './neural-sde/index.js';
export type { ErrorNorm, ErrorNormFn } from './norms.js';
export { groupedRmsNorm } from './norms.js';
export type { AbstractPath } from './path.js';
export { isPath } from './path.js';
export type { EventOptions, SaveAtOptions } from './saveat.js';
export { Event, SaveAt } from './saveat.js';
export type { EventInfo, PerSampleStats, SolveStats } from './solution.js';
export { Solution } from './solution.js';
export * from './solvers/index.js';
export * from './solvers/sde/index.js';
export * from './symbolic/index.js';
export * from './terms/index.js';
export type { FlatTree, Tree, TreeDef } from './tree.js';
export { treeFlatten, treeMap, treeUnflatten } from './tree.js';
