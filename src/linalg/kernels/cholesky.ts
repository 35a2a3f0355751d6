/** Cholesky factorisation kernel (pure TypeScript, float64, row-major). */

/**
 * In-place lower Cholesky factorisation `A = L Lᵀ` of the n×n row-major matrix `a`.
 * Only the lower triangle is read; on return the lower triangle holds L and the
 * strict upper triangle is zeroed. Returns 0 on success, or the (1-based) order
 * of the leading minor that is not positive-definite (like LAPACK's `potrf` info).
 */
export function potrf(a: Float64Array, n: number): number {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0)) return j + 1;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / ljj;
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = 0;
  return 0;
}
