import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autograd/backward.js';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../../src/core/errors.js';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  maxPool2dWithIndices,
} from '../../../src/nn/functional/index.js';
import { tensor } from '../../../src/ops/creation.js';
import { mean } from '../../../src/ops/reduce.js';
import { expectClose, rnd } from './helpers.js';

function outLen(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let o = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= size + p) o--;
  return o;
}

/** Direct-loop max/avg pooling over [N,C,H,W]. */
function naivePool(
  x: ArrayLike<number>,
  shape: number[],
  k: number[],
  s: number[],
  p: number[],
  d: number[],
  ceil: boolean,
  mode: 'max' | 'avg',
  includePad = true,
) {
  const [n, c, h, w] = shape as [number, number, number, number];
  const oh = outLen(h, k[0]!, s[0]!, p[0]!, d[0]!, ceil);
  const ow = outLen(w, k[1]!, s[1]!, p[1]!, d[1]!, ceil);
  const y: number[] = [];
  for (let pl = 0; pl < n * c; pl++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let acc = 0;
        let cnt = 0;
        for (let a = 0; a < k[0]!; a++)
          for (let b = 0; b < k[1]!; b++) {
            const ih = i * s[0]! - p[0]! + a * d[0]!;
            const iw = j * s[1]! - p[1]! + b * d[1]!;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
            const v = x[(pl * h + ih) * w + iw]!;
            best = Math.max(best, v);
            acc += v;
            cnt++;
          }
        if (mode === 'max') y.push(best);
        else {
          const hs = i * s[0]! - p[0]!;
          const ws = j * s[1]! - p[1]!;
          const he = Math.min(hs + k[0]!, h + p[0]!);
          const we = Math.min(ws + k[1]!, w + p[1]!);
          y.push(acc / (includePad ? (he - hs) * (we - ws) : cnt));
        }
      }
  return { y, oh, ow };
}

describe('maxPool2d', () => {
  const cases: [number[], number[], number[], number[], number[], boolean][] = [
    [[2, 3, 6, 6], [2, 2], [2, 2], [0, 0], [1, 1], false],
    [[1, 2, 7, 8], [3, 2], [2, 3], [1, 1], [1, 1], true],
    [[2, 1, 9, 7], [2, 3], [1, 2], [1, 0], [2, 2], false],
    [[1, 2, 5, 5], [3, 3], [2, 2], [1, 1], [1, 1], true],
  ];
  for (const [i, [shape, k, s, p, d, ceil]] of cases.entries()) {
    it(`matches the direct loop (case ${i})`, () => {
      const x = rnd(shape, 100 + i);
      const y = maxPool2d(x, k as [number, number], {
        stride: s as [number, number],
        padding: p as [number, number],
        dilation: d as [number, number],
        ceilMode: ceil,
      });
      const ref = naivePool(x.dataSync(), shape, k, s, p, d, ceil, 'max');
      expect(y.shape).toEqual([shape[0], shape[1], ref.oh, ref.ow]);
      expectClose(y, ref.y, 0, 0, 'maxPool2d');
    });
  }

  it('indices, first-max ties, NaN propagation and unbatched input', () => {
    const x = tensor(
      [
        [
          [1, 5, 5, 2],
          [0, 5, 3, 3],
          [9, 1, 2, 8],
          [9, 7, 8, 6],
        ],
      ],
      { dtype: 'float64' },
    );
    const { output, indices } = maxPool2dWithIndices(x, 2);
    expect(output.toArray()).toEqual([
      [
        [5, 5],
        [9, 8],
      ],
    ]);
    expect(indices.toArray()).toEqual([
      [
        [1, 2],
        [8, 11],
      ],
    ]);
    const xr = x.clone().requiresGrad_(true);
    const [g] = grad(maxPool2d(xr, 2).sum(), [xr]);
    expect(g!.toArray()).toEqual([
      [
        [0, 1, 1, 0],
        [0, 0, 0, 0],
        [1, 0, 0, 1],
        [0, 0, 0, 0],
      ],
    ]);
    const nan = tensor(
      [
        [
          [
            [1, Number.NaN],
            [3, 4],
          ],
        ],
      ],
      { dtype: 'float64' },
    );
    expect(Number.isNaN(maxPool2d(nan, 2).item())).toBe(true);
  });

  it('gradcheck and gradgradcheck', () => {
    const x = rnd([2, 2, 5, 6], 110);
    const opts = {
      stride: [2, 1] as [number, number],
      padding: 1,
      dilation: [1, 2] as [number, number],
      ceilMode: true,
    };
    gradcheck((x) => maxPool2d(x!, [3, 2], opts), [x]);
    gradgradcheck((x) => maxPool2d(x!, 2), [rnd([1, 2, 4, 4], 111)]);
  });

  it('errors', () => {
    const x = rnd([1, 1, 4, 4], 112);
    expect(() => maxPool2d(x, 2, { padding: 2 })).toThrow(ArgumentError);
    expect(() => maxPool2d(x, 2, { padding: 2 })).toThrow(
      /maxPool2d: padding \[2,2\] should be at most half/,
    );
    expect(() => maxPool2d(x, 5)).toThrow(ShapeError);
    expect(() => maxPool2d(rnd([4, 4], 1), 2)).toThrow(/maxPool2d: expected input \[N,C,H,W\]/);
    expect(() => maxPool2d(tensor([[[[1]]]], { dtype: 'int32' }), 1)).toThrow(
      /maxPool2d: input must be float/,
    );
  });
});

