import { describe, expect, it } from 'vitest';
import {
  type AbstractAdjoint,
  type AbstractSolver,
  BacksolveAdjoint,
  ConstantStepSize,
  DirectAdjoint,
  Dopri5,
  diffeqsolve,
  Heun,
  InterpolatedAdjoint,
  Kvaerno3,
  NeuralODE,
  ODETerm,
  PIDController,
  RecursiveCheckpointAdjoint,
  SaveAt,
  type StepSizeController,
  Tsit5,
} from '../../src/diffeq/index.js';
import {
  AutogradError,
  grad,
  matmul,
  noGrad,
  randn,
  sum,
  type Tensor,
  tanh,
  tensor,
} from '../../src/index.js';
import { Linear, Sequential, Tanh } from '../../src/nn/index.js';
import { randomKey } from '../../src/random/index.js';

const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });

/** A small nonlinear field with parameters W (2×2) and b (2). */
function field(W: Tensor, b: Tensor) {
  return (_t: number | Tensor, y: Tensor) => tanh(matmul(y, W).add(b)).sub(y.mul(0.1));
}

interface Setup {
  solver: () => AbstractSolver;
  ctrl: () => StepSizeController;
  dt0: number | null;
  adjoint: () => AbstractAdjoint;
  ts?: number[];
  batch?: 'joint' | 'independent';
}

/** Loss = Σ ys² · weights (weights make every output matter differently). */
function lossFn(s: Setup, W: Tensor, b: Tensor, y0: Tensor): Tensor {
  const term = new ODETerm(field(W, b), { params: [W, b] });
  const sol = diffeqsolve(term, s.solver(), 0, 1.5, s.dt0, y0, {
    stepsizeController: s.ctrl(),
    adjoint: s.adjoint(),
    saveat: new SaveAt(s.ts ? { ts: s.ts, t1: true } : { t1: true }),
    ...(s.batch ? { batch: s.batch } : {}),
  });
  const ys = sol.ys as Tensor;
  const w = noGrad(() =>
    tensor(
      Array.from({ length: ys.size }, (_, i) => Math.sin(i + 1)),
      { dtype: 'float64' },
    ).reshape(ys.shape),
  );
  return sum(ys.mul(ys).mul(w));
}

function grads(s: Setup, W: Tensor, b: Tensor, y0: Tensor): Float64Array[] {
  const g = grad((Wt: Tensor, bt: Tensor, yt: Tensor) => lossFn(s, Wt, bt, yt), { argnums: [0, 1, 2] })(
    W,
    b,
    y0,
  ) as Tensor[];
  return g.map((t) => Float64Array.from(t.dataSync()));
}

function relDiff(a: Float64Array[], b: Float64Array[]): number {
  let num = 0;
  let den = 0;
  a.forEach((x, i) => {
    x.forEach((v, j) => {
      num = Math.max(num, Math.abs(v - b[i]![j]!));
      den = Math.max(den, Math.abs(b[i]![j]!));
    });
  });
  return num / den;
}

const W0 = () =>
  f64([
    [-0.5, 1.0],
    [-1.0, -0.3],
  ]);
const b0 = () => f64([0.1, -0.2]);
const Y0 = () => f64([[1, 0.5]]);

describe('discretise-then-optimise gradients', () => {
  for (const [name, solver] of [
    ['Tsit5', () => new Tsit5()],
    ['Heun', () => new Heun()],
    ['Kvaerno3 (implicit)', () => new Kvaerno3({ rtol: 1e-13, atol: 1e-13 })],
  ] as [string, () => AbstractSolver][]) {
    it(`${name}: DirectAdjoint equals finite differences of the solve (fixed steps, 1e-7 relative)`, () => {
      const s: Setup = {
        solver,
        ctrl: () => new ConstantStepSize(),
        dt0: 0.1,
        adjoint: () => new DirectAdjoint(),
        ts: [0.5, 1],
      };
      const W = W0();
      const b = b0();
      const y0 = Y0();
      const g = grads(s, W, b, y0);
      const eps = 1e-6;
      const inputs = [W, b, y0];
      const fd = inputs.map((x) => {
        const out = new Float64Array(x.size);
        const d = x._storage.data;
        for (let i = 0; i < x.size; i++) {
          const o = d[i]!;
          d[i] = o + eps;
          const lp = noGrad(() => lossFn(s, W, b, y0).item());
          d[i] = o - eps;
          const lm = noGrad(() => lossFn(s, W, b, y0).item());
          d[i] = o;
          out[i] = (lp - lm) / (2 * eps);
        }
        return out;
      });
      expect(relDiff(g, fd)).toBeLessThan(1e-7);
    });
  }

  it('RecursiveCheckpointAdjoint equals DirectAdjoint with bounded memory', () => {
    const base: Setup = {
      solver: () => new Tsit5(),
      ctrl: () => new PIDController({ rtol: 1e-7, atol: 1e-9 }),
      dt0: null,
      adjoint: () => new DirectAdjoint(),
      ts: [0.1, 0.7, 1.2],
    };
    const W = W0();
    const b = b0();
    const y0 = Y0();
    const direct = grads(base, W, b, y0);
    for (const budget of [1, 2, 3, 8, 64]) {
      const adj = new RecursiveCheckpointAdjoint({ checkpoints: budget });
      const g = grads({ ...base, adjoint: () => adj }, W, b, y0);
      expect(relDiff(g, direct), `budget ${budget}`).toBeLessThan(1e-12);
      const st = adj.lastStats!;
      expect(st.maxStored).toBeLessThanOrEqual(budget);
      expect(st.vjpSteps).toBe(st.steps);
      if (budget >= st.steps) expect(st.recomputedSteps).toBe(0);
      else expect(st.recomputedSteps).toBeGreaterThan(0);
    }
    // Fixed steps, many of them, and a small budget: recomputation stays O(n log n).
    const fixed: Setup = { ...base, ctrl: () => new ConstantStepSize(), dt0: 0.01 };
    const adj = new RecursiveCheckpointAdjoint({ checkpoints: 4 });
    const g = grads({ ...fixed, adjoint: () => adj }, W, b, y0);
    expect(relDiff(g, grads(fixed, W, b, y0))).toBeLessThan(1e-12);
    const st = adj.lastStats!;
    expect(st.steps).toBe(150);
    expect(st.maxStored).toBeLessThanOrEqual(4);
    expect(st.recomputedSteps).toBeLessThan(150 * Math.ceil(Math.log2(150)));
  });

  it('checkpointing also works for independently stepped batches', () => {
    const base: Setup = {
      solver: () => new Dopri5(),
      ctrl: () => new PIDController({ rtol: 1e-6, atol: 1e-8 }),
      dt0: null,
      adjoint: () => new DirectAdjoint(),
      ts: [0.5, 1],
      batch: 'independent',
    };
    const y0 = f64([
      [1, 0.5],
      [-2, 0.3],
      [0.1, 0.1],
    ]);
    const direct = grads(base, W0(), b0(), y0);
    const ck = grads(
      { ...base, adjoint: () => new RecursiveCheckpointAdjoint({ checkpoints: 3 }) },
      W0(),
      b0(),
      y0,
    );
    expect(relDiff(ck, direct)).toBeLessThan(1e-12);
  });
});

