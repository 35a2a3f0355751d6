/**
 * Fixed-point solvers for `z = f(z)` on raw arrays (no graph): plain iteration,
 * Anderson acceleration (type II, Walker & Ni 2011, as in the DEQ reference code) and
 * Broyden's method (good Broyden, low-rank inverse updates) on `g(z) = f(z) − z`.
 */
import { noGrad } from '../../autograd/mode.js';
import { allocArray } from '../../core/dtype.js';
import { ArgumentError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { solveDense } from '../solvers/dense-linalg.js';

/** Options of the fixed-point solvers. */
export interface FixedPointOptions {
  /** 'anderson' (default), 'broyden' or 'iteration'. */
  method?: 'anderson' | 'broyden' | 'iteration';
  /** Stop when ‖f(z) − z‖ ≤ tol·(1 + ‖f(z)‖) (default 1e-8 in float64, 1e-5 in float32). */
  tol?: number;
  /** Maximum iterations (default 100). */
  maxIters?: number;
  /** Anderson: history size (default 5). Broyden: low-rank updates kept before a restart (default 30). */
  memory?: number;
  /** Anderson: mixing parameter β (default 1). */
  beta?: number;
  /** Anderson: Tikhonov regularisation of the least-squares problem (default 1e-10 relative). */
  lam?: number;
}

/** Result of a fixed-point solve. */
export interface FixedPointResult {
  /** The fixed point (a fresh tensor shaped like z0, not attached to any graph). */
  z: Tensor;
  /** Iterations (evaluations of f). */
  iters: number;
  /** Final ‖f(z) − z‖. */
  residual: number;
  /** Final relative residual ‖f(z) − z‖ / (1 + ‖f(z)‖). */
  relResidual: number;
  converged: boolean;
  /** Relative residual per iteration. */
  history: number[];
}

function norm2(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Solves `z = f(z)` starting from `z0`. `f` is called on tensors shaped like `z0`
 * (without gradient recording) and must return the same shape.
 */
export function fixedPoint(
  f: (z: Tensor) => Tensor,
  z0: Tensor,
  opts: FixedPointOptions = {},
): FixedPointResult {
  const method = opts.method ?? 'anderson';
  if (method !== 'anderson' && method !== 'broyden' && method !== 'iteration') {
    throw new ArgumentError(
      `fixedPoint: unknown method '${method}' (use 'anderson', 'broyden' or 'iteration')`,
    );
  }
  const tol = opts.tol ?? (z0.dtype === 'float64' ? 1e-8 : 1e-5);
  const maxIters = opts.maxIters ?? 100;
  const n = z0.size;
  const shape = z0.shape;
  const dtype = z0.dtype;
  const wrap = (v: Float64Array): Tensor => {
    const d = allocArray(dtype, n);
    d.set(v);
    return Tensor._fromData(d, shape, dtype);
  };
  let evals = 0;
  const F = (v: Float64Array): Float64Array =>
    noGrad(() => {
      evals++;
      const out = f(wrap(v));
      if (out.size !== n) {
        throw new ArgumentError(
          `fixedPoint: f returned ${out.size} elements for a state of ${n} (shapes must match)`,
        );
      }
      return Float64Array.from(out._contiguousData());
    });
  const history: number[] = [];
  const rel = (fx: Float64Array, x: Float64Array): [number, number] => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (fx[i]! - x[i]!) ** 2;
    const r = Math.sqrt(s);
    return [r, r / (1 + norm2(fx))];
  };

  let x: Float64Array = Float64Array.from(noGrad(() => z0._contiguousData()));
  let fx = F(x);
  let [res, relRes] = rel(fx, x);
  history.push(relRes);
  // Best iterate so far (Anderson/Broyden are not monotone).
  let best = { x: fx, res, relRes };

  if (method === 'iteration') {
    while (relRes > tol && evals < maxIters) {
      x = fx;
      fx = F(x);
      [res, relRes] = rel(fx, x);
      history.push(relRes);
    }
    best = { x: fx, res, relRes };
  } else if (method === 'anderson') {
    const m = opts.memory ?? 5;
    const beta = opts.beta ?? 1;
    const lam = opts.lam ?? 1e-10;
    const Xs: Float64Array[] = [x];
    const Fs: Float64Array[] = [fx];
    while (relRes > tol && evals < maxIters) {
      const k = Xs.length;
      const G = Xs.map((xi, i) => Float64Array.from(Fs[i]!, (v, q) => v - xi[q]!));
      // min ‖Σ αᵢ Gᵢ‖ s.t. Σ αᵢ = 1 via the bordered normal equations.
      const H = new Float64Array((k + 1) * (k + 1));
      let scale = 0;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const v = dot(G[i]!, G[j]!);
          H[(i + 1) * (k + 1) + (j + 1)] = v;
          if (i === j) scale = Math.max(scale, v);
        }
      }
      for (let i = 0; i < k; i++) {
        H[(i + 1) * (k + 1) + (i + 1)]! += lam * Math.max(scale, 1e-300);
        H[i + 1] = 1;
        H[(i + 1) * (k + 1)] = 1;
      }
      const rhs = new Float64Array(k + 1);
      rhs[0] = 1;
      const sol = solveDense(H, rhs, k + 1);
      const alpha = sol ? sol.subarray(1) : Float64Array.from({ length: k }, (_, i) => (i === k - 1 ? 1 : 0));
      const xn = new Float64Array(n);
      for (let i = 0; i < k; i++) {
        const a = alpha[i]!;
        const Fi = Fs[i]!;
        const Xi = Xs[i]!;
        for (let q = 0; q < n; q++) xn[q]! += a * (beta * Fi[q]! + (1 - beta) * Xi[q]!);
      }
      x = xn;
      fx = F(x);
      [res, relRes] = rel(fx, x);
      history.push(relRes);
      if (relRes < best.relRes) best = { x: fx, res, relRes };
      Xs.push(x);
      Fs.push(fx);
      if (Xs.length > m) {
        Xs.shift();
        Fs.shift();
      }
    }
    if (relRes <= best.relRes) best = { x: fx, res, relRes };
  } else {
    // Broyden on g(z) = f(z) − z with H ≈ (∂g/∂z)⁻¹ = −I + Σ uᵢ vᵢᵀ.
    const mem = opts.memory ?? 30;
    let Us: Float64Array[] = [];
    let Vs: Float64Array[] = [];
    const applyH = (v: Float64Array): Float64Array => {
      const out = Float64Array.from(v, (e) => -e);
      for (let i = 0; i < Us.length; i++) {
        const c = dot(Vs[i]!, v);
        const u = Us[i]!;
        for (let q = 0; q < n; q++) out[q]! += c * u[q]!;
      }
      return out;
    };
    const applyHT = (v: Float64Array): Float64Array => {
      const out = Float64Array.from(v, (e) => -e);
      for (let i = 0; i < Us.length; i++) {
        const c = dot(Us[i]!, v);
        const w = Vs[i]!;
        for (let q = 0; q < n; q++) out[q]! += c * w[q]!;
      }
      return out;
    };
    let gx = Float64Array.from(fx, (v, q) => v - x[q]!);
    while (relRes > tol && evals < maxIters) {
      const dx = applyH(gx).map((v) => -v);
      const xn = Float64Array.from(x, (v, q) => v + dx[q]!);
      const fn = F(xn);
      const gn = Float64Array.from(fn, (v, q) => v - xn[q]!);
      [res, relRes] = rel(fn, xn);
      history.push(relRes);
      if (relRes < best.relRes) best = { x: fn, res, relRes };
      const dg = Float64Array.from(gn, (v, q) => v - gx[q]!);
      const Hdg = applyH(dg);
      const vT = applyHT(dx);
      const denom = dot(dx, Hdg);
      if (Math.abs(denom) > 1e-300 && Number.isFinite(denom)) {
        Us.push(Float64Array.from(dx, (v, q) => (v - Hdg[q]!) / denom));
        Vs.push(vT);
        if (Us.length > mem) {
          Us = [];
          Vs = [];
        }
      }
      x = xn;
      gx = gn;
      fx = fn;
    }
  }
  return {
    z: wrap(best.x),
    iters: evals,
    residual: best.res,
    relResidual: best.relRes,
    converged: best.relRes <= tol,
    history,
  };
}
