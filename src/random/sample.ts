/** Random tensors: uniform, normal, bernoulli, randint, permutation, categorical. */
import { allocArray, DEFAULT_FLOAT, type DType, isFloating } from '../core/dtype.js';
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkShape, type Shape, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { cast } from '../ops/cast.js';
import { globalGenerator, type PRNGKey } from './key.js';
import { philoxWords, u32PairToFloat53, u32ToFloat24 } from './philox.js';

/** Options of the samplers. */
export interface RandomOptions {
  /** Output dtype (default float32; integer samplers default to int32). */
  dtype?: DType;
  /** A key makes the call pure and reproducible; without one the global generator is used. */
  key?: PRNGKey;
  /** Make the result a leaf requiring grad. */
  requiresGrad?: boolean;
}

/** `n` raw uint32 words from the key or the global generator. */
function words(n: number, key: PRNGKey | undefined): Uint32Array {
  const blocks = Math.ceil(n / 4);
  if (key) return philoxWords(key.k0, key.k1, 0, n);
  const { key: k, offset } = globalGenerator.take(blocks);
  return philoxWords(k.k0, k.k1, offset, n);
}

/** Uniform numbers in [0,1): 24 bits each for float32, 53 bits for float64. */
function uniformArray(n: number, dtype: DType, key: PRNGKey | undefined): Float64Array {
  const out = new Float64Array(n);
  if (dtype === 'float64') {
    const w = words(2 * n, key);
    for (let i = 0; i < n; i++) out[i] = u32PairToFloat53(w[2 * i]!, w[2 * i + 1]!);
  } else {
    const w = words(n, key);
    for (let i = 0; i < n; i++) out[i] = u32ToFloat24(w[i]!);
  }
  return out;
}

function finish(data: Float64Array | Int32Array, shape: Shape, dtype: DType, opts: RandomOptions): Tensor {
  const out = allocArray(dtype, data.length);
  out.set(data);
  const t = Tensor._fromData(out, shape, dtype);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function floatDType(opts: RandomOptions, op: string): DType {
  const dtype = opts.dtype ?? DEFAULT_FLOAT;
  if (!isFloating(dtype)) throw new ArgumentError(`${op}: dtype must be float32 or float64 (got ${dtype})`);
  return dtype;
}

/** Uniform samples in [low, high). */
export function uniform(shape: Shape, low = 0, high = 1, opts: RandomOptions = {}): Tensor {
  checkShape(shape, 'uniform');
  const dtype = floatDType(opts, 'uniform');
  const u = uniformArray(sizeOf(shape), dtype, opts.key);
  for (let i = 0; i < u.length; i++) u[i] = low + (high - low) * u[i]!;
  return finish(u, shape, dtype, opts);
}

/** Uniform samples in [0, 1) (like `torch.rand`). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  return uniform(shape, 0, 1, opts);
}

/** Normal samples N(mean, std²) by the Box–Muller transform. */
export function normal(shape: Shape, mean = 0, std = 1, opts: RandomOptions = {}): Tensor {
  checkShape(shape, 'normal');
  const dtype = floatDType(opts, 'normal');
  const n = sizeOf(shape);
  const m = n + (n % 2);
  const u = uniformArray(m, 'float64', opts.key);
  const out = new Float64Array(n);
  for (let i = 0; i < m; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i]!));
    const th = 2 * Math.PI * u[i + 1]!;
    out[i] = mean + std * r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(th);
  }
  return finish(out, shape, dtype, opts);
}

/** Standard normal samples (like `torch.randn`). */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  return normal(shape, 0, 1, opts);
}

/** Bernoulli samples: 1 with probability `p` (a number or a tensor of probabilities). */
export function bernoulli(p: number | Tensor, shape?: Shape, opts: RandomOptions = {}): Tensor {
  const outShape = shape ?? (p instanceof Tensor ? p.shape : []);
  const n = sizeOf(outShape);
  const probs = p instanceof Tensor ? cast(p, 'float64')._contiguousData() : null;
  if (probs && probs.length !== n)
    throw new ShapeError(`bernoulli: p has ${probs.length} elements, shape needs ${n}`);
  const u = uniformArray(n, 'float64', opts.key);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = u[i]! < (probs ? probs[i]! : (p as number)) ? 1 : 0;
  return finish(out, outShape, opts.dtype ?? DEFAULT_FLOAT, opts);
}

/** Integers uniform in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError(`randint: need integers low < high (got ${low}, ${high})`);
  }
  const n = sizeOf(shape);
  const u = uniformArray(n, 'float64', opts.key);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + Math.floor(u[i]! * (high - low));
  return finish(out, shape, opts.dtype ?? 'int32', opts);
}

/** A random permutation of 0…n−1 (Fisher–Yates), int32. */
export function permutation(n: number, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ArgumentError(`permutation: n must be a non-negative integer (got ${n})`);
  const u = uniformArray(n, 'float64', opts.key);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return finish(out, [n], 'int32', opts);
}

/**
 * Samples class indices from unnormalised log-probabilities `logits` ([..., C]),
 * `numSamples` per row with replacement: result [..., numSamples] (int32).
 */
export function categorical(logits: Tensor, numSamples = 1, opts: RandomOptions = {}): Tensor {
  if (logits.ndim < 1) throw new ShapeError('categorical: logits need at least 1 dim');
  const c = logits.shape[logits.ndim - 1]!;
  const rows = logits.size / c;
  const d = cast(logits, 'float64')._contiguousData();
  const u = uniformArray(rows * numSamples, 'float64', opts.key);
  const out = new Int32Array(rows * numSamples);
  const cdf = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c; j++) mx = Math.max(mx, d[r * c + j]!);
    let acc = 0;
    for (let j = 0; j < c; j++) {
      acc += Math.exp(d[r * c + j]! - mx);
      cdf[j] = acc;
    }
    for (let s = 0; s < numSamples; s++) {
      const target = u[r * numSamples + s]! * acc;
      let lo = 0;
      let hi = c - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! > target) hi = mid;
        else lo = mid + 1;
      }
      out[r * numSamples + s] = lo;
    }
  }
  return finish(out, [...logits.shape.slice(0, -1), numSamples], 'int32', opts);
}

/** `rand` with the shape (and float dtype) of `t`. */
export function randLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  return rand(t.shape, { dtype: isFloating(t.dtype) ? t.dtype : DEFAULT_FLOAT, ...opts });
}

/** `randn` with the shape (and float dtype) of `t`. */
export function randnLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  return randn(t.shape, { dtype: isFloating(t.dtype) ? t.dtype : DEFAULT_FLOAT, ...opts });
}
