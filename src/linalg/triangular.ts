/** Triangular solves `A X = B` / `X A = B`, batched with broadcasting, differentiable. */
import { record } from '../autograd/node.js';
import { promoteTypes } from '../core/dtype.js';
import { fmtShape, ShapeError } from '../core/errors.js';
import { broadcastShapes, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { cast } from '../ops/cast.js';
import { matmul } from '../ops/matmul.js';
import { sumToShape } from '../ops/reduce.js';
import { neg } from '../ops/unary.js';
import { batchOf, checkMatrix, checkSquare, fromF64, mT, readF64, tril, triu } from './internal.js';
import { getLinalgKernels } from './kernels/index.js';

/** Options of `solveTriangular`. */
export interface SolveTriangularOptions {
  /** Whether A is upper (true) or lower (false) triangular; only that triangle is read. */
  upper: boolean;
  /** Solve `A X = B` (true, default) or `X A = B` (false). */
  left?: boolean;
  /** Treat the diagonal of A as ones (it is not read). */
  unitriangular?: boolean;
}

/**
 * Solves the triangular system `A X = B` (or `X A = B` with `left: false`), like
 * `torch.linalg.solve_triangular`. A is [..., n, n], B is [..., n, k] (left) or
 * [..., k, n] (right); batch dims broadcast. Only the `upper`/lower triangle of A is
 * read (and receives gradient). A zero on the diagonal yields Inf/NaN, no error.
 */
export function solveTriangular(A: Tensor, B: Tensor, opts: SolveTriangularOptions): Tensor {
  const op = 'solveTriangular';
  const n = checkSquare(op, A, 'A');
  const [br, bc] = checkMatrix(op, B, 'B');
  const left = opts.left ?? true;
  const upper = opts.upper;
  const unit = opts.unitriangular ?? false;
  if ((left ? br : bc) !== n) {
    throw new ShapeError(
      `${op}: A ${fmtShape(A.shape)} and B ${fmtShape(B.shape)} are incompatible for ` +
        `${left ? 'A X = B (B must be [..., n, k])' : 'X A = B (B must be [..., k, n])'} with n = ${n}`,
    );
  }
  const dtype = promoteTypes(A.dtype, B.dtype);
  const a = cast(A, dtype);
  const b = cast(B, dtype);
  const batchShape = broadcastShapes(batchOf(a), batchOf(b), op);
  const batch = sizeOf(batchShape);
  const ad = readF64(a, [...batchShape, n, n]);
  const bd = readF64(b, [...batchShape, br, bc]);
  const k = left ? bc : br;
  const K = getLinalgKernels();
  const tmp = new Float64Array(n * k);
  for (let i = 0; i < batch; i++) {
    const ai = ad.subarray(i * n * n, (i + 1) * n * n);
    const bi = bd.subarray(i * n * k, (i + 1) * n * k);
    if (left) {
      K.trsm(ai, n, bi, k, upper, unit, false);
    } else {
      // X A = B  ⇔  Aᵀ Xᵀ = Bᵀ.
      for (let r = 0; r < k; r++) for (let c = 0; c < n; c++) tmp[c * k + r] = bi[r * n + c]!;
      K.trsm(ai, n, tmp, k, upper, unit, true);
      for (let r = 0; r < k; r++) for (let c = 0; c < n; c++) bi[r * n + c] = tmp[c * k + r]!;
    }
  }
  const X = fromF64(bd, [...batchShape, br, bc], dtype);
  record(
    op,
    X,
    [a, b],
    ([g]) => {
      // gB = A⁻ᵀ g (left) or g A⁻ᵀ (right); gA = −gB Xᵀ (left) or −Xᵀ gB (right), masked to A's triangle.
      const gB = solveTriangular(mT(a), g!, { upper: !upper, left, unitriangular: unit });
      let gA: Tensor | null = null;
      if (a.requiresGrad) {
        const full = neg(left ? matmul(gB, mT(X)) : matmul(mT(X), gB));
        const masked = upper ? triu(full, unit ? 1 : 0) : tril(full, unit ? -1 : 0);
        gA = sumToShape(masked, a.shape);
      }
      return [gA, b.requiresGrad ? sumToShape(gB, b.shape) : null];
    },
    [a, X],
  );
  return X;
}
