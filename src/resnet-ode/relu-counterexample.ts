/**
 * Appendix D's counterexample: with ReLU, gradient flow from a (non-smooth) initialisation keeps
 * successive weights Ω(1) apart, so the network does not approach a neural ODE.
 *
 * One-dimensional network of depth 2L, `h_{k+1} = h_k + (1/(2L)) ReLU(w_{k+1} h_k)`, weights
 * `w_k(0) = (−1)^k/(2L)` (k = 1..2L), one sample (x, Cx) with x > 0, C > 1, loss `(h_{2L} − Cx)²`.
 * The hidden state stays positive, so the odd layers (negative weights) get zero gradient forever
 * and stay at −1/(2L); the even layers move together and converge to the w⋆ with
 * `(1 + w⋆/(2L))^L = C`, i.e. `w⋆ = 2L(C^{1/L} − 1) ≥ 2 log C`.
 *
 * It is an instance of the general model: d = q = m = d′ = 1, σ = ReLU, no √m/√q factors, V_k = 1
 * (frozen), W_k = w_k, A = B = 1.
 */
import { ArgumentError } from '../core/errors.js';
import { resolveSpec } from './config.js';
import type { Dataset } from './train.js';
import { type ResNetWeights, zeroWeights } from './weights.js';

/** Parameters of the construction. */
export interface ReluCounterexampleOptions {
  /** Half the depth (the network has 2L layers). */
  L: number;
  /** Target ratio C > 1. */
  C: number;
  /** Input x > 0 (default 1). */
  x?: number;
}

function check(o: ReluCounterexampleOptions): void {
  if (!Number.isInteger(o.L) || o.L < 1)
    throw new ArgumentError(`reluCounterexample: L must be a positive integer (got ${o.L})`);
  if (!(o.C > 1)) throw new ArgumentError(`reluCounterexample: C must be > 1 (got ${o.C})`);
  if (o.x !== undefined && !(o.x > 0))
    throw new ArgumentError(`reluCounterexample: x must be > 0 (got ${o.x})`);
}

/** The initial network: depth 2L, w_k = (−1)^k/(2L) for the paper's k = 1..2L, V_k = 1. */
export function reluCounterexampleWeights(o: ReluCounterexampleOptions): ResNetWeights {
  check(o);
  const depth = 2 * o.L;
  const spec = resolveSpec(
    { depth, inputDim: 1, width: 1, activation: 'relu', scaling: 'code' },
    'reluCounterexample',
  );
  const w = zeroWeights(spec);
  for (let i = 0; i < depth; i++) {
    // 0-based layer i is the paper's layer k = i + 1.
    w.W[i] = (i % 2 === 0 ? -1 : 1) / depth;
    w.V[i] = 1;
  }
  return w;
}

/** The single training sample (x, Cx). */
export function reluCounterexampleData(o: ReluCounterexampleOptions): Dataset {
  check(o);
  const x = o.x ?? 1;
  return { X: Float64Array.of(x), Y: Float64Array.of(o.C * x), n: 1 };
}

/** The limit of the even-layer weights, w⋆ = 2L(C^{1/L} − 1). */
export function reluCounterexampleLimit(o: Pick<ReluCounterexampleOptions, 'L' | 'C'>): number {
  check(o);
  return 2 * o.L * (o.C ** (1 / o.L) - 1);
}

/** The value of the odd-layer weights for all times, −1/(2L). */
export function reluCounterexampleOddValue(L: number): number {
  return -1 / (2 * L);
}
