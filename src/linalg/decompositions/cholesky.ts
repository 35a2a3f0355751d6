/** Cholesky factorisation `A = L Lᵀ` of symmetric positive-definite matrices, differentiable. */
import { record } from '../../autograd/node.js';
import { sizeOf } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../ops/binary.js';
import { matmul } from '../../ops/matmul.js';
import { LinAlgError } from '../errors.js';
import { batchOf, checkSquare, describeElement, fromF64, mT, readF64, tril } from '../internal.js';
import { getLinalgKernels } from '../kernels/index.js';
import { solveTriangular } from '../triangular.js';

/** Options of `cholesky`. */
export interface CholeskyOptions {
  /** Return the upper factor U = Lᵀ (A = Uᵀ U) instead of L (default false). */
  upper?: boolean;
}

/**
 * Cholesky factor of a (batch of) symmetric positive-definite matrix: the lower
 * triangular L with positive diagonal and `A = L Lᵀ` (or U = Lᵀ with `upper`), like
 * `torch.linalg.cholesky`. Only the lower triangle of A is read; the gradient is the
 * symmetric one (Murray 2016), so differentiate through a symmetric parametrisation.
 * Throws a `LinAlgError` naming the batch element that is not positive-definite.
 */
export function cholesky(A: Tensor, opts: CholeskyOptions = {}): Tensor {
  const op = 'cholesky';
  const n = checkSquare(op, A);
  const upper = opts.upper ?? false;
  const batchShape = batchOf(A);
  const batch = sizeOf(batchShape);
  const data = readF64(A);
  const K = getLinalgKernels();
  for (let b = 0; b < batch; b++) {
    const info = K.potrf(data.subarray(b * n * n, (b + 1) * n * n), n);
    if (info !== 0) {
      throw new LinAlgError(
        `${op}: ${describeElement(b, batchShape, A.shape)} is not positive-definite ` +
          `(the leading minor of order ${info} is not positive)`,
      );
    }
  }
  if (upper) {
    for (let b = 0; b < batch; b++) {
      const o = b * n * n;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          data[o + i * n + j] = data[o + j * n + i]!;
          data[o + j * n + i] = 0;
        }
      }
    }
  }
  const out = fromF64(data, A.shape, A.dtype);
  record(
    op,
    out,
    [A],
    ([g]) => {
      const L = upper ? mT(out) : out;
      const gL = upper ? mT(g!) : g!;
      return [choleskyBackward(gL, L)];
    },
    [out],
  );
  return out;
}

/**
 * Gradient of `L = cholesky(A)`: `gA = L⁻ᵀ Φ(Lᵀ gL) L⁻¹` with Φ symmetrising the lower
 * triangle with half the diagonal (the symmetric gradient, as PyTorch's).
 */
export function choleskyBackward(gL: Tensor, L: Tensor): Tensor {
  let gA = tril(matmul(mT(L), gL));
  gA = mul(add(gA, mT(tril(gA, -1))), 0.5);
  gA = solveTriangular(mT(L), gA, { upper: true, left: true });
  return solveTriangular(L, gA, { upper: false, left: false });
}
