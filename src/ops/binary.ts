/**
 * Elementwise binary ops with NumPy broadcasting and dtype promotion:
 * arithmetic, comparisons, logical ops, `where` and `clamp`.
 */
import { record, shouldRecord } from '../autograd/node.js';
import type { BinaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { allocOutput, type DType, isFloating } from '../core/dtype.js';
import { ArgumentError } from '../core/errors.js';
import { broadcastShapes, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { cast } from './cast.js';
import { sumToShape } from './reduce.js';
import { log } from './unary.js';
import { broadcastView, resultType, toTensor } from './util.js';

/** Broadcasts, promotes and runs a kernel; returns the output and the (cast) operands. */
function run(
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
  name: string,
  outDtype?: DType,
): [Tensor, Tensor, Tensor] {
  const dtype = resultType(a, b);
  const ta = cast(toTensor(a, dtype), dtype);
  const tb = cast(toTensor(b, dtype), dtype);
  // Same-shape operands (the common case) share their shape array with the output.
  const shape = shapesEqual(ta.shape, tb.shape) ? ta.shape : broadcastShapes(ta.shape, tb.shape, name);
  const od = outDtype ?? dtype;
  const out = allocOutput(od, sizeOf(shape));
  getBackend().binary(op, broadcastView(ta, shape), broadcastView(tb, shape), out);
  return [Tensor._wrap(out, shape, od), ta, tb];
}

function floatOperands(a: TensorLike, b: TensorLike): [TensorLike, TensorLike] {
  const dt = resultType(a, b);
  if (isFloating(dt)) return [a, b];
  return [a instanceof Tensor ? cast(a, 'float32') : a, b instanceof Tensor ? cast(b, 'float32') : b];
}

/** `a + b`. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [y, ta, tb] = run('add', a, b, 'add');
  if (!shouldRecord(ta, tb)) return y;
  // The closure keeps shapes and flags, not the operands (whose data add's gradient never reads).
  const sa = ta.shape;
  const sb = tb.shape;
  const ra = ta.requiresGrad;
  const rb = tb.requiresGrad;
  record('add', y, [ta, tb], ([g]) => [ra ? sumToShape(g!, sa) : null, rb ? sumToShape(g!, sb) : null]);
  return y;
}

/** `a - b`. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [y, ta, tb] = run('sub', a, b, 'sub');
  if (!shouldRecord(ta, tb)) return y;
  const sa = ta.shape;
  const sb = tb.shape;
  const ra = ta.requiresGrad;
  const rb = tb.requiresGrad;
  record('sub', y, [ta, tb], ([g]) => [ra ? sumToShape(g!, sa) : null, rb ? sumToShape(neg(g!), sb) : null]);
  return y;
}

function neg(x: Tensor): Tensor {
  return mul(x, -1);
}

/** `a * b`. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [y, ta, tb] = run('mul', a, b, 'mul');
  if (!shouldRecord(ta, tb)) return y;
  record(
    'mul',
    y,
    [ta, tb],
    ([g]) => [
      ta.requiresGrad ? sumToShape(mul(g!, tb), ta.shape) : null,
      tb.requiresGrad ? sumToShape(mul(g!, ta), tb.shape) : null,
    ],
    [ta, tb],
  );
  return y;
}

/** True division `a / b` (integers are promoted to float32). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  [a, b] = floatOperands(a, b);
  const [y, ta, tb] = run('div', a, b, 'div');
  if (!shouldRecord(ta, tb)) return y;
  record(
    'div',
    y,
    [ta, tb],
    ([g]) => [
      ta.requiresGrad ? sumToShape(div(g!, tb), ta.shape) : null,
      tb.requiresGrad ? sumToShape(neg(div(mul(g!, ta), mul(tb, tb))), tb.shape) : null,
    ],
    [ta, tb],
  );
  return y;
}

/**
 * `a ** b`. Gradients follow PyTorch's conventions at the singular points:
 * d/da is 0 where b = 0, d/db is 0 where a = 0 and b ≥ 0.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [y, ta, tb] = run('pow', a, b, 'pow');
  record(
    'pow',
    y,
    [ta, tb],
    ([g]) => {
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (ta.requiresGrad) {
        const d = mul(tb, pow(ta, sub(tb, 1)));
        ga = sumToShape(mul(g!, where(eq(tb, 0), 0, d)), ta.shape);
      }
      if (tb.requiresGrad) {
        const safeLog = log(where(logicalAnd(eq(ta, 0), ge(tb, 0)), 1, ta));
        gb = sumToShape(mul(g!, mul(y, safeLog)), tb.shape);
      }
      return [ga, gb];
    },
    [ta, tb, y],
  );
  return y;
}

function maxMin(op: 'maximum' | 'minimum', a: TensorLike, b: TensorLike): Tensor {
  const [y, ta, tb] = run(op, a, b, op);
  record(
    op,
    y,
    [ta, tb],
    ([g]) => {
      // Ties share the gradient equally, as in PyTorch.
      const winA = op === 'maximum' ? gt(ta, tb) : lt(ta, tb);
      const tie = eq(ta, tb);
      const wA = add(cast(winA, g!.dtype), mul(cast(tie, g!.dtype), 0.5));
      return [
        ta.requiresGrad ? sumToShape(mul(g!, wA), ta.shape) : null,
        tb.requiresGrad ? sumToShape(mul(g!, sub(1, wA)), tb.shape) : null,
      ];
    },
    [ta, tb],
  );
  return y;
}

/** Elementwise maximum (NaN propagates; ties split the gradient). */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return maxMin('maximum', a, b);
}

/** Elementwise minimum (NaN propagates; ties split the gradient). */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return maxMin('minimum', a, b);
}

