/** Moore–Penrose pseudo-inverse via the SVD (or eigh for symmetric input), differentiable. */
import { record } from '../autograd/node.js';
import { ArgumentError } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { add, sub } from '../ops/binary.js';
import { matmul } from '../ops/matmul.js';
import { neg as negT } from '../ops/unary.js';
import { svdRaw } from './decompositions/svd.js';
import { LinAlgError } from './errors.js';
import {
  batchOf,
  checkMatrix,
  checkSquare,
  describeElement,
  epsOf,
  fromF64,
  mT,
  readF64,
} from './internal.js';
import { getLinalgKernels } from './kernels/index.js';

/** Tolerances deciding which singular values count as zero: `s ≤ max(atol, rtol · s_max)`. */
export interface RankTolerance {
  /** Absolute tolerance (default 0). */
  atol?: number;
  /** Relative tolerance (default `eps(dtype) · max(m, n)` when `atol` is not given, else 0). */
  rtol?: number;
}

/** Options of `pinv`. */
export interface PinvOptions extends RankTolerance {
  /** A is symmetric (only its lower triangle is read): use the eigendecomposition. */
  hermitian?: boolean;
}

/** The cut-off `max(atol, rtol · sMax)` with PyTorch's defaults. */
export function rankCutoff(
  op: string,
  opts: RankTolerance,
  sMax: number,
  m: number,
  n: number,
  eps: number,
): number {
  const atol = opts.atol ?? 0;
  const rtol = opts.rtol ?? (opts.atol === undefined || opts.atol === 0 ? eps * Math.max(m, n) : 0);
  if (atol < 0 || rtol < 0)
    throw new ArgumentError(`${op}: tolerances must be non-negative (atol ${atol}, rtol ${rtol})`);
  return Math.max(atol, rtol * sMax);
}

/** @internal pinv plus the singular values and ranks it used (float64 data). */
export function pinvRaw(
  A: Tensor,
  opts: PinvOptions,
  op: string,
): { p: Float64Array; s: Float64Array; rank: Int32Array; m: number; n: number; batchShape: number[] } {
  const eps = epsOf(A.dtype);
  if (opts.hermitian) {
    const n = checkSquare(op, A);
    const batchShape = batchOf(A);
    const batch = sizeOf(batchShape);
    const data = readF64(A);
    const w = new Float64Array(n);
    const v = new Float64Array(n * n);
    const p = new Float64Array(batch * n * n);
    const s = new Float64Array(batch * n);
    const rank = new Int32Array(batch);
    const K = getLinalgKernels();
    for (let b = 0; b < batch; b++) {
      if (K.syev(data.subarray(b * n * n, (b + 1) * n * n), n, w, v) !== 0) {
        throw new LinAlgError(`${op}: eigh did not converge for ${describeElement(b, batchShape, A.shape)}`);
      }
      const absw = Array.from(w, Math.abs).sort((x, y) => y - x);
      s.set(absw, b * n);
      const cut = rankCutoff(op, opts, absw[0] ?? 0, n, n, eps);
      const o = b * n * n;
      for (let l = 0; l < n; l++) {
        if (!(Math.abs(w[l]!) > cut)) continue;
        rank[b]!++;
        const inv = 1 / w[l]!;
        for (let i = 0; i < n; i++) {
          const vi = v[i * n + l]! * inv;
          for (let j = 0; j < n; j++) p[o + i * n + j] += vi * v[j * n + l]!;
        }
      }
    }
    return { p, s, rank, m: n, n, batchShape };
  }
  const { u, s, vt, m, n, batchShape } = svdRaw(A, op, false);
  const k = Math.min(m, n);
  const batch = sizeOf(batchShape);
  const p = new Float64Array(batch * n * m);
  const rank = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const cut = rankCutoff(op, opts, k > 0 ? s[b * k]! : 0, m, n, eps);
    // pinv = V diag(1/s) Uᵀ over the singular values above the cut-off.
    for (let l = 0; l < k; l++) {
      const sl = s[b * k + l]!;
      if (!(sl > cut)) continue;
      rank[b]!++;
      const inv = 1 / sl;
      for (let i = 0; i < n; i++) {
        const vi = vt[b * k * n + l * n + i]! * inv;
        if (vi === 0) continue;
        const o = b * n * m + i * m;
        for (let j = 0; j < m; j++) p[o + j] += vi * u[b * m * k + j * k + l]!;
      }
    }
  }
  return { p, s, rank, m, n, batchShape };
}

/**
 * Moore–Penrose pseudo-inverse of a (batch of) m×n matrix, like `torch.linalg.pinv`:
 * `V diag(1/s) Uᵀ` over the singular values `s > max(atol, rtol · s_max)`. The gradient
 * (Golub & Pereyra) is that of the constant-rank pseudo-inverse.
 */
export function pinv(A: Tensor, opts: PinvOptions = {}): Tensor {
  const op = 'pinv';
  checkMatrix(op, A);
  const { p, m, n, batchShape } = pinvRaw(A, opts, op);
  const P = fromF64(p, [...batchShape, n, m], A.dtype);
  record(op, P, [A], ([g]) => [pinvBackward(g!, P, A)], [P, A]);
  return P;
}

/** Gradient of `P = pinv(A)` (PyTorch's `pinv_backward`, real case). */
export function pinvBackward(g: Tensor, P: Tensor, A: Tensor): Tensor {
  const m = A.shape[A.ndim - 2]!;
  const n = A.shape[A.ndim - 1]!;
  const Pt = mT(P);
  const gt = mT(g);
  if (m <= n) {
    const K = matmul(gt, P);
    const KPt = matmul(K, Pt);
    return add(
      sub(add(negT(mT(matmul(P, K))), KPt), matmul(matmul(A, P), KPt)),
      matmul(matmul(Pt, P), sub(gt, matmul(K, A))),
    );
  }
  const K = matmul(P, gt);
  const PtK = matmul(Pt, K);
  return sub(
    add(add(negT(mT(matmul(K, P))), matmul(matmul(sub(gt, matmul(A, K)), P), Pt)), PtK),
    matmul(matmul(PtK, P), A),
  );
}
