/**
 * Milstein's method for diagonal (commutative) and scalar noise, in Itô and
 * Stratonovich form. The correction uses `(∂g/∂y)·g`, the derivative of the diffusion
 * along itself: from a user-supplied `diffusionDerivative`, or by autograd (a
 * Jacobian-vector product by the double-VJP trick, differentiable when the solve is).
 */
import { grad as autogradGrad } from '../../../autograd/backward.js';
import { enableGrad, isGradEnabled } from '../../../autograd/mode.js';
import { ArgumentError } from '../../../core/errors.js';
import type { Tensor } from '../../../core/tensor.js';
import { mul, sub } from '../../../ops/binary.js';
import { zerosLike } from '../../../ops/creation.js';
import { sum } from '../../../ops/reduce.js';
import { combine } from '../../kernels.js';
import type { Time } from '../../terms/base.js';
import type { ControlTerm } from '../../terms/control.js';
import type { Tree } from '../../tree.js';
import type { AbstractSolver, StepContext, StepResult } from '../base.js';
import { requireJoint, type TermStepContext, termContext } from './context.js';
import {
  increment,
  product,
  rawVF,
  type SDEOrders,
  sdeStepResult,
  sdeTerms,
  stepTimes,
} from './structure.js';

/** Options of the Milstein solvers. */
export interface MilsteinOptions {
  /**
   * `∂g/∂y` in diagonal form: `(t, y, args) =>` a tree like `y` holding `∂g_i/∂y_i`
   * (for diagonal noise whose i-th entry depends only on y_i, and for scalar noise with
   * such a g). Without it the derivative along g is computed by autograd.
   */
  diffusionDerivative?: (t: Time, y: Tree, args: unknown) => Tree;
}

/** `(g(y), (∂g/∂y)·g(y))` by a JVP through autograd, as state leaves. */
function gAndDerivative(
  ctx: TermStepContext,
  diffusion: ControlTerm<Tree>,
  t: number,
  y0: readonly Tensor[],
): [Tensor[], Tensor[]] {
  const create = ctx.differentiable && isGradEnabled();
  return enableGrad(() => {
    const tracked = y0.map((l) => (l.requiresGrad ? mul(l, 1) : l.detach().requiresGrad_(true)));
    const g = ctx.stateLeaves(rawVF(ctx, diffusion, t, tracked));
    const active = g.map((l) => l.requiresGrad);
    if (!active.some((a) => a)) return [g, g.map((l) => zerosLike(l))];
    const outs = g.filter((_, i) => active[i]);
    const us = outs.map((o) => zerosLike(o).requiresGrad_(true));
    const vjps = autogradGrad(outs, tracked, us, { createGraph: true, allowUnused: true });
    let total: Tensor | null = null;
    vjps.forEach((v, i) => {
      if (!v?.requiresGrad) return;
      const term = sum(mul(v, g[i]!));
      total = total ? total.add(term) : term;
    });
    if (!total) return [create ? g : g.map((l) => l.detach()), g.map((l) => zerosLike(l))];
    const jv = autogradGrad(total, us, undefined, { createGraph: create, allowUnused: true });
    let k = 0;
    const gdg = g.map((l, i) => (active[i] ? (jv[k++] ?? zerosLike(l)) : zerosLike(l)));
    return [create ? g : g.map((l) => l.detach()), gdg];
  });
}

abstract class MilsteinBase implements AbstractSolver {
  abstract readonly name: string;
  abstract readonly sde: SDEOrders;
  readonly order = 1;
  readonly errorOrder = null;
  readonly implicit = false;
  private readonly derivative: MilsteinOptions['diffusionDerivative'];

  constructor(opts: MilsteinOptions = {}) {
    if (opts.diffusionDerivative !== undefined && typeof opts.diffusionDerivative !== 'function')
      throw new ArgumentError(
        'Milstein: diffusionDerivative must be a function (t, y, args) => ∂g/∂y (diagonal)',
      );
    this.derivative = opts.diffusionDerivative;
  }

  /** The weight tensor multiplying ½(∂g/∂y)·g: ΔW² − Δt (Itô) or ΔW² (Stratonovich). */
  protected abstract weight(dW: Tensor, h: number): Tensor;

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
    const { drift, diffusion } = sdeTerms(ctx.term, this.name, ['diagonal', 'scalar']);
    const [ta, tb, h] = stepTimes(t0, dt);
    const dW = diffusion.contr(ta, tb);
    const fdt = increment(ctx, drift, ta, y0, drift.contr(ta, tb));
    let g: Tensor[];
    let gdg: Tensor[];
    if (this.derivative) {
      g = ctx.stateLeaves(rawVF(ctx, diffusion, ta, y0));
      const fn = this.derivative;
      const dg = ctx.stateLeaves(ctx.callTerm(Float64Array.of(ta), y0, (t, y, a) => fn(t, y, a)));
      gdg = g.map((l, i) => mul(l, dg[i]!));
    } else [g, gdg] = gAndDerivative(ctx, diffusion as ControlTerm<Tree>, ta, y0);
    const gdW = product(ctx, diffusion, ctx.stateTree(g), dW);
    const corr = product(ctx, diffusion, ctx.stateTree(gdg), this.weight(dW, h));
    const y1 = y0.map((y, l) => combine(y, [fdt[l]!, gdW[l]!, corr[l]!], Float64Array.of(1, 1, 0.5), 1));
    return sdeStepResult(t0, dt, y0, y1, needDense);
  }
}

/**
 * Itô Milstein: `y1 = y0 + f·Δt + g·ΔW + ½(∂g/∂y)·g·(ΔW² − Δt)`. Strong order 1.0 for
 * scalar and diagonal-commutative noise (g_i depending on y_i only), weak order 1.
 * Diffusion: `ControlTerm` with `noise: 'diagonal'` or `'scalar'`; fixed steps.
 */
export class ItoMilstein extends MilsteinBase {
  readonly name = 'ItoMilstein';
  readonly sde: SDEOrders = {
    calculus: 'ito',
    strongOrder: { general: null, commutative: 1, additive: 1 },
    weakOrder: 1,
  };
  protected weight(dW: Tensor, h: number): Tensor {
    return sub(mul(dW, dW), h);
  }
}

/**
 * Stratonovich Milstein: `y1 = y0 + f·Δt + g·ΔW + ½(∂g/∂y)·g·ΔW²`. Strong order 1.0 for
 * scalar and diagonal-commutative noise, weak order 1. Diffusion: `ControlTerm` with
 * `noise: 'diagonal'` or `'scalar'`; fixed steps.
 */
export class StratonovichMilstein extends MilsteinBase {
  readonly name = 'StratonovichMilstein';
  readonly sde: SDEOrders = {
    calculus: 'stratonovich',
    strongOrder: { general: null, commutative: 1, additive: 1 },
    weakOrder: 1,
  };
  protected weight(dW: Tensor): Tensor {
    return mul(dW, dW);
  }
}
