import { describe, expect, it } from 'vitest';
import {
  BacksolveAdjoint,
  DirectAdjoint,
  Dopri5,
  diffeqsolve,
  Event,
  Heun,
  Kvaerno5,
  ODETerm,
  PIDController,
  RecursiveCheckpointAdjoint,
  SaveAt,
  Tsit5,
  treeFlatten,
  treeMap,
  treeUnflatten,
} from '../../src/diffeq/index.js';
import { grad, gradgradcheck, noGrad, select, stack, sum, type Tensor, tensor } from '../../src/index.js';

const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });

describe('trees', () => {
  it('flatten/unflatten round-trip nested arrays and objects', () => {
    const tree = { a: f64([1]), b: [f64([2, 3]), { c: f64([4]) }] };
    const { leaves, def, paths } = treeFlatten(tree);
    expect(leaves.length).toBe(3);
    expect(paths).toEqual(['y.a', 'y.b[0]', 'y.b[1].c']);
    const back = treeUnflatten<typeof tree>(def, leaves);
    expect(back.b[1]).toHaveProperty('c');
    const doubled = treeMap<typeof tree>(tree, (l) => l.mul(2));
    expect(doubled.a.item()).toBe(2);
  });
});

describe('more solver features', () => {
  it('independent batches with an implicit solver (per-sample Jacobian blocks)', () => {
    const rob = new ODETerm((_t: number | Tensor, y: Tensor) => {
      const y1 = y.select(-1, 0);
      const y2 = y.select(-1, 1);
      const y3 = y.select(-1, 2);
      const a = y1.mul(-0.04).add(y2.mul(y3).mul(1e4));
      const c = y2.mul(y2).mul(3e7);
      return stack([a, a.neg().sub(c), c], -1);
    });
    const y0 = f64([
      [1, 0, 0],
      [0.5, 0, 0.5],
    ]);
    const ctrl = new PIDController({ rtol: 1e-6, atol: 1e-10 });
    const batch = noGrad(() =>
      diffeqsolve(rob, new Kvaerno5(), 0, 10, null, y0, { stepsizeController: ctrl, batch: 'independent' }),
    );
    [0, 1].forEach((b) => {
      const solo = noGrad(() =>
        diffeqsolve(rob, new Kvaerno5(), 0, 10, null, select(y0, 0, b), { stepsizeController: ctrl }),
      );
      const yb = select(select(batch.ys as Tensor, 0, 0), 0, b).dataSync();
      const ys = select(solo.ys as Tensor, 0, 0).dataSync();
      yb.forEach((v, i) => {
        expect(v).toBeCloseTo(ys[i]!, 9);
      });
      expect(batch.stats.perSample!.accepted[b]).toBe(solo.stats.accepted);
    });
  });

  it('dense evaluation of independent batches and per-sample save times', () => {
    const term = new ODETerm((_t: number | Tensor, y: Tensor) => y.neg());
    const y0 = f64([[1], [2]]);
    const sol = diffeqsolve(term, new Tsit5(), 0, 1, 0.1, y0, {
      batch: 'independent',
      saveat: new SaveAt({
        ts: [
          [0.1, 0.5],
          [0.2, 0.9],
        ],
        dense: true,
      }),
    });
    const ys = (sol.ys as Tensor).toArray() as number[][][];
    expect(ys[1]![0]![0]).toBeCloseTo(Math.exp(-0.5), 7);
    expect(ys[1]![1]![0]).toBeCloseTo(2 * Math.exp(-0.9), 7);
    expect((sol.ts!.toArray() as number[][])[1]).toEqual([0.5, 0.9]);
    const mid = (sol.evaluate(0.37) as Tensor).dataSync();
    expect(mid[0]).toBeCloseTo(Math.exp(-0.37), 7);
    expect(mid[1]).toBeCloseTo(2 * Math.exp(-0.37), 7);
  });

  it('second-order gradients through DirectAdjoint (gradgradcheck)', () => {
    const f = (a: Tensor, y0: Tensor) => {
      const term = new ODETerm((_t: number, y: Tensor) => y.mul(a).sin());
      const sol = diffeqsolve(term, new Heun(), 0, 1, 0.25, y0);
      return sum(sol.ys as Tensor);
    };
    expect(gradgradcheck(f, [f64([0.7]), f64([0.3, -0.5])], { atol: 1e-6 })).toBe(true);
  });

  it('gradients through an event stop (event time held fixed) match checkpointing', () => {
    const ball = new ODETerm((_t: number, s: Tensor) =>
      stack([select(s, 0, 1), select(s, 0, 1).mul(0).sub(9.81)]),
    );
    const loss = (v0: Tensor, adjoint: DirectAdjoint | RecursiveCheckpointAdjoint | BacksolveAdjoint) =>
      grad((v: Tensor) => {
        const y0 = stack([tensor(3, { dtype: 'float64' }), select(v, 0, 0)]);
        const sol = diffeqsolve(ball, new Dopri5(), 0, 5, 0.1, y0, {
          event: new Event({ condition: (_t, s) => select(s as Tensor, 0, 0), direction: 'down' }),
          adjoint,
        });
        return sum(select(sol.ys as Tensor, 0, 0));
      })(v0) as Tensor;
    const v0 = f64([1.5]);
    const a = loss(v0, new DirectAdjoint()).item();
    const b = loss(v0, new RecursiveCheckpointAdjoint({ checkpoints: 2 })).item();
    expect(a).toBeCloseTo(b, 12);
    const c = loss(v0, new BacksolveAdjoint()).item();
    expect(c).toBeCloseTo(a, 8);
    expect(Number.isFinite(a)).toBe(true);
  });
});
