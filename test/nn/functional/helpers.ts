/** Shared helpers of the functional-op tests: deterministic data and comparisons. */
import { expect } from 'vitest';
import type { DType } from '../../../src/core/dtype.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { tensor } from '../../../src/ops/creation.js';

/** Deterministic pseudo-random numbers in [-1, 1) (LCG), seeded. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** A tensor of the given shape filled with deterministic values in [-scale, scale). */
export function rnd(shape: readonly number[], seed: number, dtype: DType = 'float64', scale = 1): Tensor {
  const next = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = next() * scale;
  return tensor(data, { shape, dtype });
}

/** Elementwise closeness with a readable failure message. */
export function expectClose(
  actual: Tensor | ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-9,
  rtol = 1e-7,
  what = '',
): void {
  const a = 'dataSync' in actual ? actual.dataSync() : actual;
  expect(a.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = expected[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      throw new Error(`${what}: mismatch at flat index ${i}: got ${x}, expected ${y}`);
    }
  }
}
