/** Matrix norms, numerical rank and condition numbers. */
import { ArgumentError } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { div } from '../ops/binary.js';
import { max, min, norm, sum } from '../ops/reduce.js';
import { abs } from '../ops/unary.js';
import { select, unsqueeze } from '../ops/view.js';
import { svdvals } from './decompositions/svd.js';
import { LinAlgError } from './errors.js';
import { batchOf, checkMatrix, checkSquare, describeElement, epsOf, readF64 } from './internal.js';
import { getLinalgKernels } from './kernels/index.js';
import { type RankTolerance, rankCutoff } from './pinv.js';
import { inv } from './solve.js';

/** Orders of `matrixNorm`. */
export type MatrixNormOrd = 'fro' | 'nuc' | 1 | -1 | 2 | -2 | number;

/** Options of `matrixNorm`. */
export interface MatrixNormOptions {
  /** Keep the two reduced dims as size 1 (default false). */
  keepdims?: boolean;
}

const ORDS = "'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity";

/**
 * Matrix norm of a (batch of) matrix over the last two dims, like
 * `torch.linalg.matrix_norm`: 'fro' (Frobenius, default), 'nuc' (nuclear: sum of
 * singular values), 2 / −2 (largest / smallest singular value), 1 / −1 (max / min
 * column abs-sum), Infinity / −Infinity (max / min row abs-sum). Differentiable.
 */
export function matrixNorm(A: Tensor, ord: MatrixNormOrd = 'fro', opts: MatrixNormOptions = {}): Tensor {
  const op = 'matrixNorm';
  const [m, n] = checkMatrix(op, A);
  const keep = opts.keepdims ?? false;
  const restore = (t: Tensor) => (keep ? unsqueeze(unsqueeze(t, -1), -1) : t);
  if (ord === 'fro') return norm(A, 'fro', [-2, -1], keep);
  if (ord === 'nuc' || ord === 2 || ord === -2) {
    if (m * n === 0 && ord !== 'nuc') {
      throw new ArgumentError(
        `${op}: ord ${ord} is not defined for the empty matrices of shape [${A.shape}]`,
      );
    }
    const S = svdvals(A);
    const k = Math.min(m, n);
    if (ord === 'nuc') return restore(sum(S, -1));
    return restore(select(S, -1, ord === 2 ? 0 : k - 1));
  }
  if (ord === 1 || ord === -1) {
    const colSums = sum(abs(A), -2);
    return restore(ord === 1 ? max(colSums, -1) : min(colSums, -1));
  }
  if (ord === Number.POSITIVE_INFINITY || ord === Number.NEGATIVE_INFINITY) {
    const rowSums = sum(abs(A), -1);
    return restore(ord > 0 ? max(rowSums, -1) : min(rowSums, -1));
  }
  throw new ArgumentError(`${op}: unsupported order ${String(ord)} (expected ${ORDS})`);
}

/** Options of `matrixRank`. */
export interface MatrixRankOptions extends RankTolerance {
  /** A is symmetric: count eigenvalues by absolute value (only the lower triangle is read). */
  hermitian?: boolean;
}

/**
 * Numerical rank of a (batch of) matrix, like `torch.linalg.matrix_rank`: the number of
 * singular values `> max(atol, rtol · s_max)` (rtol defaults to `eps · max(m, n)`).
 * Returns an int32 tensor of the batch shape.
 */
export function matrixRank(A: Tensor, opts: MatrixRankOptions = {}): Tensor {
  const op = 'matrixRank';
  const [m, n] = opts.hermitian ? [checkSquare(op, A), A.shape[A.ndim - 1]!] : checkMatrix(op, A);
  const k = Math.min(m, n);
  const batchShape = batchOf(A);
  const batch = sizeOf(batchShape);
  const data = readF64(A);
  const out = new Int32Array(batch);
  const s = new Float64Array(k);
  const K = getLinalgKernels();
  const eps = epsOf(A.dtype);
  for (let b = 0; b < batch; b++) {
    const a = data.subarray(b * m * n, (b + 1) * m * n);
    const info = opts.hermitian
      ? K.syev(a, n, s, new Float64Array(n * n))
      : K.gesvd(a, m, n, s, null, null, false);
    if (info !== 0) {
      throw new LinAlgError(
        `${op}: the decomposition did not converge for ${describeElement(b, batchShape, A.shape)}`,
      );
    }
    const vals = Array.from(s, Math.abs);
    const cut = rankCutoff(op, opts, k > 0 ? Math.max(...vals) : 0, m, n, eps);
    out[b] = vals.filter((v) => v > cut).length;
  }
  return Tensor._fromData(out, batchShape, 'int32');
}

/**
 * Condition number of a (batch of) matrix in the norm `p`, like `torch.linalg.cond`:
 * for p = 2 (default) / −2 the ratio of the largest to the smallest singular value (or
 * its inverse; any shape), otherwise `‖A‖_p ‖A⁻¹‖_p` for square invertible A
 * (a singular matrix raises `LinAlgError`). Differentiable.
 */
export function cond(A: Tensor, p: MatrixNormOrd = 2): Tensor {
  const op = 'cond';
  const [m, n] = checkMatrix(op, A);
  if (p === 2 || p === -2) {
    const S = svdvals(A);
    const k = Math.min(m, n);
    const hi = select(S, -1, 0);
    const lo = select(S, -1, k - 1);
    return p === 2 ? div(hi, lo) : div(lo, hi);
  }
  checkSquare(op, A);
  return matrixNorm(A, p).mul(matrixNorm(inv(A), p));
}
