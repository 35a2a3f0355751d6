/**
 * Triangular parts and diagonals: triu/tril (batched over leading dims),
 * diagonal (a view), diag, diagEmbed and trace. All differentiable.
 */
import { record } from '../autograd/node.js';
import { allocArray } from '../core/dtype.js';
import { AxisError, fmtShape, ShapeError } from '../core/errors.js';
import { normAxis } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { scatterIntoZeros } from './assign.js';
import { where } from './binary.js';
import { clone } from './cast.js';
import { sum } from './reduce.js';

function triangle(x: Tensor, k: number, upper: boolean, op: string): Tensor {
  if (x.ndim < 2)
    throw new ShapeError(`${op}: expected a tensor with at least 2 dims (got ${fmtShape(x.shape)})`);
  if (!Number.isInteger(k)) throw new AxisError(`${op}: diagonal offset must be an integer (got ${k})`);
  const n = x.shape[x.ndim - 2]!;
  const m = x.shape[x.ndim - 1]!;
  const mask = new Uint8Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) mask[i * m + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  }
  const zero = Tensor._fromData(allocArray(x.dtype, 1), [], x.dtype);
  return where(Tensor._fromData(mask, [n, m], 'bool'), x, zero);
}

/**
 * The upper triangle of the last two dims: elements with `j - i >= k` are kept,
 * the rest zeroed (like `torch.triu`). `k > 0` moves the border up-right.
 */
export function triu(x: Tensor, k = 0): Tensor {
  return triangle(x, k, true, 'triu');
}

/** The lower triangle of the last two dims: elements with `j - i <= k` are kept (like `torch.tril`). */
export function tril(x: Tensor, k = 0): Tensor {
  return triangle(x, k, false, 'tril');
}

/**
 * The diagonal `offset` of the 2-D planes spanned by `axis1` and `axis2`, as a
 * view (like `torch.diagonal`): both axes are removed and the diagonal becomes
 * the last dim. `offset > 0` is above the main diagonal.
 */
export function diagonal(x: Tensor, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const op = 'diagonal';
  if (x.ndim < 2)
    throw new ShapeError(`${op}: expected a tensor with at least 2 dims (got ${fmtShape(x.shape)})`);
  const a1 = normAxis(axis1, x.ndim, op);
  const a2 = normAxis(axis2, x.ndim, op);
  if (a1 === a2) throw new AxisError(`${op}: axis1 and axis2 must differ (both are ${a1})`);
  if (!Number.isInteger(offset)) throw new AxisError(`${op}: offset must be an integer (got ${offset})`);
  const n1 = x.shape[a1]!;
  const n2 = x.shape[a2]!;
  const len = Math.max(0, offset >= 0 ? Math.min(n1, n2 - offset) : Math.min(n1 + offset, n2));
  let start = x.offset;
  if (len > 0) start += offset >= 0 ? offset * x.strides[a2]! : -offset * x.strides[a1]!;
  const shape = x.shape.filter((_, d) => d !== a1 && d !== a2);
  const strides = x.strides.filter((_, d) => d !== a1 && d !== a2);
  shape.push(len);
  strides.push(x.strides[a1]! + x.strides[a2]!);
  const y = new Tensor(x._storage, shape, strides, start, x.dtype);
  record(op, y, [x], ([g]) => [scatterIntoZeros(g!, x.shape, (z) => diagonal(z, offset, a1, a2))]);
  return y;
}

/**
 * Like `torch.diag`: a 1-D `x` becomes a square matrix with `x` on diagonal `k`;
 * a 2-D `x` gives (a copy of) its diagonal `k`.
 */
export function diag(x: Tensor, k = 0): Tensor {
  const op = 'diag';
  if (!Number.isInteger(k)) throw new AxisError(`${op}: diagonal offset must be an integer (got ${k})`);
  if (x.ndim === 1) {
    const n = x.shape[0]! + Math.abs(k);
    return scatterIntoZeros(x, [n, n], (z) => diagonal(z, k, 0, 1));
  }
  if (x.ndim === 2) return clone(diagonal(x, k, 0, 1));
  throw new ShapeError(`${op}: expected a 1-D or 2-D tensor (got ${fmtShape(x.shape)})`);
}

/**
 * Places the last dim of `x` on diagonal `offset` of new planes (`axis1`, `axis2`)
 * of the result, zeros elsewhere (like `torch.diag_embed`). Batched: `[..., n]` →
 * `[..., n+|offset|, n+|offset|]` with the default axes.
 */
export function diagEmbed(x: Tensor, offset = 0, axis1 = -2, axis2 = -1): Tensor {
  const op = 'diagEmbed';
  if (x.ndim < 1)
    throw new ShapeError(`${op}: expected a tensor with at least 1 dim (got ${fmtShape(x.shape)})`);
  const nd = x.ndim + 1;
  const a1 = normAxis(axis1, nd, op);
  const a2 = normAxis(axis2, nd, op);
  if (a1 === a2) throw new AxisError(`${op}: axis1 and axis2 must differ (both are ${a1})`);
  const n = x.shape[x.ndim - 1]! + Math.abs(offset);
  const rest = x.shape.slice(0, -1);
  const shape: number[] = [];
  let r = 0;
  for (let d = 0; d < nd; d++) shape.push(d === a1 || d === a2 ? n : rest[r++]!);
  return scatterIntoZeros(x, shape, (z) => diagonal(z, offset, a1, a2));
}

/** Sum of the main diagonal of a 2-D tensor (like `torch.trace`). */
export function trace(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`trace: expected a 2-D tensor (got ${fmtShape(x.shape)})`);
  return sum(diagonal(x, 0, 0, 1));
}
