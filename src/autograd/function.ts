/**
 * User-defined differentiable functions (like `torch.autograd.Function` or
 * `jax.custom_vjp`): a forward computed without recording, plus a backward
 * closure. Used by adjoint ODE methods and implicit layers.
 */
import { Tensor } from '../core/tensor.js';
import { noGrad } from './mode.js';
import { record } from './node.js';

/** What a custom forward returns: its output(s) and the backward closure for them. */
export interface CustomForwardResult<O extends Tensor | Tensor[]> {
  output: O;
  /**
   * Given one gradient per output, returns one gradient (or null) per input.
   * Write it with nabla ops if you need gradients of gradients (it runs with
   * recording on when the caller asks for `createGraph`).
   */
  backward: (grads: Tensor[]) => (Tensor | null)[];
}

/** Definition of a custom function. */
export interface CustomFunctionSpec<A extends Tensor[], O extends Tensor | Tensor[]> {
  /** Name shown in error messages and graph dumps. */
  name: string;
  /** Computes the output(s) (called without gradient recording) and returns the backward closure. */
  forward: (...inputs: A) => CustomForwardResult<O>;
}

/**
 * Defines a differentiable function with a hand-written backward.
 *
 * @example
 * const square = customFunction({
 *   name: 'square',
 *   forward: (x: Tensor) => ({ output: x.mul(x), backward: ([g]) => [g.mul(x).mul(2)] }),
 * });
 */
export function customFunction<A extends Tensor[], O extends Tensor | Tensor[]>(
  spec: CustomFunctionSpec<A, O>,
): (...inputs: A) => O {
  return (...inputs: A): O => {
    const { output, backward } = noGrad(() => spec.forward(...inputs));
    const outs = (Array.isArray(output) ? output : [output]) as Tensor[];
    // Outputs must be fresh tensor objects so attaching the node never rewires an input.
    const fresh = outs.map((o) => (inputs.includes(o) || o._node || o.requiresGrad ? o.detach() : o));
    record(spec.name, fresh, inputs, backward);
    return (Array.isArray(output) ? fresh : fresh[0]) as O;
  };
}

void Tensor;