describe('avgPool2d', () => {
  const cases: [number[], number[], number[], number[], boolean, boolean][] = [
    [[2, 2, 6, 6], [2, 2], [2, 2], [0, 0], false, true],
    [[1, 2, 7, 6], [3, 3], [2, 2], [1, 1], true, true],
    [[1, 2, 7, 6], [3, 2], [2, 3], [1, 1], true, false],
    [[2, 1, 5, 8], [2, 4], [1, 3], [1, 2], false, false],
  ];
  for (const [i, [shape, k, s, p, ceil, inc]] of cases.entries()) {
    it(`matches the direct loop (case ${i})`, () => {
      const x = rnd(shape, 120 + i);
      const y = avgPool2d(x, k as [number, number], {
        stride: s as [number, number],
        padding: p as [number, number],
        ceilMode: ceil,
        countIncludePad: inc,
      });
      const ref = naivePool(x.dataSync(), shape, k, s, p, [1, 1], ceil, 'avg', inc);
      expect(y.shape).toEqual([shape[0], shape[1], ref.oh, ref.ow]);
      expectClose(y, ref.y, 1e-14, 1e-12, 'avgPool2d');
    });
  }

  it('divisorOverride, gradcheck and gradgradcheck', () => {
    const x = rnd([1, 2, 4, 4], 130);
    const y = avgPool2d(x, 2, { divisorOverride: 2 });
    expectClose(y, avgPool2d(x, 2).mul(2).dataSync(), 1e-14, 1e-12, 'divisorOverride');
    const opts = { stride: 2, padding: 1, ceilMode: true, countIncludePad: false };
    gradcheck((x) => avgPool2d(x!, 3, opts), [rnd([2, 1, 5, 6], 131)]);
    gradgradcheck((x) => avgPool2d(x!, [2, 3], { padding: [1, 1] }), [rnd([1, 2, 4, 5], 132)]);
  });
});

describe('adaptiveAvgPool2d', () => {
  it('matches the window definition, global pooling and gradients', () => {
    const x = rnd([2, 3, 7, 9], 140);
    const y = adaptiveAvgPool2d(x, [3, 4]);
    expect(y.shape).toEqual([2, 3, 3, 4]);
    const xd = x.dataSync();
    const want: number[] = [];
    for (let pl = 0; pl < 6; pl++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++) {
          const h0 = Math.floor((i * 7) / 3);
          const h1 = Math.ceil(((i + 1) * 7) / 3);
          const w0 = Math.floor((j * 9) / 4);
          const w1 = Math.ceil(((j + 1) * 9) / 4);
          let acc = 0;
          for (let a = h0; a < h1; a++) for (let b = w0; b < w1; b++) acc += xd[(pl * 7 + a) * 9 + b]!;
          want.push(acc / ((h1 - h0) * (w1 - w0)));
        }
    expectClose(y, want, 1e-14, 1e-12, 'adaptive');
    expectClose(adaptiveAvgPool2d(x, 1), mean(x, [2, 3], true).dataSync(), 1e-14, 1e-12, 'global');
    expect(adaptiveAvgPool2d(x, [null, 2]).shape).toEqual([2, 3, 7, 2]);
    expect(adaptiveAvgPool2d(x.select(0, 0), 2).shape).toEqual([3, 2, 2]);
    gradcheck((x) => adaptiveAvgPool2d(x!, [2, 3]), [rnd([1, 2, 5, 4], 141)]);
    gradgradcheck((x) => adaptiveAvgPool2d(x!, 2), [rnd([1, 1, 3, 5], 142)]);
    expect(() => adaptiveAvgPool2d(x, 0)).toThrow(/adaptiveAvgPool2d: outputSize/);
  });
});

describe('1-D pooling', () => {
  it('wraps the 2-D kernels', () => {
    const x = rnd([2, 3, 9], 150);
    expect(maxPool1d(x, 3, { stride: 2, padding: 1 }).shape).toEqual([2, 3, 5]);
    expect(avgPool1d(x, 4, { stride: 3, padding: 2, ceilMode: true }).shape).toEqual([2, 3, 4]);
    expect(adaptiveAvgPool1d(x, 4).shape).toEqual([2, 3, 4]);
    expect(maxPool1d(x.select(0, 1), 2).shape).toEqual([3, 4]);
    gradcheck((x) => maxPool1d(x!, 2, { stride: 1 }), [rnd([1, 2, 5], 151)]);
    gradcheck((x) => avgPool1d(x!, 3, { padding: 1, countIncludePad: false }), [rnd([1, 2, 5], 152)]);
    expect(() => maxPool1d(rnd([2, 3, 4, 5], 1), 2)).toThrow(/maxPool1d: expected input \[N,C,L\]/);
  });
});
