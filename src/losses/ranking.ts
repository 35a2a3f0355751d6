/**
 * Ranking losses (survey §7) on embeddings `[N, D]` (distances over the last dim, per-sample
 * loss `[N]`), with the Euclidean distance the survey uses (triplet: any p-norm).
 */
import { isFloating } from '../core/dtype.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { commonFloat } from '../nn/functional/util.js';
import { add, mul, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { norm, sum } from '../ops/reduce.js';
import { relu, square } from '../ops/unary.js';
import { checkPositive, checkValues, type LossOptions, reduceLoss } from './types.js';

/** Checks embeddings of one shape `[..., D]` (at least 1-d); returns them in a common dtype. */
function embeddings(op: string, names: string[], ts: Tensor[]): Tensor[] {
  const first = ts[0]!;
  if (first.ndim < 1)
    throw new ShapeError(`${op}: ${names[0]} must be at least 1-d (got ${fmtShape(first.shape)})`);
  ts.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError(
        `${op}: ${names[i]} ${fmtShape(t.shape)} must have the shape of ${names[0]} ${fmtShape(first.shape)}`,
      );
    }
  });
  return commonFloat(op, names, ...ts).ts;
}

/** Options of `contrastive`. */
export interface ContrastiveOptions extends LossOptions {
  /** Margin m for dissimilar pairs (default 1, a convention). */
  margin?: number;
  /** Square the distance terms, as in Hadsell et al. 2006 (default false: the survey's form). */
  squared?: boolean;
}

/**
 * Pairwise ranking (contrastive) loss `y·d + (1 − y)·max(0, m − d)` with `d = ‖a − b‖₂` per
 * pair and `same` = y ∈ {0, 1} (1: similar pair); `squared: true` gives
 * `y·d² + (1 − y)·max(0, m − d)²` (Hadsell et al., without their ½). No PyTorch counterpart.
 */
export function contrastive(a: Tensor, b: Tensor, same: Tensor, opts: ContrastiveOptions = {}): Tensor {
  const op = 'contrastive';
  const [x, y] = embeddings(op, ['a', 'b'], [a, b]) as [Tensor, Tensor];
  const margin = checkPositive(op, 'margin', opts.margin ?? 1, true);
  const sampleShape = x.shape.slice(0, -1);
  if (!shapesEqual(same.shape, sampleShape)) {
    throw new ShapeError(
      `${op}: same must have shape ${fmtShape(sampleShape)} for embeddings ${fmtShape(x.shape)} (got ${fmtShape(same.shape)})`,
    );
  }
  if (!isFloating(same.dtype) && same.dtype !== 'int32' && same.dtype !== 'bool') {
    throw new DTypeError(`${op}: same must be a float, int32 or bool tensor (got ${same.dtype})`);
  }
  checkValues(op, 'same', same, (v) => v === 0 || v === 1, '0 or 1');
  const s = cast(same, x.dtype);
  const diff = sub(x, y);
  let pos: Tensor;
  let neg: Tensor;
  if (opts.squared) {
    const d2 = sum(square(diff), -1);
    pos = d2;
    neg = square(relu(sub(margin, norm(diff, 2, -1))));
  } else {
    const d = norm(diff, 2, -1);
    pos = d;
    neg = relu(sub(margin, d));
  }
  return reduceLoss(op, add(mul(s, pos), mul(sub(1, s), neg)), opts);
}

/** Options of `triplet`. */
export interface TripletOptions extends LossOptions {
  /** Margin m (default 1, a convention: PyTorch's `TripletMarginLoss`; FaceNet uses 0.2). */
  margin?: number;
  /** Order of the p-norm distance, p ≥ 1 (default 2, the survey's Euclidean distance). */
  p?: number;
}

/**
 * Triplet ranking loss `max(0, m + d(a, p) − d(a, n))` with `d` the p-norm distance over the
 * last dim; 0 on "easy" triplets (d(a, n) ≥ d(a, p) + m). Like PyTorch's
 * `TripletMarginLoss(margin, p)`, except that PyTorch adds ε = 1e-6 inside the norm
 * (`‖a − p + ε‖`) and this does not (its gradient at a = p is 0, a subgradient).
 */
export function triplet(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  opts: TripletOptions = {},
): Tensor {
  const op = 'triplet';
  const [a, p, n] = embeddings(op, ['anchor', 'positive', 'negative'], [anchor, positive, negative]) as [
    Tensor,
    Tensor,
    Tensor,
  ];
  const margin = checkPositive(op, 'margin', opts.margin ?? 1, true);
  const ord = opts.p ?? 2;
  if (!(ord >= 1)) throw new ArgumentError(`${op}: p must be >= 1 (got ${ord})`);
  const dap = norm(sub(a, p), ord, -1);
  const dan = norm(sub(a, n), ord, -1);
  return reduceLoss(op, relu(add(sub(dap, dan), margin)), opts);
}
