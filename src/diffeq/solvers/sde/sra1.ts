/** SRA1 (Rößler 2010): a stochastic Runge–Kutta method for additive noise. */
import { ArgumentError } from '../../../core/errors.js';
import type { Tensor } from '../../../core/tensor.js';
import { add, mul, sub } from '../../../ops/binary.js';
import { isBrownianPath } from '../../brownian/base.js';
import { combine } from '../../kernels.js';
import type { AbstractSolver, StepContext, StepResult } from '../base.js';
import { rawCombination } from '../explicit-rk.js';
import { requireJoint, termContext } from './context.js';
import {
  increment,
  product,
  rawVF,
  type SDEOrders,
  sdeStepResult,
  sdeTerms,
  stepTimes,
} from './structure.js';

/**
 * SRA1 for `dy = f(t, y)dt + σ(t)dW` (additive noise, where Itô = Stratonovich), using
 * the space-time Lévy area H of the Brownian path (`I₍₁,₀₎/h = ½ΔW + H`):
 *
 *     z  = y0 + ¾·h·f(t0, y0) + (3/2)·σ(t1)·(½ΔW + H)
 *     y1 = y0 + h·(⅓f(t0, y0) + ⅔f(t0 + ¾h, z)) + σ(t1)·(½ΔW − H) + σ(t0)·(½ΔW + H)
 *
 * Strong order 1.5, weak order 2. The embedded Euler drift gives the error estimate
 * `⅔h(f(t0 + ¾h, z) − f(t0, y0))`, so it works with `PIDController` (error order 2).
 * Two drift and two diffusion evaluations per step.
 *
 * Terms: `new MultiTerm(drift, new ControlTerm(σ, bm, {noise: 'additive'}))` (or any
 * noise layout with `additive: true`), where `bm` was built with `levyArea: 'space-time'`.
 */
export class SRA1 implements AbstractSolver {
  readonly name = 'SRA1';
  readonly order = 2;
  readonly errorOrder = 2;
  readonly implicit = false;
  readonly sde: SDEOrders = {
    calculus: 'stratonovich',
    strongOrder: { general: null, commutative: null, additive: 1.5 },
    weakOrder: 2,
  };

  step(
    ctx0: StepContext,
    t0: Float64Array,
    dt: Float64Array,
    y0: readonly Tensor[],
    _k0: readonly Tensor[] | null,
    needDense: boolean,
  ): StepResult {
    const op = this.name;
    const ctx = termContext(ctx0, op);
    requireJoint(ctx, op);
    const { drift, diffusion } = sdeTerms(ctx.term, op);
    if (!diffusion.additive)
      throw new ArgumentError(
        `${op}: needs additive noise (a diffusion independent of y): ControlTerm with noise: 'additive', ` +
          `or additive: true (got noise: '${diffusion.noise}')`,
      );
    const bm = diffusion.control;
    if (!isBrownianPath(bm) || bm.levyArea !== 'space-time')
      throw new ArgumentError(
        `${op}: needs the space-time Lévy area of the Brownian motion; build the control with ` +
          "new VirtualBrownianTree({..., levyArea: 'space-time'}) (or BrownianInterval)",
      );
    const [ta, tb, h] = stepTimes(t0, dt);
    if (!(h > 0)) throw new ArgumentError(`${op}: needs forward time steps (got dt = ${h})`);
    const inc = bm.increment(ta, tb);
    const halfW = mul(inc.W, 0.5);
    const x1 = add(halfW, inc.H!);
    const x2 = sub(halfW, inc.H!);
    const dtc = drift.contr(ta, tb);
    const F1 = increment(ctx, drift, ta, y0, dtc);
    const g1 = rawVF(ctx, diffusion, tb, y0);
    const g0 = rawVF(ctx, diffusion, ta, y0);
    const s1 = product(ctx, diffusion, g1, x1);
    const z = y0.map((y, l) => combine(y, [F1[l]!, s1[l]!], Float64Array.of(0.75, 1.5), 1));
    const F2 = increment(ctx, drift, ta + 0.75 * h, z, dtc);
    const n1 = product(ctx, diffusion, g1, x2);
    const n0 = product(ctx, diffusion, g0, x1);
    const y1 = y0.map((y, l) =>
      combine(y, [F1[l]!, F2[l]!, n1[l]!, n0[l]!], Float64Array.of(1 / 3, 2 / 3, 1, 1), 1),
    );
    const err = rawCombination([F1, F2], Float64Array.of(-2 / 3, 2 / 3), 1);
    return sdeStepResult(t0, dt, y0, y1, needDense, err);
  }
}
