import { afterEach, describe, expect, it, vi } from 'vitest';
import { grad } from '../../../src/autograd/backward.js';
import { gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { getBackend, getNativeAddon, listBackends, setBackend } from '../../../src/backend/index.js';
import type { DType } from '../../../src/core/dtype.js';
import type { Tensor } from '../../../src/core/tensor.js';
import {
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  maxPool2dWithIndices,
} from '../../../src/nn/functional/index.js';
import { tensor } from '../../../src/ops/creation.js';
import { expectClose, rnd } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Native pooling kernels: the native backend must agree exactly with the TypeScript loops.

/** Output, indices (max pooling) and first/second-order input gradients on one backend. */
function poolOn(name: string, f: (x: Tensor) => Tensor | { output: Tensor; indices: Tensor }, x0: Tensor) {
  const prev = getBackend().name;
  setBackend(name);
  try {
    const x = x0.detach().requiresGrad_(true);
    const r = f(x);
    const y = 'output' in r ? r.output : r;
    const indices = 'output' in r ? Array.from(r.indices.dataSync()) : null;
    const gy = rnd(y.shape, 7, y.dtype).requiresGrad_(true);
    const [gx] = grad(y, [x], gy, { createGraph: true });
    // Double backward: the gradient of <gx, w> with respect to gy goes through the recorded
    // backward op (a gather for max pooling, the forward pooling for average pooling).
    const [ggy] = grad(gx!.mul(rnd(x.shape, 8, x.dtype)).sum(), [gy]);
    return {
      y: Array.from(y.dataSync()),
      shape: y.shape,
      indices,
      gx: Array.from(gx!.dataSync()),
      ggy: Array.from(ggy!.dataSync()),
    };
  } finally {
    setBackend(prev);
  }
}

// Runs in the native test project only (see vitest.config.ts): the native backend must be there.
describe('native pooling kernels agree with the TypeScript loops', () => {
  it('the native backend is registered', () => {
    expect(listBackends()).toContain('native');
  });
  afterEach(() => vi.restoreAllMocks());

  const expectSame = (
    f: (x: Tensor) => Tensor | { output: Tensor; indices: Tensor },
    x: Tensor,
    what: string,
    tol = 0,
  ) => {
    const js = poolOn('js', f, x);
    const nat = poolOn('native', f, x);
    expect(nat.shape, what).toEqual(js.shape);
    expect(nat.indices, `${what}: indices`).toEqual(js.indices);
    if (tol === 0) {
      expect(nat.y, `${what}: output`).toEqual(js.y);
      expect(nat.gx, `${what}: gradient`).toEqual(js.gx);
      expect(nat.ggy, `${what}: double backward`).toEqual(js.ggy);
    } else {
      expectClose(nat.y, js.y, tol, tol, `${what}: output`);
      expectClose(nat.gx, js.gx, tol, tol, `${what}: gradient`);
      expectClose(nat.ggy, js.ggy, tol, tol, `${what}: double backward`);
    }
  };

  it('routes float max/avg pooling (forward and backward) to the addon', () => {
    const addon = getNativeAddon()!;
    const spies = [
      vi.spyOn(addon, 'maxpool2d'),
      vi.spyOn(addon, 'maxpool2dBackward'),
      vi.spyOn(addon, 'avgpool2d'),
      vi.spyOn(addon, 'avgpool2dBackward'),
    ];
    const prev = getBackend().name;
    setBackend('native');
    try {
      const x = rnd([2, 3, 8, 8], 200).requiresGrad_(true);
      grad(maxPool2d(x, 2).sum(), [x]);
      grad(avgPool2d(x, 3, { stride: 2, padding: 1 }).sum(), [x]);
      for (const s of spies) expect(s).toHaveBeenCalledTimes(1);
      // Not covered by the addon: ceil mode that adds a window, divisorOverride, int tensors.
      grad(maxPool2d(x, 3, { stride: 2, ceilMode: true }).sum(), [x]);
      grad(avgPool2d(x, 3, { stride: 2, divisorOverride: 5 }).sum(), [x]);
      for (const s of spies) expect(s).toHaveBeenCalledTimes(1);
      setBackend('js');
      grad(maxPool2d(x, 2).sum(), [x]);
      expect(spies[0]).toHaveBeenCalledTimes(1);
    } finally {
      setBackend(prev);
    }
  });

  const maxCases: [string, number[], (x: Tensor) => Tensor | { output: Tensor; indices: Tensor }][] = [
    ['k2', [2, 3, 6, 6], (x) => maxPool2dWithIndices(x, 2)],
    ['k3 s2 p1', [2, 2, 9, 7], (x) => maxPool2dWithIndices(x, 3, { stride: 2, padding: 1 })],
    [
      'k[3,2] s[1,2] p[1,0] d2',
      [1, 2, 9, 8],
      (x) => maxPool2dWithIndices(x, [3, 2], { stride: [1, 2], padding: [1, 0], dilation: 2 }),
    ],
    ['ceil mode, same size', [1, 2, 7, 7], (x) => maxPool2dWithIndices(x, 3, { stride: 2, ceilMode: true })],
    [
      'ceil mode, extra window',
      [1, 2, 8, 8],
      (x) => maxPool2dWithIndices(x, 3, { stride: 2, ceilMode: true }),
    ],
    ['unbatched', [3, 5, 5], (x) => maxPool2dWithIndices(x, 2, { stride: 1 })],
    ['1-D', [2, 3, 11], (x) => maxPool1d(x, 3, { stride: 2, padding: 1, dilation: 2 })],
    ['non-contiguous input', [2, 3, 6, 7], (x) => maxPool2d(x.transpose(2, 3), 2)],
  ];
  for (const dtype of ['float64', 'float32'] as DType[]) {
    for (const [name, shape, f] of maxCases) {
      it(`maxPool2d ${name} (${dtype}): identical outputs, indices, gradients`, () => {
        expectSame(f, rnd(shape, 210 + shape.length, dtype), `${name} ${dtype}`);
      });
    }
  }

  it('maxPool2d ties, NaN windows (several NaNs), -Infinity and padding pick the same indices', () => {
    const N = Number.NaN;
    const x = tensor(
      [
        [
          [
            [1, N, 2, 2, 0, 0],
            [N, 3, 2, 2, 0, 0],
            [-Infinity, -Infinity, 5, N, 7, 7],
            [-Infinity, -Infinity, N, 5, 7, 7],
          ],
        ],
      ],
      { dtype: 'float64' },
    );
    for (const opts of [{}, { padding: 1 }, { stride: 1 }, { dilation: 2, stride: 1 }]) {
      expectSame((t) => maxPool2dWithIndices(t, 2, opts), x, `special values ${JSON.stringify(opts)}`);
    }
  });

  const avgCases: [string, number[], (x: Tensor) => Tensor][] = [
    ['k2', [2, 3, 6, 6], (x) => avgPool2d(x, 2)],
    ['k3 s2 p1 include pad', [2, 2, 9, 7], (x) => avgPool2d(x, 3, { stride: 2, padding: 1 })],
    [
      'k3 s2 p1 exclude pad',
      [2, 2, 9, 7],
      (x) => avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }),
    ],
    ['k[2,3] s[1,2] p[1,1]', [1, 2, 6, 9], (x) => avgPool2d(x, [2, 3], { stride: [1, 2], padding: [1, 1] })],
    ['ceil mode, same size', [1, 2, 7, 7], (x) => avgPool2d(x, 3, { stride: 2, ceilMode: true })],
    [
      'ceil mode, extra window',
      [1, 2, 8, 8],
      (x) => avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }),
    ],
    ['divisorOverride', [1, 2, 6, 6], (x) => avgPool2d(x, 2, { divisorOverride: 3 })],
    ['adaptive, even', [2, 3, 8, 12], (x) => adaptiveAvgPool2d(x, [4, 3])],
    ['adaptive, global', [2, 3, 7, 5], (x) => adaptiveAvgPool2d(x, 1)],
    ['adaptive, uneven', [2, 3, 7, 9], (x) => adaptiveAvgPool2d(x, [3, 4])],
    ['1-D', [2, 3, 11], (x) => avgPool1d(x, 3, { stride: 2, padding: 1, countIncludePad: false })],
    ['unbatched', [3, 6, 6], (x) => avgPool2d(x, 2)],
  ];
  for (const [name, shape, f] of avgCases) {
    it(`avgPool2d ${name}: identical in float64, within rounding in float32`, () => {
      expectSame(f, rnd(shape, 230 + shape.length), `${name} float64`);
      // float32: the addon accumulates window sums in float32, the loops in float64.
      expectSame(f, rnd(shape, 230 + shape.length, 'float32'), `${name} float32`, 1e-6);
    });
  }

  it('empty batches and second-order gradients on the native backend', () => {
    const prev = getBackend().name;
    setBackend('native');
    try {
      expect(maxPool2d(rnd([0, 2, 4, 4], 1), 2).shape).toEqual([0, 2, 2, 2]);
      expect(avgPool2d(rnd([2, 0, 4, 4], 1), 2).shape).toEqual([2, 0, 2, 2]);
      gradgradcheck((x) => maxPool2d(x!, 3, { stride: 2, padding: 1 }), [rnd([1, 2, 5, 5], 240)]);
      gradgradcheck(
        (x) => avgPool2d(x!, 3, { stride: 2, padding: 1, countIncludePad: false }),
        [rnd([1, 2, 5, 5], 241)],
      );
      gradgradcheck((x) => adaptiveAvgPool2d(x!, 2), [rnd([1, 2, 4, 6], 242)]);
    } finally {
      setBackend(prev);
    }
  });
});
