import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import type { Node } from '../../src/autograd/node.js';
import {
  type AbstractAdjoint,
  BacksolveAdjoint,
  BrownianInterval,
  ControlTerm,
  DirectAdjoint,
  diffeqsolve,
  Event,
  Heun,
  hermiteCubicBackwardDifferences,
  InterpolatedAdjoint,
  type InterpolatedPath,
  linearInterpolation,
  MultiTerm,
  NeuralCDE,
  ODETerm,
  PIDController,
  RecursiveCheckpointAdjoint,
  ReversibleAdjoint,
  ReversibleHeun,
  SaveAt,
  VirtualBrownianTree,
} from '../../src/diffeq/index.js';
import { ArgumentError, AutogradError, autogradGrad, ones, type Tensor, tensor } from '../../src/index.js';
import { Linear, Sequential, Tanh } from '../../src/nn/index.js';
import { randn, randomKey } from '../../src/random/index.js';

const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });
const vals = (t: Tensor | null) => Float64Array.from(t!.dataSync());
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Number of autograd nodes reachable from `t`. */
function graphSize(t: Tensor): number {
  const seen = new Set<Node>();
  const stack: Node[] = t._node ? [t._node] : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const e of n.edges) if (e && 'node' in e) stack.push(e.node);
  }
  return seen.size;
}

/** A small neural SDE: drift tanh(yW + b), diagonal diffusion s·sin(y) + 0.1, batch 3 × 2. */
function neuralSDE(bm: VirtualBrownianTree | BrownianInterval) {
  const W = randn([2, 2], { dtype: 'float64', key: randomKey(1) })
    .mul(0.5)
    .requiresGrad_(true);
  const b = randn([2], { dtype: 'float64', key: randomKey(2) })
    .mul(0.1)
    .requiresGrad_(true);
  const s = randn([2], { dtype: 'float64', key: randomKey(3) })
    .mul(0.3)
    .requiresGrad_(true);
  const term = new MultiTerm<Tensor>(
    new ODETerm((_t, y: Tensor) => y.matmul(W).tanh().add(b), { params: [W, b] }),
    new ControlTerm((_t, y: Tensor) => y.sin().mul(s).add(0.1), bm, { noise: 'diagonal', params: [s] }),
  );
  return { term, params: [W, b, s] };
}

/** Gradients of Σ ys² (saved at ts and t1) w.r.t. y0 and the parameters. */
function grads(
  adjoint: AbstractAdjoint,
  make: () => { term: MultiTerm<Tensor> | ODETerm<Tensor>; params: Tensor[] },
  y0v: Tensor,
  opts: { dt0?: number; adaptive?: boolean; t1?: number } = {},
) {
  const { term, params } = make();
  const y0 = y0v.detach().requiresGrad_(true);
  const sol = diffeqsolve(term, new ReversibleHeun(), 0, opts.t1 ?? 1, opts.dt0 ?? 0.02, y0, {
    adjoint,
    saveat: new SaveAt({ ts: [0.3, 0.55, 0.8], t1: true }),
    ...(opts.adaptive ? { stepsizeController: new PIDController({ rtol: 1e-3, atol: 1e-4 }) } : {}),
  });
  const loss = sol.ys!.mul(sol.ys!).sum();
  return { g: autogradGrad(loss, [y0, ...params]).map((g) => vals(g)), sol };
}

