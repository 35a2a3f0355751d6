/** Triangular solves (float64, row-major). */

/**
 * Solves `op(A) X = B` in place in the n×k row-major `b`, where A is the n×n
 * row-major triangular matrix `a` (only its `upper`/lower triangle is read),
 * `op(A)` is A or Aᵀ (`trans`), and `unit` treats the diagonal as ones.
 * A zero diagonal produces Inf/NaN, as LAPACK's `trsm` does.
 */
export function trsm(
  a: Float64Array,
  n: number,
  b: Float64Array,
  k: number,
  upper: boolean,
  unit: boolean,
  trans: boolean,
): void {
  const at = trans ? (i: number, j: number) => a[j * n + i]! : (i: number, j: number) => a[i * n + j]!;
  const effUpper = upper !== trans;
  if (effUpper) {
    for (let i = n - 1; i >= 0; i--) {
      const ri = i * k;
      for (let j = i + 1; j < n; j++) {
        const v = at(i, j);
        if (v === 0) continue;
        const rj = j * k;
        for (let c = 0; c < k; c++) b[ri + c] -= v * b[rj + c]!;
      }
      if (!unit) {
        const d = at(i, i);
        for (let c = 0; c < k; c++) b[ri + c] /= d;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const ri = i * k;
      for (let j = 0; j < i; j++) {
        const v = at(i, j);
        if (v === 0) continue;
        const rj = j * k;
        for (let c = 0; c < k; c++) b[ri + c] -= v * b[rj + c]!;
      }
      if (!unit) {
        const d = at(i, i);
        for (let c = 0; c < k; c++) b[ri + c] /= d;
      }
    }
  }
}
