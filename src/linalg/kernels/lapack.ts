/**
 * LAPACK-backed linalg kernels over the native addon (`src/backend/native`).
 *
 * Each kernel keeps the exact contract of its pure-TypeScript counterpart (see
 * `./index.ts`): 1-based `getrf` pivots, the lower triangle read by `potrf`/`syev`,
 * ascending eigenvalues and descending singular values, row-major outputs, the `rRows`/
 * `qCols` variants of `geqr` and thin/full SVD. Variants the addon's wrappers do not cover
 * (complete QR of a tall matrix) and matrices below a measured size threshold (where the
 * N-API call and the row-/column-major transposes cost more than they save) go to the
 * TypeScript kernel, as does everything when the addon reports no LAPACK (`null`).
 *
 * `getrs` and `trsm` have no LAPACK wrapper in the addon; for large right-hand sides they
 * are blocked here so that most of their work is one native GEMM per block
 * (`addon.gemm`), with the small diagonal blocks solved in TypeScript.
 */
import type { NativeAddon } from '../../backend/native/addon.js';
import { potrf as tsPotrf } from './cholesky.js';
import { syev as tsSyev } from './eigh.js';
import type { LinalgKernels } from './index.js';
import { applyPivots, getrf as tsGetrf, getrs as tsGetrs } from './lu.js';
import { geqr as tsGeqr } from './qr.js';
import { completeBasis, gesvd as tsGesvd } from './svd.js';
import { trsm as tsTrsm } from './triangular.js';

/**
 * Smallest problem sent to the native side, per kernel, as an order `t` of the matrix
 * (`max(m,n) ≥ t` for `potrf`/`getrf`/`syev`, `m·n·min(m,n) ≥ t³` for `geqr`/`gesvd`,
 * and for `getrs`/`trsm` `n ≥ t` together with `n·k ≥ t²` (k right-hand sides) or
 * `n ≥ 256`).
 * `Infinity` keeps a kernel in TypeScript; 0 sends everything native (tests).
 */
export interface LapackThresholds {
  potrf: number;
  getrf: number;
  getrs: number;
  trsm: number;
  geqr: number;
  syev: number;
  gesvd: number;
}

/**
 * Crossovers measured on a 2-core AVX-512 machine with OpenBLAS 0.3 (see docs/backend.md):
 * below these orders the TypeScript kernel was as fast or faster.
 */
export const defaultLapackThresholds: Readonly<LapackThresholds> = Object.freeze({
  potrf: 16,
  getrf: 32,
  getrs: 48,
  trsm: 48,
  geqr: 8,
  syev: 48,
  gesvd: 2,
});

/**
 * Rows per block of the GEMM-blocked triangular solves: small, because the diagonal
 * blocks are solved in TypeScript (8–16 measured fastest of 8–128 at n = 64…500).
 */
const BLOCK = 16;
/** Order from which the blocked solves pay off even for a single right-hand side. */
const VECTOR_SOLVE_MIN = 256;

/**
 * Solves `op(A) X = B` in place (B n×k) by blocks of rows: each block first subtracts
 * the contribution of the already solved rows with one GEMM, then solves against its
 * own diagonal block with the TypeScript kernel. Same contract as `trsm`.
 */
function blockedTrsm(
  addon: NativeAddon,
  a: Float64Array,
  n: number,
  b: Float64Array,
  k: number,
  upper: boolean,
  unit: boolean,
  trans: boolean,
): void {
  const diag = new Float64Array(BLOCK * BLOCK);
  const solveDiag = (i0: number, i1: number) => {
    const nb = i1 - i0;
    const d = nb === BLOCK ? diag : new Float64Array(nb * nb);
    for (let i = 0; i < nb; i++) d.set(a.subarray((i0 + i) * n + i0, (i0 + i) * n + i1), i * nb);
    tsTrsm(d, nb, b.subarray(i0 * k, i1 * k), k, upper, unit, trans);
  };
  if (upper !== trans) {
    // Effectively upper: rows from the bottom; block [i0, i1) needs rows [i1, n).
    for (let i1 = n; i1 > 0; i1 -= BLOCK) {
      const i0 = Math.max(0, i1 - BLOCK);
      const rest = n - i1;
      if (rest > 0) {
        // op(A)[i0:i1, i1:n] is a[i0:i1, i1:n], or a[i1:n, i0:i1]ᵀ when transposed.
        const aOff = trans ? i1 * n + i0 : i0 * n + i1;
        addon.gemm(trans, false, i1 - i0, k, rest, -1, a, aOff, n, b, i1 * k, k, 1, b, i0 * k, k);
      }
      solveDiag(i0, i1);
    }
  } else {
    // Effectively lower: rows from the top; block [i0, i1) needs rows [0, i0).
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const i1 = Math.min(n, i0 + BLOCK);
      if (i0 > 0) {
        // op(A)[i0:i1, 0:i0] is a[i0:i1, 0:i0], or a[0:i0, i0:i1]ᵀ when transposed.
        const aOff = trans ? i0 : i0 * n;
        addon.gemm(trans, false, i1 - i0, k, i0, -1, a, aOff, n, b, 0, k, 1, b, i0 * k, k);
      }
      solveDiag(i0, i1);
    }
  }
}

