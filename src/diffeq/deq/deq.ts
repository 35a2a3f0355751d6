/**
 * Deep equilibrium models: `z* = f(z*, x)` found by a fixed-point solver, and
 * differentiated implicitly: for a loss L, the backward pass solves the linear adjoint
 * system `w = ∂L/∂z* + (∂f/∂z)ᵀ w` (itself a fixed-point problem solved with VJPs only)
 * and returns `wᵀ ∂f/∂x` and `wᵀ ∂f/∂θ`. Memory is O(1) in the number of iterations.
 */
import { grad as autogradGrad } from '../../autograd/backward.js';
import { customFunction } from '../../autograd/function.js';
import { enableGrad, isGradEnabled, noGrad } from '../../autograd/mode.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { AnyModule } from '../../nn/module.js';
import { Module } from '../../nn/module.js';
import { zerosLike } from '../../ops/creation.js';
import { vjpList } from '../adjoint/params.js';
import { type FixedPointOptions, type FixedPointResult, fixedPoint } from './fixed-point.js';

/** Options of `deqFixedPoint` and `DEQ`. */
export interface DEQOptions extends FixedPointOptions {
  /** Solver options of the backward (adjoint) fixed point (default: the forward's, Anderson). */
  backward?: FixedPointOptions;
  /**
   * 'implicit' (default): implicit-function-theorem gradients. 'unrolled': run plain
   * iteration with recording and backpropagate through it (for comparison/debugging).
   */
  gradient?: 'implicit' | 'unrolled';
  /** Initial guess, or a function of x giving it (default zeros shaped like x). */
  z0?: Tensor | ((x: Tensor) => Tensor);
}

/** Solver reports of the last call. */
export interface DEQStats {
  forward: FixedPointResult | null;
  backward: FixedPointResult | null;
}

/**
 * The fixed point `z* = f(z*, x)`, differentiable with respect to `x` and `params`
 * (the tensors `f` depends on) by implicit differentiation.
 */
export function deqFixedPoint(
  f: (z: Tensor, x: Tensor) => Tensor,
  x: Tensor,
  params: readonly Tensor[],
  opts: DEQOptions = {},
  stats: DEQStats = { forward: null, backward: null },
): Tensor {
  const z0 = noGrad(() => (typeof opts.z0 === 'function' ? opts.z0(x) : (opts.z0 ?? zerosLike(x))).detach());
  if (opts.gradient === 'unrolled') {
    let z = z0;
    const tol = opts.tol ?? (x.dtype === 'float64' ? 1e-8 : 1e-5);
    for (let i = 0; i < (opts.maxIters ?? 100); i++) {
      const zn = f(z, x);
      const d = noGrad(() => zn.sub(z).square().sum().sqrt().item() / (1 + zn.square().sum().sqrt().item()));
      z = zn;
      if (d <= tol) break;
    }
    return z;
  }
  const differentiable = isGradEnabled() && (x.requiresGrad || params.some((p) => p.requiresGrad));
  const solveForward = () => {
    const res = fixedPoint((z) => f(z, x), z0, opts);
    stats.forward = res;
    return res.z;
  };
  if (!differentiable) return noGrad(solveForward);
  const fn = customFunction({
    name: 'diffeq.deqFixedPoint',
    forward: (..._inputs: Tensor[]) => {
      const zStar = solveForward();
      if (zStar.shape.length !== z0.shape.length || zStar.shape.some((s, i) => s !== z0.shape[i])) {
        throw new ShapeError(
          `deqFixedPoint: f returned ${fmtShape(zStar.shape)} for z of shape ${fmtShape(z0.shape)}`,
        );
      }
      return {
        output: zStar,
        backward: ([g]) =>
          enableGrad(() => {
            const zt = zStar.detach().requiresGrad_(true);
            const xt = x.detach().requiresGrad_(x.requiresGrad);
            const fz = f(zt, xt);
            // w = g + Jᵀw, with Jᵀw by VJP through the (retained) graph of f at z*.
            const gd = g!.detach();
            const jtv = (w: Tensor): Tensor => {
              if (!fz.requiresGrad) return zerosLike(w);
              const [r] = autogradGrad(fz, zt, w, { retainGraph: true, allowUnused: true });
              return r ?? zerosLike(w);
            };
            const res = fixedPoint((w) => enableGrad(() => jtv(w)).add(gd), gd, {
              ...opts,
              ...opts.backward,
            });
            stats.backward = res;
            const w = res.z;
            const gs = vjpList([fz], [w], [xt, ...params]);
            return [
              x.requiresGrad ? gs[0]! : null,
              ...params.map((p, i) => (p.requiresGrad ? gs[i + 1]! : null)),
            ];
          }),
      };
    },
  });
  return fn(x, ...params);
}

/**
 * A deep equilibrium layer: `forward(x)` returns `z*` with `z* = f(z*, x)`, where `f`
 * is a module whose `forward(z, x)` maps the state and the input to the next state
 * (shaped like `x` unless `z0` gives another shape). Gradients are implicit.
 */
export class DEQ extends Module<[Tensor], Tensor> {
  /** The layer iterated to its fixed point. */
  readonly f: AnyModule;
  /** Solver options. */
  opts: DEQOptions;
  /** Reports of the last forward and backward solves. */
  readonly stats: DEQStats = { forward: null, backward: null };

  constructor(f: AnyModule, opts: DEQOptions = {}) {
    super();
    if (!(f instanceof Module)) throw new ArgumentError('DEQ: f must be a Module with forward(z, x)');
    this.f = f;
    this.opts = opts;
  }

  forward(x: Tensor, z0?: Tensor): Tensor {
    const call = (z: Tensor, xx: Tensor) =>
      (this.f as unknown as { forward(z: Tensor, x: Tensor): Tensor }).forward(z, xx);
    return deqFixedPoint(call, x, this.f.parameters(), { ...this.opts, ...(z0 ? { z0 } : {}) }, this.stats);
  }

  override extraRepr(): string {
    return `method=${this.opts.method ?? 'anderson'}`;
  }
}
