import { describe, expect, test } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import type { Tensor } from '../../src/core/tensor.js';
import { tensor, zeros } from '../../src/ops/creation.js';
import { bmm, dot, matmul, mm, outer } from '../../src/ops/matmul.js';
import { expectClose, flat, randn64 } from '../helpers.js';

/** Reference batched matmul over explicit loops (operands already broadcast to 3-D). */
function naive(a: Tensor, b: Tensor): number[] {
  const [B, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const A = flat(a);
  const Bv = flat(b);
  const out: number[] = [];
  for (let bi = 0; bi < B; bi++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[bi * m * k + i * k + p]! * Bv[bi * k * n + p * n + j]!;
        out.push(s);
      }
  return out;
}

describe('matmul semantics', () => {
  test('2-D × 2-D for odd sizes', () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 5, 7],
      [9, 4, 6],
      [17, 13, 5],
    ] as const) {
      const a = randn64([m, k], m + k);
      const b = randn64([k, n], k + n);
      expectClose(matmul(a, b), naive(a.reshape(1, m, k), b.reshape(1, k, n)), 1e-12, 1e-12);
    }
  });

  test('1-D operands follow NumPy', () => {
    const v = tensor([1, 2, 3], { dtype: 'float64' });
    const m = tensor(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      { dtype: 'float64' },
    );
    expect(matmul(v, v).shape).toEqual([]);
    expect(matmul(v, v).item()).toBe(14);
    expect(matmul(v, m).toArray()).toEqual([4, 5]);
    expect(matmul(m.T, v).toArray()).toEqual([4, 5]);
    expect(dot(v, v).item()).toBe(14);
    expect(outer(v, tensor([1, 10], { dtype: 'float64' })).toArray()).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
  });

  test('batched with broadcasting and transposed views', () => {
    const a = randn64([2, 1, 3, 4], 1);
    const b = randn64([5, 4, 2], 2);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    const ae = a.expand(2, 5, 3, 4).reshape(10, 3, 4);
    const be = b.expand(2, 5, 4, 2).reshape(10, 4, 2);
    expectClose(c, naive(ae, be), 1e-12, 1e-12);
    const at = randn64([4, 3], 3);
    const bt = randn64([2, 4], 4);
    expectClose(matmul(at.T, bt.T), naive(at.T.reshape(1, 3, 4), bt.T.reshape(1, 4, 2)), 1e-12, 1e-12);
    expect(bmm(ae, be).shape).toEqual([10, 3, 2]);
    expect(mm(at.T, bt.T).shape).toEqual([3, 2]);
  });

  test('float32 matches float64 to float32 precision', () => {
    const a = randn64([33, 65], 5);
    const b = randn64([65, 17], 6);
    expectClose(matmul(a.float(), b.float()), matmul(a, b), 1e-5, 1e-5);
  });

  test('empty and error cases', () => {
    expect(matmul(zeros([0, 3]), zeros([3, 2])).shape).toEqual([0, 2]);
    expect(matmul(zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(() => matmul(zeros([3, 4]), zeros([5, 6]))).toThrow(
      'matmul: shapes [3,4] and [5,6] are not aligned (4 != 5)',
    );
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(/cannot be broadcast/);
    expect(() => mm(zeros([3]), zeros([3, 1]))).toThrow(/mm: expected two 2-D tensors/);
  });
});

describe('matmul gradients', () => {
  test('2-D, batched-broadcast, 1-D', () => {
    expect(gradcheck((a, b) => matmul(a!, b!), [randn64([3, 4], 7), randn64([4, 2], 8)])).toBe(true);
    expect(gradcheck((a, b) => matmul(a!, b!), [randn64([2, 1, 3, 4], 9), randn64([3, 4, 2], 10)])).toBe(
      true,
    );
    expect(gradcheck((a, b) => matmul(a!, b!), [randn64([4], 11), randn64([2, 4, 3], 12)])).toBe(true);
    expect(gradcheck((a, b) => matmul(a!, b!), [randn64([3, 4], 13), randn64([4], 14)])).toBe(true);
    expect(gradcheck((a, b) => matmul(a!.T, b!), [randn64([4, 3], 15), randn64([4, 2], 16)])).toBe(true);
  });
  test('second order', () => {
    expect(gradgradcheck((a, b) => matmul(a!, b!).tanh(), [randn64([3, 4], 17), randn64([4, 2], 18)])).toBe(
      true,
    );
  });
});
