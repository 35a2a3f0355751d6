import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { DTypeError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import * as F from '../../../src/nn/functional/index.js';
import { tensor } from '../../../src/ops/creation.js';
import { expectClose, rnd } from './helpers.js';

/** Direct-loop softmax along `axis` of a contiguous array. */
function naiveSoftmax(x: ArrayLike<number>, shape: number[], axis: number, log: boolean): number[] {
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = x.length / (n * inner);
  const out = new Array<number>(x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const idx = (k: number) => (o * n + k) * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, x[idx(k)]!);
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(x[idx(k)]! - m);
      for (let k = 0; k < n; k++)
        out[idx(k)] = log ? x[idx(k)]! - m - Math.log(s) : Math.exp(x[idx(k)]! - m) / s;
    }
  return out;
}

describe('softmax / logSoftmax', () => {
  it('match the direct loop along every axis', () => {
    const x = rnd([2, 3, 4], 300, 'float64', 4);
    for (const axis of [0, 1, 2, -1]) {
      const a = axis < 0 ? axis + 3 : axis;
      expectClose(
        F.softmax(x, axis),
        naiveSoftmax(x.dataSync(), [2, 3, 4], a, false),
        1e-15,
        1e-12,
        `softmax ${axis}`,
      );
      expectClose(
        F.logSoftmax(x, axis),
        naiveSoftmax(x.dataSync(), [2, 3, 4], a, true),
        1e-14,
        1e-12,
        `log ${axis}`,
      );
    }
  });

  it('are stable for large logits and handle -inf', () => {
    const x = tensor(
      [
        [1000, 1001, 999],
        [-1000, -1001, Number.NEGATIVE_INFINITY],
      ],
      { dtype: 'float32' },
    );
    const y = F.softmax(x);
    expect(y.dataSync().every(Number.isFinite)).toBe(true);
    expect(y.dataSync()[5]).toBe(0);
    const ly = F.logSoftmax(x);
    expect(ly.dataSync()[5]).toBe(Number.NEGATIVE_INFINITY);
    expectClose(
      ly.dataSync().slice(0, 3),
      [-1.4076059644443801, -0.40760596444438, -2.40760596444438],
      1e-5,
      0,
      'log',
    );
  });

  it('gradcheck and gradgradcheck', () => {
    const x = rnd([2, 3, 4], 301, 'float64', 2);
    for (const axis of [0, 1, -1]) {
      gradcheck((x) => F.softmax(x!, axis), [x]);
      gradcheck((x) => F.logSoftmax(x!, axis), [x]);
    }
    gradgradcheck((x) => F.softmax(x!, 1), [x]);
    gradgradcheck((x) => F.logSoftmax(x!, -1), [x]);
  });

  it('reject integer input', () => {
    expect(() => F.softmax(tensor([1, 2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => F.softmax(tensor([1, 2], { dtype: 'int32' }))).toThrow(
      /softmax: input must be float32 or float64/,
    );
  });
});

describe('other activations', () => {
  const fns: [string, (x: Tensor) => Tensor][] = [
    ['relu6', F.relu6],
    ['hardtanh', (x) => F.hardtanh(x, -0.5, 0.7)],
    ['hardsigmoid', F.hardsigmoid],
    ['hardswish', F.hardswish],
    ['selu', F.selu],
    ['celu', (x) => F.celu(x, 0.6)],
    ['mish', F.mish],
    ['logSigmoid', F.logSigmoid],
    ['softsign', F.softsign],
    ['glu', (x) => F.glu(x, 1)],
    ['softmin', (x) => F.softmin(x, 0)],
    ['prelu', (x) => F.prelu(x, tensor([0.1, -0.3, 0.5, 2], { dtype: 'float64' }))],
    ['relu (re-export)', F.relu],
    ['gelu (re-export)', (x) => F.gelu(x, 'tanh')],
  ];
  for (const [name, f] of fns) {
    it(`gradcheck ${name}`, () => {
      // Values kept away from the kinks at 0, ±3, 6, -0.5, 0.7.
      const x = tensor(
        [
          [-4.1, -2.2, -0.9, -0.31, 0.21, 0.55, 1.3, 3.7],
          [7.2, -0.05, 0.13, 2.4, -1.7, 5.1, -3.3, 0.9],
        ],
        { dtype: 'float64' },
      ).reshape([2, 4, 2]);
      gradcheck((x) => f(x!), [x]);
    });
  }
  it('glu rejects odd sizes', () => {
    expect(() => F.glu(rnd([2, 3], 1))).toThrow(/glu: dim 1 of input \[2,3\] must have even size/);
  });
});
