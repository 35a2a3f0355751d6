/** Shared test helpers. */
import { expect } from 'vitest';
import type { Tensor } from '../src/core/tensor.js';
import { randomKey } from '../src/random/key.js';
import { normal, uniform } from '../src/random/sample.js';

/** Flattened numbers of a tensor or nested array. */
export function flat(x: Tensor | number[] | number): number[] {
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) return x.flat(Number.POSITIVE_INFINITY) as number[];
  return Array.from(x._contiguousData(), Number);
}

/** Asserts elementwise |a − b| ≤ atol + rtol·|b| (NaN equals NaN). */
export function expectClose(
  actual: Tensor | number[] | number,
  expected: Tensor | number[] | number,
  rtol = 1e-6,
  atol = 1e-9,
): void {
  const a = flat(actual);
  const b = flat(expected);
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(y)) {
      expect(x, `index ${i}`).toBeNaN();
      continue;
    }
    if (!Number.isFinite(y)) {
      expect(x, `index ${i}`).toBe(y);
      continue;
    }
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      throw new Error(`mismatch at index ${i}: ${x} vs ${y} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** A reproducible float64 normal tensor. */
export function randn64(shape: number[], seed: number, scale = 1): Tensor {
  return normal(shape, 0, scale, { dtype: 'float64', key: randomKey(seed) });
}

/** A reproducible float64 uniform tensor in [lo, hi). */
export function rand64(shape: number[], seed: number, lo = 0, hi = 1): Tensor {
  return uniform(shape, lo, hi, { dtype: 'float64', key: randomKey(seed) });
}
