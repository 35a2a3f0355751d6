import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import {
  type AbstractPath,
  BrownianInterval,
  ControlTerm,
  DirectAdjoint,
  diffeqsolve,
  EulerHeun,
  EulerMaruyama,
  Heun,
  ItoMilstein,
  MultiTerm,
  ODETerm,
  PIDController,
  RecursiveCheckpointAdjoint,
  SaveAt,
  SRA1,
  StepTo,
  VirtualBrownianTree,
} from '../../src/diffeq/index.js';
import { ArgumentError, autogradGrad, full, ones, ShapeError, type Tensor, tensor } from '../../src/index.js';
import { randn, randomKey } from '../../src/random/index.js';

const f64 = (v: number[] | number[][] | number[][][]) => tensor(v, { dtype: 'float64' });
const vals = (t: Tensor | null) => Float64Array.from(t!.dataSync());
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A smooth data path X(t) = [t, t²] per batch row (row b scaled by b + 1): a CDE control. */
function dataPath(batch: number): AbstractPath {
  const at = (t: number) => {
    const rows: number[][] = [];
    for (let b = 0; b < batch; b++) rows.push([(b + 1) * t, (b + 1) * t * t]);
    return f64(rows);
  };
  return {
    t0: 0,
    t1: 1,
    shape: [batch, 2],
    dtype: 'float64',
    evaluate: (ta, tb) => (tb === undefined ? at(ta) : at(tb).sub(at(ta))),
  };
}

