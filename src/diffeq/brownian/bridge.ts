/**
 * Exact conditional sampling of Brownian motion and its space-time Lévy area on a
 * split interval (Brownian bridge, Foster's formulas).
 *
 * For an interval [s, u] of length h, `W = W_u − W_s` and the space-time Lévy area
 * `H = (1/h)∫_s^u (W_r − W_s − (r−s)/h·W) dr` (independent of W, variance h/12). Splitting
 * at r into lengths L1 = r − s and L2 = u − r, the halves are independent with
 * `W_i ~ N(0, L_i)`, `H_i ~ N(0, L_i/12)`, tied to the whole by
 * `W = W1 + W2` and `H = (L2·W1 − L1·W2)/(2h) + (L1·H1 + L2·H2)/h`.
 * Sampling (W1, W2, H1, H2) given (W, H) uses Matheron's rule (exact).
 */

/** Coefficients of the general split with Lévy area (Matheron's rule), for one (L1, L2). */
export interface SplitCoefs {
  sd: Float64Array; // standard deviations of (W1, W2, H1, H2)
  a: Float64Array; // constraint rows A (2×4, row-major)
  m: Float64Array; // gain M = D Aᵀ (A D Aᵀ)⁻¹ (4×2, row-major)
}

/** Matheron coefficients for a split into lengths L1, L2 (both ≥ 0, sum > 0). */
export function splitCoefs(L1: number, L2: number): SplitCoefs {
  const h = L1 + L2;
  const d = [L1, L2, L1 / 12, L2 / 12];
  const a = Float64Array.from([1, 1, 0, 0, L2 / (2 * h), -L1 / (2 * h), L1 / h, L2 / h]);
  // S = A D Aᵀ (2×2)
  let s00 = 0;
  let s01 = 0;
  let s11 = 0;
  for (let i = 0; i < 4; i++) {
    s00 += a[i]! * d[i]! * a[i]!;
    s01 += a[i]! * d[i]! * a[4 + i]!;
    s11 += a[4 + i]! * d[i]! * a[4 + i]!;
  }
  const det = s00 * s11 - s01 * s01;
  const i00 = s11 / det;
  const i01 = -s01 / det;
  const i11 = s00 / det;
  const m = new Float64Array(8);
  for (let i = 0; i < 4; i++) {
    const da0 = d[i]! * a[i]!;
    const da1 = d[i]! * a[4 + i]!;
    m[2 * i] = da0 * i00 + da1 * i01;
    m[2 * i + 1] = da0 * i01 + da1 * i11;
  }
  return { sd: Float64Array.from(d, Math.sqrt), a, m };
}

/**
 * Splits (W, H) of one channel given four standard normals: writes (W1, H1, W2, H2)
 * into `out[0..3]`.
 */
export function splitWithLevy(
  c: SplitCoefs,
  W: number,
  H: number,
  z0: number,
  z1: number,
  z2: number,
  z3: number,
  out: Float64Array,
): void {
  const { sd, a, m } = c;
  const x0 = sd[0]! * z0;
  const x1 = sd[1]! * z1;
  const x2 = sd[2]! * z2;
  const x3 = sd[3]! * z3;
  const r0 = W - (a[0]! * x0 + a[1]! * x1 + a[2]! * x2 + a[3]! * x3);
  const r1 = H - (a[4]! * x0 + a[5]! * x1 + a[6]! * x2 + a[7]! * x3);
  out[0] = x0 + m[0]! * r0 + m[1]! * r1;
  out[1] = x2 + m[4]! * r0 + m[5]! * r1;
  out[2] = x1 + m[2]! * r0 + m[3]! * r1;
  out[3] = x3 + m[6]! * r0 + m[7]! * r1;
}

/** (W, H) of the concatenation of two adjacent intervals of lengths L1 and L2. */
export function joinLevy(
  W1: number,
  H1: number,
  L1: number,
  W2: number,
  H2: number,
  L2: number,
): [number, number] {
  const h = L1 + L2;
  return [W1 + W2, (L2 * W1 - L1 * W2) / (2 * h) + (L1 * H1 + L2 * H2) / h];
}
