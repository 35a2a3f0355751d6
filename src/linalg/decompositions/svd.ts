/** Singular value decomposition, differentiable. */
import { record } from '../../autograd/node.js';
import { sizeOf } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { add, div, eq, mul, sub, where } from '../../ops/binary.js';
import { matmul } from '../../ops/matmul.js';
import { narrow, unsqueeze } from '../../ops/view.js';
import { LinAlgError } from '../errors.js';
import { batchOf, checkMatrix, describeElement, diagEmbed, fromF64, mT, readF64 } from '../internal.js';
import { getLinalgKernels } from '../kernels/index.js';
import { inverseGaps } from './eigh.js';

/** Options of `svd`. */
export interface SVDOptions {
  /** Return square U [m,m] and Vh [n,n] (default false: U [m,k], Vh [k,n], k = min(m,n)). */
  fullMatrices?: boolean;
}

/** Result of `svd`: `A = U diag(S) Vh`. */
export interface SVDResult {
  /** Left singular vectors as columns. */
  U: Tensor;
  /** [..., k] singular values, descending. */
  S: Tensor;
  /** Right singular vectors as rows. */
  Vh: Tensor;
}

/** @internal raw batched SVD in float64. */
export function svdRaw(
  A: Tensor,
  op: string,
  full: boolean,
): { u: Float64Array; s: Float64Array; vt: Float64Array; m: number; n: number; batchShape: number[] } {
  const [m, n] = checkMatrix(op, A);
  const k = Math.min(m, n);
  const uc = full ? m : k;
  const vr = full ? n : k;
  const batchShape = batchOf(A);
  const batch = sizeOf(batchShape);
  const data = readF64(A);
  const u = new Float64Array(batch * m * uc);
  const s = new Float64Array(batch * k);
  const vt = new Float64Array(batch * vr * n);
  const K = getLinalgKernels();
  for (let b = 0; b < batch; b++) {
    const info = K.gesvd(
      data.subarray(b * m * n, (b + 1) * m * n),
      m,
      n,
      s.subarray(b * k, (b + 1) * k),
      u.subarray(b * m * uc, (b + 1) * m * uc),
      vt.subarray(b * vr * n, (b + 1) * vr * n),
      full,
    );
    if (info !== 0) {
      throw new LinAlgError(`${op}: the SVD did not converge for ${describeElement(b, batchShape, A.shape)}`);
    }
  }
  return { u, s, vt, m, n, batchShape };
}

/**
 * Singular value decomposition `A = U diag(S) Vh` of a (batch of) m×n matrix, like
 * `torch.linalg.svd` (one-sided Jacobi; singular values descending). Singular vectors
 * are determined up to sign (and within repeated singular values), so differentiate
 * gauge-invariant functions of them; the gradient assumes distinct non-zero singular
 * values. With `fullMatrices` the extra columns of U / rows of Vh get no gradient.
 */
export function svd(A: Tensor, opts: SVDOptions = {}): SVDResult {
  return svdImpl(A, opts.fullMatrices ?? false, 'svd');
}

function svdImpl(A: Tensor, full: boolean, op: string): SVDResult {
  const { u, s, vt, m, n, batchShape } = svdRaw(A, op, full);
  const k = Math.min(m, n);
  const U = fromF64(u, [...batchShape, m, full ? m : k], A.dtype);
  const S = fromF64(s, [...batchShape, k], A.dtype);
  const Vh = fromF64(vt, [...batchShape, full ? n : k, n], A.dtype);
  record(
    op,
    [U, S, Vh],
    [A],
    ([gU, gS, gVh]) => {
      if (!full) return [svdBackward(gU!, gS!, gVh!, U, S, Vh)];
      // The completion columns are arbitrary: drop their gradient (as PyTorch does).
      return [
        svdBackward(
          narrow(gU!, -1, 0, k),
          gS!,
          narrow(gVh!, -2, 0, k),
          narrow(U, -1, 0, k),
          S,
          narrow(Vh, -2, 0, k),
        ),
      ];
    },
    [U, S, Vh],
  );
  return { U, S, Vh };
}

/**
 * Singular values (descending) of a (batch of) matrix, like `torch.linalg.svdvals`.
 * Gradient `U diag(g) Vh`.
 */
export function svdvals(A: Tensor): Tensor {
  return svdImpl(A, false, 'svdvals').S;
}

/** `1/x` with 0 where x is exactly 0; differentiable. */
function safeReciprocal(x: Tensor): Tensor {
  const zero = eq(x, 0);
  return where(zero, 0, div(1, where(zero, 1, x)));
}

/**
 * Gradient of the reduced SVD `A = U diag(S) Vh` (PyTorch's `svd_backward`, real case):
 * `gA = U [(J S + S K) ∘ F + diag(gS)] Vh` with J = skew(Uᵀ gU), K = skew(Vh gVhᵀ),
 * F_ij = 1/(s_j² − s_i²), plus the projections of gU (m > n) or gVh (m < n) onto the
 * orthogonal complement.
 */
export function svdBackward(gU: Tensor, gS: Tensor, gVh: Tensor, U: Tensor, S: Tensor, Vh: Tensor): Tensor {
  const m = U.shape[U.ndim - 2]!;
  const n = Vh.shape[Vh.ndim - 1]!;
  const UtgU = matmul(mT(U), gU);
  const J = sub(UtgU, mT(UtgU));
  const VhgV = matmul(Vh, mT(gVh));
  const K = sub(VhgV, mT(VhgV));
  const F = inverseGaps(mul(S, S));
  const inner = add(mul(add(mul(J, unsqueeze(S, -2)), mul(unsqueeze(S, -1), K)), F), diagEmbed(gS));
  if (m > n) {
    // gA = [U inner + (I − U Uᵀ) gU S⁻¹] Vh
    const gUSinv = mul(gU, unsqueeze(safeReciprocal(S), -2));
    const left = add(matmul(U, inner), sub(gUSinv, matmul(U, matmul(mT(U), gUSinv))));
    return matmul(left, Vh);
  }
  if (m < n) {
    // gA = U [inner Vh + S⁻¹ gVh (I − Vhᵀ Vh)]
    const SinvgVh = mul(unsqueeze(safeReciprocal(S), -1), gVh);
    const right = add(matmul(inner, Vh), sub(SinvgVh, matmul(matmul(SinvgVh, mT(Vh)), Vh)));
    return matmul(U, right);
  }
  return matmul(U, matmul(inner, Vh));
}
