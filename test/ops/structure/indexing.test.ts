import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { AxisError, DTypeError, ShapeError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { arange, tensor, zeros } from '../../../src/ops/creation.js';
import {
  gather,
  indexAdd,
  indexSelect,
  maskedFill,
  maskedSelect,
  nonzero,
  scatter,
  scatterAdd,
  take,
} from '../../../src/ops/structure.js';

/** Deterministic float64 test data. */
function data(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
  return tensor(v, { dtype: 'float64', shape });
}

const idx = (v: number[] | number[][] | number[][][]) => tensor(v, { dtype: 'int32' });

describe('gather', () => {
  it('matches torch.gather on axis 0 and 1', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(
      gather(
        x,
        1,
        idx([
          [2, 0],
          [1, 1],
        ]),
      ).toArray(),
    ).toEqual([
      [3, 1],
      [5, 5],
    ]);
    expect(gather(x, 0, idx([[1, 0, 1]])).toArray()).toEqual([[4, 2, 6]]);
    expect(gather(x, -1, idx([[0], [2]])).toArray()).toEqual([[1], [6]]);
  });

  it('matches a loop reference on a strided 3-D input', () => {
    const base = data([4, 3, 5]);
    const x = base.permute(2, 0, 1); // [5,4,3], non-contiguous
    const ix = idx([
      [
        [4, 0],
        [1, 2],
      ],
      [
        [3, 3],
        [0, 1],
      ],
    ]); // [2,2,2], gather on axis 0
    const y = gather(x, 0, ix).toArray() as number[][][];
    const xv = x.toArray() as number[][][];
    const iv = ix.toArray() as number[][][];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let k = 0; k < 2; k++) expect(y[i]![j]![k]).toBe(xv[iv[i]![j]![k]!]![j]![k]);
  });

  it('accepts plain arrays and 0-d inputs', () => {
    expect(gather(tensor([5, 6, 7]), 0, [2, 2, 0]).toArray()).toEqual([7, 7, 5]);
    expect(gather(tensor(3), 0, tensor(0, { dtype: 'int32' })).item()).toBe(3);
  });

  it('throws on bad indices and shapes', () => {
    const x = zeros([2, 3]);
    expect(() => gather(x, 1, idx([[7], [0]]))).toThrow(
      /gather: index 7 is out of bounds for dim 1 with size 3/,
    );
    expect(() => gather(x, 1, idx([[-1], [0]]))).toThrow(AxisError);
    expect(() => gather(x, 1, tensor([[0]]))).toThrow(DTypeError);
    expect(() => gather(x, 1, idx([0, 1]))).toThrow(
      /gather: index \[2\] must have as many dims as input \[2,3\]/,
    );
    expect(() => gather(x, 1, idx([[0], [0], [0]]))).toThrow(ShapeError);
    expect(() => gather(x, 2, idx([[0]]))).toThrow(/gather: axis 2 is out of range/);
  });

  it('backward accumulates duplicate indices (broadcast upstream gradient)', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    gather(x, 0, [0, 0, 2, 0]).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 0, 1]);
  });

  it('gradcheck and gradgradcheck', () => {
    const ix = idx([
      [0, 2, 2],
      [1, 1, 0],
    ]);
    gradcheck((x) => gather(x, 1, ix), [data([2, 4])]);
    gradgradcheck((x) => gather(x, 1, ix).square(), [data([2, 4])]);
    gradcheck((x) => gather(x, 0, idx([[1, 0, 1, 1]])), [data([2, 4])]);
  });
});