describe('ControlTerm', () => {
  it("contracts the channel axes for 'general' noise, batched over the control's batch axes", () => {
    const path = dataPath(2);
    const term = new ControlTerm((_t, y: Tensor) => y, path);
    expect(term.batchShape).toEqual([2]);
    expect(term.channelShape).toEqual([2]);
    const vf = randn([2, 3, 2], { dtype: 'float64', key: randomKey(1) });
    const dX = f64([
      [0.5, -1],
      [2, 0.25],
    ]);
    const out = vals(term.prod(vf, dX));
    const v = vals(vf);
    const d = vals(dX);
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 3; i++)
        expect(out[b * 3 + i]!).toBeCloseTo(
          v[b * 6 + i * 2]! * d[b * 2]! + v[b * 6 + i * 2 + 1]! * d[b * 2 + 1]!,
          14,
        );
    // Without batch axes: vf [3, 4] · dX [4].
    const plain = new ControlTerm((_t, y: Tensor) => y, { ...path, shape: [4] });
    const m = randn([3, 4], { dtype: 'float64', key: randomKey(2) });
    const x = randn([4], { dtype: 'float64', key: randomKey(3) });
    expect(maxAbsDiff(vals(plain.prod(m, x)), vals(m.matmul(x)))).toBeLessThan(1e-14);
  });

  it("multiplies elementwise for 'diagonal' noise and scales for 'scalar' noise", () => {
    const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [2, 3], key: randomKey(0), dtype: 'float64' });
    const diag = new ControlTerm((_t, y: Tensor) => y, bm, { noise: 'diagonal' });
    const g = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const dW = bm.evaluate(0, 0.5);
    expect(maxAbsDiff(vals(diag.prod(g, dW)), vals(g.mul(dW)))).toBeLessThan(1e-15);
    const sbm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [2, 1], key: randomKey(0), dtype: 'float64' });
    const scalar = new ControlTerm((_t, y: Tensor) => y, sbm, { noise: 'scalar' });
    expect(scalar.channelDims).toBe(1);
    const s = vals(sbm.evaluate(0, 0.5));
    const out = vals(scalar.prod(g, sbm.evaluate(0, 0.5)));
    expect(out[1]).toBeCloseTo(2 * s[0]!, 14);
    expect(out[4]).toBeCloseTo(5 * s[1]!, 14);
  });

  it('integrates a CDE with an interpolated-style path (dy = y·(a·dX), exact y0·exp(a·ΔX))', () => {
    const a = f64([0.5, -0.2]);
    const path = dataPath(2);
    const term = new ControlTerm((_t, y: Tensor) => y.reshape([2, 3, 1]).mul(a), path);
    const y0 = f64([
      [1, 2, 3],
      [1, 1, 1],
    ]);
    const y1 = vals(diffeqsolve(term, new Heun(), 0, 1, 0.01, y0).ys);
    for (let b = 0; b < 2; b++) {
      const growth = Math.exp((b + 1) * (0.5 - 0.2));
      for (let i = 0; i < 3; i++)
        expect(Math.abs(y1[b * 3 + i]! / (vals(y0)[b * 3 + i]! * growth) - 1)).toBeLessThan(1e-5);
    }
    // Per-sample stepping (batch: 'independent') queries the path row by row: same answer.
    const ind = vals(diffeqsolve(term, new Heun(), 0, 1, 0.01, y0, { batch: 'independent' }).ys);
    expect(maxAbsDiff(ind, y1)).toBeLessThan(1e-12);
  });

  it('reports wrong shapes and options clearly', () => {
    const path = dataPath(2);
    const term = new ControlTerm((_t, y: Tensor) => y, path);
    expect(() =>
      term.prod(ones([2, 3, 5], { dtype: 'float64' }), ones([2, 2], { dtype: 'float64' })),
    ).toThrow(/ControlTerm: g\(t, y\) has shape \[2,3,5\]; with a control of shape \[2,2\]/);
    expect(() => new ControlTerm((_t, y: Tensor) => y, {} as AbstractPath)).toThrow(
      /control must be an AbstractPath/,
    );
    expect(() => new ControlTerm((_t, y: Tensor) => y, path, { noise: 'weird' as never })).toThrow(
      /noise must be/,
    );
    expect(() => new ControlTerm((_t, y: Tensor) => y, path, { channelDims: 3 })).toThrow(
      /channelDims must be an integer in \[0, 2\]/,
    );
    expect(() => new ControlTerm((_t, y: Tensor) => y, path, { noise: 'scalar', channelDims: 1 })).toThrow(
      ShapeError,
    );
    expect(() => new ControlTerm((_t, y: Tensor) => y, path, { noise: 'additive', additive: false })).toThrow(
      ArgumentError,
    );
    const diag = new ControlTerm((_t, y: Tensor) => y, path, { noise: 'diagonal' });
    expect(() => diag.prod(ones([3, 4]), ones([2, 2]))).toThrow(
      /ControlTerm: diagonal noise needs g\(t, y\) \[3,4\]/,
    );
  });
});

describe('MultiTerm', () => {
  it('sums its terms and collects their parameters once', () => {
    const w = f64([2]).requiresGrad_(true);
    const v = f64([3]).requiresGrad_(true);
    const path: AbstractPath = {
      t0: 0,
      t1: 1,
      shape: [1, 1],
      dtype: 'float64',
      evaluate: (ta, tb) => f64([[tb === undefined ? ta : tb - ta]]),
    };
    const a = new ODETerm((_t, y: Tensor) => y.mul(w), { params: [w] });
    const b = new ControlTerm((_t, y: Tensor) => y.reshape([1, 1, 1]).mul(v), path, { params: [w, v] });
    const m = new MultiTerm<Tensor>(a, b);
    expect(m.params()).toEqual([w, v]);
    const y = f64([[1]]);
    const c = m.contr(0, 0.5);
    expect(c.length).toBe(2);
    const direct = vals(m.vfProd(0, y, undefined, c));
    const viaVf = vals(m.prod(m.vf(0, y, undefined), c));
    expect(direct[0]).toBeCloseTo(2 * 0.5 + 3 * 0.5, 14);
    expect(viaVf).toEqual(direct);
    expect(() => new MultiTerm()).toThrow(/MultiTerm: needs at least one term/);
    expect(() => new MultiTerm(a, {} as never)).toThrow(/MultiTerm: argument 1 is not a term/);
  });
});

