/**
 * The raw linear-algebra kernels the `linalg` ops dispatch to: per-matrix routines on
 * row-major float64 buffers. The pure-TypeScript implementations here are the reference
 * and the fallback; the LAPACK-backed kernels of `./lapack.ts` replace them automatically
 * while the native backend is active (and its addon found a LAPACK library), and any
 * subset can be replaced with `setLinalgKernels`, keeping the same contracts (documented
 * on each kernel).
 */
import { getBackend, getNativeAddon } from '../../backend/index.js';
import { potrf } from './cholesky.js';
import { syev } from './eigh.js';
import { createLapackKernels } from './lapack.js';
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

/** Explicit replacements from `setLinalgKernels`, applied over the base set. */
let overrides: Partial<LinalgKernels> = {};
/**
 * `'auto'`: the TypeScript kernels, with the LAPACK-backed ones over them whenever the
 * native backend is the active one and its addon has LAPACK; `'js'`: TypeScript only
 * (after `resetLinalgKernels`).
 */
let base: 'auto' | 'js' = 'auto';
/** The merged sets, built lazily (undefined: not built yet; null: no LAPACK). */
let jsMerged: Readonly<LinalgKernels> | undefined;
let lapackMerged: Readonly<LinalgKernels> | null | undefined;
let lapackKernels: Partial<LinalgKernels> | null | undefined;

/** The LAPACK-backed kernels of the loaded addon (built on first use), or null without LAPACK. */
export function nativeLinalgKernels(): Partial<LinalgKernels> | null {
  if (lapackKernels === undefined) {
    const addon = getNativeAddon();
    lapackKernels = addon?.lapackAvailable() ? createLapackKernels(addon) : null;
  }
  return lapackKernels;
}

/**
 * The kernels the linalg ops currently use. By default these follow the active backend:
 * the native backend with a LAPACK library gets the LAPACK-backed kernels (where they
 * are faster; see `./lapack.ts`), otherwise (e.g. `NABLA_BACKEND=js` or
 * `setBackend('js')`) the pure-TypeScript ones. Resolved on every call (cheap).
 */
export function getLinalgKernels(): Readonly<LinalgKernels> {
  if (base === 'auto' && getBackend().name === 'native') {
    if (lapackMerged === undefined) {
      const native = nativeLinalgKernels();
      lapackMerged = native ? Object.freeze({ ...jsLinalgKernels, ...native, ...overrides }) : null;
    }
    if (lapackMerged) return lapackMerged;
  }
  if (jsMerged === undefined) jsMerged = Object.freeze({ ...jsLinalgKernels, ...overrides });
  return jsMerged;
}

/**
 * Replaces some kernels (e.g. with custom ones); the others keep their current
 * implementation (following the active backend unless `resetLinalgKernels` was called).
 */
export function setLinalgKernels(replacements: Partial<LinalgKernels>): void {
  overrides = { ...overrides, ...replacements };
  jsMerged = undefined;
  lapackMerged = undefined;
}

/** Restores the pure-TypeScript kernels (on every backend, until `restoreDefaultLinalgKernels`). */
export function resetLinalgKernels(): void {
  overrides = {};
  base = 'js';
  jsMerged = undefined;
  lapackMerged = undefined;
}

/** Restores the default: LAPACK-backed kernels on the native backend, TypeScript otherwise. */
export function restoreDefaultLinalgKernels(): void {
  overrides = {};
  base = 'auto';
  jsMerged = undefined;
  lapackMerged = undefined;
}