describe('scatter / scatterAdd', () => {
  it('scatterAdd accumulates duplicates', () => {
    const y = scatterAdd(
      zeros([2, 3]),
      1,
      idx([
        [0, 0, 2],
        [1, 2, 2],
      ]),
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    expect(y.toArray()).toEqual([
      [3, 0, 3],
      [0, 4, 11],
    ]);
  });

  it('scatter writes src (or a number) and leaves the input untouched', () => {
    const x = tensor([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const y = scatter(x, 0, idx([[1, 0, 1]]), tensor([[7, 8, 9]]));
    expect(y.toArray()).toEqual([
      [1, 8, 1],
      [7, 1, 9],
    ]);
    expect(x.toArray()).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expect(scatter(x, 1, idx([[2], [0]]), 0).toArray()).toEqual([
      [1, 1, 0],
      [0, 1, 1],
    ]);
  });

  it('src larger than index uses its leading block (torch rule)', () => {
    const y = scatterAdd(zeros([3]), 0, idx([2, 0]), tensor([10, 20, 30, 40]));
    expect(y.toArray()).toEqual([20, 0, 10]);
  });

  it('errors name the op and the bad index', () => {
    expect(() => scatterAdd(zeros([2, 3]), 1, idx([[3]]), zeros([1, 1]))).toThrow(
      /scatterAdd: index 3 is out of bounds for dim 1 with size 3/,
    );
    expect(() => scatter(zeros([4]), 0, idx([0, 1, 2]), zeros([2]))).toThrow(
      /scatter: index \[3\] is larger than src \[2\] in dim 0/,
    );
  });

  it('gradcheck in x and src; gradgradcheck', () => {
    const ix = idx([
      [0, 0, 2],
      [1, 3, 3],
    ]);
    gradcheck((x, s) => scatterAdd(x, 1, ix, s), [data([2, 4]), data([2, 3], 2)]);
    gradcheck((x, s) => scatterAdd(x, 1, ix, s), [data([2, 4]), data([3, 5], 2)]); // larger src
    const uniq = idx([
      [0, 1, 2],
      [3, 1, 0],
    ]);
    gradcheck((x, s) => scatter(x, 1, uniq, s), [data([2, 4]), data([2, 3], 3)]);
    gradcheck((x) => scatter(x, 1, uniq, 5), [data([2, 4])]);
    gradgradcheck((x, s) => scatterAdd(x, 1, ix, s).square(), [data([2, 4]), data([2, 3], 2)]);
  });
});

describe('indexSelect / indexAdd / take', () => {
  it('selects along an axis', () => {
    const x = arange(12).reshape(3, 4);
    expect(indexSelect(x, 0, [2, 0]).toArray()).toEqual([
      [8, 9, 10, 11],
      [0, 1, 2, 3],
    ]);
    expect(indexSelect(x, 1, idx([3, 3])).toArray()).toEqual([
      [3, 3],
      [7, 7],
      [11, 11],
    ]);
    expect(indexSelect(x, 1, tensor(1, { dtype: 'int32' })).shape).toEqual([3, 1]);
    expect(() => indexSelect(x, 1, [4])).toThrow(
      /indexSelect: index 4 is out of bounds for dim 1 with size 4/,
    );
    expect(() => indexSelect(x, 0, idx([[0]]))).toThrow(/indexSelect: index must be 1-D/);
  });

  it('indexAdd accumulates with alpha', () => {
    const y = indexAdd(
      zeros([3, 2]),
      0,
      [0, 2, 0],
      tensor([
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
      2,
    );
    expect(y.toArray()).toEqual([
      [8, 8],
      [0, 0],
      [4, 4],
    ]);
    expect(() => indexAdd(zeros([3, 2]), 0, [0], zeros([2, 2]))).toThrow(
      /indexAdd: src \[2,2\] must have shape \[1,2\]/,
    );
  });

  it('take indexes the flattened tensor, negatives from the end', () => {
    const x = arange(6).reshape(2, 3);
    expect(
      take(
        x,
        idx([
          [0, 5],
          [-1, 2],
        ]),
      ).toArray(),
    ).toEqual([
      [0, 5],
      [5, 2],
    ]);
    expect(() => take(x, [6])).toThrow(/take: index 6 is out of bounds for dim 0 with size 6/);
  });

  it('gradcheck / gradgradcheck', () => {
    gradcheck((x) => indexSelect(x, 1, [2, 0, 2]), [data([2, 3])]);
    gradgradcheck((x) => indexSelect(x, 0, [1, 1]).square(), [data([2, 3])]);
    gradcheck((x, s) => indexAdd(x, 1, [0, 2, 0], s, 0.5), [data([2, 3]), data([2, 3], 4)]);
    gradgradcheck((x, s) => indexAdd(x, 1, [0, 2], s).square(), [data([2, 3]), data([2, 2], 4)]);
    gradcheck(
      (x) =>
        take(
          x,
          idx([
            [0, -1],
            [3, 3],
          ]),
        ),
      [data([2, 2])],
    );
  });
});

describe('masking', () => {
  const mask = tensor([
    [true, false, true],
    [false, false, true],
  ]);

  it('maskedFill with a number, a broadcast mask and a tensor value', () => {
    const x = arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 3);
    expect(maskedFill(x, mask, -1).toArray()).toEqual([
      [-1, 1, -1],
      [3, 4, -1],
    ]);
    expect(maskedFill(x, tensor([false, true, false]), 9).toArray()).toEqual([
      [0, 9, 2],
      [3, 9, 5],
    ]);
    expect(maskedFill(x, mask, Number.NEGATIVE_INFINITY).toArray()).toEqual([
      [Number.NEGATIVE_INFINITY, 1, Number.NEGATIVE_INFINITY],
      [3, 4, Number.NEGATIVE_INFINITY],
    ]);
    const xi = arange(3);
    expect(maskedFill(xi, tensor([true, false, false]), 7).dtype).toBe('int32');
    expect(() => maskedFill(x, tensor([1, 0, 1]), 0)).toThrow(/maskedFill: mask must be a bool tensor/);
    expect(() => maskedFill(zeros([3]), mask, 0)).toThrow(/maskedFill: mask \[2,3\] cannot be broadcast/);
  });

  it('maskedFill gradcheck (x and tensor value)', () => {
    gradcheck((x, v) => maskedFill(x, mask, v!), [data([2, 3]), tensor(0.3, { dtype: 'float64' })]);
  });

  it('maskedSelect and nonzero', () => {
    const x = arange(6).reshape(2, 3);
    expect(maskedSelect(x, mask).toArray()).toEqual([0, 2, 5]);
    expect(nonzero(mask).toArray()).toEqual([
      [0, 0],
      [0, 2],
      [1, 2],
    ]);
    gradcheck((t) => maskedSelect(t, mask), [data([2, 3])]);
  });
});
