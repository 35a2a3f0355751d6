/** General linear solves `A X = B` and inverses via LU with partial pivoting, differentiable. */
import { record } from '../autograd/node.js';
import { promoteTypes } from '../core/dtype.js';
import { fmtShape, ShapeError } from '../core/errors.js';
import { broadcastShapes, shapesEqual, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { cast } from '../ops/cast.js';
import { matmul } from '../ops/matmul.js';
import { sumToShape } from '../ops/reduce.js';
import { neg } from '../ops/unary.js';
import { squeeze, unsqueeze } from '../ops/view.js';
import { LinAlgError } from './errors.js';
import { batchOf, checkFloat, checkSquare, describeElement, fromF64, mT, readF64 } from './internal.js';
import { getLinalgKernels } from './kernels/index.js';

/** Options of `solve`. */
export interface SolveOptions {
  /** Solve `A X = B` (true, default) or `X A = B` (false). */
  left?: boolean;
}

function singularError(
  op: string,
  b: number,
  batchShape: readonly number[],
  shape: readonly number[],
  info: number,
  name = 'the input',
): LinAlgError {
  return new LinAlgError(
    `${op}: ${describeElement(b, batchShape, shape, name)} is singular (U[${info - 1},${info - 1}] of its LU factorisation is exactly zero)`,
  );
}

/** The batched matrix solve A X = B, B [..., n, k]. */
function solveMatrix(A: Tensor, B: Tensor, op: string): Tensor {
  const n = A.shape[A.ndim - 1]!;
  const k = B.shape[B.ndim - 1]!;
  const dtype = promoteTypes(A.dtype, B.dtype);
  const a = cast(A, dtype);
  const b = cast(B, dtype);
  const batchShape = broadcastShapes(batchOf(a), batchOf(b), op);
  const batch = sizeOf(batchShape);
  const ad = readF64(a, [...batchShape, n, n]);
  const bd = readF64(b, [...batchShape, n, k]);
  const ipiv = new Int32Array(n);
  const K = getLinalgKernels();
  for (let i = 0; i < batch; i++) {
    const ai = ad.subarray(i * n * n, (i + 1) * n * n);
    const info = K.getrf(ai, n, n, ipiv);
    if (info !== 0) throw singularError(op, i, batchShape, [...batchShape, n, n], info, 'A');
    K.getrs(ai, ipiv, n, bd.subarray(i * n * k, (i + 1) * n * k), k);
  }
  const X = fromF64(bd, [...batchShape, n, k], dtype);
  record(
    op,
    X,
    [a, b],
    ([g]) => {
      // gB = A⁻ᵀ g, gA = −gB Xᵀ.
      const gB = solveMatrix(mT(a), g!, op);
      return [
        a.requiresGrad ? sumToShape(neg(matmul(gB, mT(X))), a.shape) : null,
        b.requiresGrad ? sumToShape(gB, b.shape) : null,
      ];
    },
    [a, X],
  );
  return X;
}

/**
 * Solves `A X = B` for square non-singular A (or `X A = B` with `left: false`), like
 * `torch.linalg.solve`, by LU with partial pivoting. A is [..., n, n]; B is a batch of
 * vectors ([n], or [..., n] when its shape is A's without the last dim) or of matrices
 * [..., n, k]; batch dims broadcast. Throws a `LinAlgError` naming a singular element.
 */
export function solve(A: Tensor, B: Tensor, opts: SolveOptions = {}): Tensor {
  const op = 'solve';
  const n = checkSquare(op, A, 'A');
  checkFloat(op, B, 'B');
  const left = opts.left ?? true;
  const isVector = B.ndim === 1 || (B.ndim === A.ndim - 1 && shapesEqual(B.shape, A.shape.slice(0, -1)));
  const rowsOk = isVector ? B.shape[B.ndim - 1] === n : B.ndim >= 2 && B.shape[B.ndim - (left ? 2 : 1)] === n;
  if (!rowsOk) {
    throw new ShapeError(
      `${op}: A ${fmtShape(A.shape)} and B ${fmtShape(B.shape)} are incompatible ` +
        `(B must be [..., ${n}] or ${left ? `[..., ${n}, k]` : `[..., k, ${n}]`})`,
    );
  }
  if (isVector) return squeeze(solveMatrix(left ? A : mT(A), unsqueeze(B, -1), op), -1);
  if (left) return solveMatrix(A, B, op);
  return mT(solveMatrix(mT(A), mT(B), op));
}

/**
 * Inverse of a (batch of) square non-singular matrix, like `torch.linalg.inv` (LU with
 * partial pivoting). Throws a `LinAlgError` naming the singular batch element.
 */
export function inv(A: Tensor): Tensor {
  const op = 'inv';
  const n = checkSquare(op, A);
  const batchShape = batchOf(A);
  const batch = sizeOf(batchShape);
  const ad = readF64(A);
  const out = new Float64Array(batch * n * n);
  const ipiv = new Int32Array(n);
  const K = getLinalgKernels();
  for (let i = 0; i < batch; i++) {
    const ai = ad.subarray(i * n * n, (i + 1) * n * n);
    const info = K.getrf(ai, n, n, ipiv);
    if (info !== 0) throw singularError(op, i, batchShape, A.shape, info);
    const oi = out.subarray(i * n * n, (i + 1) * n * n);
    for (let r = 0; r < n; r++) oi[r * n + r] = 1;
    K.getrs(ai, ipiv, n, oi, n);
  }
  const Y = fromF64(out, A.shape, A.dtype);
  // gA = −Yᵀ g Yᵀ.
  record(op, Y, [A], ([g]) => [neg(matmul(mT(Y), matmul(g!, mT(Y))))], [Y]);
  return Y;
}
