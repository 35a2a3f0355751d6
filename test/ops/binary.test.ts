import { describe, expect, test } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import { ShapeError } from '../../src/core/errors.js';
import * as B from '../../src/ops/binary.js';
import { arange, tensor, zeros } from '../../src/ops/creation.js';
import { abs } from '../../src/ops/unary.js';
import { expectClose, rand64, randn64 } from '../helpers.js';

describe('broadcasting', () => {
  test('column + row', () => {
    const a = tensor([[1], [2], [3]]);
    const b = tensor([[10, 20, 30, 40]]);
    const c = B.add(a, b);
    expect(c.shape).toEqual([3, 4]);
    expect(c.toArray()).toEqual([
      [11, 21, 31, 41],
      [12, 22, 32, 42],
      [13, 23, 33, 43],
    ]);
  });

  test('leading dims, 0-d and scalars', () => {
    const a = arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 1, 3);
    const b = tensor([[1], [2]]);
    expect(B.mul(a, b).shape).toEqual([2, 2, 3]);
    expect(B.sub(tensor(5), a).shape).toEqual([2, 1, 3]);
    expect(B.div(a, 2).toArray()).toEqual([[[0, 0.5, 1]], [[1.5, 2, 2.5]]]);
  });

  test('empty dims', () => {
    const c = B.add(zeros([0, 3]), tensor([1, 2, 3]));
    expect(c.shape).toEqual([0, 3]);
  });

  test('non-contiguous operands', () => {
    const a = arange(12, undefined, 1, { dtype: 'float64' }).reshape(3, 4);
    const t = a.T; // [4,3] view
    const r = B.add(t, tensor([100, 200, 300], { dtype: 'float64' }));
    expect(r.toArray()).toEqual([
      [100, 204, 308],
      [101, 205, 309],
      [102, 206, 310],
      [103, 207, 311],
    ]);
  });

  test('incompatible shapes name the op and both shapes', () => {
    expect(() => B.add(zeros([2, 3]), zeros([4]))).toThrow(ShapeError);
    expect(() => B.mul(zeros([2, 3]), zeros([4]))).toThrow(
      'mul: shapes [2,3] and [4] cannot be broadcast (dim 1: 3 vs 4)',
    );
  });
});

describe('binary values', () => {
  test('arithmetic and pow', () => {
    const a = tensor([1, 2, 3], { dtype: 'float64' });
    expectClose(B.pow(a, 2), [1, 4, 9]);
    expectClose(B.pow(2, a), [2, 4, 8]);
    expectClose(B.atan2(tensor([1, -1], { dtype: 'float64' }), tensor([1, 1], { dtype: 'float64' })), [
      Math.PI / 4,
      -Math.PI / 4,
    ]);
  });

  test('maximum/minimum propagate NaN', () => {
    const a = tensor([1, Number.NaN, 3]);
    const b = tensor([2, 0, Number.NaN]);
    expectClose(B.maximum(a, b), [2, Number.NaN, Number.NaN]);
    expectClose(B.minimum(a, b), [1, Number.NaN, Number.NaN]);
  });

  test('comparisons and logic give bool', () => {
    const a = tensor([1, 2, 3]);
    expect(B.gt(a, 2).dtype).toBe('bool');
    expect(B.gt(a, 2).toArray()).toEqual([false, false, true]);
    expect(B.le(a, 2).toArray()).toEqual([true, true, false]);
    expect(B.eq(a, tensor([1, 0, 3])).toArray()).toEqual([true, false, true]);
    expect(B.ne(a, 2).toArray()).toEqual([true, false, true]);
    expect(B.logicalAnd(tensor([true, true, false]), tensor([true, false, false])).toArray()).toEqual([
      true,
      false,
      false,
    ]);
    expect(B.logicalOr(tensor([true, false]), tensor([false, false])).toArray()).toEqual([true, false]);
    expect(B.logicalXor(tensor([true, false]), tensor([true, true])).toArray()).toEqual([false, true]);
  });

  test('where broadcasts its three operands', () => {
    const c = tensor([[true], [false]]);
    expect(B.where(c, tensor([1, 2, 3]), -1).toArray()).toEqual([
      [1, 2, 3],
      [-1, -1, -1],
    ]);
  });

  test('clamp', () => {
    expect(B.clamp(tensor([-2, 0.5, 3]), 0, 1).toArray()).toEqual([0, 0.5, 1]);
    expect(B.clamp(tensor([-2, 0.5, 3]), null, 1).toArray()).toEqual([-2, 0.5, 1]);
    expect(() => B.clamp(tensor([1]))).toThrow(/clamp: at least one of min and max/);
  });

  test('int32 arithmetic wraps like int32', () => {
    const big = tensor([2147483647], { dtype: 'int32' });
    expect(B.add(big, 1).toArray()).toEqual([-2147483648]);
  });
});

describe('binary gradients (float64 gradcheck, incl. broadcasting)', () => {
  const a = randn64([3, 1, 4], 1);
  const b = randn64([2, 4], 2);
  const pos = rand64([2, 4], 3, 0.5, 2);
  for (const [name, op] of [
    ['add', B.add],
    ['sub', B.sub],
    ['mul', B.mul],
    ['maximum', B.maximum],
    ['minimum', B.minimum],
    ['atan2', B.atan2],
  ] as const) {
    test(name, () => {
      expect(gradcheck((x, y) => op(x!, y!), [a, b])).toBe(true);
    });
  }
  test('div', () => {
    expect(gradcheck((x, y) => B.div(x!, y!), [a, pos])).toBe(true);
  });
  test('pow (base and exponent)', () => {
    expect(gradcheck((x, y) => B.pow(x!, y!), [rand64([3, 1, 4], 4, 0.5, 2), b])).toBe(true);
  });
  test('pow with a scalar exponent has gradient 0 at 0 for exponent 0', () => {
    const x = tensor([0, 2], { dtype: 'float64', requiresGrad: true });
    B.pow(x, 0).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0]);
  });
  test('where and clamp', () => {
    const c = B.gt(randn64([3, 1, 4], 5), 0);
    expect(gradcheck((x, y) => B.where(c, x!, y!), [a, b])).toBe(true);
    expect(gradcheck((x) => B.clamp(x!, -0.5, 0.5), [a])).toBe(true);
  });
  test('maximum ties split the gradient', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = tensor([1, 1], { dtype: 'float64', requiresGrad: true });
    B.maximum(x, y).sum().backward();
    expect(x.grad!.toArray()).toEqual([0.5, 1]);
    expect(y.grad!.toArray()).toEqual([0.5, 0]);
  });
  test('second order: mul, div, pow', () => {
    expect(gradgradcheck((x, y) => B.mul(x!, y!), [a, b])).toBe(true);
    expect(gradgradcheck((x, y) => B.div(x!, y!), [a, pos])).toBe(true);
    expect(gradgradcheck((x, y) => B.pow(abs(x!), y!), [rand64([3, 1, 4], 6, 0.5, 2), b])).toBe(true);
  });
});
