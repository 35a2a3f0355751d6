/** QR factorisation by Householder reflections, differentiable (reduced, m ≥ n or wide). */
import { record } from '../../autograd/node.js';
import { ArgumentError } from '../../core/errors.js';
import { sizeOf } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { add, sub } from '../../ops/binary.js';
import { zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/matmul.js';
import { narrow } from '../../ops/view.js';
import { batchOf, checkMatrix, concat2, fromF64, mT, readF64, triu } from '../internal.js';
import { getLinalgKernels } from '../kernels/index.js';
import { solveTriangular } from '../triangular.js';

/** `'reduced'`: Q [m,k], R [k,n]; `'complete'`: Q [m,m], R [m,n]; `'r'`: R only (Q empty). */
export type QRMode = 'reduced' | 'complete' | 'r';

/** Options of `qr`. */
export interface QROptions {
  /** Default `'reduced'`. */
  mode?: QRMode;
}

/** Result of `qr`: `A = Q R`. */
export interface QRResult {
  /** Orthonormal columns (empty [0] in mode 'r'). */
  Q: Tensor;
  /** Upper trapezoidal. */
  R: Tensor;
}

/**
 * QR factorisation `A = Q R` of a (batch of) m×n matrix by Householder reflections,
 * like `torch.linalg.qr` (k = min(m, n); R's diagonal may be negative, as with LAPACK).
 * Differentiable whenever Q and R are determined by A: mode 'reduced' (and 'complete'
 * with m ≤ n), assuming the leading k×k block of A is non-singular.
 */
export function qr(A: Tensor, opts: QROptions = {}): QRResult {
  const op = 'qr';
  const mode = opts.mode ?? 'reduced';
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r') {
    throw new ArgumentError(`${op}: unknown mode '${mode}' (expected 'reduced', 'complete' or 'r')`);
  }
  const [m, n] = checkMatrix(op, A);
  const k = Math.min(m, n);
  const batchShape = batchOf(A);
  const batch = sizeOf(batchShape);
  const rRows = mode === 'complete' ? m : k;
  const qCols = mode === 'complete' ? m : k;
  const data = readF64(A);
  const rd = new Float64Array(batch * rRows * n);
  const qd = mode === 'r' ? null : new Float64Array(batch * m * qCols);
  const K = getLinalgKernels();
  for (let b = 0; b < batch; b++) {
    K.geqr(
      data.subarray(b * m * n, (b + 1) * m * n),
      m,
      n,
      rd.subarray(b * rRows * n, (b + 1) * rRows * n),
      rRows,
      qd ? qd.subarray(b * m * qCols, (b + 1) * m * qCols) : null,
      qCols,
    );
  }
  const R = fromF64(rd, [...batchShape, rRows, n], A.dtype);
  const Q = qd ? fromF64(qd, [...batchShape, m, qCols], A.dtype) : zeros([0], { dtype: A.dtype });
  record(
    op,
    [Q, R],
    [A],
    ([gQ, gR]) => {
      if (mode === 'r') {
        throw new ArgumentError(
          `${op}: the gradient needs Q, which mode 'r' does not compute; use mode 'reduced'`,
        );
      }
      if (mode === 'complete' && m > n) {
        throw new ArgumentError(
          `${op}: the gradient of mode 'complete' is not defined for m > n (got ${m}×${n}); use mode 'reduced'`,
        );
      }
      return [qrBackward(gQ!, gR!, Q, R)];
    },
    [Q, R],
  );
  return { Q, R };
}

/**
 * Gradient of the reduced QR `A = Q R`. For m ≥ n:
 * `gA = (gQ + Q copyu(M)) R⁻ᵀ`, `M = gR Rᵀ − Qᵀ gQ`, where copyu(M) is the symmetric
 * matrix with M's upper triangle. For m < n, A = [A₁ A₂] with A₁ = Q R₁ square:
 * `gA₂ = Q gR₂` and A₁ gets the square formula with `gQ + A₂ gR₂ᵀ`.
 */
export function qrBackward(gQ: Tensor, gR: Tensor, Q: Tensor, R: Tensor): Tensor {
  const m = Q.shape[Q.ndim - 2]!;
  const n = R.shape[R.ndim - 1]!;
  if (m >= n) return qrBackwardTall(gQ, gR, Q, R);
  const R1 = narrow(R, -1, 0, m);
  const R2 = narrow(R, -1, m, n - m);
  const gR1 = narrow(gR, -1, 0, m);
  const gR2 = narrow(gR, -1, m, n - m);
  const gQeff = add(gQ, matmul(matmul(Q, R2), mT(gR2)));
  return concat2(qrBackwardTall(gQeff, gR1, Q, R1), matmul(Q, gR2), -1);
}

function qrBackwardTall(gQ: Tensor, gR: Tensor, Q: Tensor, R: Tensor): Tensor {
  const M = sub(matmul(gR, mT(R)), matmul(mT(Q), gQ));
  const N = add(triu(M), mT(triu(M, 1)));
  const G = add(gQ, matmul(Q, N));
  // G R⁻ᵀ: solve X Rᵀ = G with Rᵀ lower-triangular.
  return solveTriangular(mT(R), G, { upper: false, left: false });
}
