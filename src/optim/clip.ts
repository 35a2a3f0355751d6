/** Gradient clipping: `clipGradNorm_` and `clipGradValue_` (like `torch.nn.utils`). */
import { allocArray, type DataArray } from '../core/dtype.js';
import { ArgumentError, NablaError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/** Options of `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (default false: the gradients are scaled anyway). */
  errorIfNonfinite?: boolean;
}

function toList(params: Iterable<Tensor> | Tensor): Tensor[] {
  return params instanceof Tensor ? [params] : [...params];
}

/**
 * The gradient of `p` as a dense array owned by `p` alone, so it can be written in place:
 * strided, offset or shared gradients (two leaves can receive the same gradient tensor)
 * are replaced by a private copy first.
 */
function ownedGrad(p: Tensor, seen: Set<unknown>): DataArray {
  const g = p.grad!;
  const dense = g.isContiguous && g.offset === 0 && g._storage.data.length === g.size && g._node === null;
  if (dense && !seen.has(g._storage)) {
    seen.add(g._storage);
    return g._storage.data;
  }
  const data = allocArray(g.dtype, g.size);
  data.set(g._contiguousData() as ArrayLike<number>);
  const copy = Tensor._fromData(data, g.shape, g.dtype);
  p.grad = copy;
  seen.add(copy._storage);
  return data;
}

function vectorNorm(d: DataArray, ord: number): number {
  const n = d.length;
  if (ord === Number.POSITIVE_INFINITY) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(d[i]!);
      if (a > m || Number.isNaN(a)) m = a;
    }
    return m;
  }
  if (ord === 0) {
    let c = 0;
    for (let i = 0; i < n; i++) if (d[i] !== 0) c++;
    return c;
  }
  if (ord === 1) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(d[i]!);
    return s;
  }
  if (ord === 2) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[i]! * d[i]!;
    return Math.sqrt(s);
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(d[i]!) ** ord;
  return s ** (1 / ord);
}

/**
 * Scales the gradients of `params` in place so that their joint `normType`-norm
 * (the norm of the per-parameter norms) is at most `maxNorm`; returns the total norm
 * before clipping. Like `torch.nn.utils.clip_grad_norm_`: the scale factor is
 * `min(1, maxNorm / (total + 1e-6))`. `normType` may be `Infinity` (max-abs).
 */
export function clipGradNorm_(
  params: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  options: ClipGradNormOptions = {},
): number {
  if (typeof normType !== 'number' || Number.isNaN(normType) || normType < 0) {
    throw new ArgumentError(
      `clipGradNorm_: normType must be a non-negative number or Infinity (got ${normType})`,
    );
  }
  const withGrad = toList(params).filter((p) => p.grad !== null);
  if (withGrad.length === 0) return 0;
  const norms = withGrad.map((p) => vectorNorm(p.grad!._contiguousData(), normType));
  const total = vectorNorm(Float64Array.from(norms), normType);
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new NablaError(
      `clipGradNorm_: the total norm of order ${normType} for gradients from \`params\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to false`,
    );
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (coef === 1) return total;
  const seen = new Set<unknown>();
  for (const p of withGrad) {
    const d = ownedGrad(p, seen);
    for (let i = 0; i < d.length; i++) d[i] = d[i]! * coef;
    p.grad!._storage.version++;
  }
  return total;
}

/** Clamps every gradient element of `params` into [−clipValue, clipValue] in place. */
export function clipGradValue_(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) {
    throw new ArgumentError(`clipGradValue_: clipValue must be a number (got ${clipValue})`);
  }
  const lo = -clipValue;
  const seen = new Set<unknown>();
  for (const p of toList(params)) {
    if (!p.grad) continue;
    const d = ownedGrad(p, seen);
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v < lo) d[i] = lo;
      else if (v > clipValue) d[i] = clipValue;
    }
    p.grad._storage.version++;
  }
}
