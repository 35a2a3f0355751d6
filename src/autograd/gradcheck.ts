/**
 * Finite-difference gradient checking in float64, exported for users (like
 * `torch.autograd.gradcheck`): compares the analytic Jacobian from backward
 * with central differences, element by element.
 */
import { NablaError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { mul } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { zeros } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import { grad as autogradGrad } from './backward.js';
import { enableGrad, noGrad } from './mode.js';

/** Thrown by `gradcheck` with the worst mismatch. */
export class GradcheckError extends NablaError {}

/** Tolerances of `gradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Name used in the error message. */
  name?: string;
}

function asOutputs(o: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(o) ? o : [o];
}

/**
 * Checks the gradients of `f` with respect to every floating input against
 * central differences. Inputs should be float64. Throws a `GradcheckError`
 * describing the first element out of tolerance; returns true otherwise.
 */
export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor | Tensor[],
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): true {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const name = opts.name ?? 'gradcheck';
  const xs = inputs.map((x) => {
    if (x.dtype !== 'float64') throw new GradcheckError(`${name}: inputs must be float64 (got ${x.dtype})`);
    return cast(x, 'float64').detach().clone().detach();
  });
  // Analytic: one backward per output element.
  const analytic: Float64Array[][] = [];
  enableGrad(() => {
    const tracked = xs.map((x) => x.detach().requiresGrad_(true));
    const outs = asOutputs(f(...tracked));
    outs.forEach((out, oi) => {
      const rows: Float64Array[] = [];
      for (let i = 0; i < out.size; i++) {
        const e = zeros([out.size], { dtype: out.dtype });
        e._storage.data[i] = 1;
        const gs = out.requiresGrad
          ? autogradGrad(out.reshape([out.size]), tracked, e, { retainGraph: true, allowUnused: true })
          : tracked.map(() => null);
        const row = new Float64Array(xs.reduce((s, x) => s + x.size, 0));
        let off = 0;
        gs.forEach((g, k) => {
          if (g) row.set(g._contiguousData(), off);
          off += xs[k]!.size;
        });
        rows.push(row);
      }
      analytic[oi] = rows;
    });
  });
  // Numeric: central differences, perturbing each input element.
  const evalOut = () => noGrad(() => asOutputs(f(...xs)).map((o) => Float64Array.from(o._contiguousData())));
  let col = 0;
  for (let k = 0; k < xs.length; k++) {
    const data = xs[k]!._storage.data;
    for (let j = 0; j < xs[k]!.size; j++, col++) {
      const orig = data[j]!;
      data[j] = orig + eps;
      const plus = evalOut();
      data[j] = orig - eps;
      const minus = evalOut();
      data[j] = orig;
      plus.forEach((p, oi) => {
        for (let i = 0; i < p.length; i++) {
          const num = (p[i]! - minus[oi]![i]!) / (2 * eps);
          const ana = analytic[oi]![i]![col]!;
          if (!(Math.abs(ana - num) <= atol + rtol * Math.abs(num))) {
            throw new GradcheckError(
              `${name}: d(output ${oi}[${i}])/d(input ${k}[${j}]): analytic ${ana} vs numeric ${num} (atol ${atol}, rtol ${rtol})`,
            );
          }
        }
      });
    }
  }
  return true;
}

/**
 * Second-order check: gradchecks the vector-Jacobian product of `f` (with a
 * fixed random-looking cotangent), i.e. that backward is itself correctly differentiable.
 */
export function gradgradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): true {
  const out0 = noGrad(() => f(...inputs));
  const v = zeros(out0.shape, { dtype: 'float64' });
  for (let i = 0; i < v.size; i++) v._storage.data[i] = Math.sin(1.3 * i + 0.7);
  const vjpFn = (...xs: Tensor[]): Tensor[] =>
    enableGrad(() => {
      // Under the numeric pass the inputs are plain tensors: track them so the vjp can still be formed.
      const xt = xs.map((x) => (x.requiresGrad ? x : x.detach().requiresGrad_(true)));
      const out = f(...xt);
      if (!out.requiresGrad) return xt.map((x) => zeros(x.shape, { dtype: 'float64' }));
      const gs = autogradGrad(sum(mul(out, v)), xt, undefined, { createGraph: true, allowUnused: true });
      return gs.map((g, i) => g ?? zeros(xt[i]!.shape, { dtype: 'float64' }));
    });
  return gradcheck(vjpFn, inputs, { ...opts, name: opts.name ?? 'gradgradcheck' });
}

void Tensor;
