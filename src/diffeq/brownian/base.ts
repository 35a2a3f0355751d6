/** The Brownian-path interface and the option checks shared by the samplers. */
import { DEFAULT_FLOAT, type DType, isFloating } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { PRNGKey } from '../../random/key.js';
import type { AbstractPath } from '../path.js';

/** Which iterated integrals a Brownian path provides besides its increments. */
export type LevyAreaKind = 'none' | 'space-time';

/** A Brownian increment over [ta, tb], with its space-time Lévy area when available. */
export interface BrownianIncrement {
  /** tb − ta. */
  dt: number;
  /** W(tb) − W(ta), of the path's shape. */
  W: Tensor;
  /**
   * Space-time Lévy area `H = (1/h)∫_ta^tb (W_r − W_ta − (r−ta)/h·W) dr` with h = tb − ta
   * (independent of W, variance h/12); present when the path was built with
   * `levyArea: 'space-time'`.
   */
  H?: Tensor;
}

/** A Brownian motion usable as the control of a `ControlTerm`. */
export interface AbstractBrownianPath extends AbstractPath {
  /** The Lévy area this path can return from `increment`. */
  readonly levyArea: LevyAreaKind;
  /** The increment over [ta, tb] (ta ≤ tb), with H when `levyArea` is `'space-time'`. */
  increment(ta: number, tb: number): BrownianIncrement;
}

/** True when `x` is a Brownian path (has `increment` and `levyArea`). */
export function isBrownianPath(x: unknown): x is AbstractBrownianPath {
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof (x as AbstractBrownianPath).increment === 'function' &&
    typeof (x as AbstractBrownianPath).levyArea === 'string'
  );
}

/** Options shared by `VirtualBrownianTree` and `BrownianInterval`. */
export interface BrownianOptions {
  /** Start of the time interval. */
  t0: number;
  /** End of the time interval (> t0). */
  t1: number;
  /** Shape of W(t): `[...batch, ...channels]` (default `[]`, a scalar motion). */
  shape?: readonly number[];
  /** dtype of the returned tensors (default float32; sampling is done in float64). */
  dtype?: DType;
  /** The key: the same key gives the same path. */
  key: PRNGKey;
  /** `'space-time'` to also provide the space-time Lévy area H (needed by SRA1). Default `'none'`. */
  levyArea?: LevyAreaKind;
}

/** Validated common options. */
export interface CheckedBrownianOptions {
  t0: number;
  t1: number;
  shape: readonly number[];
  size: number;
  dtype: DType;
  key: PRNGKey;
  levyArea: LevyAreaKind;
}

/** Validates the shared options (`op` names the class in messages). */
export function checkBrownianOptions(op: string, opts: BrownianOptions): CheckedBrownianOptions {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${op}: options object required`);
  const { t0, t1 } = opts;
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || !(t1 > t0))
    throw new ArgumentError(`${op}: need finite t0 < t1 (got t0 = ${t0}, t1 = ${t1})`);
  const shape = [...(opts.shape ?? [])];
  if (shape.some((s) => !Number.isInteger(s) || s < 1))
    throw new ShapeError(`${op}: shape must contain positive integers (got ${fmtShape(shape)})`);
  const dtype = opts.dtype ?? DEFAULT_FLOAT;
  if (!isFloating(dtype)) throw new ArgumentError(`${op}: dtype must be float32 or float64 (got ${dtype})`);
  if (!(opts.key instanceof PRNGKey))
    throw new ArgumentError(`${op}: key must be a PRNGKey (e.g. randomKey(0))`);
  const levyArea = opts.levyArea ?? 'none';
  if (levyArea !== 'none' && levyArea !== 'space-time')
    throw new ArgumentError(`${op}: levyArea must be 'none' or 'space-time' (got '${String(levyArea)}')`);
  return { t0, t1, shape, size: shape.reduce((a, b) => a * b, 1), dtype, key: opts.key, levyArea };
}

/** Checks a query time and clamps round-off just outside [t0, t1]. */
export function checkTime(op: string, t: number, t0: number, t1: number): number {
  const slack = 1e-12 * Math.max(1, Math.abs(t0), Math.abs(t1));
  if (!Number.isFinite(t) || t < t0 - slack || t > t1 + slack)
    throw new ArgumentError(`${op}: query time ${t} is outside [t0, t1] = [${t0}, ${t1}]`);
  return Math.min(t1, Math.max(t0, t));
}
