import { describe, expect, test } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/mode.js';
import { copy_ } from '../../src/ops/assign.js';
import { add, mul } from '../../src/ops/binary.js';
import { arange, tensor, zeros } from '../../src/ops/creation.js';
import * as V from '../../src/ops/view.js';
import { randn64 } from '../helpers.js';

const iota = (n: number) => arange(n, undefined, 1, { dtype: 'float64' });

describe('views share storage', () => {
  test('reshape/view of a contiguous tensor is a view', () => {
    const a = iota(6);
    const b = a.reshape(2, 3);
    expect(b._storage).toBe(a._storage);
    noGrad(() => copy_(V.select(b, 0, 1), tensor([7, 8, 9], { dtype: 'float64' })));
    expect(a.toArray()).toEqual([0, 1, 2, 7, 8, 9]);
  });

  test('transpose is a non-contiguous view; reshape of it copies', () => {
    const a = iota(6).reshape(2, 3);
    const t = a.T;
    expect(t._storage).toBe(a._storage);
    expect(t.isContiguous).toBe(false);
    expect(t.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    const r = t.reshape(6);
    expect(r.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(r._storage).not.toBe(a._storage);
    expect(() => t.view(6)).toThrow(/view: tensor of shape \[3,2\] is not contiguous/);
  });

  test('permute, expand, squeeze, unsqueeze, flatten', () => {
    const a = iota(24).reshape(2, 3, 4);
    expect(a.permute(2, 0, 1).shape).toEqual([4, 2, 3]);
    expect(a.permute(2, 0, 1).toArray()).toEqual(
      [0, 1, 2, 3].map((k) => [0, 1].map((i) => [0, 1, 2].map((j) => i * 12 + j * 4 + k))),
    );
    const e = tensor([[1], [2]]).expand(2, 3);
    expect(e.strides).toEqual([1, 0]);
    expect(e.toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(tensor([1, 2]).expand(3, -1).shape).toEqual([3, 2]);
    expect(zeros([1, 3, 1]).squeeze().shape).toEqual([3]);
    expect(zeros([1, 3, 1]).squeeze(0).shape).toEqual([3, 1]);
    expect(zeros([3]).unsqueeze(0).shape).toEqual([1, 3]);
    expect(zeros([3]).unsqueeze(-1).shape).toEqual([3, 1]);
    expect(a.flatten(1).shape).toEqual([2, 12]);
    expect(() => tensor([1, 2, 3]).expand(2, 2)).toThrow(/expand: cannot expand \[3\] to \[2,2\]/);
  });

  test('slice with steps and negative indices, narrow, select', () => {
    const a = iota(10);
    expect(V.slice(a, 0, 1, 8, 3).toArray()).toEqual([1, 4, 7]);
    expect(V.slice(a, 0, -3).toArray()).toEqual([7, 8, 9]);
    expect(V.narrow(a, 0, 2, 3).toArray()).toEqual([2, 3, 4]);
    const m = iota(12).reshape(3, 4);
    expect(V.select(m, 1, -1).toArray()).toEqual([3, 7, 11]);
    expect(() => V.narrow(a, 0, 8, 5)).toThrow(
      'narrow: range [8, 8+5) is out of bounds for dim 0 of size 10',
    );
    expect(() => V.select(m, 0, 3)).toThrow('select: index 3 is out of bounds for dim 0 of size 3');
  });

  test('flip is a view with negative strides', () => {
    const m = iota(6).reshape(2, 3);
    const f = V.flip(m, [1]);
    expect(f._storage).toBe(m._storage);
    expect(f.toArray()).toEqual([
      [2, 1, 0],
      [5, 4, 3],
    ]);
    expect(V.flip(m, [0, 1]).toArray()).toEqual([
      [5, 4, 3],
      [2, 1, 0],
    ]);
    expect(add(V.flip(m, 0), m).toArray()).toEqual([
      [3, 5, 7],
      [3, 5, 7],
    ]);
  });

  test('reshape errors', () => {
    expect(() => iota(6).reshape(4, -1)).toThrow('reshape: cannot reshape tensor of shape [6] into [4,-1]');
    expect(() => iota(6).reshape(-1, -1)).toThrow(/only one dimension can be -1/);
  });
});

describe('view gradients', () => {
  const x = randn64([3, 4, 2], 21);
  const w = randn64([4, 3, 2], 22);
  const cases: [
    string,
    (t: import('../../src/core/tensor.js').Tensor) => import('../../src/core/tensor.js').Tensor,
  ][] = [
    ['reshape', (t) => mul(t.reshape(4, 6), w.reshape(4, 6))],
    ['permute', (t) => mul(t.permute(1, 0, 2), w)],
    ['transpose', (t) => t.transpose(0, 2).mul(2)],
    ['expand', (t) => V.expand(V.slice(t, 1, 0, 1), [3, 5, 2]).mul(3)],
    ['slice', (t) => V.slice(t, 1, 1, 4, 2).mul(t.narrow(1, 0, 2))],
    ['select', (t) => V.select(t, 2, 1).square()],
    ['flip', (t) => V.flip(t, [0, 2]).mul(x)],
    ['squeeze/unsqueeze', (t) => V.squeeze(V.unsqueeze(t, 1), 1).exp()],
  ];
  for (const [name, f] of cases) {
    test(name, () => {
      expect(gradcheck(f, [x], { name })).toBe(true);
    });
  }
});
