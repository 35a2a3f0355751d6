/** Eigendecomposition of symmetric matrices, differentiable. */
import { record } from '../../autograd/node.js';
import { ArgumentError } from '../../core/errors.js';
import { sizeOf } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { add, div, eq, mul, sub, where } from '../../ops/binary.js';
import { matmul } from '../../ops/matmul.js';
import { unsqueeze } from '../../ops/view.js';
import { LinAlgError } from '../errors.js';
import { batchOf, checkSquare, describeElement, diagEmbed, fromF64, mT, readF64 } from '../internal.js';
import { getLinalgKernels } from '../kernels/index.js';

/** Options of `eigh`/`eigvalsh`. */
export interface EighOptions {
  /** Which triangle of A is read: 'L' (lower, default) or 'U'. */
  uplo?: 'L' | 'U';
}

/** Result of `eigh`: `A = V diag(λ) Vᵀ`. */
export interface EighResult {
  /** [..., n], ascending. */
  eigenvalues: Tensor;
  /** [..., n, n], orthonormal eigenvectors as columns. */
  eigenvectors: Tensor;
}

function eighRaw(
  A: Tensor,
  op: string,
  uplo: 'L' | 'U',
): { w: Float64Array; v: Float64Array; n: number; batchShape: number[] } {
  if (uplo !== 'L' && uplo !== 'U') throw new ArgumentError(`${op}: uplo must be 'L' or 'U' (got '${uplo}')`);
  const n = checkSquare(op, A);
  const batchShape = batchOf(A);
  const batch = sizeOf(batchShape);
  const data = readF64(A);
  const w = new Float64Array(batch * n);
  const v = new Float64Array(batch * n * n);
  const K = getLinalgKernels();
  for (let b = 0; b < batch; b++) {
    const a = data.subarray(b * n * n, (b + 1) * n * n);
    if (uplo === 'U') {
      // Mirror the upper triangle into the lower one, which the kernel reads.
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!;
    }
    const info = K.syev(a, n, w.subarray(b * n, (b + 1) * n), v.subarray(b * n * n, (b + 1) * n * n));
    if (info !== 0) {
      throw new LinAlgError(
        `${op}: the eigenvalue iteration did not converge for ${describeElement(b, batchShape, A.shape)}`,
      );
    }
  }
  return { w, v, n, batchShape };
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors of a (batch of) real symmetric
 * matrix, like `torch.linalg.eigh`; only the `uplo` triangle is read. Computed by
 * Householder tridiagonalisation and implicit QL. Eigenvectors are determined up to
 * sign (and within eigenspaces), so differentiate gauge-invariant functions of them;
 * the gradient assumes distinct eigenvalues (exactly repeated ones contribute zero).
 */
export function eigh(A: Tensor, opts: EighOptions = {}): EighResult {
  return eighImpl(A, opts, 'eigh');
}

function eighImpl(A: Tensor, opts: EighOptions, op: string): EighResult {
  const { w, v, n, batchShape } = eighRaw(A, op, opts.uplo ?? 'L');
  const L = fromF64(w, [...batchShape, n], A.dtype);
  const V = fromF64(v, [...batchShape, n, n], A.dtype);
  record(op, [L, V], [A], ([gL, gV]) => [eighBackward(gL!, gV!, L, V)], [L, V]);
  return { eigenvalues: L, eigenvectors: V };
}

/**
 * Eigenvalues (ascending) of a (batch of) real symmetric matrix, like
 * `torch.linalg.eigvalsh`. Gradient `V diag(g) Vᵀ` (also second order).
 */
export function eigvalsh(A: Tensor, opts: EighOptions = {}): Tensor {
  return eighImpl(A, opts, 'eigvalsh').eigenvalues;
}

/**
 * `1 / (x_j − x_i)` off the diagonal (i.e. 1/E with E_ij = x_j − x_i), 0 on the diagonal
 * and wherever x_i = x_j exactly; differentiable in x.
 */
export function inverseGaps(x: Tensor): Tensor {
  const E = sub(unsqueeze(x, -2), unsqueeze(x, -1));
  const zero = eq(E, 0);
  return where(zero, 0, div(1, where(zero, 1, E)));
}

/**
 * Gradient of `A = V diag(L) Vᵀ` (symmetric A):
 * `gA = V (diag(gL) + skew(Vᵀ gV)/2 ∘ F) Vᵀ`, F_ij = 1/(λ_j − λ_i).
 */
export function eighBackward(gL: Tensor, gV: Tensor, L: Tensor, V: Tensor): Tensor {
  const VtgV = matmul(mT(V), gV);
  const skewHalf = mul(sub(VtgV, mT(VtgV)), 0.5);
  const inner = add(mul(skewHalf, inverseGaps(L)), diagEmbed(gL));
  return matmul(V, matmul(inner, mT(V)));
}
