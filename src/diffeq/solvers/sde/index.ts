/** SDE solvers and the reversible Heun method. */
export type { TermStepContext } from './context.js';
export { EulerHeun, EulerMaruyama } from './euler-maruyama.js';
export type { MilsteinOptions } from './milstein.js';
export { ItoMilstein, StratonovichMilstein } from './milstein.js';
export type { ReversibleHeunState } from './reversible-heun.js';
export { ReversibleHeun } from './reversible-heun.js';
export { SRA1 } from './sra1.js';
export type { SDEOrders, SDETerms } from './structure.js';
export { sdeTerms } from './structure.js';
