/**
 * Paths used as controls: `dy = f(t, y) dX(t)` with X a Brownian motion (SDEs) or an
 * interpolated data path (CDEs).
 */
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';

/** A path X: [t0, t1] → R^shape used as a control: Brownian motion or an interpolated data path. */
export interface AbstractPath {
  readonly t0: number;
  readonly t1: number;
  /** X(tb) − X(ta) when tb is given, else X(ta). Leading batch dims allowed: shape = [...batch, ...channels]. */
  evaluate(ta: number, tb?: number): Tensor;
  /** dX/dt at t (interpolations have it; Brownian motion does not). */
  derivative?(t: number): Tensor;
  /** shape of one value (e.g. [batch, channels]) and its dtype. */
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** True when `x` looks like an `AbstractPath`. */
export function isPath(x: unknown): x is AbstractPath {
  if (x === null || typeof x !== 'object') return false;
  const p = x as Partial<AbstractPath>;
  return (
    typeof p.evaluate === 'function' &&
    typeof p.t0 === 'number' &&
    typeof p.t1 === 'number' &&
    Array.isArray(p.shape) &&
    typeof p.dtype === 'string'
  );
}
