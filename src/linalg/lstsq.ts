/** Least-squares solutions of `A X ≈ B` via the SVD (minimum-norm for rank-deficient A). */

import { record } from '../autograd/node.js';
import { fmtShape, ShapeError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { sub } from '../ops/binary.js';
import { zeros } from '../ops/creation.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { square } from '../ops/unary.js';
import { squeeze, unsqueeze } from '../ops/view.js';
import { checkFloat, checkMatrix, fromF64 } from './internal.js';
import { pinvBackward, pinvRaw } from './pinv.js';

/** Options of `lstsq`. */
export interface LstsqOptions {
  /** Singular values `≤ rcond · s_max` are treated as zero (default `eps(dtype) · max(m, n)`). */
  rcond?: number;
}

/** Result of `lstsq`. */
export interface LstsqResult {
  /** [..., n, k] (or [..., n] for a vector B): the minimum-norm least-squares solution. */
  solution: Tensor;
  /**
   * [..., k] (or [...]) squared residuals ‖A x − b‖² per column, when m > n and every
   * matrix of the batch has full rank; otherwise an empty tensor [0] (as PyTorch).
   */
  residuals: Tensor;
  /** [...] int32 numerical rank of A. */
  rank: Tensor;
  /** [..., min(m,n)] singular values of A, descending (no gradient). */
  singularValues: Tensor;
}

/**
 * Least-squares solution of `A X ≈ B` (like `torch.linalg.lstsq` with the `gelsd`
 * driver): `X = pinv(A) B` through the SVD, so rank-deficient A gets the minimum-norm
 * solution. A is [..., m, n]; B is [..., m, k] or a batch of vectors ([m], or [..., m]
 * when its shape is A's without the last dim); batch dims broadcast. Differentiable
 * in A (constant-rank pseudo-inverse gradient) and B.
 */
export function lstsq(A: Tensor, B: Tensor, opts: LstsqOptions = {}): LstsqResult {
  const op = 'lstsq';
  const [m, n] = checkMatrix(op, A, 'A');
  checkFloat(op, B, 'B');
  const isVector = B.ndim === 1 || (B.ndim === A.ndim - 1 && shapesEqual(B.shape, A.shape.slice(0, -1)));
  if (!(isVector ? B.shape[B.ndim - 1] === m : B.ndim >= 2 && B.shape[B.ndim - 2] === m)) {
    throw new ShapeError(
      `${op}: A ${fmtShape(A.shape)} and B ${fmtShape(B.shape)} are incompatible (B must be [..., ${m}] or [..., ${m}, k])`,
    );
  }
  const { p, s, rank, batchShape } = pinvRaw(A, opts.rcond === undefined ? {} : { rtol: opts.rcond }, op);
  const P = fromF64(p, [...batchShape, n, m], A.dtype);
  record(op, P, [A], ([g]) => [pinvBackward(g!, P, A)], [P, A]);
  const B2 = isVector ? unsqueeze(B, -1) : B;
  const X2 = matmul(P, B2);
  const solution = isVector ? squeeze(X2, -1) : X2;
  const fullRank = rank.every((r) => r === n);
  let residuals: Tensor;
  if (m > n && fullRank) {
    const r = sum(square(sub(matmul(A, X2), B2)), -2);
    residuals = isVector ? squeeze(r, -1) : r;
  } else {
    residuals = zeros([0], { dtype: solution.dtype });
  }
  return {
    solution,
    residuals,
    rank: Tensor._fromData(rank, batchShape, 'int32'),
    singularValues: fromF64(s, [...batchShape, Math.min(m, n)], A.dtype),
  };
}
