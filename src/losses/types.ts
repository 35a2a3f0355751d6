/**
 * Shared option types and argument helpers of the loss library: the `reduction` / `weight`
 * options every loss accepts, and the validation of predictions, targets and labels. Error
 * messages start with the loss's name and show shapes with `fmtShape`.
 */
import { isFloating } from '../core/dtype.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import { broadcastShapes, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { commonFloat } from '../nn/functional/util.js';
import { mul } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { mean, sum } from '../ops/reduce.js';

/** How per-sample losses are combined: averaged (default), summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss accepts. */
export interface LossOptions {
  /** `'mean'` (default), `'sum'` or `'none'` (the per-sample losses). */
  reduction?: Reduction;
  /**
   * Per-sample weights, broadcast against the per-sample loss (its shape is what
   * `reduction: 'none'` returns). `'mean'` then averages the weighted losses over the
   * samples, `Σ wᵢℓᵢ / N`, like PyTorch's elementwise `weight` (not `Σ wᵢℓᵢ / Σ wᵢ`).
   */
  weight?: Tensor | null;
}

/** Checks the `reduction` option. */
export function checkReduction(op: string, r: string | undefined): Reduction {
  const v = r ?? 'mean';
  if (v !== 'mean' && v !== 'sum' && v !== 'none') {
    throw new ArgumentError(`${op}: reduction must be 'mean', 'sum' or 'none' (got '${v}')`);
  }
  return v;
}

/**
 * Multiplies the per-sample loss by `opts.weight` (checked: float, broadcasting to the
 * loss's shape) and applies `opts.reduction`.
 */
export function reduceLoss(op: string, loss: Tensor, opts: LossOptions): Tensor {
  const reduction = checkReduction(op, opts.reduction);
  const weighted = applyWeight(op, loss, opts.weight);
  if (reduction === 'none') return weighted;
  return reduction === 'sum' ? sum(weighted) : mean(weighted);
}

/** `loss · weight` after checking the weight (returns `loss` when there is none). */
export function applyWeight(op: string, loss: Tensor, weight: Tensor | null | undefined): Tensor {
  if (!weight) return loss;
  if (!isFloating(weight.dtype)) {
    throw new DTypeError(`${op}: weight must be float32 or float64 (got ${weight.dtype})`);
  }
  const shape = broadcastShapes(loss.shape, weight.shape, op);
  if (!shapesEqual(shape, loss.shape)) {
    throw new ShapeError(
      `${op}: weight ${fmtShape(weight.shape)} does not broadcast to the per-sample loss ${fmtShape(loss.shape)}`,
    );
  }
  return mul(loss, weight.dtype === loss.dtype ? weight : cast(weight, loss.dtype));
}

/**
 * Checks that `a` and `b` are floating point and that `b` broadcasts to `a`'s shape;
 * returns both cast to their common dtype.
 */
export function floatPair(op: string, names: [string, string], a: Tensor, b: Tensor): [Tensor, Tensor] {
  const { ts } = commonFloat(op, names, a, b);
  const shape = broadcastShapes(a.shape, b.shape, op);
  if (!shapesEqual(shape, a.shape)) {
    throw new ShapeError(
      `${op}: ${names[1]} ${fmtShape(b.shape)} does not broadcast to the ${names[0]}'s shape ${fmtShape(a.shape)}`,
    );
  }
  return ts as [Tensor, Tensor];
}

/** Checks that `a` and `b` are floating point with exactly the same shape; returns them in a common dtype. */
export function floatSame(op: string, names: [string, string], a: Tensor, b: Tensor): [Tensor, Tensor] {
  if (!shapesEqual(a.shape, b.shape)) {
    throw new ShapeError(
      `${op}: ${names[0]} ${fmtShape(a.shape)} and ${names[1]} ${fmtShape(b.shape)} must have the same shape`,
    );
  }
  const { ts } = commonFloat(op, names, a, b);
  return ts as [Tensor, Tensor];
}

/** Throws unless every element satisfies `ok`; `what` completes "must be …". */
export function checkValues(
  op: string,
  name: string,
  t: Tensor,
  ok: (v: number) => boolean,
  what: string,
): void {
  const d = t._contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]!);
    if (!ok(v)) {
      throw new ArgumentError(
        `${op}: ${name} must be ${what} (got ${v} at flat index ${i} of ${fmtShape(t.shape)})`,
      );
    }
  }
}

/** Throws unless `v` is a finite number > 0 (or ≥ 0 with `allowZero`). */
export function checkPositive(op: string, name: string, v: number, allowZero = false): number {
  if (!(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) {
    throw new ArgumentError(`${op}: ${name} must be ${allowZero ? 'non-negative' : 'positive'} (got ${v})`);
  }
  return v;
}

/**
 * Checks int32 class labels of shape `[N, ...rest]` for `C` classes (values in [0, C));
 * `shape` is the expected label shape.
 */
export function checkClassLabels(
  op: string,
  labels: Tensor,
  shape: readonly number[],
  C: number,
  inputShape: readonly number[],
): void {
  if (labels.dtype !== 'int32') {
    throw new DTypeError(`${op}: labels must be an int32 tensor of class indices (got ${labels.dtype})`);
  }
  if (!shapesEqual(labels.shape, shape)) {
    throw new ShapeError(
      `${op}: expected labels of shape ${fmtShape(shape)} for input ${fmtShape(inputShape)}, got ${fmtShape(labels.shape)}`,
    );
  }
  checkValues(op, 'labels', labels, (v) => v >= 0 && v < C, `class indices in [0, ${C})`);
}