/**
 * Builds LAPACK-backed kernels on `addon` (only the kernels it can serve; merge them over
 * the TypeScript set). Small problems use the TypeScript kernels, per `thresholds`.
 */
export function createLapackKernels(
  addon: NativeAddon,
  thresholds: Partial<LapackThresholds> = {},
): Partial<LinalgKernels> {
  const t: LapackThresholds = { ...defaultLapackThresholds, ...thresholds };
  const big = (m: number, n: number, order: number) => {
    const k = Math.min(m, n);
    return k > 0 && m * n * k >= order ** 3;
  };
  // A few right-hand sides make GEMMs too thin to pay off until the matrix is large.
  const solveBig = (n: number, k: number, order: number) =>
    k > 0 && n >= order && (n * k >= order * order || n >= VECTOR_SOLVE_MIN);

  const potrf: LinalgKernels['potrf'] = (a, n) => {
    if (n === 0 || n < t.potrf) return tsPotrf(a, n);
    return addon.potrf(a, n) ?? tsPotrf(a, n);
  };

  const getrf: LinalgKernels['getrf'] = (a, m, n, ipiv) => {
    const k = Math.min(m, n);
    if (k === 0 || Math.max(m, n) < t.getrf) return tsGetrf(a, m, n, ipiv);
    const info = addon.getrf(a, m, n, ipiv);
    if (info === null) return tsGetrf(a, m, n, ipiv);
    // The addon's pivots are 0-based; the kernel contract is LAPACK's 1-based.
    for (let i = 0; i < k; i++) ipiv[i]! += 1;
    return info;
  };

  const trsm: LinalgKernels['trsm'] = (a, n, b, k, upper, unit, trans) => {
    if (!solveBig(n, k, t.trsm)) return tsTrsm(a, n, b, k, upper, unit, trans);
    blockedTrsm(addon, a, n, b, k, upper, unit, trans);
  };

  const getrs: LinalgKernels['getrs'] = (lu, ipiv, n, b, k) => {
    if (!solveBig(n, k, t.getrs)) return tsGetrs(lu, ipiv, n, b, k);
    applyPivots(b, k, ipiv, n);
    blockedTrsm(addon, lu, n, b, k, false, true, false);
    blockedTrsm(addon, lu, n, b, k, true, false, false);
  };

  const geqr: LinalgKernels['geqr'] = (a, m, n, r, rRows, q, qCols) => {
    const k = Math.min(m, n);
    // The wrapper computes the thin factorisation only: Q m×k, R k×n.
    if (!big(m, n, t.geqr) || (q !== null && qCols !== k)) return tsGeqr(a, m, n, r, rRows, q, qCols);
    const rk = rRows === k ? r : new Float64Array(k * n);
    const qk = q ?? new Float64Array(m * k);
    const info = addon.qr(a, m, n, qk, rk);
    if (info === null || info !== 0) return tsGeqr(a, m, n, r, rRows, q, qCols);
    if (rk !== r) {
      r.fill(0, 0, rRows * n);
      r.set(rk.subarray(0, Math.min(rRows, k) * n));
    }
  };

  const syev: LinalgKernels['syev'] = (a, n, w, v) => {
    if (n === 0 || n < t.syev) return tsSyev(a, n, w, v);
    // syevd works in place (lower triangle read, eigenvectors written as columns).
    v.set(a.subarray(0, n * n));
    const info = addon.syevd(v, n, w);
    return info ?? tsSyev(a, n, w, v);
  };

  const gesvd: LinalgKernels['gesvd'] = (a, m, n, s, u, vt, full) => {
    const k = Math.min(m, n);
    if (!big(m, n, t.gesvd)) return tsGesvd(a, m, n, s, u, vt, full);
    // gesdd destroys its input and computes the thin factors U m×k, Vᵀ k×n.
    const work = a.slice(0, m * n);
    const uThin = u && (!full || m === k) ? u : new Float64Array(m * k);
    const vtThin = vt && (!full || n === k) ? vt : new Float64Array(k * n);
    const info = addon.gesdd(work, m, n, s, uThin, vtThin);
    if (info === null) return tsGesvd(a, m, n, s, u, vt, full);
    if (info !== 0) return info;
    if (u && uThin !== u) {
      // Full U of a tall matrix: the thin columns, completed to an orthonormal basis of Rᵐ
      // (the completion is arbitrary, as in the TypeScript kernel).
      const cols: Float64Array[] = [];
      for (let j = 0; j < k; j++) {
        const c = new Float64Array(m);
        for (let i = 0; i < m; i++) c[i] = uThin[i * k + j]!;
        cols.push(c);
      }
      completeBasis(cols, m, m);
      for (let j = 0; j < m; j++) {
        const c = cols[j]!;
        for (let i = 0; i < m; i++) u[i * m + j] = c[i]!;
      }
    }
    if (vt && vtThin !== vt) {
      // Full Vᵀ of a wide matrix: the thin rows, completed to an orthonormal basis of Rⁿ.
      const rows: Float64Array[] = [];
      for (let j = 0; j < k; j++) rows.push(vtThin.slice(j * n, (j + 1) * n));
      completeBasis(rows, n, n);
      for (let j = 0; j < n; j++) vt.set(rows[j]!, j * n);
    }
    return 0;
  };

  return { potrf, getrf, getrs, trsm, geqr, syev, gesvd };
}
