/**
 * Locating and loading Fashion-MNIST (https://github.com/zalandoresearch/fashion-mnist) from its
 * IDX files.
 *
 * Directories are searched in this order, the first one holding both files of the requested split
 * wins: `options.dir`, `$NABLA_FASHION_MNIST_DIR`, then {@link FASHION_MNIST_SYSTEM_DIR} where the
 * Debian/Ubuntu package `dataset-fashion-mnist` installs them. In each directory the files may sit
 * directly, or under `FashionMNIST/raw/` (torchvision's layout) or `fashion-mnist/`; each may be
 * gzip-compressed (`.gz`) or not.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetNotFoundError } from './errors.js';
import { readIdxFile } from './idx.js';
import type { DatasetSplit, RawImageDataset } from './image-dataset.js';

/** Environment variable naming a directory that holds the Fashion-MNIST IDX files. */
export const FASHION_MNIST_ENV = 'NABLA_FASHION_MNIST_DIR';

/** Where `sudo apt-get install dataset-fashion-mnist` puts the (gzipped) IDX files. */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Options for {@link loadFashionMnist} and {@link findFashionMnistFiles}. */
export interface FashionMnistOptions {
  /** Directory to search first. */
  dir?: string;
  /** Environment to read {@link FASHION_MNIST_ENV} from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** System directory searched last (default {@link FASHION_MNIST_SYSTEM_DIR}). */
  systemDir?: string;
}

/** Paths of the two IDX files of one split. */
export interface FashionMnistFiles {
  /** Images file (`*-images-idx3-ubyte[.gz]`). */
  images: string;
  /** Labels file (`*-labels-idx1-ubyte[.gz]`). */
  labels: string;
}

/** Base names (without `.gz`) of a split's files, as published by Zalando. */
export function fashionMnistFileNames(split: DatasetSplit): FashionMnistFiles {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

function findFile(dir: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Finds the IDX files of a split (see module docs for the search order).
 *
 * @throws DatasetNotFoundError listing every directory tried and how to install the dataset.
 */
export function findFashionMnistFiles(
  split: DatasetSplit,
  options: FashionMnistOptions = {},
): FashionMnistFiles {
  const env = options.env ?? process.env;
  const roots: { dir: string; why: string }[] = [];
  if (options.dir !== undefined) roots.push({ dir: options.dir, why: 'given directory' });
  const envDir = env[FASHION_MNIST_ENV];
  if (envDir) roots.push({ dir: envDir, why: `$${FASHION_MNIST_ENV}` });
  roots.push({
    dir: options.systemDir ?? FASHION_MNIST_SYSTEM_DIR,
    why: 'Debian package dataset-fashion-mnist',
  });
  const names = fashionMnistFileNames(split);
  const searched: string[] = [];
  for (const { dir, why } of roots) {
    for (const candidate of [dir, join(dir, 'FashionMNIST', 'raw'), join(dir, 'fashion-mnist')]) {
      const images = findFile(candidate, names.images);
      const labels = findFile(candidate, names.labels);
      if (images && labels) return { images, labels };
    }
    searched.push(`${dir} (${why})`);
  }
  const all = [
    ...Object.values(fashionMnistFileNames('train')),
    ...Object.values(fashionMnistFileNames('test')),
  ];
  throw new DatasetNotFoundError(
    'Fashion-MNIST',
    searched,
    [
      `Fashion-MNIST ${split} split not found: no directory holds both ${names.images}[.gz] and ${names.labels}[.gz].`,
      'Searched (each also under FashionMNIST/raw/ and fashion-mnist/):',
      ...searched.map((s) => `  - ${s}`),
      'To fix, either:',
      '  - install the Debian/Ubuntu package:  sudo apt-get install dataset-fashion-mnist',
      `    (it installs the files into ${FASHION_MNIST_SYSTEM_DIR}), or`,
      `  - download the dataset from https://github.com/zalandoresearch/fashion-mnist and set ${FASHION_MNIST_ENV}`,
      `    to a directory containing ${all.map((f) => `${f}(.gz)`).join(', ')}.`,
    ].join('\n'),
  );
}

/**
 * Loads a Fashion-MNIST split as raw bytes: 60 000 training or 10 000 test images of 28×28.
 *
 * @throws DatasetNotFoundError if the files cannot be found; Error naming the file if they are
 *   malformed (not uint8 `[n, rows, cols]` images and `[n]` labels below 10, or counts disagree).
 */
export function loadFashionMnist(split: DatasetSplit, options: FashionMnistOptions = {}): RawImageDataset {
  const files = findFashionMnistFiles(split, options);
  return loadIdxImageDataset(files.images, files.labels, FASHION_MNIST_CLASSES.length);
}

/**
 * Loads a pair of MNIST-style IDX files (uint8 images `[n, rows, cols]`, uint8 labels `[n]`).
 *
 * @param numClasses - Labels must be below this.
 * @throws Error naming the offending file on any shape, dtype or label problem.
 */
export function loadIdxImageDataset(
  imagesPath: string,
  labelsPath: string,
  numClasses: number,
): RawImageDataset {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new Error(
      `IDX file '${imagesPath}': expected uint8 images of shape [n, rows, cols], got ${images.dtype} [${images.shape.join(', ')}]`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new Error(
      `IDX file '${labelsPath}': expected uint8 labels of shape [n], got ${labels.dtype} [${labels.shape.join(', ')}]`,
    );
  }
  const [n, rows, cols] = images.shape;
  if (labels.shape[0] !== n) {
    throw new Error(
      `IDX file '${labelsPath}': has ${labels.shape[0]} labels but '${imagesPath}' has ${n} images`,
    );
  }
  const bad = labels.data.findIndex((v) => v >= numClasses);
  if (bad >= 0) {
    throw new Error(
      `IDX file '${labelsPath}': label ${labels.data[bad]} at index ${bad} is not below ${numClasses}`,
    );
  }
  return { images: images.data, labels: labels.data, n, rows, cols };
}