describe('SDE solvers: term structure and options', () => {
  const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [3], key: randomKey(4), dtype: 'float64' });
  const drift = new ODETerm((_t, y: Tensor) => y.mul(-1));
  const diag = new ControlTerm((_t, y: Tensor) => y.mul(0.3), bm, { noise: 'diagonal' });
  const general = new ControlTerm(
    (_t, y: Tensor) => y.reshape([3, 1]).mul(ones([1, 3], { dtype: 'float64' })),
    bm,
  );
  const y0 = ones([3], { dtype: 'float64' });

  it('reject terms they cannot integrate, with the reason', () => {
    expect(() => diffeqsolve(drift, new EulerMaruyama(), 0, 1, 0.1, y0)).toThrow(
      /EulerMaruyama: needs terms = new MultiTerm\(drift, diffusion\) with an ODETerm drift and a ControlTerm diffusion \(got ODETerm\)/,
    );
    expect(() => diffeqsolve(new MultiTerm(diag, drift), new EulerHeun(), 0, 1, 0.1, y0)).toThrow(
      /got MultiTerm\(ControlTerm\(noise: 'diagonal'\), ODETerm\)/,
    );
    expect(() => diffeqsolve(new MultiTerm(drift, general), new ItoMilstein(), 0, 1, 0.1, y0)).toThrow(
      /ItoMilstein: needs 'diagonal' or 'scalar' noise; the diffusion ControlTerm has noise: 'general'/,
    );
    expect(() => diffeqsolve(new MultiTerm(drift, diag), new SRA1(), 0, 1, 0.1, y0)).toThrow(
      /SRA1: needs additive noise/,
    );
    const additive = new ControlTerm((_t, _y: Tensor) => full([3], 0.3, { dtype: 'float64' }), bm, {
      noise: 'diagonal',
      additive: true,
    });
    expect(() => diffeqsolve(new MultiTerm(drift, additive), new SRA1(), 0, 1, 0.1, y0)).toThrow(
      /SRA1: needs the space-time Lévy area/,
    );
    expect(() =>
      diffeqsolve(new MultiTerm(drift, diag), new EulerMaruyama(), 0, 1, null, y0, {
        stepsizeController: new PIDController(),
      }),
    ).toThrow(/EulerMaruyama has no error estimate/);
    const bm31 = new VirtualBrownianTree({
      t0: 0,
      t1: 1,
      shape: [3, 1],
      key: randomKey(4),
      dtype: 'float64',
    });
    const diag31 = new ControlTerm((_t, y: Tensor) => y.mul(0.3), bm31, { noise: 'diagonal' });
    expect(() =>
      diffeqsolve(new MultiTerm(drift, diag31), new EulerMaruyama(), 0, 1, 0.1, y0.reshape([3, 1]), {
        batch: 'independent',
      }),
    ).toThrow(/EulerMaruyama: batch: 'independent' is not supported/);
    expect(() => new ItoMilstein({ diffusionDerivative: 3 as never })).toThrow(
      /diffusionDerivative must be a function/,
    );
  });

  it('Milstein: a supplied diffusion derivative gives the autograd result', () => {
    const g = new ControlTerm((_t, y: Tensor) => y.sin().mul(0.7), bm, { noise: 'diagonal' });
    const term = new MultiTerm<Tensor>(drift, g);
    const auto = vals(diffeqsolve(term, new ItoMilstein(), 0, 1, 0.05, y0).ys);
    const given = vals(
      diffeqsolve(
        term,
        new ItoMilstein({ diffusionDerivative: (_t, y) => (y as Tensor).cos().mul(0.7) }),
        0,
        1,
        0.05,
        y0,
      ).ys,
    );
    expect(maxAbsDiff(auto, given)).toBeLessThan(1e-13);
  });

  it('Milstein with scalar noise on a vector state is order 1 (GBM in two components)', () => {
    const sbm = new VirtualBrownianTree({
      t0: 0,
      t1: 1,
      shape: [1],
      key: randomKey(5),
      dtype: 'float64',
      tol: 2 ** -12,
    });
    const term = new MultiTerm<Tensor>(
      new ODETerm((_t, y: Tensor) => y.mul(0.5)),
      new ControlTerm((_t, y: Tensor) => y.mul(f64([1, 0.5])), sbm, { noise: 'scalar' }),
    );
    const w = vals(sbm.evaluate(1))[0]!;
    const start = f64([1, 2]);
    const exact = [Math.exp(0.5 - 0.5 + w), 2 * Math.exp(0.5 - 0.125 + 0.5 * w)];
    const err = (s: ItoMilstein | EulerMaruyama, h: number) =>
      maxAbsDiff(vals(diffeqsolve(term, s, 0, 1, h, start).ys), exact);
    const m1 = err(new ItoMilstein(), 2 ** -6);
    const m2 = err(new ItoMilstein(), 2 ** -8);
    expect(m1).toBeLessThan(err(new EulerMaruyama(), 2 ** -6));
    expect(m1 / m2).toBeGreaterThan(2); // one path: first-order decrease ≈ 4
  });

  it('interpolates saved times linearly between steps', () => {
    const term = new MultiTerm<Tensor>(drift, diag);
    const sol = diffeqsolve(term, new EulerMaruyama(), 0, 1, 0.25, y0, {
      saveat: new SaveAt({ ts: [0.25, 0.4, 0.5] }),
    });
    const ys = vals(sol.ys);
    for (let i = 0; i < 3; i++) expect(ys[3 + i]!).toBeCloseTo(0.4 * ys[i]! + 0.6 * ys[6 + i]!, 13);
  });
});