/** `atan2(a, b)`, differentiable. */
export function atan2(a: TensorLike, b: TensorLike): Tensor {
  [a, b] = floatOperands(a, b);
  const [y, ta, tb] = run('atan2', a, b, 'atan2');
  record(
    'atan2',
    y,
    [ta, tb],
    ([g]) => {
      const r2 = add(mul(ta, ta), mul(tb, tb));
      return [
        ta.requiresGrad ? sumToShape(div(mul(g!, tb), r2), ta.shape) : null,
        tb.requiresGrad ? sumToShape(neg(div(mul(g!, ta), r2)), tb.shape) : null,
      ];
    },
    [ta, tb],
  );
  return y;
}

function compare(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  return run(op, a, b, op, 'bool')[0];
}

/** `a == b` → bool. */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare('eq', a, b);
}
/** `a != b` → bool. */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return compare('ne', a, b);
}
/** `a < b` → bool. */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare('lt', a, b);
}
/** `a <= b` → bool. */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare('le', a, b);
}
/** `a > b` → bool. */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare('gt', a, b);
}
/** `a >= b` → bool. */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare('ge', a, b);
}
/** Logical and (non-zero is true) → bool. */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return compare('logicalAnd', a, b);
}
/** Logical or (non-zero is true) → bool. */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return compare('logicalOr', a, b);
}
/** Logical exclusive or → bool. */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  return ne(cast(toTensor(a, 'bool'), 'bool'), cast(toTensor(b, 'bool'), 'bool'));
}

/** Elementwise select: `cond ? a : b` (cond is cast to bool), broadcast over all three. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = cast(toTensor(cond, 'bool'), 'bool');
  const dtype = resultType(a, b);
  const ta = cast(toTensor(a, dtype), dtype);
  const tb = cast(toTensor(b, dtype), dtype);
  const shape = broadcastShapes(broadcastShapes(c.shape, ta.shape, 'where'), tb.shape, 'where');
  const out = allocOutput(
    dtype,
    shape.reduce((x, y) => x * y, 1),
  );
  getBackend().where(broadcastView(c, shape), broadcastView(ta, shape), broadcastView(tb, shape), out);
  const y = Tensor._fromData(out, shape, dtype);
  record(
    'where',
    y,
    [ta, tb],
    ([g]) => [
      ta.requiresGrad ? sumToShape(where(c, g!, 0), ta.shape) : null,
      tb.requiresGrad ? sumToShape(where(c, 0, g!), tb.shape) : null,
    ],
    [c],
  );
  return y;
}

/** Clamps into [min, max] (either bound may be omitted); gradient 1 inside the closed interval, 0 outside. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null) throw new ArgumentError('clamp: at least one of min and max must be given');
  const lo = min != null ? ge(x, min) : null;
  const hi = max != null ? le(x, max) : null;
  const mask = lo && hi ? logicalAnd(lo, hi) : (lo ?? hi)!;
  let y = x;
  if (min != null) y = run('maximum', y, min, 'clamp')[0];
  if (max != null) y = run('minimum', y, max, 'clamp')[0];
  const m = mask;
  record('clamp', y, [x], ([g]) => [mul(g!, cast(m, g!.dtype))], [x]);
  return y;
}
