/** Euler–Maruyama (Itô) and Euler–Heun (Stratonovich). */
import type { Tensor } from '../../../core/tensor.js';
import { combine } from '../../kernels.js';
import type { AbstractSolver, StepContext, StepResult } from '../base.js';
import { requireJoint, termContext } from './context.js';
import { increment, type SDEOrders, sdeStepResult, sdeTerms, stepTimes } from './structure.js';

const ONES2 = Float64Array.of(1, 1);

/**
 * Euler–Maruyama: `y1 = y0 + f(t0, y0)·Δt + g(t0, y0)·ΔW`. Converges to the **Itô**
 * solution: strong order 0.5 (1.0 for additive noise), weak order 1. One drift and one
 * diffusion evaluation per step; no error estimate (fixed steps). Any noise type.
 * Terms: `new MultiTerm(drift, diffusion)`.
 */
export class EulerMaruyama implements AbstractSolver {
  readonly name = 'EulerMaruyama';
  readonly order = 1;
  readonly errorOrder = null;
  readonly implicit = false;
  readonly sde: SDEOrders = {
    calculus: 'ito',
    strongOrder: { general: 0.5, commutative: 0.5, additive: 1 },
    weakOrder: 1,
  };

  step(
    ctx0: StepContext,
    t0: Float64Array,
    dt: Float64Array,
    y0: readonly Tensor[],
    _k0: readonly Tensor[] | null,
    needDense: boolean,
  ): StepResult {
    const ctx = termContext(ctx0, this.name);
    requireJoint(ctx, this.name);
    const { drift, diffusion } = sdeTerms(ctx.term, this.name);
    const [ta, tb] = stepTimes(t0, dt);
    const fdt = increment(ctx, drift, ta, y0, drift.contr(ta, tb));
    const gdW = increment(ctx, diffusion, ta, y0, diffusion.contr(ta, tb));
    const y1 = y0.map((y, l) => combine(y, [fdt[l]!, gdW[l]!], ONES2, 1));
    return sdeStepResult(t0, dt, y0, y1, needDense);
  }
}

/**
 * Euler–Heun: `y' = y0 + g(t0, y0)·ΔW`, `y1 = y0 + f(t0, y0)·Δt + ½(g(t0, y0) + g(t0, y'))·ΔW`.
 * Converges to the **Stratonovich** solution: strong order 0.5 (1.0 for additive
 * noise), weak order 1. One drift and two diffusion evaluations per step; fixed steps.
 * Any noise type. Terms: `new MultiTerm(drift, diffusion)`.
 */
export class EulerHeun implements AbstractSolver {
  readonly name = 'EulerHeun';
  readonly order = 1;
  readonly errorOrder = null;
  readonly implicit = false;
  readonly sde: SDEOrders = {
    calculus: 'stratonovich',
    strongOrder: { general: 0.5, commutative: 0.5, additive: 1 },
    weakOrder: 1,
  };

  step(
    ctx0: StepContext,
    t0: Float64Array,
    dt: Float64Array,
    y0: readonly Tensor[],
    _k0: readonly Tensor[] | null,
    needDense: boolean,
  ): StepResult {
    const ctx = termContext(ctx0, this.name);
    requireJoint(ctx, this.name);
    const { drift, diffusion } = sdeTerms(ctx.term, this.name);
    const [ta, tb] = stepTimes(t0, dt);
    const dW = diffusion.contr(ta, tb);
    const fdt = increment(ctx, drift, ta, y0, drift.contr(ta, tb));
    const g0 = increment(ctx, diffusion, ta, y0, dW);
    const yp = y0.map((y, l) => combine(y, [g0[l]!], Float64Array.of(1), 1));
    const gp = increment(ctx, diffusion, ta, yp, dW);
    const y1 = y0.map((y, l) => combine(y, [fdt[l]!, g0[l]!, gp[l]!], Float64Array.of(1, 0.5, 0.5), 1));
    return sdeStepResult(t0, dt, y0, y1, needDense);
  }
}
