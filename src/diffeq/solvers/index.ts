/** Solvers: explicit Runge–Kutta methods and ESDIRK methods for stiff problems. */
export type { AbstractSolver, SolverCounters, StepContext, StepResult } from './base.js';
export { Interpolant } from './base.js';
export {
  Bosh3,
  Dopri5,
  Dopri8,
  Euler,
  ExplicitRungeKutta,
  Heun,
  Midpoint,
  Ralston,
  RK4,
  RK38,
  Tsit5,
} from './explicit-rk.js';
export type { ImplicitSolverOptions } from './implicit-rk.js';
export { ESDIRK, ImplicitEuler, Kvaerno3, Kvaerno5 } from './implicit-rk.js';
export * from './tableaus.js';
