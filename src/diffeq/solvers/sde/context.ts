/**
 * What SDE solvers and the reversible solver need beyond `StepContext`: calling the
 * parts of a `MultiTerm` (drift, diffusion) directly, with the loop's counting,
 * timing, time arguments and state-structure checks.
 */
import { ArgumentError } from '../../../core/errors.js';
import type { Tensor } from '../../../core/tensor.js';
import type { Time } from '../../terms/base.js';
import type { Tree } from '../../tree.js';
import type { StepContext } from '../base.js';

/** A `StepContext` that can also call arbitrary term methods. */
export interface TermStepContext extends StepContext {
  /** Start time of the solve. */
  readonly t0: number;
  /**
   * Calls `fn(t, y, args)` with the loop's time argument, the state tree of `y` and the
   * solve's `args`; counted as one vector-field evaluation and timed.
   */
  callTerm<R>(t: Float64Array, y: readonly Tensor[], fn: (t: Time, y: Tree, args: unknown) => R): R;
  /**
   * The leaves of a tree a term returned in place of a state increment, checked against
   * the state's structure and shapes and cast to the solve dtype.
   */
  stateLeaves(out: unknown): Tensor[];
  /** The state tree with the given leaves. */
  stateTree(leaves: readonly Tensor[]): Tree;
}

/** The context as a `TermStepContext`, or a clear error for a loop that lacks it. */
export function termContext(ctx: StepContext, op: string): TermStepContext {
  if (typeof (ctx as Partial<TermStepContext>).callTerm !== 'function')
    throw new ArgumentError(
      `${op}: this solver must be run by diffeqsolve (the step context lacks callTerm)`,
    );
  return ctx as TermStepContext;
}

/** Throws unless the solve is jointly stepped (these solvers keep no per-row state). */
export function requireJoint(ctx: StepContext, op: string): void {
  if (ctx.rows !== 1)
    throw new ArgumentError(
      `${op}: batch: 'independent' is not supported; solve jointly (a leading batch dimension of the state is fine)`,
    );
}
