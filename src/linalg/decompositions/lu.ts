/** LU factorisation with partial pivoting, `A = P L U`, differentiable. */
import { record } from '../../autograd/node.js';
import { allocArray, type DataArray, type DType } from '../../core/dtype.js';
import { sizeOf } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { add, sub } from '../../ops/binary.js';
import { matmul } from '../../ops/matmul.js';
import { narrow } from '../../ops/view.js';
import { batchOf, checkMatrix, concat2, eyeT, fromF64, mT, readF64, tril, triu } from '../internal.js';
import { getLinalgKernels } from '../kernels/index.js';
import { solveTriangular } from '../triangular.js';

/** Result of `luFactor`: the packed factors and the pivots. */
export interface LUFactorResult {
  /** [..., m, n]: U in the upper triangle, the unit-lower L (without its diagonal) below. */
  LU: Tensor;
  /** [..., min(m,n)] int32, 1-based: row i was swapped with row pivots[i] at step i (LAPACK convention). */
  pivots: Tensor;
}

/** Result of `lu`: `A = P L U`. */
export interface LUResult {
  /** [..., m, m] permutation matrix. */
  P: Tensor;
  /** [..., m, k] unit lower-triangular (k = min(m, n)). */
  L: Tensor;
  /** [..., k, n] upper-triangular. */
  U: Tensor;
}

/** @internal raw batched LU: packed float64 factors, pivots and per-element info. */
export function luRaw(
  A: Tensor,
  op: string,
): { data: Float64Array; pivots: Int32Array; info: Int32Array; m: number; n: number; batchShape: number[] } {
  const [m, n] = checkMatrix(op, A);
  const batchShape = batchOf(A);
  const batch = sizeOf(batchShape);
  const k = Math.min(m, n);
  const data = readF64(A);
  const pivots = new Int32Array(batch * k);
  const info = new Int32Array(batch);
  const K = getLinalgKernels();
  for (let b = 0; b < batch; b++) {
    info[b] = K.getrf(data.subarray(b * m * n, (b + 1) * m * n), m, n, pivots.subarray(b * k, (b + 1) * k));
  }
  return { data, pivots, info, m, n, batchShape };
}

/** The [..., m, m] permutation matrices P (A = P L U) of 1-based LAPACK pivots. */
export function pivotsToPermutation(
  pivots: Int32Array,
  batch: number,
  m: number,
  k: number,
  dtype: DType,
): DataArray {
  const out = allocArray(dtype, batch * m * m);
  const perm = new Int32Array(m);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < m; i++) perm[i] = i;
    for (let i = 0; i < k; i++) {
      const p = pivots[b * k + i]! - 1;
      const t = perm[i]!;
      perm[i] = perm[p]!;
      perm[p] = t;
    }
    // Row i of Pᵀ A is row perm[i] of A, so P[perm[i], i] = 1.
    for (let i = 0; i < m; i++) out[b * m * m + perm[i]! * m + i] = 1;
  }
  return out;
}

/**
 * LU factorisation with partial pivoting in LAPACK's packed form, like
 * `torch.linalg.lu_factor`. A is [..., m, n] (any shape; singular matrices are
 * factorised without error). Differentiable with respect to `LU`.
 */
export function luFactor(A: Tensor): LUFactorResult {
  const op = 'luFactor';
  const { data, pivots, m, n, batchShape } = luRaw(A, op);
  const k = Math.min(m, n);
  const LU = fromF64(data, A.shape, A.dtype);
  const piv = Tensor._fromData(pivots, [...batchShape, k], 'int32');
  const P = Tensor._fromData(
    pivotsToPermutation(pivots, sizeOf(batchShape), m, k, A.dtype),
    [...batchShape, m, m],
    A.dtype,
  );
  record(
    op,
    LU,
    [A],
    ([g]) => {
      const L = add(tril(narrow(LU, -1, 0, k), -1), eyeT(m, k, LU.dtype));
      const U = triu(narrow(LU, -2, 0, k));
      const gL = tril(narrow(g!, -1, 0, k), -1);
      const gU = triu(narrow(g!, -2, 0, k));
      return [luBackward(gL, gU, P, L, U)];
    },
    [LU],
  );
  return { LU, pivots: piv };
}

/**
 * LU factorisation with partial pivoting `A = P L U`, like `torch.linalg.lu`: P is a
 * permutation matrix, L unit lower-triangular [..., m, k], U upper-triangular
 * [..., k, n], k = min(m, n). Differentiable with respect to L and U.
 */
export function lu(A: Tensor): LUResult {
  const op = 'lu';
  const { data, pivots, m, n, batchShape } = luRaw(A, op);
  const batch = sizeOf(batchShape);
  const k = Math.min(m, n);
  const ld = new Float64Array(batch * m * k);
  const ud = new Float64Array(batch * k * n);
  for (let b = 0; b < batch; b++) {
    const o = b * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < k; j++) {
        ld[b * m * k + i * k + j] = i === j ? 1 : i > j ? data[o + i * n + j]! : 0;
      }
    }
    for (let i = 0; i < k; i++) for (let j = i; j < n; j++) ud[b * k * n + i * n + j] = data[o + i * n + j]!;
  }
  const P = Tensor._fromData(
    pivotsToPermutation(pivots, batch, m, k, A.dtype),
    [...batchShape, m, m],
    A.dtype,
  );
  const L = fromF64(ld, [...batchShape, m, k], A.dtype);
  const U = fromF64(ud, [...batchShape, k, n], A.dtype);
  record(op, [P, L, U], [A], ([, gL, gU]) => [luBackward(gL!, gU!, P, L, U)], [L, U]);
  return { P, L, U };
}

/**
 * Gradient of `A = P L U` (PyTorch's `linalg_lu_backward`): for square A,
 * `gA = P L⁻ᵀ [tril(Lᵀ gL, −1) + triu(gU Uᵀ)] U⁻ᵀ`, with the wide/tall variants.
 */
export function luBackward(gL: Tensor, gU: Tensor, P: Tensor, L: Tensor, U: Tensor): Tensor {
  const m = L.shape[L.ndim - 2]!;
  const n = U.shape[U.ndim - 1]!;
  const k = Math.min(m, n);
  let gA: Tensor;
  if (m === n) {
    gA = add(tril(matmul(mT(L), gL), -1), triu(matmul(gU, mT(U))));
    gA = solveTriangular(mT(U), gA, { upper: false, left: false });
    gA = solveTriangular(mT(L), gA, { upper: true, left: true, unitriangular: true });
  } else if (m < n) {
    // Wide: U = [U1 U2] with U1 k×k.
    const U1 = narrow(U, -1, 0, k);
    gA = sub(matmul(mT(L), gL), matmul(triu(gU), mT(U)));
    gA = solveTriangular(mT(U1), tril(gA, -1), { upper: false, left: false });
    gA = concat2(add(gA, triu(narrow(gU, -1, 0, k))), narrow(gU, -1, k, n - k), -1);
    gA = solveTriangular(mT(L), gA, { upper: true, left: true, unitriangular: true });
  } else {
    // Tall: L = [L1; L2] with L1 k×k.
    const L1 = narrow(L, -2, 0, k);
    gA = sub(matmul(gU, mT(U)), matmul(mT(L), tril(gL, -1)));
    gA = solveTriangular(mT(L1), triu(gA), { upper: true, left: true, unitriangular: true });
    gA = concat2(add(gA, tril(narrow(gL, -2, 0, k), -1)), narrow(gL, -2, k, m - k), -2);
    gA = solveTriangular(mT(U), gA, { upper: false, left: false });
  }
  return matmul(P, gA);
}
