import { describe, expect, test } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import { arange, tensor } from '../../src/ops/creation.js';
import * as R from '../../src/ops/reduce.js';
import { expectClose, rand64, randn64 } from '../helpers.js';

const x3 = () => arange(24, undefined, 1, { dtype: 'float64' }).reshape(2, 3, 4);

/** Reference reduction over axes by brute force on a [2,3,4] iota. */
function refSum(axes: number[]): number[] {
  const out = new Map<string, number>();
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 4; k++) {
        const key = [i, j, k].filter((_, d) => !axes.includes(d)).join(',');
        out.set(key, (out.get(key) ?? 0) + (i * 12 + j * 4 + k));
      }
  return [...out.values()];
}

describe('reductions', () => {
  test('sum over every axis subset, with and without keepdims', () => {
    const subsets = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
    for (const axes of subsets) {
      const s = R.sum(x3(), axes);
      expectClose(s, refSum(axes));
      const k = R.sum(x3(), axes, true);
      expect(k.shape).toEqual([2, 3, 4].map((d, i) => (axes.includes(i) ? 1 : d)));
    }
    expect(R.sum(x3()).item()).toBe(276);
    expect(R.sum(x3(), -1).shape).toEqual([2, 3]);
  });

  test('sum of bool counts, mean promotes ints', () => {
    expect(R.sum(tensor([true, false, true])).item()).toBe(2);
    expect(R.sum(tensor([true, false, true])).dtype).toBe('int32');
    expect(R.mean(tensor([1, 2], { dtype: 'int32' })).item()).toBe(1.5);
  });

  test('sum over a non-contiguous view', () => {
    const t = x3().permute(2, 0, 1);
    expectClose(R.sum(t, [0]), refSum([2]));
  });

  test('prod, max, min, argmax, argmin', () => {
    const t = tensor([
      [3, 1, 4],
      [1, 5, 9],
    ]);
    expect(R.prod(t, 1).toArray()).toEqual([12, 45]);
    expect(R.max(t, 1).toArray()).toEqual([4, 9]);
    expect(R.min(t, 0).toArray()).toEqual([1, 1, 4]);
    expect(R.argmax(t, 1).toArray()).toEqual([2, 2]);
    expect(R.argmin(t, 1).toArray()).toEqual([1, 0]);
    expect(R.argmax(t).item()).toBe(5);
    expect(R.argmax(tensor([1, 3, 3])).item()).toBe(1); // first occurrence
    const w = R.maxWithIndices(t, 1);
    expect(w.values.toArray()).toEqual([4, 9]);
    expect(w.indices.toArray()).toEqual([2, 2]);
  });

  test('max and argmax with NaN', () => {
    const t = tensor([1, Number.NaN, 3]);
    expect(Number.isNaN(R.max(t).item())).toBe(true);
    expect(R.argmax(t).item()).toBe(1);
  });

  test('logsumexp is stable and handles -inf rows', () => {
    const t = tensor(
      [
        [1000, 1000],
        [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
      ],
      { dtype: 'float64' },
    );
    expectClose(R.logsumexp(t, 1), [1000 + Math.log(2), Number.NEGATIVE_INFINITY]);
  });

  test('variance and std with correction', () => {
    const t = tensor([1, 2, 3, 4], { dtype: 'float64' });
    expectClose(R.variance(t), [5 / 3]);
    expectClose(R.variance(t, undefined, { correction: 0 }), [1.25]);
    expectClose(R.std(t), [Math.sqrt(5 / 3)]);
  });

  test('norms', () => {
    const t = tensor([3, -4], { dtype: 'float64' });
    expectClose(R.norm(t), [5]);
    expectClose(R.norm(t, 1), [7]);
    expectClose(R.norm(t, Number.POSITIVE_INFINITY), [4]);
    expectClose(R.norm(t, 3), [(27 + 64) ** (1 / 3)]);
    expectClose(
      R.norm(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float64' },
        ),
        'fro',
      ),
      [Math.sqrt(30)],
    );
  });

  test('cumsum', () => {
    expect(
      R.cumsum(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        1,
      ).toArray(),
    ).toEqual([
      [1, 3, 6],
      [4, 9, 15],
    ]);
    expect(
      R.cumsum(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        0,
      ).toArray(),
    ).toEqual([
      [1, 2, 3],
      [5, 7, 9],
    ]);
  });

  test('bad axes name the op', () => {
    expect(() => R.sum(x3(), 3)).toThrow('sum: axis 3 is out of range for a tensor of rank 3');
    expect(() => R.sum(x3(), [0, 0])).toThrow(/repeated axis/);
  });
});

describe('reduction gradients', () => {
  const x = randn64([2, 3, 4], 11);
  const cases: [
    string,
    (t: import('../../src/core/tensor.js').Tensor) => import('../../src/core/tensor.js').Tensor,
  ][] = [
    ['sum', (t) => R.sum(t, [0, 2])],
    ['mean', (t) => R.mean(t, 1, true)],
    ['prod', (t) => R.prod(t, 2)],
    ['max', (t) => R.max(t, [1, 2])],
    ['min', (t) => R.min(t, 0)],
    ['maxWithIndices', (t) => R.maxWithIndices(t, 1).values],
    ['logsumexp', (t) => R.logsumexp(t, [0, 1])],
    ['variance', (t) => R.variance(t, 2)],
    ['std', (t) => R.std(t, [0, 2], { correction: 0 })],
    ['norm2', (t) => R.norm(t, 2, 2)],
    ['norm1', (t) => R.norm(t, 1, [1])],
    ['norm3', (t) => R.norm(t, 3)],
    ['normInf', (t) => R.norm(t, Number.POSITIVE_INFINITY, 0)],
    ['cumsum', (t) => R.cumsum(t, 1)],
  ];
  for (const [name, f] of cases) {
    test(name, () => {
      expect(gradcheck(f, [x], { name })).toBe(true);
    });
  }
  test('prod with zeros', () => {
    const z = tensor(
      [
        [0, 2, 3],
        [0, 0, 5],
        [1, 2, 3],
      ],
      { dtype: 'float64' },
    );
    expect(gradcheck((t) => R.prod(t, 1), [z])).toBe(true);
  });
  test('norm gradient at 0 is 0', () => {
    const z = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    R.norm(z).backward();
    expect(z.grad!.toArray()).toEqual([0, 0]);
  });
  test('second order: logsumexp, variance, norm', () => {
    const y = rand64([3, 4], 12, 0.5, 1.5);
    expect(gradgradcheck((t) => R.logsumexp(t, 1), [y])).toBe(true);
    expect(gradgradcheck((t) => R.variance(t, 0), [y])).toBe(true);
    expect(gradgradcheck((t) => R.norm(t, 2, 1), [y])).toBe(true);
  });
});