describe('adaptive SDE stepping', () => {
  it('Heun + PID with rejected steps uses the same Brownian path as a re-solve on the accepted steps', () => {
    const bm = new VirtualBrownianTree({
      t0: 0,
      t1: 1,
      shape: [4],
      key: randomKey(6),
      dtype: 'float64',
      tol: 2 ** -14,
    });
    const term = new MultiTerm<Tensor>(
      new ODETerm((_t, y: Tensor) => y.mul(1)),
      new ControlTerm((_t, y: Tensor) => y.mul(1), bm, { noise: 'diagonal' }),
    );
    const y0 = ones([4], { dtype: 'float64' });
    const sol = diffeqsolve(term, new Heun(), 0, 1, 0.1, y0, {
      stepsizeController: new PIDController({ rtol: 1e-3, atol: 1e-3, errorOrder: 1.5 }),
      saveat: new SaveAt({ steps: true }),
      maxSteps: 10000,
    });
    expect(sol.stats.rejected).toBeGreaterThan(0);
    const ts = [0, ...vals(sol.ts)];
    const fixed = diffeqsolve(term, new Heun(), 0, 1, null, y0, { stepsizeController: new StepTo(ts) });
    const yA = vals(sol.ys).slice(-4);
    expect(maxAbsDiff(yA, vals(fixed.ys))).toBeLessThan(1e-12);
    // Stratonovich GBM dy = y dt + y∘dW: y(1) = exp(1 + W_1); the adaptive solution is close.
    const exact = vals(bm.evaluate(1)).map((w) => Math.exp(1 + w));
    expect(maxAbsDiff(yA, exact)).toBeLessThan(0.05);
  });

  it('SRA1 + PID on a Brownian interval: rejected queries do not change the path', () => {
    const bm = new BrownianInterval({
      t0: 0,
      t1: 2,
      shape: [3],
      key: randomKey(7),
      dtype: 'float64',
      levyArea: 'space-time',
    });
    const term = new MultiTerm<Tensor>(
      new ODETerm((_t, y: Tensor) => y.sin().mul(-3)),
      new ControlTerm((t, _y: Tensor) => full([3], 0.5 + (t as number), { dtype: 'float64' }), bm, {
        noise: 'diagonal',
        additive: true,
      }),
    );
    const y0 = ones([3], { dtype: 'float64' });
    const sol = diffeqsolve(term, new SRA1(), 0, 2, 0.5, y0, {
      stepsizeController: new PIDController({ rtol: 1e-4, atol: 1e-4 }),
      saveat: new SaveAt({ steps: true }),
      maxSteps: 10000,
    });
    expect(sol.stats.rejected).toBeGreaterThan(0);
    const ts = [0, ...vals(sol.ts)];
    const again = diffeqsolve(term, new SRA1(), 0, 2, null, y0, { stepsizeController: new StepTo(ts) });
    expect(maxAbsDiff(vals(sol.ys).slice(-3), vals(again.ys))).toBeLessThan(1e-12);
    const fine = diffeqsolve(term, new SRA1(), 0, 2, 2 ** -8, y0);
    expect(maxAbsDiff(vals(sol.ys).slice(-3), vals(fine.ys))).toBeLessThan(5e-3);
  });
});