describe('ReversibleHeun', () => {
  it('is second order on ODEs', () => {
    // y' = y − t² + 1, y(0) = 0.5: y = (t + 1)² − 0.5·eᵗ.
    const term = new ODETerm((t, y: Tensor) => y.sub((t as number) ** 2).add(1));
    const exact = 9 - 0.5 * Math.exp(2);
    const hs = [2 ** -3, 2 ** -4, 2 ** -5, 2 ** -6, 2 ** -7];
    const errs = hs.map((h) =>
      Math.abs(vals(diffeqsolve(term, new ReversibleHeun(), 0, 2, h, f64([0.5])).ys)[0]! - exact),
    );
    const xs = hs.map(Math.log);
    const ys = errs.map(Math.log);
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    let num = 0;
    let den = 0;
    xs.forEach((x, i) => {
      num += (x - mx) * (ys[i]! - my);
      den += (x - mx) ** 2;
    });
    expect(Math.abs(num / den - 2)).toBeLessThan(0.1);
  });

  it('reconstructs the forward trajectory backwards to 1e-10 (float64, general noise)', () => {
    const bm = new VirtualBrownianTree({
      t0: 0,
      t1: 1,
      shape: [3, 2],
      key: randomKey(4),
      dtype: 'float64',
      tol: 2 ** -12,
    });
    const A = randn([2, 2], { dtype: 'float64', key: randomKey(5) }).mul(0.3);
    const term = new MultiTerm<Tensor>(
      new ODETerm((_t, y: Tensor) => y.sin().mul(-1).add(y.mul(0.2))),
      // general noise: g(t, y) is [3, 2, 2] (batch, state, channel)
      new ControlTerm((_t, y: Tensor) => y.cos().reshape([3, 2, 1]).mul(A), bm),
    );
    const y0 = randn([3, 2], { dtype: 'float64', key: randomKey(6) }).requiresGrad_(true);
    const adjoint = new ReversibleAdjoint({ recordReconstruction: true });
    const N = 100;
    const sol = diffeqsolve(term, new ReversibleHeun(), 0, 1, 1 / N, y0, {
      adjoint,
      saveat: new SaveAt({ t0: true, steps: true }),
    });
    autogradGrad(sol.ys!.sum(), [y0]);
    const stats = adjoint.lastStats!;
    expect(stats.steps).toBe(N);
    expect(stats.vfEvals).toBe(N + 1); // one vector-field evaluation per reversed step
    expect(stats.reconstructionError).toBeLessThan(1e-10);
    const forward = vals(sol.ys);
    const rec = adjoint.reconstructed!;
    expect(rec.length).toBe(N + 1);
    let worst = 0;
    rec.forEach((ys, n) => {
      worst = Math.max(worst, maxAbsDiff(vals(ys[0]!), forward.subarray(6 * n, 6 * n + 6)));
    });
    expect(worst).toBeLessThan(1e-10);
  });
});

