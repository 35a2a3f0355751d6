/**
 * The exact gradient flow dθ/dt = π(−S ∂ℓ/∂θ) (S = L on the residual weights, 1 on A and B),
 * integrated with an adaptive ODE solver from `nabla/diffeq` over the flattened trainable
 * parameters. Gradient descent with step η is the explicit Euler discretisation of this ODE, so
 * it tracks the flow with an O(η) error on a fixed horizon.
 */
import { noGrad } from '../autograd/mode.js';
import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { PIDController } from '../diffeq/controllers/index.js';
import { diffeqsolve } from '../diffeq/diffeqsolve.js';
import { SaveAt } from '../diffeq/saveat.js';
import { Dopri5, Tsit5 } from '../diffeq/solvers/index.js';
import { ODETerm } from '../diffeq/terms/index.js';
import { tensor } from '../ops/index.js';
import { zeroGrads } from './kernel.js';
import type { GradientFlowTrainer } from './train.js';
import { cloneWeights, type ResNetWeights } from './weights.js';

/** Options of {@link integrateGradientFlow}. */
export interface ExactFlowOptions {
  /** Final time T (in the units of the trainer's lr: GD reaches time T after T/η steps). */
  T: number;
  /** Save times in [0, T] (default [T]). */
  ts?: readonly number[];
  /** Default 1e-8. */
  rtol?: number;
  /** Default 1e-10. */
  atol?: number;
  /** Default `'tsit5'`. */
  solver?: 'tsit5' | 'dopri5';
  /** Default 100000. */
  maxSteps?: number;
}

/** The flow's solution at the save times. */
export interface ExactFlowResult {
  ts: number[];
  weights: ResNetWeights[];
  /** Accepted solver steps and vector-field evaluations. */
  steps: number;
  fevals: number;
}

type Group = 'A' | 'B' | 'V' | 'W';

/**
 * Integrates the trainer's flow (same data, loss, trainable groups, depth scaling and clip) from
 * its current weights, which are left unchanged.
 */
export function integrateGradientFlow(trainer: GradientFlowTrainer, opts: ExactFlowOptions): ExactFlowResult {
  if (!(opts.T > 0)) throw new ArgumentError(`integrateGradientFlow: T must be > 0 (got ${opts.T})`);
  const groups = (['A', 'B', 'V', 'W'] as const).filter((g) => trainer.train[g]);
  if (groups.length === 0)
    throw new ArgumentError('integrateGradientFlow: the trainer trains no parameter group');
  const start = cloneWeights(trainer.weights);
  const sizes = groups.map((g) => start[g].length);
  const total = sizes.reduce((a, b) => a + b, 0);
  const flatten = (w: ResNetWeights | ReturnType<typeof zeroGrads>, out: Float64Array) => {
    let o = 0;
    for (const g of groups) {
      out.set(w[g], o);
      o += w[g].length;
    }
    return out;
  };
  const unflatten = (flat: Float64Array, w: ResNetWeights) => {
    let o = 0;
    for (const g of groups as readonly Group[]) {
      w[g].set(flat.subarray(o, o + w[g].length));
      o += w[g].length;
    }
  };
  const work = cloneWeights(start);
  const vel = zeroGrads(start.spec);
  const velFlat = new Float64Array(total);
  const field = (_t: unknown, y: Tensor): Tensor => {
    unflatten(y._contiguousData() as Float64Array, work);
    trainer.evaluate(work);
    trainer.velocity(vel);
    return tensor(flatten(vel, velFlat), { dtype: 'float64' });
  };
  const ts = [...(opts.ts ?? [opts.T])];
  const solver = opts.solver === 'dopri5' ? new Dopri5() : new Tsit5();
  const sol = noGrad(() =>
    diffeqsolve(
      new ODETerm(field),
      solver,
      0,
      opts.T,
      null,
      tensor(flatten(start, new Float64Array(total)), { dtype: 'float64' }),
      {
        stepsizeController: new PIDController({ rtol: opts.rtol ?? 1e-8, atol: opts.atol ?? 1e-10 }),
        saveat: new SaveAt({ ts }),
        maxSteps: opts.maxSteps ?? 100_000,
      },
    ),
  );
  const ys = (sol.ys as Tensor)._contiguousData() as Float64Array;
  const weights = ts.map((_, i) => {
    const w = cloneWeights(start);
    unflatten(ys.subarray(i * total, (i + 1) * total), w);
    return w;
  });
  return { ts, weights, steps: sol.stats.accepted, fevals: sol.stats.fevals };
}
