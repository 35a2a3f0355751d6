/**
 * Datasets: the map-style `Dataset<T>` protocol (`length` + `get(i)`), iterable datasets,
 * `TensorDataset`, `Subset`, `ConcatDataset` and `randomSplit` (PyTorch's `torch.utils.data`).
 */

import { allocArray } from '../core/dtype.js';
import { ArgumentError, AxisError, fmtShape, ShapeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { type PRNGKey, randomKey } from '../random/key.js';
import { permutation } from '../random/sample.js';

/** A map-style dataset: `length` samples addressed by index. */
export interface Dataset<T> {
  /** Number of samples. */
  readonly length: number;
  /** The sample at `index` (0 ≤ index < length). */
  get(index: number): T;
  /**
   * Optional fast path used by `DataLoader` with the default collate: the whole batch of
   * `indices` at once. It must return exactly what `defaultCollate` of the samples would.
   */
  getBatch?(indices: ArrayLike<number>): unknown;
}

/** A stream of samples, iterated asynchronously (or synchronously if it is also `Iterable`). */
export type IterableDataset<T> = AsyncIterable<T> | Iterable<T>;

/** True for map-style datasets (objects with `get` and `length`). */
export function isMapDataset<T>(d: Dataset<T> | IterableDataset<T>): d is Dataset<T> {
  return (
    d !== null &&
    typeof d === 'object' &&
    typeof (d as Dataset<T>).get === 'function' &&
    typeof (d as Dataset<T>).length === 'number'
  );
}

/** Resolves a possibly negative index into [0, n) or throws. */
export function checkIndex(index: number, n: number, op: string): number {
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new AxisError(`${op}: index ${index} is out of range for a dataset of length ${n}`);
  }
  return index < 0 ? index + n : index;
}

/** Keys are given as seeds or `PRNGKey`s. */
export function toKey(key: PRNGKey | number | undefined): PRNGKey | undefined {
  return typeof key === 'number' ? randomKey(key) : key;
}

/**
 * Wraps tensors that share their first dimension: sample `i` is `[t0[i], t1[i], …]`.
 * Batches are gathered directly from the tensors' storage by the `DataLoader`.
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ArgumentError('TensorDataset: need at least one tensor');
    for (const t of tensors) {
      if (!(t instanceof Tensor)) throw new ArgumentError('TensorDataset: arguments must be tensors');
      if (t.ndim === 0) throw new ShapeError('TensorDataset: tensors need at least one dimension');
    }
    const n = tensors[0]!.shape[0]!;
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) {
        throw new ShapeError(
          `TensorDataset: size mismatch between tensors: tensor 0 has shape ${fmtShape(tensors[0]!.shape)}, tensor ${i} has ${fmtShape(t.shape)}`,
        );
      }
    });
    this.tensors = tensors;
    this.length = n;
  }

  get(index: number): Tensor[] {
    const i = checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t) => t.select(0, i));
  }

  /** Gathers rows `indices` of every tensor into new `[B, ...]` tensors (no per-sample tensors). */
  getBatch(indices: ArrayLike<number>): Tensor[] {
    const b = indices.length;
    const n = this.length;
    for (let k = 0; k < b; k++) checkIndex(indices[k]!, n, 'TensorDataset.getBatch');
    return this.tensors.map((t) => {
      const data = t._contiguousData();
      const row = n === 0 ? 0 : t.size / n;
      const out = allocArray(t.dtype, b * row);
      for (let k = 0; k < b; k++) {
        let i = indices[k]!;
        if (i < 0) i += n;
        if (row === 1) out[k] = data[i]!;
        else out.set(data.subarray(i * row, (i + 1) * row), k * row);
      }
      return Tensor._fromData(out, [b, ...t.shape.slice(1)], t.dtype);
    });
  }
}

/** The samples of `dataset` at `indices` (in that order). */
export class Subset<T> implements Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    this.dataset = dataset;
    this.indices = Array.from(indices);
    if (dataset.getBatch) {
      const base = dataset.getBatch.bind(dataset);
      this.getBatch = (idx: ArrayLike<number>) => {
        const mapped = new Int32Array(idx.length);
        for (let k = 0; k < idx.length; k++) {
          mapped[k] = this.indices[checkIndex(idx[k]!, this.indices.length, 'Subset.getBatch')]!;
        }
        return base(mapped);
      };
    }
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex(index, this.indices.length, 'Subset.get')]!);
  }

  getBatch?: (indices: ArrayLike<number>) => unknown;
}

/** The concatenation of several datasets. */
export class ConcatDataset<T> implements Dataset<T> {
  readonly datasets: readonly Dataset<T>[];
  /** Running totals of the datasets' lengths. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly Dataset<T>[]) {
    if (datasets.length === 0) throw new ArgumentError('ConcatDataset: datasets should not be an empty list');
    this.datasets = [...datasets];
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d) => (total += d.length));
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  get(index: number): T {
    const i = checkIndex(index, this.length, 'ConcatDataset.get');
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (i < this.cumulativeSizes[mid]!) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1]!;
    return this.datasets[lo]!.get(i - start);
  }
}

/** Options of `randomSplit`. */
export interface RandomSplitOptions {
  /** Key (or seed) of the permutation; without one the global generator is used. */
  key?: PRNGKey | number;
}

/**
 * Randomly splits a dataset into non-overlapping subsets of the given lengths, or of the
 * given fractions (summing to 1; remainders are handed out round-robin, as in PyTorch).
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  options: RandomSplitOptions = {},
): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    sizes = lengths.map((f, i) => {
      if (!(f >= 0 && f <= 1))
        throw new ArgumentError(`randomSplit: fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * f);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length]! += 1;
  }
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 0) throw new ArgumentError(`randomSplit: invalid length ${s}`);
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new ArgumentError(
      `randomSplit: sum of input lengths (${sizes.reduce((a, b) => a + b, 0)}) does not equal the length of the input dataset (${n})`,
    );
  }
  const key = toKey(options.key);
  const perm = permutation(n, key ? { key } : {})._contiguousData() as Int32Array;
  let offset = 0;
  return sizes.map((s) => {
    const sub = new Subset(dataset, perm.subarray(offset, offset + s));
    offset += s;
    return sub;
  });
}
