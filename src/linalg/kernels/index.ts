/**
 * The raw linear-algebra kernels the `linalg` ops dispatch to: per-matrix routines on
 * row-major float64 buffers. The pure-TypeScript implementations here are the reference
 * and the fallback; a native (LAPACK) provider can replace any subset with
 * `setLinalgKernels`, keeping the same contracts (documented on each kernel).
 */
import { potrf } from './cholesky.js';
import { syev } from './eigh.js';
import { getrf, getrs } from './lu.js';
import { geqr } from './qr.js';
import { gesvd } from './svd.js';
import { trsm } from './triangular.js';

/** The kernel set (see the individual kernels for their exact contracts). */
export interface LinalgKernels {
  /** In-place lower Cholesky of an n×n matrix (lower triangle read); 0 or the failing minor's order. */
  potrf(a: Float64Array, n: number): number;
  /** In-place LU with partial pivoting of an m×n matrix; 1-based pivots; 0 or the first zero pivot. */
  getrf(a: Float64Array, m: number, n: number, ipiv: Int32Array): number;
  /** Solves A X = B in place (B n×k) from a square `getrf` factorisation. */
  getrs(lu: Float64Array, ipiv: Int32Array, n: number, b: Float64Array, k: number): void;
  /** Solves op(A) X = B in place (B n×k) for triangular A. */
  trsm(
    a: Float64Array,
    n: number,
    b: Float64Array,
    k: number,
    upper: boolean,
    unit: boolean,
    trans: boolean,
  ): void;
  /** Householder QR: R (rRows×n) and optionally the first qCols columns of Q (m×qCols). */
  geqr(
    a: Float64Array,
    m: number,
    n: number,
    r: Float64Array,
    rRows: number,
    q: Float64Array | null,
    qCols: number,
  ): void;
  /** Symmetric eigendecomposition (lower triangle read): ascending w, eigenvectors as columns of v. */
  syev(a: Float64Array, n: number, w: Float64Array, v: Float64Array): number;
  /** SVD: descending s, U (m×k or m×m), Vᵀ (k×n or n×n); u/vt null to skip. */
  gesvd(
    a: Float64Array,
    m: number,
    n: number,
    s: Float64Array,
    u: Float64Array | null,
    vt: Float64Array | null,
    full: boolean,
  ): number;
}

/** The pure-TypeScript kernels. */
export const jsLinalgKernels: Readonly<LinalgKernels> = Object.freeze({
  potrf,
  getrf,
  getrs,
  trsm,
  geqr,
  syev,
  gesvd,
});

let current: LinalgKernels = { ...jsLinalgKernels };

/** The kernels the linalg ops currently use. */
export function getLinalgKernels(): Readonly<LinalgKernels> {
  return current;
}

/** Replaces some kernels (e.g. with LAPACK-backed ones); the others keep their current implementation. */
export function setLinalgKernels(overrides: Partial<LinalgKernels>): void {
  current = { ...current, ...overrides };
}

/** Restores the pure-TypeScript kernels. */
export function resetLinalgKernels(): void {
  current = { ...jsLinalgKernels };
}
