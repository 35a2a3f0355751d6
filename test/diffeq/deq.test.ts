import { describe, expect, it } from 'vitest';
import { DEQ, deqFixedPoint, fixedPoint } from '../../src/diffeq/index.js';
import { grad, matmul, noGrad, randn, sum, type Tensor, tanh, tensor, zeros } from '../../src/index.js';
import { Linear, Module } from '../../src/nn/index.js';
import { randomKey } from '../../src/random/index.js';

/** A contraction: f(z, x) = tanh(z·W + x·U + b) with ‖W‖ < 1. */
class Cell extends Module<[Tensor, Tensor], Tensor> {
  lin = new Linear(4, 4, { dtype: 'float64', key: randomKey(7) });
  inp = new Linear(3, 4, { dtype: 'float64', key: randomKey(8) });
  forward(z: Tensor, x: Tensor): Tensor {
    return tanh(this.lin.forward(z).mul(0.6).add(this.inp.forward(x)));
  }
}

describe('fixed-point solvers', () => {
  const A = tensor(
    [
      [0.5, -0.3, 0.1],
      [0.2, 0.4, -0.2],
      [-0.1, 0.25, 0.45],
    ],
    { dtype: 'float64' },
  );
  const c = tensor([1, -2, 0.5], { dtype: 'float64' });
  const f = (z: Tensor) =>
    tanh(
      matmul(A, z.reshape([3, 1]))
        .reshape([3])
        .add(c),
    );
  for (const method of ['iteration', 'anderson', 'broyden'] as const) {
    it(`${method} converges to tolerance`, () => {
      const r = fixedPoint(f, tensor([0, 0, 0], { dtype: 'float64' }), { method, tol: 1e-12, maxIters: 200 });
      expect(r.converged).toBe(true);
      const z = r.z;
      const res = noGrad(() => f(z).sub(z).abs().max().item());
      expect(res).toBeLessThan(1e-11);
    });
  }
  it('Anderson and Broyden need fewer evaluations than plain iteration', () => {
    const z0 = tensor([0, 0, 0], { dtype: 'float64' });
    const it0 = fixedPoint(f, z0, { method: 'iteration', tol: 1e-12, maxIters: 500 }).iters;
    const an = fixedPoint(f, z0, { method: 'anderson', tol: 1e-12 }).iters;
    const br = fixedPoint(f, z0, { method: 'broyden', tol: 1e-12 }).iters;
    expect(an).toBeLessThan(it0);
    expect(br).toBeLessThan(it0);
  });
});

describe('deep equilibrium models', () => {
  it('implicit gradients agree with unrolled-iteration gradients on a contraction', () => {
    const cell = new Cell();
    const x = randn([5, 3], { dtype: 'float64', key: randomKey(9) });
    const target = randn([5, 4], { dtype: 'float64', key: randomKey(10) });
    const loss = (z: Tensor) => sum(z.sub(target).square());
    const results: Float64Array[][] = [];
    for (const gradient of ['implicit', 'unrolled'] as const) {
      for (const method of gradient === 'implicit'
        ? (['anderson', 'broyden'] as const)
        : (['iteration'] as const)) {
        const deq = new DEQ(cell, {
          method,
          gradient,
          tol: 1e-13,
          maxIters: 300,
          z0: (xx) => zeros([xx.shape[0]!, 4], { dtype: 'float64' }),
        });
        cell.zeroGrad();
        const xr = x.detach().requiresGrad_(true);
        loss(deq.forward(xr)).backward();
        results.push([
          ...cell.parameters().map((p) => Float64Array.from(p.grad!.dataSync())),
          Float64Array.from(xr.grad!.dataSync()),
        ]);
        if (gradient === 'implicit') {
          expect(deq.stats.forward!.converged).toBe(true);
          expect(deq.stats.backward!.converged).toBe(true);
        }
      }
    }
    const ref = results[results.length - 1]!;
    for (const r of results.slice(0, -1)) {
      r.forEach((g, i) => {
        g.forEach((v, j) => {
          expect(Math.abs(v - ref[i]![j]!)).toBeLessThan(1e-8 * (1 + Math.abs(ref[i]![j]!)));
        });
      });
    }
  });

  it('deqFixedPoint is differentiable in x and in explicit parameters', () => {
    const W = tensor(
      [
        [0.3, -0.2],
        [0.1, 0.4],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const f = (z: Tensor, x: Tensor) => tanh(matmul(z, W).add(x));
    const x = tensor([[0.5, -1]], { dtype: 'float64' });
    const gW = grad((w: Tensor) =>
      sum(deqFixedPoint((z, xx) => tanh(matmul(z, w).add(xx)), x, [w], { tol: 1e-14 })),
    )(W) as Tensor;
    // Finite differences of the fixed point.
    const eps = 1e-6;
    const d = W._storage.data;
    for (let i = 0; i < 4; i++) {
      const o = d[i]!;
      d[i] = o + eps;
      const p = noGrad(() => sum(deqFixedPoint(f, x, [], { tol: 1e-14 })).item());
      d[i] = o - eps;
      const m = noGrad(() => sum(deqFixedPoint(f, x, [], { tol: 1e-14 })).item());
      d[i] = o;
      expect(gW.dataSync()[i]).toBeCloseTo((p - m) / (2 * eps), 7);
    }
  });
});
