import { describe, expect, test } from 'vitest';
import { ShapeError } from '../../src/core/errors.js';
import {
  arange,
  eye,
  fromTypedArray,
  full,
  linspace,
  ones,
  onesLike,
  scalar,
  tensor,
  zeros,
  zerosLike,
} from '../../src/ops/creation.js';

describe('creation', () => {
  test('tensor() infers shape and dtype', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor([1, 2, 3, 4], { shape: [2, 2], dtype: 'float64' }).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(scalar(3).shape).toEqual([]);
    expect(scalar(3).item()).toBe(3);
  });

  test('ragged input and bad shapes are rejected', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/shape \[2,2\] needs 4 elements, data has 3/);
    expect(() => zeros([2, -1])).toThrow(/invalid shape/);
  });

  test('fromTypedArray shares memory, tensor() copies', () => {
    const buf = new Float32Array([1, 2, 3, 4]);
    const shared = fromTypedArray(buf, [2, 2]);
    const copied = tensor(buf);
    buf[0] = 10;
    expect(shared.toArray()).toEqual([
      [10, 2],
      [3, 4],
    ]);
    expect(copied.toArray()).toEqual([1, 2, 3, 4]);
  });

  test('constants and *Like', () => {
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(ones([2, 1], { dtype: 'int32' }).toArray()).toEqual([[1], [1]]);
    const x = tensor([1, 2], { dtype: 'float64' });
    expect(zerosLike(x).dtype).toBe('float64');
    expect(onesLike(x, { dtype: 'int32' }).dtype).toBe('int32');
  });

  test('ranges', () => {
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe('int32');
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(1, 2, 0.25).dtype).toBe('float32');
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    const l = linspace(0, 1, 11, { dtype: 'float64' }).toArray() as number[];
    expect(l[0]).toBe(0);
    expect(l[10]).toBe(1);
    expect(l[3]).toBeCloseTo(0.3, 15);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });
});
