import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../src/autograd/gradcheck.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { tensor } from '../../../src/ops/creation.js';
import { argsort, kthvalue, sort, topk } from '../../../src/ops/structure.js';

function data(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
  return tensor(v, { dtype: 'float64', shape });
}

describe('sort / argsort', () => {
  it('sorts the last axis by default, stable on ties', () => {
    const x = tensor([
      [3, 1, 2, 1],
      [0, -1, 5, 0],
    ]);
    const { values, indices } = sort(x);
    expect(values.toArray()).toEqual([
      [1, 1, 2, 3],
      [-1, 0, 0, 5],
    ]);
    expect(indices.toArray()).toEqual([
      [1, 3, 2, 0],
      [1, 0, 3, 2],
    ]);
    expect(indices.dtype).toBe('int32');
    const d = sort(x, -1, { descending: true });
    expect(d.values.toArray()).toEqual([
      [3, 2, 1, 1],
      [5, 0, 0, -1],
    ]);
    expect(d.indices.toArray()).toEqual([
      [0, 2, 1, 3],
      [2, 0, 3, 1],
    ]);
  });

  it('sorts along axis 0 and NaN is the largest', () => {
    const x = tensor([
      [2, Number.NaN],
      [Number.NaN, 1],
      [1, 0],
    ]);
    const { values, indices } = sort(x, 0);
    expect(indices.toArray()).toEqual([
      [2, 2],
      [0, 1],
      [1, 0],
    ]);
    expect(values.toArray()).toEqual([
      [1, 0],
      [2, 1],
      [Number.NaN, Number.NaN],
    ]);
    expect(argsort(tensor([Number.NaN, 3, -Infinity]), 0, { descending: true }).toArray()).toEqual([0, 1, 2]);
  });

  it('matches a reference sort on random data', () => {
    const x = data([5, 7]);
    const { values, indices } = sort(x, 1);
    const xv = x.toArray() as number[][];
    const vv = values.toArray() as number[][];
    const iv = indices.toArray() as number[][];
    xv.forEach((row, r) => {
      expect(vv[r]).toEqual([...row].sort((a, b) => a - b));
      expect(iv[r]!.map((i) => row[i])).toEqual(vv[r]);
    });
    expect(argsort(x, 1).toArray()).toEqual(iv);
  });

  it('0-d and errors', () => {
    expect(sort(tensor(3)).values.item()).toBe(3);
    expect(() => sort(tensor([1, 2]), 1)).toThrow(/sort: axis 1 is out of range/);
  });

  it('gradcheck (gradient flows to the selected positions)', () => {
    gradcheck((x) => sort(x, 1).values, [data([3, 4])]);
    gradcheck((x) => sort(x, 0, { descending: true }).values, [data([3, 4])]);
    const x = data([4]).detach().requiresGrad_();
    const { values } = sort(x);
    values
      .mul(tensor([1, 2, 3, 4], { dtype: 'float64' }))
      .sum()
      .backward();
    const order = argsort(x).toArray() as number[];
    const g = x.grad!.toArray() as number[];
    order.forEach((src, rank) => {
      expect(g[src]).toBe(rank + 1);
    });
  });
});

describe('topk / kthvalue', () => {
  it('largest and smallest k', () => {
    const x = tensor([
      [1, 5, 3, 4],
      [9, 0, 9, 2],
    ]);
    const t = topk(x, 2);
    expect(t.values.toArray()).toEqual([
      [5, 4],
      [9, 9],
    ]);
    expect(t.indices.toArray()).toEqual([
      [1, 3],
      [0, 2],
    ]);
    const s = topk(x, 3, 1, { largest: false });
    expect(s.values.toArray()).toEqual([
      [1, 3, 4],
      [0, 2, 9],
    ]);
    expect(topk(x, 1, 0).indices.toArray()).toEqual([[1, 0, 1, 0]]);
    expect(topk(tensor([1, Number.NaN, 2]), 1).indices.toArray()).toEqual([1]);
    expect(() => topk(x, 5)).toThrow(/topk: k \(5\) is out of range for dim 1 of size 4/);
  });

  it('kthvalue', () => {
    const x = tensor([
      [3, 1, 2],
      [6, 5, 4],
    ]);
    const r = kthvalue(x, 2);
    expect(r.values.toArray()).toEqual([2, 5]);
    expect(r.indices.toArray()).toEqual([2, 1]);
    expect(kthvalue(x, 1, 0, true).values.toArray()).toEqual([[3, 1, 2]]);
    expect(() => kthvalue(x, 0)).toThrow(/kthvalue: k \(0\) is out of range/);
  });

  it('gradcheck', () => {
    gradcheck((x) => topk(x, 2, 1).values, [data([3, 5])]);
    gradcheck((x) => topk(x, 2, 0, { largest: false }).values, [data([3, 5])]);
    gradcheck((x) => kthvalue(x, 2, 1).values, [data([3, 5])]);
  });
});
