/**
 * `ResidualMLPNet`: the paper's residual network as an autograd `Module` (for general use:
 * optimisers, `grad`, `gradcheck`). Training over many layers is much faster with the hand-written
 * passes of {@link ResNetKernel} (same function, same gradients); {@link ResidualMLPNet.fromWeights}
 * and {@link ResidualMLPNet.toWeights} convert between the two.
 */
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import {
  add,
  gelu,
  matmul,
  mean,
  mul,
  relu,
  select,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
} from '../ops/index.js';
import type { PRNGKey } from '../random/index.js';
import {
  type LossNorm,
  type ResNetSpec,
  type ResNetSpecInput,
  resolveSpec,
  scalingFactors,
} from './config.js';
import { type InitOptions, initWeights, type ResNetInit, type ResNetWeights } from './weights.js';

/** Options of {@link ResidualMLPNet}. */
export interface ResidualMLPNetOptions extends ResNetSpecInput {
  /** Train A and B too (default false: they stay the paper's [I; 0] and [0, I], as in App. E). */
  trainAB?: boolean;
  /** Default `{ kind: 'tied' }`. */
  init?: ResNetInit;
  key?: PRNGKey;
}

/** σ as a nabla op. */
export function activationOp(act: ResNetSpec['activation'], x: Tensor): Tensor {
  switch (act) {
    case 'gelu':
      return gelu(x);
    case 'relu':
      return relu(x);
    case 'tanh':
      return tanh(x);
    default:
      return x;
  }
}

/**
 * `h_0 = A x`, `h_{k+1} = h_k + (c_m/L) V_{k+1} σ(c_q W_{k+1} h_k)`, `F(x) = B h_L`, batched over rows
 * of `x` (`[n, d]` → `[n, d′]`), float64 parameters: `V` `[L, q, m]`, `W` `[L, m, q]`, and `A`
 * `[q, d]`, `B` `[d′, q]` (parameters when `trainAB`, buffers otherwise).
 *
 * @example
 * ```ts
 * const net = new ResidualMLPNet({ depth: 8, inputDim: 4, width: 6, key: randomKey(0) });
 * const loss = net.loss(x, y);   // (1/(n·d′)) Σ‖F(x_i) − y_i‖² (the code's convention)
 * loss.backward();
 * ```
 */
export class ResidualMLPNet extends Module<[Tensor], Tensor> {
  readonly spec: ResNetSpec;
  readonly trainAB: boolean;
  /** `[L, q, m]`. */
  V: Parameter;
  /** `[L, m, q]`. */
  W: Parameter;
  /** `[q, d]` (a Parameter when `trainAB`, else a buffer). */
  A!: Tensor;
  /** `[d′, q]` (a Parameter when `trainAB`, else a buffer). */
  B!: Tensor;

  constructor(opts: ResidualMLPNetOptions, weights?: ResNetWeights) {
    super();
    this.spec = resolveSpec(opts, 'ResidualMLPNet');
    this.trainAB = opts.trainAB ?? false;
    const init: InitOptions = { init: opts.init ?? { kind: 'tied' } };
    if (opts.key) init.key = opts.key;
    const w = weights ?? initWeights(this.spec, init);
    const { depth: L, inputDim: d, hidden: q, width: m, outputDim: dout } = this.spec;
    const f64 = (a: Float64Array, shape: number[]) => tensor(a, { dtype: 'float64', shape });
    this.V = new Parameter(f64(w.V, [L, q, m]));
    this.W = new Parameter(f64(w.W, [L, m, q]));
    if (this.trainAB) {
      this.registerParameter('A', new Parameter(f64(w.A, [q, d])));
      this.registerParameter('B', new Parameter(f64(w.B, [dout, q])));
    } else {
      this.registerBuffer('A', f64(w.A, [q, d]));
      this.registerBuffer('B', f64(w.B, [dout, q]));
    }
  }

  /** A module holding (a copy of) the given weights. */
  static fromWeights(w: ResNetWeights, opts: { trainAB?: boolean } = {}): ResidualMLPNet {
    return new ResidualMLPNet({ ...w.spec, trainAB: opts.trainAB ?? false }, w);
  }

  /** A detached float64 copy of the weights. */
  toWeights(): ResNetWeights {
    const arr = (t: Tensor) => Float64Array.from(t._contiguousData() as ArrayLike<number>);
    return { spec: { ...this.spec }, A: arr(this.A), B: arr(this.B), V: arr(this.V), W: arr(this.W) };
  }

  /** Hidden states h_0..h_L (each `[n, q]`). */
  hiddenStates(x: Tensor): Tensor[] {
    const { depth: L, inputDim: d } = this.spec;
    if (x.ndim !== 2 || x.shape[1] !== d)
      throw new ShapeError(`ResidualMLPNet.forward: expected input [n, ${d}], got ${fmtShape(x.shape)}`);
    const { cm, cq } = scalingFactors(this.spec);
    let h = matmul(x, transpose(this.A, 0, 1));
    const hs = [h];
    for (let k = 0; k < L; k++) {
      let z = matmul(h, transpose(select(this.W, 0, k), 0, 1));
      if (cq !== 1) z = mul(z, cq);
      const branch = matmul(activationOp(this.spec.activation, z), transpose(select(this.V, 0, k), 0, 1));
      h = add(h, mul(branch, cm / L));
      hs.push(h);
    }
    return hs;
  }

  /** F(x): `[n, d]` → `[n, d′]`. */
  forward(x: Tensor): Tensor {
    const hs = this.hiddenStates(x);
    return matmul(hs[hs.length - 1]!, transpose(this.B, 0, 1));
  }

  /** The squared loss with the paper's or the code's normalisation (default `'code'`). */
  loss(x: Tensor, y: Tensor, norm: LossNorm = 'code'): Tensor {
    const out = this.forward(x);
    if (y.ndim !== 2 || y.shape[0] !== out.shape[0] || y.shape[1] !== out.shape[1])
      throw new ShapeError(
        `ResidualMLPNet.loss: targets ${fmtShape(y.shape)} do not match outputs ${fmtShape(out.shape)}`,
      );
    return squaredLoss(out, y, norm);
  }
}

/** `(1/n) Σ‖out_i − y_i‖²` (paper) or the mean of all squared entries (code), for `[n, d′]` tensors. */
export function squaredLoss(out: Tensor, y: Tensor, norm: LossNorm = 'code'): Tensor {
  if (out.ndim !== 2 || y.ndim !== 2 || out.shape[0] !== y.shape[0] || out.shape[1] !== y.shape[1])
    throw new ShapeError(
      `squaredLoss: shapes ${fmtShape(out.shape)} and ${fmtShape(y.shape)} must be equal [n, d′]`,
    );
  if (norm !== 'paper' && norm !== 'code')
    throw new ArgumentError(`squaredLoss: norm must be 'paper' or 'code' (got '${norm}')`);
  const r = sub(out, y);
  const sq = mul(r, r);
  return norm === 'code' ? mean(sq) : mul(sum(sq), 1 / out.shape[0]!);
}