describe('gradients through SDE solvers', () => {
  const bm = new VirtualBrownianTree({
    t0: 0,
    t1: 1,
    shape: [2],
    key: randomKey(8),
    dtype: 'float64',
    levyArea: 'space-time',
  });
  const solve = (solver: ItoMilstein | EulerHeun | SRA1, y0: Tensor, s: Tensor) => {
    const diffusion =
      solver instanceof SRA1
        ? new ControlTerm((t, _y: Tensor) => s.mul(1 + (t as number)), bm, {
            noise: 'diagonal',
            additive: true,
          })
        : new ControlTerm((_t, y: Tensor) => y.sin().mul(s), bm, { noise: 'diagonal' });
    const term = new MultiTerm<Tensor>(new ODETerm((_t, y: Tensor) => y.tanh().mul(-1)), diffusion);
    return diffeqsolve(term, solver, 0, 1, 0.25, y0, { saveat: new SaveAt({ ts: [0.6, 1] }) }).ys!;
  };
  const y0 = f64([0.3, -0.5]);
  const s = f64([0.4, 0.8]);

  it('pass float64 gradcheck (Milstein differentiates its autograd derivative term)', () => {
    expect(gradcheck((a, b) => solve(new ItoMilstein(), a!, b!), [y0, s])).toBe(true);
    expect(gradcheck((a, b) => solve(new EulerHeun(), a!, b!), [y0, s])).toBe(true);
    expect(gradcheck((a, b) => solve(new SRA1(), a!, b!), [y0, s])).toBe(true);
  });

  it('RecursiveCheckpointAdjoint re-queries the same path: its gradients equal DirectAdjoint', () => {
    const grads = (adjoint: DirectAdjoint | RecursiveCheckpointAdjoint) => {
      const a = y0.detach().requiresGrad_(true);
      const b = s.detach().requiresGrad_(true);
      const diffusion = new ControlTerm((_t, y: Tensor) => y.sin().mul(b), bm, {
        noise: 'diagonal',
        params: [b],
      });
      const term = new MultiTerm<Tensor>(new ODETerm((_t, y: Tensor) => y.tanh().mul(-1)), diffusion);
      const ys = diffeqsolve(term, new Heun(), 0, 1, 0.05, a, { adjoint }).ys!;
      return autogradGrad(ys.mul(ys).sum(), [a, b]).map((g) => vals(g));
    };
    const d = grads(new DirectAdjoint());
    const c = grads(new RecursiveCheckpointAdjoint({ checkpoints: 3 }));
    expect(maxAbsDiff(d[0]!, c[0]!)).toBeLessThan(1e-12);
    expect(maxAbsDiff(d[1]!, c[1]!)).toBeLessThan(1e-12);
  });
});
