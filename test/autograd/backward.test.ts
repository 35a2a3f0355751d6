import { describe, expect, test } from 'vitest';
import { autogradGrad, customFunction, detectAnomaly, enableGrad, noGrad } from '../../src/autograd/index.js';
import { AnomalyError, AutogradError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { copy_ } from '../../src/ops/assign.js';
import { add, div, mul } from '../../src/ops/binary.js';
import { tensor } from '../../src/ops/creation.js';
import { sum } from '../../src/ops/reduce.js';
import { exp, log } from '../../src/ops/unary.js';
import { expectClose } from '../helpers.js';

const leaf = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });

describe('backward semantics (PyTorch)', () => {
  test('gradients accumulate across backward calls', () => {
    const x = leaf([1, 2]);
    const y = sum(mul(x, x));
    y.backward(undefined, { retainGraph: true });
    expect(x.grad!.toArray()).toEqual([2, 4]);
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
  });

  test('a backward closure may sweep part of the graph that the outer sweep is still walking', () => {
    // y = sum(scale(u)) with u = x², where scale's backward itself takes d(sum 3u)/dx through
    // u's node (pending in the outer sweep): the nested sweep must not disturb the outer one.
    const x = leaf([1, 2, 3]);
    const u = mul(x, x);
    let inner: number[] = [];
    const scale = customFunction({
      name: 'scale',
      forward: (t: Tensor) => ({
        output: mul(t, 2),
        backward: ([g]) => {
          inner = enableGrad(
            () =>
              autogradGrad(sum(mul(u, 3)), [x], undefined, { retainGraph: true })[0]!.toArray() as number[],
          );
          return [mul(g!, 2)];
        },
      }),
    });
    const y = add(sum(scale(u)), sum(u));
    const [gx] = autogradGrad(y, [x]);
    expect(inner).toEqual([6, 12, 18]); // d(3x²)/dx
    expect(gx!.toArray()).toEqual([6, 12, 18]); // d(2x² + x²)/dx
  });

  test('a second backward through a freed graph throws', () => {
    const x = leaf([1, 2]);
    const y = sum(exp(x));
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time/);
  });

  test('implicit gradient only for one-element outputs', () => {
    const x = leaf([1, 2]);
    expect(() => mul(x, 2).backward()).toThrow(
      /gradient can be implicitly created only for one-element outputs/,
    );
    mul(x, 2).backward(tensor([1, 10], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([2, 20]);
  });

  test('a shared subexpression receives the sum of its gradients', () => {
    const x = leaf([3]);
    const h = mul(x, x);
    const y = add(mul(h, 2), exp(h));
    y.backward();
    expectClose(x.grad!, [(2 + Math.exp(9)) * 6]);
  });

  test('retainGrad keeps a non-leaf gradient; leaves only by default', () => {
    const x = leaf([1, 2]);
    const h = mul(x, 3).retainGrad();
    const k = mul(x, 4);
    sum(mul(h, k)).backward();
    expect(h.grad!.toArray()).toEqual([4, 8]);
    expect(k.grad).toBeNull();
  });

  test('detach and noGrad cut the graph', () => {
    const x = leaf([1, 2]);
    expect(mul(x.detach(), 2).requiresGrad).toBe(false);
    const y = noGrad(() => mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(() => sum(y).backward()).toThrow(AutogradError);
  });

  test('only floating tensors can require grad', () => {
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(
      /only floating-point tensors can require grad/,
    );
    expect(() => mul(leaf([1]), 2).requiresGrad_(false)).toThrow(/leaf tensors/);
  });

  test('in-place modification of a saved tensor is detected', () => {
    const x = leaf([1, 2]);
    const h = exp(x);
    const y = sum(mul(h, h));
    noGrad(() => copy_(h, 0));
    expect(() => y.backward()).toThrow(/modified by an in-place operation/);
  });

  test('in-place update of a leaf requiring grad outside noGrad is refused', () => {
    const x = leaf([1, 2]);
    expect(() => copy_(x, 0)).toThrow(/in-place update of a tensor that requires grad/);
  });
});

describe('autograd.grad', () => {
  test('with respect to leaves and intermediate tensors', () => {
    const x = leaf([1, 2]);
    const h = mul(x, x);
    const y = sum(mul(h, 3));
    const [gx, gh] = autogradGrad(y, [x, h], undefined, { retainGraph: true });
    expect(gx!.toArray()).toEqual([6, 12]);
    expect(gh!.toArray()).toEqual([3, 3]);
    expect(x.grad).toBeNull();
  });

  test('unused inputs', () => {
    const x = leaf([1]);
    const z = leaf([1]);
    const y = sum(mul(x, 2));
    expect(() => autogradGrad(y, [x, z], undefined, { retainGraph: true })).toThrow(/input 1 was not used/);
    const [, gz] = autogradGrad(y, [x, z], undefined, { allowUnused: true });
    expect(gz).toBeNull();
  });

  test('createGraph gives differentiable gradients (d²/dx² of x³ = 6x)', () => {
    const x = leaf([2]);
    const y = sum(mul(mul(x, x), x));
    const [g] = autogradGrad(y, x, undefined, { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    const [gg] = autogradGrad(sum(g!), x);
    expect(gg!.toArray()).toEqual([12]);
  });
});

describe('anomaly mode', () => {
  test('names the forward op that produced NaN', () => {
    const x = leaf([-1]);
    expect(() => detectAnomaly(() => log(x))).toThrow(AnomalyError);
    expect(() => detectAnomaly(() => log(x))).toThrow(/^log: produced NaN/);
  });
  test('names the backward op that produced Inf', () => {
    const x = leaf([0]);
    expect(() => detectAnomaly(() => sum(div(1, add(x, 1)).mul(0).add(mul(x, x).sqrt())).backward())).toThrow(
      /^sqrt \(backward\): div: produced Infinity/,
    );
  });
});

describe('in-place gradient accumulation', () => {
  test('heavy fan-out gives the same gradients as the out-of-place (createGraph) path', () => {
    // A weight used in many stages, shared intermediates returned to several edges by add's backward.
    const w = tensor([0.3, -0.2, 0.5], { dtype: 'float64', requiresGrad: true });
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const f = () => {
      let y = x;
      for (let i = 0; i < 20; i++) {
        const k = add(mul(y, w), y);
        y = add(add(y, mul(k, 0.05)), mul(add(k, k), 0.01));
      }
      return sum(mul(y, y));
    };
    const [gw1, gx1] = autogradGrad(f(), [w, x], undefined, { createGraph: true }).map((g) => g!.toArray());
    f().backward();
    expect(w.grad!.toArray()).toEqual(gw1);
    expect(x.grad!.toArray()).toEqual(gx1);
  });
});
