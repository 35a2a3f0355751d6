/**
 * Sorting along an axis: sort, argsort, topk (and kthvalue). NaN sorts as the
 * largest value, as in PyTorch. The values are gathered from the input, so
 * gradients flow back to the selected positions (through gather's scatter-add).
 */
import { ArgumentError, fmtShape } from '../core/errors.js';
import { normAxis, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { contiguous } from './cast.js';
import { gather } from './indexing.js';
import { narrow, reshape, select } from './view.js';

/** Options of `sort`/`argsort`. */
export interface SortOptions {
  /** Largest first (default false). */
  descending?: boolean;
  /**
   * Keep equal elements in their original order (default true). The
   * implementation is always stable; the flag exists for PyTorch parity.
   */
  stable?: boolean;
}

/** Values and their int32 positions along the sorted axis. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/** Stable argsort of every lane along `axis` (NaN largest). */
function argsortRaw(x: Tensor, a: number, descending: boolean): Tensor {
  const n = x.shape[a]!;
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const d = x._contiguousData();
  const out = new Int32Array(x.size);
  const vals = new Float64Array(n);
  const order = new Array<number>(n);
  const sign = descending ? -1 : 1;
  const cmp = (i: number, j: number): number => {
    const u = vals[i]!;
    const v = vals[j]!;
    if (u < v) return -sign;
    if (u > v) return sign;
    const nu = u !== u;
    const nv = v !== v;
    if (nu !== nv) return nu ? sign : -sign;
    return i - j;
  };
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * n * inner + k;
      for (let i = 0; i < n; i++) {
        vals[i] = d[base + i * inner]!;
        order[i] = i;
      }
      order.sort(cmp);
      for (let i = 0; i < n; i++) out[base + i * inner] = order[i]!;
    }
  }
  return Tensor._fromData(out, x.shape, 'int32');
}

/**
 * Sorts along `axis` (default last), like `torch.sort`: `{values, indices}` with
 * `values = gather(x, axis, indices)`. Stable; NaN is treated as the largest value.
 * Differentiable in `x`.
 */
export function sort(x: Tensor, axis = -1, opts: SortOptions = {}): ValuesIndices {
  if (x.ndim === 0) {
    const r = sort(reshape(x, [1]), 0, opts);
    return { values: reshape(r.values, []), indices: reshape(r.indices, []) };
  }
  const a = normAxis(axis, x.ndim, 'sort');
  const indices = argsortRaw(x, a, opts.descending ?? false);
  return { values: gather(x, a, indices), indices };
}

/** The int32 positions that sort `x` along `axis` (like `torch.argsort`; stable). */
export function argsort(x: Tensor, axis = -1, opts: SortOptions = {}): Tensor {
  if (x.ndim === 0) return reshape(argsort(reshape(x, [1]), 0, opts), []);
  const a = normAxis(axis, x.ndim, 'argsort');
  return argsortRaw(x, a, opts.descending ?? false);
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The k largest (default true) or smallest. */
  largest?: boolean;
  /** Return them in sorted order (default true; they are always sorted here). */
  sorted?: boolean;
}

/**
 * The `k` largest (or smallest) elements along `axis` and their positions, like
 * `torch.topk`; NaN counts as largest. Differentiable in `x`.
 */
export function topk(x: Tensor, k: number, axis = -1, opts: TopkOptions = {}): ValuesIndices {
  const op = 'topk';
  const xx = x.ndim === 0 ? reshape(x, [1]) : x;
  const a = normAxis(axis, xx.ndim, op);
  const n = xx.shape[a]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ArgumentError(
      `${op}: k (${k}) is out of range for dim ${a} of size ${n} (input ${fmtShape(x.shape)})`,
    );
  }
  const all = argsortRaw(xx, a, opts.largest ?? true);
  const indices = contiguous(narrow(all, a, 0, k));
  const values = gather(xx, a, indices);
  if (x.ndim === 0) return { values: reshape(values, []), indices: reshape(indices, []) };
  return { values, indices };
}

/**
 * The k-th smallest element (1-based) along `axis` and its position, like
 * `torch.kthvalue`. Differentiable in `x`.
 */
export function kthvalue(x: Tensor, k: number, axis = -1, keepdims = false): ValuesIndices {
  const op = 'kthvalue';
  const xx = x.ndim === 0 ? reshape(x, [1]) : x;
  const a = normAxis(axis, xx.ndim, op);
  const n = xx.shape[a]!;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ArgumentError(
      `${op}: k (${k}) is out of range for dim ${a} of size ${n} (input ${fmtShape(x.shape)})`,
    );
  }
  const all = argsortRaw(xx, a, false);
  const indices = contiguous(narrow(all, a, k - 1, 1));
  const values = gather(xx, a, indices);
  if (keepdims && x.ndim > 0) return { values, indices };
  return { values: select(values, a, 0), indices: contiguous(select(indices, a, 0)) };
}
