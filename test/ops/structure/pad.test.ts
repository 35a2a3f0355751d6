import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { arange, tensor } from '../../../src/ops/creation.js';
import { pad } from '../../../src/ops/structure.js';

function data(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
  return tensor(v, { dtype: 'float64', shape });
}

describe('pad', () => {
  const x = arange(6).reshape(2, 3); // [[0,1,2],[3,4,5]]

  it('constant: last dim first, PyTorch order', () => {
    expect(pad(x, [1, 2]).toArray()).toEqual([
      [0, 0, 1, 2, 0, 0],
      [0, 3, 4, 5, 0, 0],
    ]);
    expect(pad(x, [0, 1, 1, 0], { value: -1 }).toArray()).toEqual([
      [-1, -1, -1, -1],
      [0, 1, 2, -1],
      [3, 4, 5, -1],
    ]);
    expect(pad(x, [1, 0]).dtype).toBe('int32');
  });

  it('constant: negative pads crop', () => {
    expect(pad(x, [-1, 1]).toArray()).toEqual([
      [1, 2, 0],
      [4, 5, 0],
    ]);
    expect(pad(x, [0, 0, -1, 0]).toArray()).toEqual([[3, 4, 5]]);
  });

  it('reflect / replicate / circular', () => {
    expect(pad(x, [2, 1], { mode: 'reflect' }).toArray()).toEqual([
      [2, 1, 0, 1, 2, 1],
      [5, 4, 3, 4, 5, 4],
    ]);
    expect(pad(x, [1, 1, 1, 1], { mode: 'reflect' }).toArray()).toEqual([
      [4, 3, 4, 5, 4],
      [1, 0, 1, 2, 1],
      [4, 3, 4, 5, 4],
      [1, 0, 1, 2, 1],
    ]);
    expect(pad(x, [2, 1], { mode: 'replicate' }).toArray()).toEqual([
      [0, 0, 0, 1, 2, 2],
      [3, 3, 3, 4, 5, 5],
    ]);
    expect(pad(x, [1, 2], { mode: 'circular' }).toArray()).toEqual([
      [2, 0, 1, 2, 0, 1],
      [5, 3, 4, 5, 3, 4],
    ]);
  });

  it('NCHW image padding keeps batch/channel dims', () => {
    const img = arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5);
    expect(pad(img, [1, 1, 2, 2], { mode: 'reflect' }).shape).toEqual([2, 3, 8, 7]);
    expect(pad(img, [1, 1, 2, 2]).shape).toEqual([2, 3, 8, 7]);
  });

  it('errors', () => {
    expect(() => pad(x, [1])).toThrow(/pad: pads must have an even length/);
    expect(() => pad(x, [1, 1, 1, 1, 1, 1])).toThrow(
      /pad: 6 pad values \(3 dims\) for a tensor of shape \[2,3\]/,
    );
    expect(() => pad(x, [3, 0], { mode: 'reflect' })).toThrow(
      /pad: reflect padding \(3, 0\) must be smaller than dim 1 of size 3/,
    );
    expect(() => pad(x, [-1, 0], { mode: 'replicate' })).toThrow(
      /negative pads are only supported in constant mode/,
    );
    expect(() => pad(x, [-4, 0])).toThrow(/pad: pads \[-4,0\] give a negative size/);
    // @ts-expect-error invalid mode
    expect(() => pad(x, [1, 1], { mode: 'wrap' })).toThrow(/pad: unknown mode 'wrap'/);
  });

  it('gradcheck in every mode; gradgradcheck', () => {
    const t = data([2, 3, 4]);
    gradcheck((v) => pad(v, [1, 2, 0, 1], { value: 3 }), [t]);
    gradcheck((v) => pad(v, [-1, 2, 1, -1]), [t]);
    gradcheck((v) => pad(v, [2, 1, 1, 2], { mode: 'reflect' }), [t]);
    gradcheck((v) => pad(v, [2, 1, 1, 2], { mode: 'replicate' }), [t]);
    gradcheck((v) => pad(v, [1, 3], { mode: 'circular' }), [t]);
    gradgradcheck((v) => pad(v, [1, 1], { mode: 'reflect' }).square(), [data([2, 3])]);
    gradgradcheck((v) => pad(v, [1, 1]).square(), [data([2, 3])]);
  });
});
