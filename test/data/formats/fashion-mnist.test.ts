import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetNotFoundError } from '../../../src/data/formats/errors.js';
import {
  FASHION_MNIST_SYSTEM_DIR,
  findFashionMnistFiles,
  loadFashionMnist,
} from '../../../src/data/formats/fashion-mnist.js';

const tmp = mkdtempSync(join(tmpdir(), 'nabla-fmnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const nowhere = join(tmp, 'nowhere');

function header(type: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => {
    new DataView(out.buffer).setUint32(4 + 4 * i, d, false);
  });
  return out;
}

/** Writes a tiny fake split (n images of 28×28 whose pixels equal their index, labels i % 10). */
function writeSplit(dir: string, prefix: string, n: number, gzip: boolean, labelOverride?: number[]) {
  mkdirSync(dir, { recursive: true });
  const images = Buffer.concat([
    header(0x08, [n, 28, 28]),
    Buffer.from(Array.from({ length: n * 784 }, (_, i) => Math.floor(i / 784))),
  ]);
  const labels = Buffer.concat([
    header(0x08, [labelOverride?.length ?? n]),
    Buffer.from(labelOverride ?? Array.from({ length: n }, (_, i) => i % 10)),
  ]);
  const ext = gzip ? '.gz' : '';
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), gzip ? gzipSync(images) : images);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), gzip ? gzipSync(labels) : labels);
}

describe('Fashion-MNIST from a given directory', () => {
  const dir = join(tmp, 'given');
  writeSplit(dir, 'train', 3, true);
  writeSplit(dir, 't10k', 2, false);

  it('loads gzipped and plain splits', () => {
    const train = loadFashionMnist('train', { dir, env: {}, systemDir: nowhere });
    expect(train.n).toBe(3);
    expect([train.rows, train.cols]).toEqual([28, 28]);
    expect(train.images.length).toBe(3 * 784);
    expect(train.images[2 * 784 + 5]).toBe(2);
    expect(Array.from(train.labels)).toEqual([0, 1, 2]);
    const test = loadFashionMnist('test', { dir, env: {}, systemDir: nowhere });
    expect(test.n).toBe(2);
  });

  it('finds the environment directory and torchvision layout', () => {
    const envDir = join(tmp, 'env');
    writeSplit(join(envDir, 'FashionMNIST', 'raw'), 't10k', 4, true);
    const files = findFashionMnistFiles('test', {
      env: { NABLA_FASHION_MNIST_DIR: envDir },
      systemDir: nowhere,
    });
    expect(files.images).toBe(join(envDir, 'FashionMNIST', 'raw', 't10k-images-idx3-ubyte.gz'));
    expect(loadFashionMnist('test', { env: { NABLA_FASHION_MNIST_DIR: envDir }, systemDir: nowhere }).n).toBe(
      4,
    );
    // The given directory wins over the environment.
    expect(
      loadFashionMnist('test', { dir, env: { NABLA_FASHION_MNIST_DIR: envDir }, systemDir: nowhere }).n,
    ).toBe(2);
  });

  it('throws DatasetNotFoundError with install instructions when missing', () => {
    const env = { NABLA_FASHION_MNIST_DIR: join(tmp, 'empty-env') };
    let error: unknown;
    try {
      loadFashionMnist('train', { dir: join(tmp, 'empty-given'), env, systemDir: nowhere });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    const e = error as DatasetNotFoundError;
    expect(e.searched).toHaveLength(3);
    expect(e.message).toContain('sudo apt-get install dataset-fashion-mnist');
    expect(e.message).toContain('NABLA_FASHION_MNIST_DIR');
    expect(e.message).toContain('train-images-idx3-ubyte[.gz]');
    expect(e.message).toContain(join(tmp, 'empty-given'));
    expect(e.message).toContain(join(tmp, 'empty-env'));
  });

  it('rejects inconsistent files, naming them', () => {
    const bad = join(tmp, 'bad');
    writeSplit(bad, 'train', 3, false, [0, 1]);
    expect(() => loadFashionMnist('train', { dir: bad, env: {}, systemDir: nowhere })).toThrow(
      /has 2 labels but .* has 3 images/,
    );
    writeSplit(bad, 'train', 2, false, [0, 10]);
    expect(() => loadFashionMnist('train', { dir: bad, env: {}, systemDir: nowhere })).toThrow(
      /train-labels-idx1-ubyte': label 10 at index 1/,
    );
  });
});

// The Debian dataset is a test dependency (.ci/run installs dataset-fashion-mnist): missing means failing.
describe('Fashion-MNIST from the Debian package', () => {
  it('is installed', () => {
    expect(existsSync(FASHION_MNIST_SYSTEM_DIR), 'apt-get install dataset-fashion-mnist').toBe(true);
  });
  for (const [split, n] of [
    ['train', 60000],
    ['test', 10000],
  ] as const) {
    it(`loads the ${split} split with ${n} balanced examples`, () => {
      const data = loadFashionMnist(split, { env: {} });
      expect(data.n).toBe(n);
      expect([data.rows, data.cols]).toEqual([28, 28]);
      expect(data.images.length).toBe(n * 784);
      const counts = new Array(10).fill(0);
      for (const l of data.labels) counts[l]++;
      expect(counts).toEqual(new Array(10).fill(n / 10));
      expect(data.labels[0]).toBe(9); // both splits start with an ankle boot
      expect(Math.max(...data.images.subarray(0, 784))).toBeGreaterThan(200);
    });
  }
});
