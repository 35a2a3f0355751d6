/**
 * Singular value decomposition (float64, row-major) by one-sided Jacobi
 * (Hestenes' method): the columns of the tall orientation of A are orthogonalised
 * by plane rotations, which are accumulated into V. Accurate to high relative
 * precision, including the small singular values.
 */

const EPS = 2 ** -52;
const MAX_SWEEPS = 80;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm without underflow or overflow of the squares. */
function norm2(a: Float64Array): number {
  let sq = 0;
  for (let i = 0; i < a.length; i++) sq += a[i]! * a[i]!;
  if (sq > 1e-280 && sq < 1e280) return Math.sqrt(sq);
  let mx = 0;
  for (let i = 0; i < a.length; i++) mx = Math.max(mx, Math.abs(a[i]!));
  if (mx === 0 || !Number.isFinite(mx)) return mx;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! / mx;
    s += x * x;
  }
  return mx * Math.sqrt(s);
}

/**
 * Extends the orthonormal vectors `cols` (each of length `rows`) to `count` vectors,
 * each time adding the coordinate vector farthest from their span, orthogonalised
 * twice (classical Gram–Schmidt with re-orthogonalisation).
 */
export function completeBasis(cols: Float64Array[], rows: number, count: number): void {
  while (cols.length < count) {
    let best = -1;
    let bestRes = -1;
    for (let e = 0; e < rows; e++) {
      let proj = 0;
      for (const c of cols) proj += c[e]! * c[e]!;
      if (1 - proj > bestRes) {
        bestRes = 1 - proj;
        best = e;
      }
    }
    const v = new Float64Array(rows);
    v[best] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (const c of cols) {
        const p = dot(c, v);
        for (let i = 0; i < rows; i++) v[i] -= p * c[i]!;
      }
    }
    const nrm = Math.sqrt(dot(v, v));
    for (let i = 0; i < rows; i++) v[i] /= nrm;
    cols.push(v);
  }
}

/**
 * SVD of a tall matrix given as its `n` columns of length `m` (m ≥ n; the columns are
 * overwritten). Returns the singular values in descending order, the matching left
 * singular vectors (`fullU` ? m : n of them, orthonormal) and right singular vectors
 * (n of them), each as a list of columns. `converged` is false if the sweeps ran out.
 */
