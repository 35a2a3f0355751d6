import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { arange, tensor } from '../../../src/ops/creation.js';
import { diag, diagEmbed, diagonal, trace, tril, triu } from '../../../src/ops/structure.js';

function data(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
  return tensor(v, { dtype: 'float64', shape });
}

describe('triu / tril', () => {
  const m = arange(1, 13).reshape(3, 4);

  it('match a loop reference for several k', () => {
    const mv = m.toArray() as number[][];
    for (const k of [-3, -1, 0, 1, 2, 5]) {
      const up = triu(m, k).toArray() as number[][];
      const lo = tril(m, k).toArray() as number[][];
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 4; j++) {
          expect(up[i]![j]).toBe(j - i >= k ? mv[i]![j] : 0);
          expect(lo[i]![j]).toBe(j - i <= k ? mv[i]![j] : 0);
        }
      }
    }
    expect(triu(m).dtype).toBe('int32');
  });

  it('batched over leading dims', () => {
    const b = arange(8, undefined, 1, { dtype: 'float32' }).reshape(2, 2, 2);
    expect(tril(b).toArray()).toEqual([
      [
        [0, 0],
        [2, 3],
      ],
      [
        [4, 0],
        [6, 7],
      ],
    ]);
    expect(() => triu(arange(3))).toThrow(/triu: expected a tensor with at least 2 dims \(got \[3\]\)/);
  });

  it('gradcheck', () => {
    gradcheck((x) => triu(x, 1), [data([2, 3, 3])]);
    gradcheck((x) => tril(x, -1), [data([3, 4])]);
  });
});

describe('diagonal / diag / diagEmbed / trace', () => {
  it('diagonal is a view with offsets and arbitrary axes', () => {
    const m = arange(12).reshape(3, 4);
    expect(diagonal(m).toArray()).toEqual([0, 5, 10]);
    expect(diagonal(m, 1).toArray()).toEqual([1, 6, 11]);
    expect(diagonal(m, 2).toArray()).toEqual([2, 7]);
    expect(diagonal(m, -1).toArray()).toEqual([4, 9]);
    expect(diagonal(m, 5).shape).toEqual([0]);
    const d = diagonal(m);
    expect(d._storage).toBe(m._storage);
    const t = arange(24).reshape(2, 3, 4);
    // torch.diagonal(t, 0, 1, 2)
    expect(diagonal(t, 0, 1, 2).toArray()).toEqual([
      [0, 5, 10],
      [12, 17, 22],
    ]);
    // torch.diagonal(t, 1, 0, 2) -> shape [3, 2]
    expect(diagonal(t, 1, 0, 2).toArray()).toEqual([
      [1, 14],
      [5, 18],
      [9, 22],
    ]);
    expect(() => diagonal(m, 0, 1, 1)).toThrow(/diagonal: axis1 and axis2 must differ/);
  });

  it('diag both ways', () => {
    expect(diag(tensor([1, 2])).toArray()).toEqual([
      [1, 0],
      [0, 2],
    ]);
    expect(diag(tensor([1, 2]), 1).toArray()).toEqual([
      [0, 1, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expect(diag(tensor([1, 2]), -1).toArray()).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 2, 0],
    ]);
    const m = arange(9).reshape(3, 3);
    const dm = diag(m, -1);
    expect(dm.toArray()).toEqual([3, 7]);
    expect(dm._storage).not.toBe(m._storage);
    expect(() => diag(arange(8).reshape(2, 2, 2))).toThrow(
      /diag: expected a 1-D or 2-D tensor \(got \[2,2,2\]\)/,
    );
  });

  it('diagEmbed is batched', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(diagEmbed(x).toArray()).toEqual([
      [
        [1, 0],
        [0, 2],
      ],
      [
        [3, 0],
        [0, 4],
      ],
    ]);
    expect(diagEmbed(x, 1).shape).toEqual([2, 3, 3]);
    expect(diagonal(diagEmbed(x, -1, 0, 2), -1, 0, 2).toArray()).toEqual(x.toArray());
  });

  it('trace', () => {
    expect(trace(arange(9).reshape(3, 3)).item()).toBe(12);
    expect(trace(arange(6).reshape(2, 3)).item()).toBe(4);
    expect(() => trace(arange(3))).toThrow(/trace: expected a 2-D tensor/);
  });

  it('gradcheck / gradgradcheck', () => {
    gradcheck((x) => diagonal(x, 1, 2, 0), [data([3, 2, 4])]);
    gradcheck((x) => diag(x, -2), [data([3])]);
    gradcheck((x) => diag(x, 1), [data([3, 4])]);
    gradcheck((x) => diagEmbed(x, 1), [data([2, 3])]);
    gradcheck((x) => trace(x), [data([3, 3])]);
    gradgradcheck((x) => diagonal(x).square(), [data([3, 3])]);
  });
});
