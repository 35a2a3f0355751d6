import { describe, expect, test } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import type { Tensor } from '../../src/core/tensor.js';
import { tensor } from '../../src/ops/creation.js';
import * as U from '../../src/ops/unary.js';
import { expectClose, rand64, randn64 } from '../helpers.js';

const xs = [-3.1, -1, -0.5, -1e-3, 0, 2e-4, 0.3, 1, 2.7, 8];

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const REFERENCES: [string, (x: Tensor) => Tensor, (x: number) => number][] = [
  ['neg', U.neg, (x) => -x],
  ['abs', U.abs, Math.abs],
  ['exp', U.exp, Math.exp],
  ['expm1', U.expm1, Math.expm1],
  ['sin', U.sin, Math.sin],
  ['cos', U.cos, Math.cos],
  ['tan', U.tan, Math.tan],
  ['tanh', U.tanh, Math.tanh],
  ['sigmoid', U.sigmoid, sigmoid],
  ['softplus', (x) => U.softplus(x), (x) => Math.log(1 + Math.exp(x))],
  ['relu', U.relu, (x) => Math.max(x, 0)],
  ['leakyRelu', (x) => U.leakyRelu(x, 0.1), (x) => (x > 0 ? x : 0.1 * x)],
  ['elu', (x) => U.elu(x, 1.5), (x) => (x > 0 ? x : 1.5 * Math.expm1(x))],
  ['silu', U.silu, (x) => x * sigmoid(x)],
  ['square', U.square, (x) => x * x],
];

describe('unary values', () => {
  for (const [name, op, ref] of REFERENCES) {
    test(name, () => {
      expectClose(op(tensor(xs, { dtype: 'float64' })), xs.map(ref), 1e-14, 1e-300);
    });
  }

  test('erf against high-precision reference values', () => {
    // Reference values of erf (Abramowitz & Stegun tables / mpmath).
    const x = [0, 0.1, 0.5, 1, 1.5, 2, 2.5, 3, 4, -0.7];
    const ref = [
      0, 0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9661051464753108, 0.9953222650189527,
      0.999593047982555, 0.9999779095030014, 0.9999999845827421, -0.6778011938374184,
    ];
    expectClose(U.erf(tensor(x, { dtype: 'float64' })), ref, 1e-14, 1e-16);
  });

  test('gelu exact and tanh forms', () => {
    const x = tensor([-2, -0.5, 0, 0.5, 2], { dtype: 'float64' });
    expectClose(
      U.gelu(x),
      [-0.04550026389635842, -0.15426876936299344, 0, 0.34573123063700656, 1.9544997361036416],
      1e-13,
    );
    const t = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expectClose(U.gelu(x, 'tanh'), [-2, -0.5, 0, 0.5, 2].map(t), 1e-14);
  });

  test('log/sqrt domains and special values', () => {
    expectClose(U.log(tensor([1, Math.E, 0, -1], { dtype: 'float64' })), [0, 1, -Infinity, Number.NaN]);
    expectClose(U.sqrt(tensor([4, 0, -1], { dtype: 'float64' })), [2, 0, Number.NaN]);
    expectClose(U.rsqrt(tensor([4], { dtype: 'float64' })), [0.5]);
    expectClose(U.log1p(tensor([1e-20], { dtype: 'float64' })), [1e-20], 1e-15, 0);
  });

  test('rounding is half-to-even and non-differentiable (zero grad)', () => {
    expect(U.round(tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4])).toArray()).toEqual([0, 2, 2, -0, -2, 2]);
    expect(U.floor(tensor([-1.5, 1.5])).toArray()).toEqual([-2, 1]);
    expect(U.ceil(tensor([-1.5, 1.5])).toArray()).toEqual([-1, 2]);
    const x = tensor([1.2, 2.7], { requiresGrad: true });
    U.round(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0]);
  });

  test('NaN handling: relu, sign, isnan, isfinite', () => {
    const x = tensor([Number.NaN, -1, 0, 2, Number.POSITIVE_INFINITY]);
    expect(Number.isNaN((U.relu(x).toArray() as number[])[0])).toBe(true);
    expect(Number.isNaN((U.sign(x).toArray() as number[])[0])).toBe(true);
    expect(U.isnan(x).toArray()).toEqual([true, false, false, false, false]);
    expect(U.isfinite(x).toArray()).toEqual([false, true, true, true, false]);
  });

  test('integer inputs to float ops are promoted', () => {
    const i = tensor([0, 1], { dtype: 'int32' });
    expect(U.exp(i).dtype).toBe('float32');
    expect(U.abs(tensor([-2], { dtype: 'int32' })).dtype).toBe('int32');
  });
});

describe('unary gradients (float64 gradcheck)', () => {
  const positive = (seed: number) => rand64([3, 4], seed, 0.2, 2);
  const any = (seed: number) => randn64([3, 4], seed);
  const cases: [string, (x: Tensor) => Tensor, Tensor][] = [
    ['neg', U.neg, any(1)],
    ['abs', U.abs, positive(2).mul(U.sign(any(3)))],
    ['exp', U.exp, any(4)],
    ['expm1', U.expm1, any(5)],
    ['log', U.log, positive(6)],
    ['log1p', U.log1p, positive(7)],
    ['sqrt', U.sqrt, positive(8)],
    ['rsqrt', U.rsqrt, positive(9)],
    ['square', U.square, any(10)],
    ['reciprocal', U.reciprocal, positive(11)],
    ['sin', U.sin, any(12)],
    ['cos', U.cos, any(13)],
    ['tan', U.tan, rand64([3, 4], 14, -1, 1)],
    ['tanh', U.tanh, any(15)],
    ['sigmoid', U.sigmoid, any(16)],
    ['softplus', (x) => U.softplus(x, 2), any(17)],
    ['relu', U.relu, positive(18).mul(U.sign(any(19)))],
    ['leakyRelu', (x) => U.leakyRelu(x, 0.2), positive(20).mul(U.sign(any(21)))],
    ['elu', (x) => U.elu(x, 0.7), positive(22).mul(U.sign(any(23)))],
    ['gelu', (x) => U.gelu(x), any(24)],
    ['geluTanh', (x) => U.gelu(x, 'tanh'), any(25)],
    ['silu', U.silu, any(26)],
    ['erf', U.erf, any(27)],
  ];
  for (const [name, op, x] of cases) {
    test(name, () => {
      expect(gradcheck(op, [x], { name })).toBe(true);
    });
  }
  for (const [name, op, x] of cases.filter(([n]) =>
    ['tanh', 'sigmoid', 'relu', 'gelu', 'geluTanh', 'silu', 'erf', 'log', 'sqrt', 'softplus'].includes(n),
  )) {
    test(`${name} second order`, () => {
      expect(gradgradcheck(op, [x], { name })).toBe(true);
    });
  }
});
