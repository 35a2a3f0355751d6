/** Matrix products with NumPy semantics: matmul (1-D/2-D/N-D, batch broadcasting), dot, outer. */
import { isGradEnabled } from '../autograd/mode.js';
import { record, shouldRecord } from '../autograd/node.js';
import { getBackend } from '../backend/index.js';
import type { DataArray } from '../core/dtype.js';
import { allocOutput, isFloating, promoteTypes } from '../core/dtype.js';
import { DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import { broadcastShapes, contiguousStrides, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { mul } from './binary.js';
import { cast, contiguous } from './cast.js';
import { sumToShape } from './reduce.js';
import { expand, select, squeeze, transpose, unsqueeze } from './view.js';

/** How a [..., r, c] operand is read: row-major as is, or as the transpose of a row-major [..., c, r]. */
function operandLayout(t: Tensor): { data: DataArray; offset: number; trans: boolean } {
  const n = t.ndim;
  const r = t.shape[n - 2]!;
  const c = t.shape[n - 1]!;
  // The batch dims must be row-major over whole [r, c] matrices.
  let s = r * c;
  let batchContig = true;
  for (let i = n - 3; i >= 0 && batchContig; i--) {
    if (t.shape[i] !== 1 && t.strides[i] !== s) batchContig = false;
    s *= t.shape[i]!;
  }
  if (batchContig) {
    const rs = t.strides[n - 2];
    const cs = t.strides[n - 1];
    if ((cs === 1 || c === 1) && (rs === c || r === 1))
      return { data: t._storage.data, offset: t.offset, trans: false };
    if ((rs === 1 || r === 1) && (cs === r || c === 1))
      return { data: t._storage.data, offset: t.offset, trans: true };
  }
  const tc = contiguous(t);
  return { data: tc._storage.data, offset: tc.offset, trans: false };
}

/**
 * `op(a) · op(b)` for two 2-D operands, op transposing where `ta`/`tb` is set, as one GEMM call
 * and without recording: the path of every 2-D product and its gradients, with no view objects
 * (a neural-ODE backward runs thousands of tiny products, where those cost as much as the GEMM).
 */
function mm2d(a: Tensor, ta: boolean, b: Tensor, tb: boolean): Tensor {
  const m = a.shape[ta ? 1 : 0]!;
  const k = a.shape[ta ? 0 : 1]!;
  const n = b.shape[tb ? 0 : 1]!;
  const la = operandLayout(a);
  const lb = operandLayout(b);
  const dtype = a.dtype;
  const out = allocOutput(dtype, m * n);
  if (m * n > 0) {
    getBackend().matmul(la.data, lb.data, out, {
      batch: 1,
      m,
      n,
      k,
      transA: la.trans !== ta,
      transB: lb.trans !== tb,
      aOffset: la.offset,
      bOffset: lb.offset,
      aBatchStride: 0,
      bBatchStride: 0,
    });
  }
  return Tensor._wrap(out, [m, n], dtype);
}

/** The batched 2-D core: both operands have ndim ≥ 2. */
function matmulCore(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 2 && b.ndim === 2) return matmul2d(a, b);
  const m = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim - 2]!;
  const n = b.shape[b.ndim - 1]!;
  if (k !== k2) {
    throw new ShapeError(
      `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} are not aligned (${k} != ${k2})`,
    );
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const batch = sizeOf(batchShape);
  // Each operand is either fully batched or shared by every batch; partial broadcasts are materialised.
  const prep = (t: Tensor, r: number, c: number) => {
    const tb = t.shape.slice(0, -2);
    if (sizeOf(tb) === 1) {
      // Drop the size-1 batch dims with views, so transposed operands are not copied.
      let v = t;
      while (v.ndim > 2) v = select(v, 0, 0);
      return { t: v, stride: 0 };
    }
    if (shapesEqual(tb, batchShape)) return { t, stride: r * c };
    return { t: contiguous(expand(t, [...batchShape, r, c])), stride: r * c };
  };
  const pa = prep(a, m, k);
  const pb = prep(b, k, n);
  const la = operandLayout(pa.t);
  const lb = operandLayout(pb.t);
  const dtype = a.dtype;
  const out = allocOutput(dtype, batch * m * n);
  if (batch * m * n > 0) {
    getBackend().matmul(la.data, lb.data, out, {
      batch,
      m,
      n,
      k,
      transA: la.trans,
      transB: lb.trans,
      aOffset: la.offset,
      bOffset: lb.offset,
      aBatchStride: pa.stride,
      bBatchStride: pb.stride,
    });
  }
  const shape = [...batchShape, m, n];
  const y = new Tensor(
    Tensor._fromData(out, shape, dtype)._storage,
    shape,
    contiguousStrides(shape),
    0,
    dtype,
  );
  record(
    'matmul',
    y,
    [a, b],
    ([g]) => [
      a.requiresGrad ? sumToShape(matmulCore(g!, transpose(b, -2, -1)), a.shape) : null,
      b.requiresGrad ? sumToShape(matmulCore(transpose(a, -2, -1), g!), b.shape) : null,
    ],
    [a, b],
  );
  return y;
}

/** `a · b` for 2-D operands (shapes already checked to align), recorded. */
function matmul2d(a: Tensor, b: Tensor): Tensor {
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(
      `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} are not aligned (${a.shape[1]} != ${b.shape[0]})`,
    );
  }
  const y = mm2d(a, false, b, false);
  if (!shouldRecord(a, b)) return y;
  record(
    'matmul',
    y,
    [a, b],
    // Under createGraph the gradients are recorded (through transposed views) for higher orders.
    ([g]) =>
      isGradEnabled()
        ? [
            a.requiresGrad ? matmul2d(g!, transpose(b, 0, 1)) : null,
            b.requiresGrad ? matmul2d(transpose(a, 0, 1), g!) : null,
          ]
        : [
            a.requiresGrad ? mm2d(g!, false, b, true) : null,
            b.requiresGrad ? mm2d(a, true, g!, false) : null,
          ],
    [a, b],
  );
  return y;
}

/**
 * Matrix product with NumPy's semantics: 1-D × 1-D is a dot product, a 1-D left
 * (right) operand is a row (column) vector that is removed from the result,
 * and leading batch dims broadcast. Integer operands are promoted to float32.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both operands need at least 1 dim (got ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`,
    );
  }
  let dtype = promoteTypes(a.dtype, b.dtype);
  if (!isFloating(dtype)) dtype = 'float32';
  const ac = cast(a, dtype);
  const bc = cast(b, dtype);
  const a2 = ac.ndim === 1 ? unsqueeze(ac, 0) : ac;
  const b2 = bc.ndim === 1 ? unsqueeze(bc, -1) : bc;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) {
    throw new ShapeError(
      `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} are not aligned (${a2.shape[a2.ndim - 1]} != ${b2.shape[b2.ndim - 2]})`,
    );
  }
  let y = matmulCore(a2, b2);
  if (ac.ndim === 1) y = squeeze(y, -2);
  if (bc.ndim === 1) y = squeeze(y, -1);
  return y;
}

/** Inner product of two 1-D tensors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`dot: expected two 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}

/** Outer product `a[i]·b[j]` of two 1-D tensors. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(
      `outer: expected two 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

/** Batched matrix product of two 3-D tensors [b,n,m]·[b,m,p] (no broadcasting, like torch.bmm). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `bmm: expected [b,n,m] and [b,m,p], got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return matmul(a, b);
}

/** Matrix product of two 2-D tensors (like torch.mm). */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new ShapeError(`mm: expected two 2-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}

void DTypeError;
