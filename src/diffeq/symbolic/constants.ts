/**
 * Refinement of an expression's constants by damped Gauss–Newton (Levenberg–Marquardt) on the
 * squared error, with the Jacobian from forward-mode evaluation. For expressions linear in
 * their constants the first step is the least-squares solution.
 */
import { type Expr, evalExprColumns, evalWithJacobian, exprConstants } from './expr.js';

/** Solves the small symmetric system `A x = b` (A is k×k, row-major) by Gaussian elimination with pivoting. */
function solve(A: Float64Array, b: Float64Array, k: number): Float64Array | null {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r * k + c]!) > Math.abs(M[p * k + c]!)) p = r;
    if (!(Math.abs(M[p * k + c]!) > 1e-300)) return null;
    if (p !== c) {
      for (let j = 0; j < k; j++) {
        const t = M[c * k + j]!;
        M[c * k + j] = M[p * k + j]!;
        M[p * k + j] = t;
      }
      const t = x[c]!;
      x[c] = x[p]!;
      x[p] = t;
    }
    for (let r = c + 1; r < k; r++) {
      const f = M[r * k + c]! / M[c * k + c]!;
      if (f === 0) continue;
      for (let j = c; j < k; j++) M[r * k + j] = M[r * k + j]! - f * M[c * k + j]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let c = k - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let j = c + 1; j < k; j++) s -= M[c * k + j]! * x[j]!;
    x[c] = s / M[c * k + c]!;
  }
  return x;
}

/** Sum of squared residuals (Infinity when not finite). */
export function sse(pred: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const r = pred[i]! - y[i]!;
    s += r * r;
  }
  return Number.isFinite(s) ? s : Number.POSITIVE_INFINITY;
}

/**
 * Improves the constants of `e` in place by up to `steps` Levenberg–Marquardt iterations on
 * `Σ (e(x_i) − y_i)²`; returns the final sum of squares. Steps that do not decrease it are
 * rejected (the damping grows), so the result is never worse than the start.
 */
export function optimiseConstants(
  e: Expr,
  cols: readonly Float64Array[],
  y: Float64Array,
  steps: number,
): number {
  const n = y.length;
  const consts = exprConstants(e);
  const k = consts.length;
  let best = sse(evalExprColumns(e, cols, n), y);
  if (k === 0 || steps <= 0) return best;
  let lambda = 0; // the first try is the plain Gauss–Newton step
  for (let it = 0; it < steps; it++) {
    const { value, jac } = evalWithJacobian(e, cols, n);
    const cur = sse(value, y);
    if (!Number.isFinite(cur)) return best;
    const JtJ = new Float64Array(k * k);
    const Jtr = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      const ja = jac[a]!;
      let s = 0;
      for (let i = 0; i < n; i++) s += ja[i]! * (y[i]! - value[i]!);
      Jtr[a] = s;
      for (let b = a; b < k; b++) {
        const jb = jac[b]!;
        let t = 0;
        for (let i = 0; i < n; i++) t += ja[i]! * jb[i]!;
        JtJ[a * k + b] = t;
        JtJ[b * k + a] = t;
      }
    }
    // Converged when even the undamped Gauss–Newton step predicts (almost) no decrease.
    const A0 = Float64Array.from(JtJ);
    for (let a = 0; a < k; a++) A0[a * k + a] = A0[a * k + a]! * (1 + 1e-12) + 1e-300;
    const gn = solve(A0, Jtr, k);
    if (gn) {
      let predicted = 0;
      for (let a = 0; a < k; a++) predicted += gn[a]! * Jtr[a]!;
      if (!(predicted > 1e-10 * cur)) return cur;
    }
    let meanDiag = 0;
    for (let a = 0; a < k; a++) meanDiag += JtJ[a * k + a]! / k;
    const old = consts.map((c) => c.value);
    let improved = false;
    for (let tries = 0; tries < 6; tries++) {
      // Marquardt scaling, plus a small multiple of the mean diagonal so that directions
      // the residual does not depend on (singular JᵀJ) stay solvable.
      const A = Float64Array.from(JtJ);
      for (let a = 0; a < k; a++)
        A[a * k + a] = A[a * k + a]! * (1 + lambda) + lambda * 1e-3 * meanDiag + 1e-300;
      const dx = solve(A, Jtr, k);
      if (!dx || dx.some((v) => !Number.isFinite(v))) {
        lambda = lambda === 0 ? 1e-6 : lambda * 10;
        continue;
      }
      consts.forEach((c, i) => {
        c.value = old[i]! + dx[i]!;
      });
      const trial = sse(evalExprColumns(e, cols, n), y);
      if (trial < cur) {
        best = trial;
        lambda = lambda < 1e-9 ? 0 : lambda / 10;
        improved = true;
        break;
      }
      lambda = lambda === 0 ? 1e-6 : lambda * 10;
    }
    if (!improved) {
      consts.forEach((c, i) => {
        c.value = old[i]!;
      });
      return cur;
    }
    if (cur - best <= 1e-12 * cur) return best;
  }
  return best;
}
