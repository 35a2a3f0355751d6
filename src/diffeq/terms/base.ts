/**
 * Terms: what is integrated. A term pairs a vector field with a control (Diffrax's
 * design): `dy = vf(t, y, args) · dX(t)`. For an ODE the control is time itself, so
 * `dX = dt` and `prod` is multiplication by `dt`. SDE and CDE terms (part 2) implement
 * the same interface with a Brownian or data-driven control.
 */
import type { Tensor } from '../../core/tensor.js';
import type { Tree } from '../tree.js';

/**
 * The time argument passed to a vector field: a number when the batch is stepped
 * jointly, a `[batch]` tensor of per-sample times when samples step independently.
 */
export type Time = number | Tensor;

/**
 * A vector field `f(t, y, args)`. Declared bivariantly so that fields written for
 * jointly stepped problems can annotate `t: number` (and independent ones `t: Tensor`).
 */
export type VectorField<Y, Args = unknown> = {
  bivarianceHack(t: Time, y: Y, args: Args): Y;
}['bivarianceHack'];

/** A function of (t, y, args), bivariant in `t` like `VectorField`. */
export type TimeFunction<Y, R, Args = unknown> = {
  bivarianceHack(t: Time, y: Y, args: Args): R;
}['bivarianceHack'];

/** Something that owns parameters (an `nn.Module`, or any object with `parameters()`). */
export interface HasParameters {
  parameters(): Tensor[];
}

/** The term interface that solvers call. */
export interface AbstractTerm<Y extends Tree = Tree, Args = unknown, Control = unknown> {
  /**
   * True when the control is time (`prod(vf, dt) = vf·dt`): solvers may then fold `dt`
   * into their coefficients and reuse vector-field evaluations across steps (FSAL).
   */
  readonly isODE: boolean;
  /**
   * The tensors the vector field is differentiated with respect to by the continuous
   * adjoints (their gradients are returned). Read at solve time.
   */
  params(): Tensor[];
  /** The vector field at `(t, y)`. */
  vf(t: Time, y: Y, args: Args): Y;
  /** The control increment over `[t0, t1]` (for ODEs `t1 − t0`). */
  contr(t0: Time, t1: Time): Control;
  /** Applies a vector-field value to a control increment. */
  prod(vf: Y, control: Control): Y;
  /** `prod(vf(t, y, args), control)`; terms may fuse it. */
  vfProd(t: Time, y: Y, args: Args, control: Control): Y;
}
