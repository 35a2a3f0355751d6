import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { arange, tensor, zeros } from '../../../src/ops/creation.js';
import {
  cat,
  chunk,
  concat,
  hstack,
  repeat,
  repeatInterleave,
  split,
  stack,
  tile,
  unbind,
  vstack,
} from '../../../src/ops/structure.js';
import { flip } from '../../../src/ops/view.js';

function data(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
  return tensor(v, { dtype: 'float64', shape });
}

describe('concat / stack', () => {
  it('concatenates along any axis, including strided inputs', () => {
    const a = arange(6).reshape(2, 3);
    const b = arange(6, 8).reshape(2, 1);
    expect(concat([a, b], 1).toArray()).toEqual([
      [0, 1, 2, 6],
      [3, 4, 5, 7],
    ]);
    expect(cat([a, flip(a, 0)], -2).toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [3, 4, 5],
      [0, 1, 2],
    ]);
    expect(concat([a.T, a.T], 0).shape).toEqual([6, 2]);
    expect(concat([a.T, a.T], 0).toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it('promotes dtypes and skips legacy empty 1-D tensors', () => {
    const y = concat([tensor([1], { dtype: 'int32' }), tensor([0.5], { dtype: 'float64' })]);
    expect(y.dtype).toBe('float64');
    expect(y.toArray()).toEqual([1, 0.5]);
    expect(concat([zeros([0]), arange(4).reshape(2, 2)], 0).shape).toEqual([2, 2]);
    expect(concat([zeros([2, 0]), zeros([2, 3])], 1).shape).toEqual([2, 3]);
  });

  it('stack inserts a new axis', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expect(stack([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stack([a, b], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([a, b], -1).shape).toEqual([2, 2]);
    expect(vstack([a, b]).shape).toEqual([2, 2]);
    expect(hstack([a, b]).toArray()).toEqual([1, 2, 3, 4]);
  });

  it('errors name the op and the shapes', () => {
    expect(() => concat([])).toThrow(/concat: expected a non-empty list/);
    expect(() => concat([zeros([2, 3]), zeros([3, 3])], 1)).toThrow(
      /concat: shapes \[2,3\] and \[3,3\] \(tensor 1\) must match except in axis 1/,
    );
    expect(() => concat([zeros([2, 3]), zeros([2, 3, 1])])).toThrow(ShapeError);
    expect(() => concat([zeros([2])], 1)).toThrow(/concat: axis 1 is out of range/);
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(
      /stack: all tensors must have the same shape \(tensor 0 is \[2\], tensor 1 is \[3\]\)/,
    );
  });

  it('gradcheck', () => {
    gradcheck((a, b, c) => concat([a!, b!, c!], 1), [data([2, 1]), data([2, 3], 2), data([2, 2], 3)]);
    gradcheck((a, b) => stack([a!, b!], 1), [data([2, 3]), data([2, 3], 2)]);
  });
});

describe('split / chunk / unbind', () => {
  it('split by size and by sections, as views sharing storage', () => {
    const x = arange(10).reshape(5, 2);
    const parts = split(x, 2);
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 2],
      [2, 2],
      [1, 2],
    ]);
    expect(parts[2]!.toArray()).toEqual([[8, 9]]);
    for (const p of parts) expect(p._storage).toBe(x._storage);
    const [a, b] = split(x, [1, 4], 0);
    expect(a!.toArray()).toEqual([[0, 1]]);
    expect(b!.shape).toEqual([4, 2]);
    x._storage.data[9] = 99;
    expect(b!.toArray()).toEqual([
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 99],
    ]);
    expect(split(x, 1, 1).map((p) => p.toArray())).toEqual([
      [[0], [2], [4], [6], [8]],
      [[1], [3], [5], [7], [99]],
    ]);
  });

  it('chunk follows torch.chunk (may return fewer chunks)', () => {
    expect(chunk(arange(5), 2).map((p) => p.toArray())).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(chunk(arange(6), 4).map((p) => p.size)).toEqual([2, 2, 2]);
    expect(chunk(zeros([0]), 3).length).toBe(3);
    expect(chunk(arange(6).reshape(2, 3), 3, -1).map((p) => p.shape)).toEqual([
      [2, 1],
      [2, 1],
      [2, 1],
    ]);
  });

  it('unbind gives views with the axis removed', () => {
    const x = arange(6).reshape(2, 3);
    const cols = unbind(x, 1);
    expect(cols.map((c) => c.toArray())).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(cols[0]!._storage).toBe(x._storage);
  });

  it('errors', () => {
    expect(() => split(arange(5), [2, 2])).toThrow(
      /split: section sizes \[2,2\] sum to 4 but dim 0 of \[5\] has size 5/,
    );
    expect(() => split(arange(5), 0)).toThrow(ArgumentError);
    expect(() => chunk(arange(5), 0)).toThrow(/chunk: chunks must be a positive integer/);
  });

  it('gradcheck through the views', () => {
    gradcheck((x) => split(x, 2, 1).map((p, i) => p.mul(i + 1)), [data([2, 5])]);
    gradcheck(
      (x) => {
        const [a, b] = chunk(x, 2, 0);
        return a!.mul(b!);
      },
      [data([4, 3])],
    );
  });
});

describe('repeat / tile / repeatInterleave', () => {
  it('repeat follows torch.Tensor.repeat', () => {
    const x = tensor([1, 2, 3]);
    expect(repeat(x, [2]).toArray()).toEqual([1, 2, 3, 1, 2, 3]);
    expect(repeat(x, [2, 2]).toArray()).toEqual([
      [1, 2, 3, 1, 2, 3],
      [1, 2, 3, 1, 2, 3],
    ]);
    const m = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(repeat(m, [1, 2, 1]).toArray()).toEqual([
      [
        [1, 2],
        [3, 4],
        [1, 2],
        [3, 4],
      ],
    ]);
    expect(repeat(m, [0, 1]).shape).toEqual([0, 2]);
    expect(() => repeat(m, [2])).toThrow(
      /repeat: number of repeats \(1\) cannot be smaller than the number of dims/,
    );
  });

  it('tile follows numpy.tile', () => {
    const m = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(tile(m, [2]).toArray()).toEqual([
      [1, 2, 1, 2],
      [3, 4, 3, 4],
    ]);
    expect(tile(tensor([1, 2]), [2, 1]).toArray()).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('repeatInterleave with a count or per-element counts', () => {
    const m = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(repeatInterleave(m, 2).toArray()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(repeatInterleave(m, 2, 1).toArray()).toEqual([
      [1, 1, 2, 2],
      [3, 3, 4, 4],
    ]);
    expect(repeatInterleave(m, [1, 2], 0).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [3, 4],
    ]);
    expect(() => repeatInterleave(m, [1, 2, 3], 0)).toThrow(/repeatInterleave: got 3 repeats for dim 0/);
  });

  it('gradcheck', () => {
    gradcheck((x) => repeat(x, [2, 1, 3]), [data([2, 2])]);
    gradcheck((x) => tile(x, [3]), [data([2, 2])]);
    gradcheck((x) => repeatInterleave(x, 2, 0), [data([2, 3])]);
    gradcheck((x) => repeatInterleave(x, [0, 3, 1], 1), [data([2, 3])]);
  });
});
