/** Householder QR (float64, row-major). */

/**
 * Householder QR of the m×n row-major matrix `a` (not modified): `A = Q R`.
 * Writes R (`rRows`×n, upper trapezoidal; `rRows` is min(m,n) for the reduced
 * factorisation or m for the complete one) into `r`, and, when `q` is given, the
 * first `qCols` columns of the orthogonal m×m factor Q into the m×`qCols`
 * row-major `q` (`qCols` = min(m,n) reduced, m complete). Reflectors follow
 * LAPACK's `dlarfg` convention (H = I − τ v vᵀ, v₀ = 1, β = −sign(α)‖x‖).
 */
export function geqr(
  a: Float64Array,
  m: number,
  n: number,
  r: Float64Array,
  rRows: number,
  q: Float64Array | null,
  qCols: number,
): void {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  // Work column-major (each column contiguous): the reflectors act on columns.
  const w = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) w[c * m + i] = a[i * n + c]!;
  for (let j = 0; j < k; j++) {
    const cj = j * m;
    let tail = 0;
    for (let i = j + 1; i < m; i++) tail += w[cj + i]! * w[cj + i]!;
    const alpha = w[cj + j]!;
    if (tail === 0) {
      tau[j] = 0;
      continue;
    }
    const norm = Math.hypot(alpha, Math.sqrt(tail));
    const beta = alpha >= 0 ? -norm : norm;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) w[cj + i] *= scale;
    const t = (beta - alpha) / beta;
    tau[j] = t;
    w[cj + j] = beta;
    // Apply H = I − τ v vᵀ (v = [1, w[j+1:, j]]) to the trailing columns.
    for (let c = j + 1; c < n; c++) {
      const cc = c * m;
      let d = w[cc + j]!;
      for (let i = j + 1; i < m; i++) d += w[cj + i]! * w[cc + i]!;
      d *= t;
      if (d === 0) continue;
      w[cc + j] -= d;
      for (let i = j + 1; i < m; i++) w[cc + i] -= d * w[cj + i]!;
    }
  }
  r.fill(0, 0, rRows * n);
  for (let i = 0; i < Math.min(rRows, k); i++) for (let c = i; c < n; c++) r[i * n + c] = w[c * m + i]!;
  if (!q) return;
  // Q = H₀ H₁ … H_{k−1} I[:, :qCols], accumulated backwards on the columns of Q (column-major).
  const qc = new Float64Array(m * qCols);
  for (let i = 0; i < Math.min(m, qCols); i++) qc[i * m + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const t = tau[j]!;
    if (t === 0) continue;
    const cj = j * m;
    for (let c = 0; c < qCols; c++) {
      const cc = c * m;
      let d = qc[cc + j]!;
      for (let i = j + 1; i < m; i++) d += w[cj + i]! * qc[cc + i]!;
      d *= t;
      if (d === 0) continue;
      qc[cc + j] -= d;
      for (let i = j + 1; i < m; i++) qc[cc + i] -= d * w[cj + i]!;
    }
  }
  for (let i = 0; i < m; i++) for (let c = 0; c < qCols; c++) q[i * qCols + c] = qc[c * m + i]!;
}