describe('continuous adjoints', () => {
  const rtol = 1e-8;
  const base: Setup = {
    solver: () => new Tsit5(),
    ctrl: () => new PIDController({ rtol, atol: 1e-10 }),
    dt0: null,
    adjoint: () => new DirectAdjoint(),
    ts: [0.25, 0.9],
  };

  it('BacksolveAdjoint and InterpolatedAdjoint agree with DTO to the solver tolerance', () => {
    const W = W0();
    const b = b0();
    const y0 = Y0();
    const dto = grads(base, W, b, y0);
    for (const adj of [
      new BacksolveAdjoint(),
      new BacksolveAdjoint({ seminorm: true }),
      new BacksolveAdjoint({ restart: false }),
      new InterpolatedAdjoint(),
      new InterpolatedAdjoint({ seminorm: true }),
    ]) {
      const g = grads({ ...base, adjoint: () => adj }, W, b, y0);
      expect(relDiff(g, dto), `${adj.name}`).toBeLessThan(1e-5);
      expect(adj.lastBackward!.segments).toBe(3);
    }
  });

  it('tensors requiring grad in args receive gradients; undeclared closures are an error', () => {
    const W = W0();
    const b = b0().requiresGrad_(true);
    const term = new ODETerm((_t: number, y: Tensor, args: { b: Tensor }) => tanh(matmul(y, W).add(args.b)), {
      params: [W],
    });
    const run = (adjoint: AbstractAdjoint) =>
      grad((bt: Tensor) => {
        const sol = diffeqsolve(term, new Tsit5(), 0, 1, 0.1, Y0(), { args: { b: bt }, adjoint });
        return sum(sol.ys as Tensor);
      })(b) as Tensor;
    const gb = run(new BacksolveAdjoint());
    const gd = run(new DirectAdjoint());
    expect(relDiff([Float64Array.from(gb.dataSync())], [Float64Array.from(gd.dataSync())])).toBeLessThan(
      1e-6,
    );
    // W requires grad but is not declared: the continuous adjoint cannot return its gradient.
    const Wg = W0().requiresGrad_(true);
    const closed = new ODETerm((_t: number, y: Tensor) => tanh(matmul(y, Wg)));
    expect(() =>
      diffeqsolve(closed, new Tsit5(), 0, 1, 0.1, Y0(), { adjoint: new BacksolveAdjoint() }),
    ).toThrow(AutogradError);
    expect(() =>
      diffeqsolve(closed, new Tsit5(), 0, 1, 0.1, Y0(), { adjoint: new RecursiveCheckpointAdjoint() }),
    ).toThrow(/not declared/);
  });

  it('the seminorm reduces backward function evaluations on a neural ODE', () => {
    const net = new Sequential(
      new Linear(2, 32, { dtype: 'float64', key: randomKey(1) }),
      new Tanh(),
      new Linear(32, 2, { dtype: 'float64', key: randomKey(2) }),
    );
    const y0 = randn([16, 2], { dtype: 'float64', key: randomKey(3) });
    const run = (seminorm: boolean) => {
      const adjoint = new BacksolveAdjoint({ seminorm });
      const node = new NeuralODE(net, { t1: 2, rtol: 1e-6, atol: 1e-8, adjoint });
      net.zeroGrad();
      node.forward(y0).square().sum().backward();
      return {
        fevals: adjoint.lastBackward!.fevals,
        g: net.parameters().map((p) => Float64Array.from(p.grad!.dataSync())),
      };
    };
    const full = run(false);
    const semi = run(true);
    const saving = 1 - semi.fevals / full.fevals;
    console.log(
      `seminorm: backward evaluations ${full.fevals} → ${semi.fevals} (${(100 * saving).toFixed(0)}% fewer), ` +
        `gradient difference ${relDiff(semi.g, full.g).toExponential(1)}`,
    );
    expect(semi.fevals).toBeLessThan(full.fevals);
    expect(saving).toBeGreaterThan(0.2);
    expect(relDiff(semi.g, full.g)).toBeLessThan(1e-4);
  });
});
