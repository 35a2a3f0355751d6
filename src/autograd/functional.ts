/**
 * JAX-style functional transforms built on the reverse-mode engine:
 * grad, valueAndGrad, vjp, jvp (by double-vjp), hvp, jacobian and hessian.
 * They compose (e.g. `jacobian(grad(f))`) because each transform records its
 * backward pass whenever its inputs are themselves being differentiated.
 */

import { isFloating } from '../core/dtype.js';
import { AutogradError, DTypeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { mul } from '../ops/binary.js';
import { zeros, zerosLike } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import { grad as autogradGrad } from './backward.js';
import { customFunction } from './function.js';
import { enableGrad } from './mode.js';

const alias = customFunction({
  name: 'alias',
  forward: (x: Tensor) => ({ output: x.detach(), backward: ([g]) => [g!] }),
});

/** A version of `x` to differentiate with respect to, keeping any outer graph. */
function track(x: Tensor, i: number, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new AutogradError(`${op}: argument ${i} is not a Tensor`);
  if (!isFloating(x.dtype)) {
    throw new DTypeError(
      `${op}: argument ${i} has dtype ${x.dtype}; only floating-point inputs can be differentiated`,
    );
  }
  return x.requiresGrad ? alias(x) : x.detach().requiresGrad_(true);
}

function nested(args: readonly Tensor[]): boolean {
  return args.some((a) => a.requiresGrad);
}

/** Options of `grad` and `valueAndGrad`. */
export interface GradTransformOptions {
  /** Which positional arguments to differentiate (default 0). */
  argnums?: number | readonly number[];
}

function argList(argnums: number | readonly number[] | undefined, n: number, op: string): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= n)
      throw new AutogradError(`${op}: argnums ${a} out of range for ${n} arguments`);
  }
  return list;
}

/**
 * `valueAndGrad(f)(...args)` returns `[f(args), ∇f]` for scalar-valued `f`; the
 * gradient is a tensor (one argnum) or an array (argnums given as an array).
 */
export function valueAndGrad<A extends Tensor[]>(
  f: (...args: A) => Tensor,
  opts: GradTransformOptions = {},
): (...args: A) => [Tensor, Tensor | Tensor[]] {
  return (...args: A) =>
    enableGrad(() => {
      const nums = argList(opts.argnums, args.length, 'grad');
      const tracked = [...args] as Tensor[];
      for (const i of nums) tracked[i] = track(args[i]!, i, 'grad');
      const out = f(...(tracked as A));
      if (!(out instanceof Tensor) || out.size !== 1) {
        throw new AutogradError(
          `grad: f must return a one-element tensor (got shape [${out instanceof Tensor ? out.shape : '?'}])`,
        );
      }
      const inputs = nums.map((i) => tracked[i]!);
      const gs = out.requiresGrad
        ? autogradGrad(out, inputs, undefined, { createGraph: nested(args), allowUnused: true })
        : inputs.map(() => null);
      const grads = gs.map((g, k) => g ?? zerosLike(inputs[k]!));
      const value = nested(args) ? out : out.detach();
      return [value, Array.isArray(opts.argnums) ? grads : grads[0]!];
    });
}

/** `grad(f)(...args)` is ∇f at args for scalar-valued `f` (see `valueAndGrad`). */
export function grad<A extends Tensor[]>(
  f: (...args: A) => Tensor,
  opts: GradTransformOptions = {},
): (...args: A) => Tensor | Tensor[] {
  const vg = valueAndGrad(f, opts);
  return (...args: A) => vg(...args)[1];
}

/**
 * Vector-Jacobian product: returns `f(primals)` and a function mapping a
 * cotangent (shaped like the output) to one cotangent per primal.
 */
export function vjp<A extends Tensor[]>(
  f: (...args: A) => Tensor,
  ...primals: A
): [Tensor, (cotangent: Tensor) => Tensor[]] {
  return enableGrad(() => {
    const tracked = primals.map((p, i) => track(p, i, 'vjp')) as A;
    const out = f(...tracked);
    const createGraph = nested(primals);
    const pullback = (ct: Tensor): Tensor[] =>
      enableGrad(() => {
        if (!out.requiresGrad) return tracked.map((t) => zerosLike(t));
        const gs = autogradGrad(out, tracked, ct, {
          createGraph: createGraph || ct.requiresGrad,
          retainGraph: true,
          allowUnused: true,
        });
        return gs.map((g, i) => g ?? zerosLike(tracked[i]!));
      });
    return [createGraph ? out : out.detach(), pullback];
  });
}

/**
 * Jacobian-vector product (forward mode) by the double-vjp trick: returns
 * `[f(primals), J·tangents]`.
 */
export function jvp<A extends Tensor[]>(
  f: (...args: A) => Tensor,
  primals: A,
  tangents: readonly Tensor[],
): [Tensor, Tensor] {
  if (tangents.length !== primals.length) {
    throw new AutogradError(`jvp: got ${tangents.length} tangents for ${primals.length} primals`);
  }
  return enableGrad(() => {
    const tracked = primals.map((p, i) => track(p, i, 'jvp')) as A;
    const out = f(...tracked);
    if (!out.requiresGrad) return [out, zerosLike(out)];
    const u = zerosLike(out).requiresGrad_(true);
    const gs = autogradGrad(out, tracked, u, { createGraph: true, allowUnused: true });
    let total: Tensor | null = null;
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i];
      if (!g?.requiresGrad) continue;
      const term = sum(mul(g, tangents[i]!));
      total = total ? total.add(term) : term;
    }
    if (!total) return [out.detach(), zerosLike(out)];
    const [t] = autogradGrad(total, u, undefined, { createGraph: nested(primals), allowUnused: true });
    return [nested(primals) ? out : out.detach(), t ?? zerosLike(out)];
  });
}

/** Hessian-vector product `∇²f(x)·v` of scalar-valued `f`, without forming the Hessian. */
export function hvp(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  return enableGrad(() => {
    const xt = track(x, 0, 'hvp');
    const out = f(xt);
    const [g] = autogradGrad(out, xt, undefined, { createGraph: true });
    const [h] = autogradGrad(sum(mul(g!, v)), xt, undefined, {
      createGraph: nested([x, v]),
      allowUnused: true,
    });
    return h ?? zerosLike(x);
  });
}

/** Full Jacobian of `f` at `x`, shaped `[...f(x).shape, ...x.shape]` (one backward per output element). */
export function jacobian(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  return enableGrad(() => {
    const xt = track(x, 0, 'jacobian');
    const out = f(xt);
    const n = out.size;
    const m = x.size;
    const result = zeros([...out.shape, ...x.shape], { dtype: out.dtype });
    if (!out.requiresGrad) return result;
    const data = result._storage.data;
    const flatOut = out.reshape([n]);
    for (let i = 0; i < n; i++) {
      const e = zeros([n], { dtype: out.dtype });
      e._storage.data[i] = 1;
      const [g] = autogradGrad(flatOut, xt, e, { retainGraph: true, allowUnused: true });
      if (g) data.set(g._contiguousData(), i * m);
    }
    return result;
  });
}

/** Hessian of scalar-valued `f` at `x`, shaped `[...x.shape, ...x.shape]`. */
export function hessian(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  return jacobian((y) => grad(f)(y) as Tensor, x);
}