describe('ReversibleAdjoint', () => {
  const y0 = randn([3, 2], { dtype: 'float64', key: randomKey(7) });

  it('gives DirectAdjoint gradients to 1e-8 on a neural SDE (fixed steps)', () => {
    const bm = new VirtualBrownianTree({
      t0: 0,
      t1: 1,
      shape: [3, 2],
      key: randomKey(8),
      dtype: 'float64',
      tol: 2 ** -10,
    });
    const make = () => neuralSDE(bm);
    const d = grads(new DirectAdjoint(), make, y0);
    const r = grads(new ReversibleAdjoint(), make, y0);
    expect(maxAbsDiff(vals(d.sol.ys), vals(r.sol.ys))).toBe(0);
    d.g.forEach((g, i) => {
      expect(maxAbsDiff(g, r.g[i]!)).toBeLessThan(1e-8);
      expect(maxAbs(g)).toBeGreaterThan(1e-3);
    });
  });

  it('gives DirectAdjoint gradients to 1e-8 with adaptive steps (rejections) on a Brownian interval', () => {
    const bm = new BrownianInterval({ t0: 0, t1: 1, shape: [3, 2], key: randomKey(9), dtype: 'float64' });
    const make = () => neuralSDE(bm);
    const d = grads(new DirectAdjoint(), make, y0, { adaptive: true, dt0: 0.05 });
    const r = grads(new ReversibleAdjoint(), make, y0, { adaptive: true, dt0: 0.05 });
    expect(d.sol.stats.rejected).toBeGreaterThan(0);
    for (const [i, g] of d.g.entries()) expect(maxAbsDiff(g, r.g[i]!)).toBeLessThan(1e-8);
  });

  it('gives DirectAdjoint gradients to 1e-8 on a neural ODE', () => {
    const make = () => {
      const net = new Sequential(
        new Linear(2, 8, { dtype: 'float64', key: randomKey(10) }),
        new Tanh(),
        new Linear(8, 2, { dtype: 'float64', key: randomKey(11) }),
      );
      return {
        term: new ODETerm((_t, y: Tensor) => net.forward(y), { params: net }),
        params: net.parameters(),
      };
    };
    const d = grads(new DirectAdjoint(), make, y0, { dt0: 0.05, t1: 2 });
    const r = grads(new ReversibleAdjoint(), make, y0, { dt0: 0.05, t1: 2 });
    for (const [i, g] of d.g.entries()) expect(maxAbsDiff(g, r.g[i]!)).toBeLessThan(1e-8);
  });

  it('keeps no per-step graph (O(1) memory in the number of steps)', () => {
    const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [3, 2], key: randomKey(8), dtype: 'float64' });
    const size = (adjoint: AbstractAdjoint, dt0: number) => {
      const { term } = neuralSDE(bm);
      const ys = diffeqsolve(term, new ReversibleHeun(), 0, 1, dt0, y0.detach().requiresGrad_(true), {
        adjoint,
      }).ys!;
      return graphSize(ys);
    };
    expect(size(new ReversibleAdjoint(), 0.1)).toBe(1);
    expect(size(new ReversibleAdjoint(), 0.01)).toBe(1);
    expect(size(new DirectAdjoint(), 0.01)).toBeGreaterThan(5 * size(new DirectAdjoint(), 0.1) - 50);
  });

  it('passes float64 gradcheck', () => {
    const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [2], key: randomKey(12), dtype: 'float64' });
    const f = (y: Tensor, s: Tensor) => {
      const term = new MultiTerm<Tensor>(
        new ODETerm((_t, z: Tensor) => z.tanh().mul(-1)),
        new ControlTerm((_t, z: Tensor) => z.cos().mul(s), bm, { noise: 'diagonal', params: [s] }),
      );
      return diffeqsolve(term, new ReversibleHeun(), 0, 1, 0.1, y, {
        adjoint: new ReversibleAdjoint(),
        saveat: new SaveAt({ ts: [0.45, 1] }),
      }).ys!;
    };
    expect(gradcheck((a, b) => f(a!, b!), [f64([0.2, -0.4]), f64([0.5, 0.3])])).toBe(true);
  });

  it('reports unsupported combinations', () => {
    const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [3, 2], key: randomKey(8), dtype: 'float64' });
    const { term } = neuralSDE(bm);
    const y = y0.detach().requiresGrad_(true);
    expect(() => diffeqsolve(term, new Heun(), 0, 1, 0.1, y, { adjoint: new ReversibleAdjoint() })).toThrow(
      /ReversibleAdjoint: needs the ReversibleHeun solver \(got Heun\)/,
    );
    expect(() =>
      diffeqsolve(term, new ReversibleHeun(), 0, 1, 0.1, y, {
        adjoint: new ReversibleAdjoint(),
        event: new Event((_t, z: Tensor) => z.sum()),
      }),
    ).toThrow(/ReversibleAdjoint: events are not supported/);
    expect(() =>
      diffeqsolve(
        new ODETerm((_t, z: Tensor) => z.neg()),
        new ReversibleHeun(),
        0,
        1,
        0.1,
        ones([3, 1], { dtype: 'float64' }),
        {
          batch: 'independent',
        },
      ),
    ).toThrow(/ReversibleHeun: batch: 'independent' is not supported/);
    const sol = () =>
      diffeqsolve(term, new ReversibleHeun(), 0, 1, 0.1, y, {
        adjoint: new RecursiveCheckpointAdjoint({ checkpoints: 2 }),
      });
    expect(() => autogradGrad(sol().ys!.sum(), [y])).toThrow(
      /ReversibleHeun: the step from t = .* does not continue the previous step/,
    );
  });
});

