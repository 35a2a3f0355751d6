import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import {
  hermiteCubicBackwardDifferences,
  linearInterpolation,
  NeuralCDE,
} from '../../src/diffeq/cde/index.js';
import {
  BacksolveAdjoint,
  DirectAdjoint,
  Midpoint,
  PIDController,
  RK4,
  Tsit5,
} from '../../src/diffeq/index.js';
import { ShapeError, type Tensor, tensor } from '../../src/index.js';
import type { Linear } from '../../src/nn/index.js';
import { functionalCall } from '../../src/nn/module.js';
import { randomKey } from '../../src/random/index.js';

const f64 = (v: number[][][]) => tensor(v, { dtype: 'float64' });
const arr = (t: Tensor) => Array.from(t.dataSync(), Number);

const TIMES = [0, 0.4, 1, 1.5];
const DATA = () =>
  f64([
    [[0.3], [Number.NaN], [-0.2], [0.5]],
    [[-0.1], [0.6], [0.2], [0.9]],
  ]);

function tinyModel(opts: ConstructorParameters<typeof NeuralCDE>[3] = {}) {
  return new NeuralCDE(2, 2, 1, {
    width: 3,
    depth: 1,
    dtype: 'float64',
    key: randomKey(7),
    solver: new RK4(),
    dt0: 0.25,
    ...opts,
  });
}

describe('NeuralCDE', () => {
  it('returns [batch, outputs], or [T, batch, outputs] with ts, and checks the channel count', () => {
    const path = hermiteCubicBackwardDifferences(DATA(), { times: TIMES, timeChannel: true });
    const m = tinyModel();
    expect(m.forward(path).shape).toEqual([2, 1]);
    const m2 = tinyModel({ ts: [0, 0.5, 1.5] });
    expect(m2.forward(path).shape).toEqual([3, 2, 1]);
    const bad = hermiteCubicBackwardDifferences(DATA(), { times: TIMES });
    expect(() => m.forward(bad)).toThrow(ShapeError);
    expect(() => m.forward(bad)).toThrow(/^NeuralCDE: the path has shape \[2,1\]/);
  });

  it('with a constant field solves z(T) = z0 + G·(X(T) − X(t0)) (exactly in control mode)', () => {
    const path = hermiteCubicBackwardDifferences(DATA(), { times: TIMES, timeChannel: true });
    const m = new NeuralCDE(2, 2, 1, { width: 3, dtype: 'float64', key: randomKey(1) });
    const last = m.field.net.get(-2) as unknown as Linear;
    last.weight._storage.data.fill(0);
    const bias = [0.3, -0.2, 0.5, 0.1];
    last.bias!._storage.data.set(bias);
    const G = bias.map(Math.tanh); // [hidden = 2, channels = 2], row-major
    const z0 = arr(m.initial.forward(path.evaluate(path.t0)));
    const dX = arr(path.evaluate(path.t0, path.t1));
    const expected = [0, 1, 2, 3].map((k) => {
      const b = k >> 1;
      const h = k & 1;
      return z0[k]! + G[h * 2]! * dX[b * 2]! + G[h * 2 + 1]! * dX[b * 2 + 1]!;
    });
    // Control mode: the increments telescope, whatever the steps.
    const zc = arr(m.solve(path, { mode: 'control', solver: new RK4(), dt0: 0.37 }).ys!);
    for (const [i, v] of zc.entries()) expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-13);
    // ODE mode: quadrature of G·dX/dt, accurate to the tolerance.
    const zo = arr(m.solve(path, { rtol: 1e-10, atol: 1e-12 }).ys!);
    for (const [i, v] of zo.entries()) expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-8);
  });

  it("'control' mode (ControlTerm increments) equals 'ode' mode on a linear path with steps on the knots", () => {
    const times = [0, 0.5, 1, 1.5];
    const path = linearInterpolation(DATA(), { times, timeChannel: true });
    // Midpoint never evaluates the field at the end of a step, so 'ode' mode sees each piece's slope.
    const m = tinyModel({ solver: new Midpoint() });
    expect(m.modeFor(path)).toBe('control');
    const a = arr(m.solve(path, { mode: 'ode' }).ys!);
    const b = arr(m.solve(path).ys!);
    a.forEach((v, i) => {
      expect(Math.abs(v - b[i]!)).toBeLessThan(1e-13);
    });
    expect(() => m.solve(path, { adjoint: new BacksolveAdjoint() })).toThrow(/needs mode 'ode'/);
  });

  it('gradients w.r.t. data values and parameters pass a float64 gradcheck', () => {
    const m = tinyModel();
    const names = m.namedParameters().map(([n]) => n);
    const params = m.parameters().map((p) => p.detach().clone());
    gradcheck(
      (x, ...ps) => {
        const path = hermiteCubicBackwardDifferences(x, { times: TIMES, timeChannel: true });
        return functionalCall(m, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), path);
      },
      [DATA(), ...params],
      { name: 'NeuralCDE', atol: 1e-6, rtol: 1e-5 },
    );
  });

  it('BacksolveAdjoint gradients (parameters and data) match DirectAdjoint', () => {
    const grads = (adjoint: DirectAdjoint | BacksolveAdjoint) => {
      const m = new NeuralCDE(2, 3, 1, {
        width: 8,
        dtype: 'float64',
        key: randomKey(3),
        solver: new Tsit5(),
        stepsizeController: new PIDController({ rtol: 1e-10, atol: 1e-10 }),
        adjoint,
      });
      const x = DATA().requiresGrad_(true);
      const path = hermiteCubicBackwardDifferences(x, { times: TIMES, timeChannel: true });
      m.forward(path).square().sum().backward();
      return [...m.parameters().map((p) => arr(p.grad!)), arr(x.grad!)].flat();
    };
    const direct = grads(new DirectAdjoint());
    const backsolve = grads(new BacksolveAdjoint());
    const scale = Math.max(...direct.map(Math.abs));
    direct.forEach((g, i) => {
      expect(Math.abs(g - backsolve[i]!) / scale, `gradient entry ${i}`).toBeLessThan(1e-6);
    });
    // Data entries at missing (NaN) positions get zero gradient.
    expect(direct[direct.length - 7]).toBe(0);
  });
});
