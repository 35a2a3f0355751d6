/** Time grids and solver choices shared by the neural SDE models. */
import { ArgumentError } from '../../core/errors.js';
import type { AbstractSolver } from '../solvers/base.js';
import { Heun, Midpoint } from '../solvers/explicit-rk.js';
import { EulerHeun, EulerMaruyama } from '../solvers/sde/euler-maruyama.js';
import { ReversibleHeun } from '../solvers/sde/reversible-heun.js';

/** Observation times shared by every sample of a batch (strictly increasing). */
export type Times = readonly number[] | Float64Array;

/** Named SDE solvers (Stratonovich ones except `'euler-maruyama'`), or any solver. */
export type SolverChoice =
  | 'reversible-heun'
  | 'euler-heun'
  | 'midpoint'
  | 'heun'
  | 'euler-maruyama'
  | AbstractSolver;

/** Validates observation times and returns them as a `Float64Array`. */
export function checkTimes(op: string, ts: Times): Float64Array {
  const t = Float64Array.from(ts);
  if (t.length < 2) throw new ArgumentError(`${op}: needs at least two observation times (got ${t.length})`);
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(t[i]!)) throw new ArgumentError(`${op}: ts[${i}] = ${t[i]} is not finite`);
    if (i > 0 && !(t[i]! > t[i - 1]!))
      throw new ArgumentError(
        `${op}: ts must be strictly increasing (ts[${i - 1}] = ${t[i - 1]}, ts[${i}] = ${t[i]})`,
      );
  }
  return t;
}

/** `ts` with each interval split into `substeps` equal steps (the solver's step grid). */
export function refineGrid(op: string, ts: Float64Array, substeps: number): Float64Array {
  if (!Number.isInteger(substeps) || substeps < 1)
    throw new ArgumentError(`${op}: substeps must be a positive integer (got ${substeps})`);
  const out = new Float64Array((ts.length - 1) * substeps + 1);
  for (let i = 0; i + 1 < ts.length; i++) {
    const a = ts[i]!;
    const h = ts[i + 1]! - a;
    for (let k = 0; k < substeps; k++) out[i * substeps + k] = a + (h * k) / substeps;
  }
  out[out.length - 1] = ts[ts.length - 1]!;
  return out;
}

/** The solver for a `SolverChoice` (a fresh instance for names). */
export function makeSolver(op: string, s: SolverChoice | undefined): AbstractSolver {
  if (s === undefined || s === 'reversible-heun') return new ReversibleHeun();
  if (typeof s === 'object' && s !== null && typeof (s as AbstractSolver).step === 'function') return s;
  switch (s) {
    case 'euler-heun':
      return new EulerHeun();
    case 'midpoint':
      return new Midpoint();
    case 'heun':
      return new Heun();
    case 'euler-maruyama':
      return new EulerMaruyama();
    default:
      throw new ArgumentError(
        `${op}: solver must be 'reversible-heun', 'euler-heun', 'midpoint', 'heun', 'euler-maruyama' or a solver object (got ${String(s)})`,
      );
  }
}
