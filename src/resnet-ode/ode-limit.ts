/**
 * The neural-ODE limit of the residual MLP,
 *
 * ```text
 * H(0) = A x,   dH/ds = c_m 𝒱(s) σ(c_q 𝒲(s) H(s)),  s ∈ [0, 1],   F(x) = B H(1),
 * ```
 *
 * solved with an adaptive Runge–Kutta method from `nabla/diffeq`, and the forward error
 * ‖F^L − F‖ of a depth-L network against it (Proposition 2: O(1/L) when V_k = 𝒱(k/L),
 * W_k = 𝒲(k/L) with Lipschitz 𝒱, 𝒲).
 */
import { noGrad } from '../autograd/mode.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { PIDController } from '../diffeq/controllers/index.js';
import { diffeqsolve } from '../diffeq/diffeqsolve.js';
import { Dopri5, Tsit5 } from '../diffeq/solvers/index.js';
import { ODETerm } from '../diffeq/terms/index.js';
import { matmul, mul, tensor, transpose } from '../ops/index.js';
import { type ResNetSpec, scalingFactors } from './config.js';
import { ResNetKernel } from './kernel.js';
import { activationOp } from './model.js';
import type { ResNetWeights, WeightFunctions } from './weights.js';

/** Options of {@link neuralOdeLimit}. */
export interface OdeLimitOptions {
  /** Default 1e-10. */
  rtol?: number;
  /** Default 1e-12. */
  atol?: number;
  /** Default `'dopri5'`. */
  solver?: 'dopri5' | 'tsit5';
  /** Default 100000. */
  maxSteps?: number;
}

/** F(X) of the limit ODE, with the solver's statistics. */
export interface OdeLimitResult {
  /** `[n, d′]`. */
  out: Float64Array;
  steps: number;
  fevals: number;
}

/**
 * Solves the limit ODE for the inputs `X` (`[n, d]`) with weight functions `fns` and embeddings
 * `A` (`[q, d]`), `B` (`[d′, q]`); `spec.depth` is ignored.
 */
export function neuralOdeLimit(
  spec: ResNetSpec,
  fns: WeightFunctions,
  A: Float64Array,
  B: Float64Array,
  X: Float64Array,
  opts: OdeLimitOptions = {},
): OdeLimitResult {
  const { inputDim: d, hidden: q, width: m, outputDim: dout } = spec;
  if (X.length % d !== 0)
    throw new ShapeError(`neuralOdeLimit: X has ${X.length} entries, not a multiple of d = ${d}`);
  if (A.length !== q * d || B.length !== dout * q)
    throw new ShapeError(
      `neuralOdeLimit: A has ${A.length} and B ${B.length} entries, expected ${fmtShape([q, d])} and ${fmtShape([dout, q])}`,
    );
  const n = X.length / d;
  const { cm, cq } = scalingFactors(spec);
  const f64 = (a: Float64Array, shape: number[]) => tensor(a, { dtype: 'float64', shape });
  const field = (t: unknown, h: Tensor): Tensor => {
    if (typeof t !== 'number') throw new ArgumentError('neuralOdeLimit: expected a scalar time');
    const Wt = f64(fns.W(t), [m, q]);
    const Vt = f64(fns.V(t), [q, m]);
    let z = matmul(h, transpose(Wt, 0, 1));
    if (cq !== 1) z = mul(z, cq);
    const dh = matmul(activationOp(spec.activation, z), transpose(Vt, 0, 1));
    return cm !== 1 ? mul(dh, cm) : dh;
  };
  const solver = opts.solver === 'tsit5' ? new Tsit5() : new Dopri5();
  return noGrad(() => {
    const h0 = matmul(f64(X, [n, d]), transpose(f64(A, [q, d]), 0, 1));
    const sol = diffeqsolve(new ODETerm(field), solver, 0, 1, null, h0, {
      stepsizeController: new PIDController({ rtol: opts.rtol ?? 1e-10, atol: opts.atol ?? 1e-12 }),
      maxSteps: opts.maxSteps ?? 100_000,
    });
    const h1 = (sol.ys as Tensor).reshape([n, q]);
    const out = matmul(h1, transpose(f64(B, [dout, q]), 0, 1));
    return {
      out: Float64Array.from(out._contiguousData() as ArrayLike<number>),
      steps: sol.stats.accepted,
      fevals: sol.stats.fevals,
    };
  });
}

/** Distances between two output batches `[n, d′]`: the largest and the RMS per-sample ‖·‖₂. */
export function outputDistance(
  a: Float64Array,
  b: Float64Array,
  outputDim: number,
): { max: number; rms: number } {
  if (a.length !== b.length || a.length % outputDim !== 0)
    throw new ShapeError(
      `outputDistance: outputs have ${a.length} and ${b.length} entries (d′ = ${outputDim})`,
    );
  const n = a.length / outputDim;
  let max = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < outputDim; j++) s += (a[i * outputDim + j]! - b[i * outputDim + j]!) ** 2;
    max = Math.max(max, Math.sqrt(s));
    sq += s;
  }
  return { max, rms: Math.sqrt(sq / n) };
}

/**
 * The forward error of a network against given limit outputs: max_i ‖F^L(x_i) − F(x_i)‖₂ (the
 * sup over the sample, as in Proposition 2) and the RMS over samples.
 */
export function forwardError(
  w: ResNetWeights,
  X: Float64Array,
  limitOut: Float64Array,
): { max: number; rms: number } {
  const n = X.length / w.spec.inputDim;
  const out = new ResNetKernel(w.spec, n).forward(w, X);
  return outputDistance(out, limitOut, w.spec.outputDim);
}
