/** `ODETerm`: dy/dt = f(t, y, args). */
import { ArgumentError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { mul } from '../../ops/binary.js';
import { type Tree, treeMap } from '../tree.js';
import type { AbstractTerm, HasParameters, Time, VectorField } from './base.js';

/** Options of `ODETerm`. */
export interface ODETermOptions {
  /**
   * Tensors the vector field depends on and that should receive gradients from the
   * continuous adjoints (BacksolveAdjoint, InterpolatedAdjoint, RecursiveCheckpointAdjoint):
   * an array of tensors or a module whose `parameters()` are used. Tensors requiring grad
   * inside `args` are added automatically. Not needed for `DirectAdjoint` (plain backprop).
   */
  params?: readonly Tensor[] | HasParameters;
}

/**
 * An ODE term: `dy/dt = f(t, y, args)`.
 *
 * @example
 * const term = new ODETerm((t, y) => y.mul(-1));
 * const term2 = new ODETerm((t, y) => net.forward(y), { params: net });
 */
export class ODETerm<Y extends Tree = Tensor, Args = unknown>
  implements AbstractTerm<Y, Args, number | Tensor>
{
  readonly isODE = true;
  private readonly paramSource: readonly Tensor[] | HasParameters | undefined;

  constructor(
    /** The vector field. */
    readonly f: VectorField<Y, Args>,
    opts: ODETermOptions = {},
  ) {
    if (typeof f !== 'function')
      throw new ArgumentError('ODETerm: f must be a function (t, y, args) => dy/dt');
    this.paramSource = opts.params;
  }

  params(): Tensor[] {
    const p = this.paramSource;
    if (!p) return [];
    if (Array.isArray(p)) return [...(p as readonly Tensor[])];
    if (typeof (p as HasParameters).parameters === 'function') return (p as HasParameters).parameters();
    throw new ArgumentError('ODETerm: params must be an array of tensors or an object with parameters()');
  }

  vf(t: Time, y: Y, args: Args): Y {
    return this.f(t, y, args);
  }

  contr(t0: Time, t1: Time): number | Tensor {
    if (typeof t0 === 'number' && typeof t1 === 'number') return t1 - t0;
    return t1 instanceof Tensor ? t1.sub(t0) : (t0 as Tensor).neg().add(t1);
  }

  prod(vf: Y, control: number | Tensor): Y {
    return treeMap<Y>(vf, (v) => {
      if (typeof control === 'number') return mul(v, control);
      // Per-row controls ([batch]) broadcast over the trailing dims.
      const c = control.reshape([control.size, ...new Array<number>(Math.max(0, v.ndim - 1)).fill(1)]);
      return mul(v, c);
    });
  }

  vfProd(t: Time, y: Y, args: Args, control: number | Tensor): Y {
    return this.prod(this.vf(t, y, args), control);
  }
}