function tallSvd(
  w: Float64Array[],
  m: number,
  n: number,
  fullU: boolean,
): { s: Float64Array; u: Float64Array[]; v: Float64Array[]; converged: boolean } {
  const v: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(n);
    c[j] = 1;
    v.push(c);
  }
  // Scale by a power of two so that the entries are O(1).
  let maxAbs = 0;
  for (const c of w) for (let i = 0; i < m; i++) maxAbs = Math.max(maxAbs, Math.abs(c[i]!));
  const scale = maxAbs > 0 && Number.isFinite(maxAbs) ? 2 ** -Math.round(Math.log2(maxAbs)) : 1;
  for (const c of w) for (let i = 0; i < m; i++) c[i] *= scale;
  // Rotate while two columns are not orthogonal to working precision (cosine ≤ tol; a few
  // ulps rather than one, so that sweeps terminate when rounding noise dominates). Cosines
  // are formed from normalised columns, so tiny columns of graded matrices keep their
  // relative accuracy; columns below FLOOR (≈ 1e-290 ‖A‖) are numerically zero.
  const tol = EPS * Math.max(8, m);
  const FLOOR = 1e-290;
  const nrm = w.map(norm2);
  let converged = n < 2;
  for (let sweep = 0; sweep < MAX_SWEEPS && !converged; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const np = nrm[p]!;
        const nq = nrm[q]!;
        if (!(np > FLOOR && nq > FLOOR && np < Infinity && nq < Infinity)) continue;
        const wp = w[p]!;
        const wq = w[q]!;
        const ip = 1 / np;
        let g = 0;
        for (let i = 0; i < m; i++) g += wp[i]! * ip * wq[i]!;
        g /= nq;
        if (!(Math.abs(g) > tol)) continue;
        // tan of the rotation angle: ζ = (‖w_q‖² − ‖w_p‖²) / (2 w_p·w_q).
        const zeta = (nq / np - np / nq) / (2 * g);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta));
        if (!(t !== 0 && Number.isFinite(t))) continue;
        rotated = true;
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (let i = 0; i < m; i++) {
          const x = wp[i]!;
          const y = wq[i]!;
          wp[i] = c * x - sn * y;
          wq[i] = sn * x + c * y;
        }
        nrm[p] = norm2(wp);
        nrm[q] = norm2(wq);
        const vp = v[p]!;
        const vq = v[q]!;
        for (let i = 0; i < n; i++) {
          const x = vp[i]!;
          const y = vq[i]!;
          vp[i] = c * x - sn * y;
          vq[i] = sn * x + c * y;
        }
      }
    }
    if (!rotated) converged = true;
  }
  const norms = w.map(norm2);
  const sc = (i: number) => norms[i]! / scale;
  const order = norms.map((_, i) => i).sort((a, b) => norms[b]! - norms[a]! || a - b);
  const s = Float64Array.from(order, sc);
  const vs = order.map((i) => v[i]!);
  // Left vectors: normalised columns, re-orthogonalised against the previous ones;
  // columns of (numerically) zero norm are replaced by a completion of the basis.
  const u: Float64Array[] = [];
  const deficient: number[] = [];
  order.forEach((i, j) => {
    const c = w[i]!;
    const nrm = norms[i]!;
    if (!(nrm > 0) || !Number.isFinite(nrm)) {
      deficient.push(j);
      u.push(new Float64Array(m));
      return;
    }
    const x = new Float64Array(m);
    for (let r = 0; r < m; r++) x[r] = c[r]! / nrm;
    for (let k = 0; k < j; k++) {
      if (deficient.includes(k)) continue;
      const p = dot(u[k]!, x);
      for (let r = 0; r < m; r++) x[r] -= p * u[k]![r]!;
    }
    const nx = Math.sqrt(dot(x, x));
    if (nx < 0.5) {
      deficient.push(j);
      u.push(new Float64Array(m));
      return;
    }
    for (let r = 0; r < m; r++) x[r] /= nx;
    u.push(x);
  });
  if (deficient.length > 0) {
    const good = u.filter((_, j) => !deficient.includes(j));
    const basis = [...good];
    completeBasis(basis, m, good.length + deficient.length);
    deficient.forEach((j, k) => {
      u[j] = basis[good.length + k]!;
    });
  }
  if (fullU) completeBasis(u, m, m);
  return { s, u, v: vs, converged };
}

/**
 * SVD `A = U diag(S) Vᵀ` of the m×n row-major matrix `a` (not modified), k = min(m,n).
 * Writes S (k, descending) into `s`, U (m×k, or m×m when `full`) into `u`, and Vᵀ
 * (k×n, or n×n when `full`) into `vt`, all row-major. Pass `u`/`vt` as null to skip
 * the vectors. Returns 0, or 1 if the Jacobi sweeps did not converge.
 */
export function gesvd(
  a: Float64Array,
  m: number,
  n: number,
  s: Float64Array,
  u: Float64Array | null,
  vt: Float64Array | null,
  full: boolean,
): number {
  const tall = m >= n;
  const rows = tall ? m : n;
  const cols = tall ? n : m;
  const w: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    const c = new Float64Array(rows);
    if (tall) for (let i = 0; i < m; i++) c[i] = a[i * n + j]!;
    else for (let i = 0; i < n; i++) c[i] = a[j * n + i]!;
    w.push(c);
  }
  const res = tallSvd(w, rows, cols, full);
  s.set(res.s);
  // Tall: U = res.u (m × ·), V = res.v (n × n). Wide: U = res.v (m × m), V = res.u (n × ·).
  const left = tall ? res.u : res.v;
  const right = tall ? res.v : res.u;
  if (u) {
    const uc = left.length;
    for (let j = 0; j < uc; j++) {
      const c = left[j]!;
      for (let i = 0; i < m; i++) u[i * uc + j] = c[i]!;
    }
  }
  if (vt) {
    for (let j = 0; j < right.length; j++) vt.set(right[j]!, j * n);
  }
  return res.converged ? 0 : 1;
}
