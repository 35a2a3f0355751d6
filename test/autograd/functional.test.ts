import { describe, expect, test } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import {
  customFunction,
  grad,
  hessian,
  hvp,
  jacobian,
  jvp,
  valueAndGrad,
  vjp,
} from '../../src/autograd/index.js';
import type { Tensor } from '../../src/core/tensor.js';
import { mul, sub } from '../../src/ops/binary.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { sum } from '../../src/ops/reduce.js';
import { cos, exp, sin, square, tanh } from '../../src/ops/unary.js';
import { expectClose, flat, randn64 } from '../helpers.js';

describe('functional transforms', () => {
  test('grad and valueAndGrad with argnums', () => {
    const f = (x: Tensor, y: Tensor) => sum(mul(sin(x), y));
    const x = randn64([3], 1);
    const y = randn64([3], 2);
    expectClose(
      grad(f)(x, y) as Tensor,
      flat(x).map((v, i) => Math.cos(v) * flat(y)[i]!),
      1e-14,
    );
    const [v, gs] = valueAndGrad(f, { argnums: [0, 1] })(x, y);
    expectClose(v, [flat(x).reduce((s, xi, i) => s + Math.sin(xi) * flat(y)[i]!, 0)], 1e-14);
    expectClose((gs as Tensor[])[1]!, flat(x).map(Math.sin), 1e-14);
  });

  test('nested grad: d²/dx² sin = −sin, d³/dx³ sin = −cos', () => {
    const d1 = grad((x: Tensor) => sum(sin(x)));
    const d2 = grad((x: Tensor) => sum(d1(x) as Tensor));
    const d3 = grad((x: Tensor) => sum(d2(x) as Tensor));
    const x = tensor([0.3, 1.1], { dtype: 'float64' });
    expectClose(d2(x) as Tensor, [-Math.sin(0.3), -Math.sin(1.1)], 1e-14);
    expectClose(d3(x) as Tensor, [-Math.cos(0.3), -Math.cos(1.1)], 1e-14);
  });

  test('vjp and jvp agree with the Jacobian', () => {
    const W = randn64([3, 4], 3);
    const f = (x: Tensor) => tanh(matmul(W, x));
    const x = randn64([4], 4);
    const J = jacobian(f, x);
    expect(J.shape).toEqual([3, 4]);
    const u = randn64([3], 5);
    const v = randn64([4], 6);
    const [out, pull] = vjp(f, x);
    expectClose(out, f(x), 1e-15);
    expectClose(pull(u)[0]!, matmul(u, J), 1e-12);
    const [out2, tangent] = jvp(f, [x], [v]);
    expectClose(out2, f(x), 1e-15);
    expectClose(tangent, matmul(J, v), 1e-12);
  });

  test('hvp and hessian match an analytic Hessian', () => {
    // f(x) = ½ xᵀAx + Σ sin(x): H = (A + Aᵀ)/2 + diag(−sin x).
    const A = randn64([4, 4], 7);
    const f = (x: Tensor) => sum(mul(matmul(matmul(x, A), x), 0.5)).add(sum(sin(x)));
    const x = randn64([4], 8);
    const a = flat(A);
    const xs = flat(x);
    const H: number[] = [];
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++)
        H.push((a[i * 4 + j]! + a[j * 4 + i]!) / 2 - (i === j ? Math.sin(xs[i]!) : 0));
    expectClose(hessian(f, x), H, 1e-12, 1e-13);
    const v = randn64([4], 9);
    const Hv = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].reduce((s, j) => s + H[i * 4 + j]! * flat(v)[j]!, 0));
    expectClose(hvp(f, x, v), Hv, 1e-12, 1e-13);
  });

  test('grad rejects non-scalar outputs and integer inputs', () => {
    expect(() => grad((x: Tensor) => mul(x, 2))(randn64([2], 1))).toThrow(/one-element tensor/);
    expect(() => grad((x: Tensor) => sum(x))(tensor([1], { dtype: 'int32' }))).toThrow(
      /only floating-point inputs/,
    );
  });
});

describe('custom functions', () => {
  test('a custom op with a hand-written backward', () => {
    let backwardCalls = 0;
    const cube = customFunction({
      name: 'cube',
      forward: (x: Tensor) => ({
        output: mul(mul(x, x), x),
        backward: ([g]) => {
          backwardCalls++;
          return [mul(g!, mul(square(x), 3))];
        },
      }),
    });
    const x = randn64([5], 10);
    expect(gradcheck((t) => cube(t!), [x])).toBe(true);
    expect(backwardCalls).toBeGreaterThan(0);
    // Its backward is built from ops, so second derivatives work too: d²/dx² x³ = 6x.
    const d2 = grad((t: Tensor) => sum(grad((u: Tensor) => sum(cube(u)))(t) as Tensor));
    expectClose(
      d2(x) as Tensor,
      flat(x).map((v) => 6 * v),
      1e-13,
    );
  });

  test('multiple outputs', () => {
    const sincos = customFunction({
      name: 'sincos',
      forward: (x: Tensor) => ({
        output: [sin(x), cos(x)],
        backward: ([gs, gc]) => [sub(mul(gs!, cos(x)), mul(gc!, sin(x)))],
      }),
    });
    const x = randn64([3], 11);
    expect(gradcheck((t) => sincos(t!), [x])).toBe(true);
    // Using only one output still works (the other gradient is zero).
    expect(gradcheck((t) => exp(sincos(t!)[1]!), [x])).toBe(true);
  });
});