describe('ReversibleAdjoint on a neural CDE (differentiable control path)', () => {
  const TIMES = [0, 0.4, 1, 1.5];
  /** [batch 2, length 4, channels 2], one missing value. */
  const DATA = () =>
    tensor(
      [
        [
          [0.3, 0.1],
          [0.5, Number.NaN],
          [-0.2, 0.4],
          [0.5, 0.3],
        ],
        [
          [-0.1, 0.2],
          [0.6, 0],
          [0.2, 0.7],
          [0.9, -0.3],
        ],
      ],
      { dtype: 'float64' },
    );
  const interpolations = {
    linear: (x: Tensor) => linearInterpolation(x, { times: TIMES, timeChannel: true }),
    hermite: (x: Tensor) => hermiteCubicBackwardDifferences(x, { times: TIMES, timeChannel: true }),
  };

  /**
   * z0 = ζ(X(t0)), dz = f(z)·dX with f an MLP → [hidden 3, channels 3] (the path's coefficients
   * are not declared: ReversibleAdjoint finds them through the ControlTerm); loss Σ z² at
   * save times between steps and at t1.
   */
  function cdeGrads(adjoint: AbstractAdjoint, make: (x: Tensor) => InterpolatedPath, dt0 = 0.1) {
    const net = new Sequential(
      new Linear(3, 8, { dtype: 'float64', key: randomKey(21) }),
      new Tanh(),
      new Linear(8, 9, { dtype: 'float64', key: randomKey(22) }),
      new Tanh(),
    );
    const init = new Linear(3, 3, { dtype: 'float64', key: randomKey(23) });
    const params = [...net.parameters(), ...init.parameters()];
    const x = DATA().requiresGrad_(true);
    const path = make(x);
    const term = new ControlTerm((_t, z: Tensor) => net.forward(z).reshape([2, 3, 3]), path, { params: net });
    const z0 = init.forward(path.evaluate(path.t0));
    const sol = diffeqsolve(term, new ReversibleHeun(), path.t0, path.t1, dt0, z0, {
      adjoint,
      saveat: new SaveAt({ ts: [0.55, 1.23], t1: true }),
    });
    const loss = sol.ys!.square().sum();
    const [gx, ...gp] = autogradGrad(loss, [x, ...params]);
    return { data: vals(gx!), params: gp.map((g) => vals(g)), ys: sol.ys! };
  }

  for (const [kind, make] of Object.entries(interpolations)) {
    it(`gradients w.r.t. the data and the parameters equal DirectAdjoint to 1e-8 (${kind} path)`, () => {
      const d = cdeGrads(new DirectAdjoint(), make);
      const r = cdeGrads(new ReversibleAdjoint(), make);
      expect(maxAbsDiff(vals(d.ys), vals(r.ys))).toBe(0);
      expect(maxAbs(d.data)).toBeGreaterThan(1e-2);
      expect(maxAbsDiff(d.data, r.data)).toBeLessThan(1e-8);
      for (const [i, g] of d.params.entries()) expect(maxAbsDiff(g, r.params[i]!)).toBeLessThan(1e-8);
      // The missing observation (sample 0, time 1, data channel 1) gets no gradient.
      expect(r.data[3]).toBe(0);
    });
  }

  it('NeuralCDE in control mode (coefficients declared as parameters) with reversible Heun', () => {
    const grads = (adjoint: AbstractAdjoint) => {
      const m = new NeuralCDE(3, 3, 1, {
        width: 6,
        dtype: 'float64',
        key: randomKey(24),
        mode: 'control',
        solver: new ReversibleHeun(),
        dt0: 0.05,
        adjoint,
      });
      const x = DATA().requiresGrad_(true);
      m.forward(interpolations.hermite(x)).square().sum().backward();
      return [vals(x.grad), ...m.parameters().map((q) => vals(q.grad))];
    };
    const d = grads(new DirectAdjoint());
    const r = grads(new ReversibleAdjoint());
    for (const [i, g] of d.entries()) expect(maxAbsDiff(g, r[i]!)).toBeLessThan(1e-8);
  });

  it('keeps O(1) memory in the number of steps with a differentiable path', () => {
    const size = (dt0: number) => graphSize(cdeGrads(new ReversibleAdjoint(), interpolations.linear, dt0).ys);
    expect(size(0.01)).toBe(size(0.1));
  });

  it('passes a float64 gradcheck w.r.t. the data (linear and Hermite paths)', () => {
    const W = randn([2, 4], { dtype: 'float64', key: randomKey(25) }).mul(0.7);
    for (const make of Object.values(interpolations)) {
      const f = (x: Tensor) => {
        const path = make(x); // [1, 2] data channel + time → [1, 2] channels
        const term = new ControlTerm((_t, z: Tensor) => z.matmul(W).tanh().reshape([1, 2, 2]), path);
        return diffeqsolve(
          term,
          new ReversibleHeun(),
          path.t0,
          path.t1,
          0.25,
          path.evaluate(path.t0).mul(0.5),
          {
            adjoint: new ReversibleAdjoint(),
            saveat: new SaveAt({ ts: [0.6, 1.5] }),
          },
        ).ys!;
      };
      expect(gradcheck((x) => f(x!), [tensor([[[0.3], [-0.4], [0.2], [0.5]]], { dtype: 'float64' })])).toBe(
        true,
      );
    }
  });

  it('rejects control paths that depend on tensors requiring grad without exposing them', () => {
    const w = f64([0.5, -0.3]).requiresGrad_(true);
    const path = {
      t0: 0,
      t1: 1,
      shape: [2],
      dtype: 'float64' as const,
      evaluate: (ta: number, tb?: number) => w.mul(tb === undefined ? ta : tb - ta),
    };
    const term = new ControlTerm((_t, z: Tensor) => z.cos(), path, { noise: 'diagonal' });
    const y0 = f64([0.1, 0.2]).requiresGrad_(true);
    const solve = (adjoint: AbstractAdjoint) =>
      diffeqsolve(term, new ReversibleHeun(), 0, 1, 0.25, y0, { adjoint }).ys!;
    expect(() => solve(new ReversibleAdjoint())).toThrow(AutogradError);
    expect(() => solve(new ReversibleAdjoint())).toThrow(
      /^ReversibleAdjoint: a ControlTerm's control path depends on 1 tensor\(s\) requiring grad \(shapes \[2\]\) that it does not expose/,
    );
    expect(() => autogradGrad(solve(new DirectAdjoint()).sum(), [w])).not.toThrow();
  });
});

