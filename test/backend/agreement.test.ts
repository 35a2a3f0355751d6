import { describe, expect, test } from 'vitest';
import { backendInfo, getBackend, listBackends, setBackend } from '../../src/backend/index.js';
import type { Tensor } from '../../src/core/tensor.js';
import { conv2d, convTranspose2d, crossEntropy, linear, maxPool2d } from '../../src/nn/functional/index.js';
import * as B from '../../src/ops/binary.js';
import { matmul } from '../../src/ops/matmul.js';
import { sum } from '../../src/ops/reduce.js';
import * as U from '../../src/ops/unary.js';
import { randomKey } from '../../src/random/key.js';
import { randint } from '../../src/random/sample.js';
import { expectClose, randn64 } from '../helpers.js';

/** Runs `f` on one backend and returns the flattened outputs and input gradients. */
function runOn(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): number[][] {
  const prev = getBackend().name;
  setBackend(name);
  try {
    const xs = inputs.map((x) => x.detach().requiresGrad_(true));
    const y = f(...xs);
    sum(y.mul(B.add(U.sin(y.detach()), 2))).backward();
    return [Array.from(y._contiguousData()), ...xs.map((x) => Array.from(x.grad!._contiguousData()))];
  } finally {
    setBackend(prev);
  }
}

const CASES: [string, (...xs: Tensor[]) => Tensor, number[][]][] = [
  ['unary chain', (x) => U.gelu(U.tanh(U.sigmoid(U.exp(U.neg(U.abs(x)))))), [[7, 33]]],
  [
    'relu/silu/gelu-tanh/softplus',
    (x) => U.relu(x).add(U.silu(x)).add(U.gelu(x, 'tanh')).add(U.softplus(x)),
    [[129]],
  ],
  [
    'sqrt/log/rsqrt/reciprocal',
    (x) =>
      U.sqrt(U.abs(x).add(1))
        .add(U.log(U.square(x).add(1)))
        .add(U.rsqrt(U.abs(x).add(0.5)))
        .add(U.reciprocal(U.abs(x).add(1))),
    [[200]],
  ],
  [
    // Bias rows and per-row columns on either side: the native row/column broadcast kernel.
    'broadcast rows and columns',
    (a, r, c) =>
      B.add(a!, r!)
        .mul(c!)
        .add(B.sub(r!, a!))
        .add(B.div(c!, B.add(U.abs(a!), 1)))
        .add(B.mul(U.tanh(a!), r!)),
    [[6, 5, 7], [7], [6, 5, 1]],
  ],
  [
    'sums over leading and middle axes',
    (x) => sum(x!, 0).add(sum(x!, 1, true).mul(sum(x!, [0, 2], true))),
    [[9, 40, 5]],
  ],
  [
    'binary dense',
    (a, b) =>
      B.add(a!, b!)
        .mul(B.sub(a!, b!))
        .div(B.add(U.abs(b!), 0.5)),
    [
      [17, 9],
      [17, 9],
    ],
  ],
  [
    'binary scalar both sides',
    (a) =>
      B.sub(3, a!)
        .mul(2)
        .add(B.div(1, B.add(B.mul(a!, a!), 1)))
        .maximum(-1)
        .minimum(5),
    [[300]],
  ],
  [
    'broadcast',
    (a, b) => B.add(a!, b!).mul(b!),
    [
      [16, 1, 8],
      [5, 8],
    ],
  ],
  ['sum', (a) => sum(a!, 1), [[6, 500]]],
  [
    'matmul',
    (a, b) => matmul(a!, b!),
    [
      [37, 65],
      [65, 19],
    ],
  ],
  [
    'matmul transposed + batched',
    (a, b) => matmul(a!.mT, b!),
    [
      [3, 40, 21],
      [40, 33],
    ],
  ],
  ['linear', (x, w, b) => linear(x!, w!, b!), [[64, 100], [30, 100], [30]]],
  [
    'conv2d',
    (x, w) => conv2d(x!, w!, null, { stride: 2, padding: 1, dilation: 1 }),
    [
      [2, 3, 11, 9],
      [4, 3, 3, 3],
    ],
  ],
  [
    'conv2d grouped dilated',
    (x, w) => conv2d(x!, w!, null, { padding: 2, dilation: 2, groups: 2 }),
    [
      [2, 4, 8, 8],
      [6, 2, 3, 3],
    ],
  ],
  [
    'convTranspose2d',
    (x, w) => convTranspose2d(x!, w!, null, { stride: 2, padding: 1, outputPadding: 1 }),
    [
      [2, 3, 5, 5],
      [3, 2, 3, 3],
    ],
  ],
  ['maxPool2d', (x) => maxPool2d(x!, 2), [[2, 3, 8, 8]]],
];

describe('backends agree (native vs TypeScript)', () => {
  test('both backends are registered in this process', () => {
    expect(listBackends()).toContain('js');
    expect(listBackends(), `native backend unavailable: ${backendInfo().nativeUnavailable}`).toContain(
      'native',
    );
  });

  for (const [name, f, shapes] of CASES) {
    test(`${name}: float64 to 1e-12 relative`, () => {
      const inputs = shapes.map((s, i) => randn64(s, 100 + i));
      const a = runOn('native', f, inputs);
      const b = runOn('js', f, inputs);
      for (let i = 0; i < a.length; i++) expectClose(a[i]!, b[i]!, 1e-12, 1e-12);
    });
    test(`${name}: float32 to 1e-5`, () => {
      const inputs = shapes.map((s, i) => randn64(s, 200 + i).float());
      const a = runOn('native', f, inputs);
      const b = runOn('js', f, inputs);
      // float32 reductions (GEMM, sums) differ in summation order and accumulator width (the
      // TypeScript GEMM accumulates in double), so entries near cancellation are compared
      // normwise: |a−b| ≤ 1e-5·(|b| + max|b|).
      for (let i = 0; i < a.length; i++)
        expectClose(a[i]!, b[i]!, 1e-5, 1e-5 * Math.max(1, ...b[i]!.map(Math.abs)));
    });
  }

  test('a cross-entropy training gradient agrees', () => {
    const x = randn64([32, 20], 1);
    const w = randn64([10, 20], 2);
    const y = randint(0, 10, [32], { key: randomKey(3) });
    const g = (name: string) => {
      const prev = getBackend().name;
      setBackend(name);
      try {
        const wt = w.detach().requiresGrad_(true);
        crossEntropy(linear(x, wt), y).backward();
        return Array.from(wt.grad!._contiguousData());
      } finally {
        setBackend(prev);
      }
    };
    expectClose(g('native'), g('js'), 1e-12, 1e-14);
  });
});
