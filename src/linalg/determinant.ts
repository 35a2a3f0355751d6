/** Determinants via LU: `det` and `slogdet`, differentiable. */
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/node.js';
import { sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { eq, mul, where } from '../ops/binary.js';
import { matmul } from '../ops/matmul.js';
import { prod } from '../ops/reduce.js';
import { expand, unsqueeze } from '../ops/view.js';
import { luRaw } from './decompositions/lu.js';
import { svd } from './decompositions/svd.js';
import { checkSquare, eyeT, fromF64, mT, scaledEye } from './internal.js';
import { solve } from './solve.js';

/** Per batch element, from one LU factorisation: det, its sign (−1, 0, 1) and log|det|. */
function luDeterminants(
  A: Tensor,
  op: string,
): { det: Float64Array; sign: Float64Array; logabs: Float64Array; batchShape: number[] } {
  const n = checkSquare(op, A);
  const { data, pivots, batchShape } = luRaw(A, op);
  const batch = sizeOf(batchShape);
  const det = new Float64Array(batch);
  const sign = new Float64Array(batch);
  const logabs = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let s = 1;
    let l = 0;
    let p = 1;
    for (let i = 0; i < n; i++) {
      const u = data[b * n * n + i * n + i]!;
      if (pivots[b * n + i] !== i + 1) s = -s;
      if (u < 0) s = -s;
      l += Math.log(Math.abs(u));
      p *= u;
    }
    if (Number.isNaN(l)) s = Number.NaN;
    else if (l === Number.NEGATIVE_INFINITY) s = 0;
    sign[b] = s;
    logabs[b] = l;
    // The direct product is the most accurate; fall back to sign·exp(log) if it over/underflowed.
    det[b] = Number.isFinite(p) && (p !== 0 || s === 0) ? Math.abs(p) * (s === 0 ? 1 : s) : s * Math.exp(l);
  }
  return { det, sign, logabs, batchShape };
}

/**
 * Determinant of a (batch of) square matrix, like `torch.linalg.det` (the product of
 * the LU pivots). The gradient is `g · det(A) · A⁻ᵀ`; where some matrix of the batch is
 * exactly singular it is the cofactor matrix, computed from the SVD (first order only).
 */
export function det(A: Tensor): Tensor {
  const op = 'det';
  const n = checkSquare(op, A);
  const { det: d, batchShape } = luDeterminants(A, op);
  const out = fromF64(d, batchShape, A.dtype);
  record(
    op,
    out,
    [A],
    ([g]) => {
      if (!d.some((v) => v === 0)) return [solve(mT(A), scaledEye(mul(g!, out), n))];
      return [mul(unsqueeze(unsqueeze(g!, -1), -1), cofactor(A))];
    },
    [A, out],
  );
  return out;
}

/**
 * The cofactor matrix `det(A) A⁻ᵀ`, defined also for singular A: with A = U S Vᵀ it is
 * `det(U) det(V) U diag(∏_{j≠i} s_j) Vᵀ`.
 */
function cofactor(A: Tensor): Tensor {
  const n = A.shape[A.ndim - 1]!;
  const { U, S, Vh } = svd(A);
  const signs = noGrad(() => mul(det(U), det(Vh)));
  // ∏_{j≠i} s_j: S broadcast over rows with ones on the diagonal, multiplied along each row.
  const Sb = expand(unsqueeze(S, -2), [...S.shape.slice(0, -1), n, n]);
  const others = prod(where(eq(eyeT(n, n, A.dtype), 1), 1, Sb), -1);
  return mul(matmul(mul(U, unsqueeze(others, -2)), Vh), unsqueeze(unsqueeze(signs, -1), -1));
}

/** Result of `slogdet`. */
export interface SlogdetResult {
  /** Sign of the determinant (−1, 0 or 1); no gradient. */
  sign: Tensor;
  /** log|det A| (−Infinity for singular matrices). */
  logabsdet: Tensor;
}

/**
 * Sign and natural log of the absolute value of the determinant, like
 * `torch.linalg.slogdet`: stable where `det` over- or underflows. The gradient of
 * `logabsdet` is `g · A⁻ᵀ`.
 */
export function slogdet(A: Tensor): SlogdetResult {
  const op = 'slogdet';
  const n = checkSquare(op, A);
  const { sign, logabs, batchShape } = luDeterminants(A, op);
  const s = fromF64(sign, batchShape, A.dtype);
  const l = fromF64(logabs, batchShape, A.dtype);
  record(op, [s, l], [A], ([, gl]) => [solve(mT(A), scaledEye(gl!, n))], [A]);
  return { sign: s, logabsdet: l };
}
