/**
 * Fashion-MNIST subsets for the loss-survey experiments: images scaled to [0, 1] as flat
 * `[n, 784]` float32 rows, restricted to some classes and subsampled per class with a seeded RNG.
 */
import { loadFashionMnist } from '../../data/formats/fashion-mnist.js';
import type { DatasetSplit, RawImageDataset } from '../../data/formats/image-dataset.js';
import type { Rng } from '../../experiment/rng.js';

const cache = new Map<DatasetSplit, RawImageDataset>();

function load(split: DatasetSplit): RawImageDataset {
  let d = cache.get(split);
  if (!d) {
    d = loadFashionMnist(split);
    cache.set(split, d);
  }
  return d;
}

/** A labelled subset: `x` holds `n` rows of `dim` pixels in [0, 1]; `y` the original class labels. */
export interface FashionSubset {
  x: Float32Array;
  y: Int32Array;
  n: number;
  dim: number;
}

/**
 * Up to `perClass` images of each class in `classes` from `split` (all of them when `perClass` is
 * undefined), drawn without replacement and returned in a shuffled order.
 */
export function fashionSubset(
  split: DatasetSplit,
  classes: readonly number[],
  perClass: number | undefined,
  rng: Rng,
): FashionSubset {
  const d = load(split);
  const dim = d.rows * d.cols;
  const picked: number[] = [];
  for (const c of classes) {
    const idx: number[] = [];
    for (let i = 0; i < d.n; i++) if (d.labels[i] === c) idx.push(i);
    rng.shuffle(idx);
    picked.push(...idx.slice(0, perClass ?? idx.length));
  }
  rng.shuffle(picked);
  const n = picked.length;
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  picked.forEach((src, i) => {
    const off = src * dim;
    for (let j = 0; j < dim; j++) x[i * dim + j] = d.images[off + j]! / 255;
    y[i] = d.labels[src]!;
  });
  return { x, y, n, dim };
}

/** Copies rows `idx` of a `[n, dim]` array into `out` (length ≥ idx.length·dim). */
export function gatherRows(
  src: Float32Array,
  dim: number,
  idx: ArrayLike<number>,
  out: Float32Array,
): Float32Array {
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i]! * dim, (idx[i]! + 1) * dim), i * dim);
  return out;
}
