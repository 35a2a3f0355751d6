/** LU factorisation with partial pivoting and the solves built on it (float64, row-major). */

/**
 * In-place LU factorisation with partial (row) pivoting of the m×n row-major matrix
 * `a`: on return its strict lower part holds the unit-lower L and its upper part U,
 * and `ipiv[i]` (1-based, LAPACK convention) is the row swapped with row i at step i,
 * so that `A = P L U`. Returns 0, or the 1-based index of the first exactly zero
 * pivot (the factorisation still completes, as in LAPACK's `getrf`).
 */
export function getrf(a: Float64Array, m: number, n: number, ipiv: Int32Array): number {
  const k = Math.min(m, n);
  let info = 0;
  for (let j = 0; j < k; j++) {
    let p = j;
    let best = Math.abs(a[j * n + j]!);
    for (let i = j + 1; i < m; i++) {
      const v = Math.abs(a[i * n + j]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    ipiv[j] = p + 1;
    if (p !== j) {
      const rp = p * n;
      const rj = j * n;
      for (let c = 0; c < n; c++) {
        const t = a[rj + c]!;
        a[rj + c] = a[rp + c]!;
        a[rp + c] = t;
      }
    }
    const rj = j * n;
    const piv = a[rj + j]!;
    if (piv === 0) {
      if (info === 0) info = j + 1;
      continue;
    }
    for (let i = j + 1; i < m; i++) {
      const ri = i * n;
      const l = a[ri + j]! / piv;
      a[ri + j] = l;
      if (l !== 0) for (let c = j + 1; c < n; c++) a[ri + c] -= l * a[rj + c]!;
    }
  }
  return info;
}

/** Applies the first `count` row interchanges of `ipiv` (from `getrf`) to the row-major `b` with k columns. */
export function applyPivots(b: Float64Array, k: number, ipiv: Int32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const p = ipiv[i]! - 1;
    if (p === i) continue;
    const ri = i * k;
    const rp = p * k;
    for (let c = 0; c < k; c++) {
      const t = b[ri + c]!;
      b[ri + c] = b[rp + c]!;
      b[rp + c] = t;
    }
  }
}

/**
 * Solves `A X = B` in place in the n×k row-major `b`, given the square LU
 * factorisation `lu`/`ipiv` of A from `getrf` (which must be non-singular).
 */
export function getrs(lu: Float64Array, ipiv: Int32Array, n: number, b: Float64Array, k: number): void {
  applyPivots(b, k, ipiv, n);
  // Forward substitution with the unit-lower L.
  for (let i = 1; i < n; i++) {
    const ri = i * k;
    for (let j = 0; j < i; j++) {
      const l = lu[i * n + j]!;
      if (l === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) b[ri + c] -= l * b[rj + c]!;
    }
  }
  // Back substitution with U.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * k;
    for (let j = i + 1; j < n; j++) {
      const u = lu[i * n + j]!;
      if (u === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) b[ri + c] -= u * b[rj + c]!;
    }
    const d = lu[i * n + i]!;
    for (let c = 0; c < k; c++) b[ri + c] /= d;
  }
}