describe('continuous adjoints on non-ODE terms', () => {
  it('BacksolveAdjoint rejects SDE terms with a clear message (Brownian control)', () => {
    const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [3, 2], key: randomKey(8), dtype: 'float64' });
    const { term } = neuralSDE(bm);
    const y = randn([3, 2], { dtype: 'float64', key: randomKey(7) }).requiresGrad_(true);
    for (const adjoint of [new BacksolveAdjoint(), new InterpolatedAdjoint()]) {
      const solve = () => diffeqsolve(term, new ReversibleHeun(), 0, 1, 0.1, y, { adjoint });
      expect(solve).toThrow(ArgumentError);
      expect(solve).toThrow(
        new RegExp(
          `^${adjoint.name}: SDE/control terms with a Brownian control are not supported \\(got MultiTerm\\(ODETerm, ControlTerm\\(VirtualBrownianTree\\)\\)\\); ` +
            'there is no continuous SDE adjoint. Use ReversibleAdjoint with ReversibleHeun \\(exact, O\\(1\\) memory\\), ' +
            'or DirectAdjoint/RecursiveCheckpointAdjoint$',
        ),
      );
    }
    // Also without gradients: the check is made before the solve.
    expect(() =>
      diffeqsolve(term, new Heun(), 0, 1, 0.1, y.detach(), { adjoint: new BacksolveAdjoint() }),
    ).toThrow(/BacksolveAdjoint: SDE\/control terms with a Brownian control are not supported/);
  });

  it("rejects a CDE ControlTerm on an interpolated path, pointing to the ODE form (NeuralCDE mode 'ode')", () => {
    const x = tensor([[[0.3], [-0.4], [0.2]]], { dtype: 'float64' }).requiresGrad_(true);
    const path = linearInterpolation(x, { times: [0, 0.5, 1], timeChannel: true });
    const term = new ControlTerm(
      (_t, z: Tensor) => z.reshape([1, 2, 1]).mul(ones([1, 2, 2], { dtype: 'float64' })),
      path,
    );
    const z0 = ones([1, 2], { dtype: 'float64' });
    expect(() => diffeqsolve(term, new Heun(), 0, 1, 0.25, z0, { adjoint: new BacksolveAdjoint() })).toThrow(
      /^BacksolveAdjoint: ControlTerms are not supported \(got ControlTerm\(InterpolatedPath\)\); .*NeuralCDE mode 'ode'/,
    );
  });
});
