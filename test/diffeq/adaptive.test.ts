import { describe, expect, it } from 'vitest';
import {
  type AbstractSolver,
  Bosh3,
  ConstantStepSize,
  DiffEqError,
  Dopri5,
  Dopri8,
  diffeqsolve,
  Event,
  Heun,
  Kvaerno3,
  Kvaerno5,
  ODETerm,
  PIDController,
  SaveAt,
  StepTo,
  Tsit5,
} from '../../src/diffeq/index.js';
import { noGrad, select, stack, type Tensor, tensor } from '../../src/index.js';

const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });
const arr = (t: Tensor) => Array.from(t.dataSync());
const last = (ys: Tensor) => arr(select(ys, 0, ys.shape[0]! - 1));

function pid(rtol: number, atol = rtol * 1e-3) {
  return new PIDController({ rtol, atol });
}

// Lotka–Volterra (Diffrax benchmark): α = 1.5, β = 1, γ = 3, δ = 1 from (1, 1).
const lv = new ODETerm((_t: number, y: Tensor) => {
  const x = select(y, 0, 0);
  const v = select(y, 0, 1);
  return stack([x.mul(1.5).sub(x.mul(v)), x.mul(v).sub(v.mul(3))]);
});
const lvInvariant = (x: number, y: number) => x - 3 * Math.log(x) + y - 1.5 * Math.log(y);

function vdp(mu: number) {
  return new ODETerm((_t: number | Tensor, y: Tensor) => {
    const x = y.select(-1, 0);
    const v = y.select(-1, 1);
    return stack([v, v.mul(x.mul(x).neg().add(1)).mul(mu).sub(x)], -1);
  });
}

describe('adaptive solvers on reference problems', () => {
  it('exponential decay reaches the requested tolerance', () => {
    const term = new ODETerm((_t: number, y: Tensor) => y.neg());
    for (const [solver, rtol] of [
      [new Tsit5(), 1e-8],
      [new Dopri5(), 1e-8],
      [new Dopri8(), 1e-10],
      [new Bosh3(), 1e-6],
      [new Kvaerno5(), 1e-7],
    ] as [AbstractSolver, number][]) {
      const sol = noGrad(() =>
        diffeqsolve(term, solver, 0, 5, null, f64([1, 2]), { stepsizeController: pid(rtol) }),
      );
      const y = last(sol.ys as Tensor);
      const rel = Math.abs(y[0]! - Math.exp(-5)) / Math.exp(-5);
      expect(rel, solver.name).toBeLessThan(20 * rtol);
      expect(sol.stats.accepted).toBeGreaterThan(3);
    }
  });

  it('Lotka–Volterra: invariant conserved and y(10) matches the reference', () => {
    const sol = noGrad(() =>
      diffeqsolve(lv, new Tsit5(), 0, 10, null, f64([1, 1]), {
        stepsizeController: pid(1e-9, 1e-12),
        saveat: new SaveAt({ ts: Array.from({ length: 11 }, (_, i) => i) }),
      }),
    );
    const ys = (sol.ys as Tensor).toArray() as number[][];
    for (const [x, y] of ys) expect(Math.abs(lvInvariant(x!, y!) - 2)).toBeLessThan(1e-8);
    expect(ys[10]![0]).toBeCloseTo(1.02634477, 7);
    expect(ys[10]![1]).toBeCloseTo(0.90969108, 7);
  });

  it('the number of steps grows sensibly as rtol shrinks', () => {
    const steps = [1e-3, 1e-6, 1e-9].map(
      (rtol) =>
        noGrad(() =>
          diffeqsolve(lv, new Tsit5(), 0, 10, null, f64([1, 1]), { stepsizeController: pid(rtol) }),
        ).stats.accepted,
    );
    expect(steps[0]).toBeLessThan(steps[1]!);
    expect(steps[1]).toBeLessThan(steps[2]!);
    // Order-5 method: 1000× tighter tolerance costs about 1000^(1/5) ≈ 4× the steps.
    expect(steps[2]! / steps[1]!).toBeGreaterThan(2);
    expect(steps[2]! / steps[1]!).toBeLessThan(8);
  });

  it('Van der Pol periods (μ = 1, 2) from the dense solution', () => {
    for (const [mu, period] of [
      [1, 6.6633],
      [2, 7.6299],
    ]) {
      const sol = noGrad(() =>
        diffeqsolve(vdp(mu!), new Tsit5(), 0, 24, null, f64([2, 0]), {
          stepsizeController: pid(1e-8, 1e-10),
          saveat: new SaveAt({ dense: true }),
        }),
      );
      const x = (t: number) => (sol.evaluate(t) as Tensor).dataSync()[0]!;
      const ups: number[] = [];
      let prev = x(0);
      for (let i = 1; i <= 480; i++) {
        const t = i * 0.05;
        const v = x(t);
        if (prev < 0 && v >= 0) {
          let lo = t - 0.05;
          let hi = t;
          for (let k = 0; k < 50; k++) {
            const m = (lo + hi) / 2;
            if (x(m) < 0) lo = m;
            else hi = m;
          }
          ups.push(hi);
        }
        prev = v;
      }
      expect(ups.length).toBeGreaterThanOrEqual(2);
      expect(ups[ups.length - 1]! - ups[ups.length - 2]!).toBeCloseTo(period!, 3);
    }
  });

  it('Kepler orbit (ε = 0.5): position at t = 20, energy and angular momentum conserved', () => {
    const e = 0.5;
    const kepler = new ODETerm((_t: number, s: { q: Tensor; p: Tensor }) => {
      const r3 = s.q.square().sum().pow(1.5);
      return { q: s.p, p: s.q.neg().div(r3) };
    });
    const sol = noGrad(() =>
      diffeqsolve(
        kepler,
        new Dopri8(),
        0,
        20,
        null,
        { q: f64([1 - e, 0]), p: f64([0, Math.sqrt((1 + e) / (1 - e))]) },
        { stepsizeController: pid(1e-10, 1e-12), saveat: new SaveAt({ ts: [5, 10, 15, 20] }) },
      ),
    );
    const { q, p } = sol.ys as { q: Tensor; p: Tensor };
    const Q = q.toArray() as number[][];
    const P = p.toArray() as number[][];
    expect(Q[3]![0]).toBeCloseTo(-0.5780433, 6);
    expect(Q[3]![1]).toBeCloseTo(0.863384, 6);
    Q.forEach((qi, i) => {
      const pi = P[i]!;
      const r = Math.hypot(qi[0]!, qi[1]!);
      const energy = 0.5 * (pi[0]! ** 2 + pi[1]! ** 2) - 1 / r;
      const L = qi[0]! * pi[1]! - qi[1]! * pi[0]!;
      expect(Math.abs(energy + 0.5)).toBeLessThan(1e-8);
      expect(Math.abs(L - Math.sqrt(1 - e * e))).toBeLessThan(1e-8);
    });
  });

  it('Robertson (stiff) at t = 40 with Kvaerno5 and Kvaerno3', () => {
    const rob = new ODETerm((_t: number, y: Tensor) => {
      const y1 = select(y, 0, 0);
      const y2 = select(y, 0, 1);
      const y3 = select(y, 0, 2);
      const a = y1.mul(-0.04).add(y2.mul(y3).mul(1e4));
      const c = y2.mul(y2).mul(3e7);
      return stack([a, a.neg().sub(c), c]);
    });
    const ref = [0.715827069, 9.18553476e-6, 0.284163746];
    for (const [solver, rtol, tol] of [
      [new Kvaerno5(), 1e-8, 1e-7],
      [new Kvaerno3(), 1e-6, 3e-6],
    ] as [AbstractSolver, number, number][]) {
      const sol = noGrad(() =>
        diffeqsolve(rob, solver, 0, 40, null, f64([1, 0, 0]), {
          stepsizeController: new PIDController({ rtol, atol: rtol * 1e-4 }),
        }),
      );
      const y = last(sol.ys as Tensor);
      y.forEach((v, i) => {
        expect(Math.abs(v - ref[i]!) / ref[i]!, `${solver.name} y${i + 1}`).toBeLessThan(tol);
      });
      expect(Math.abs(y[0]! + y[1]! + y[2]! - 1)).toBeLessThan(1e-12);
      expect(sol.stats.jacobianEvals).toBeGreaterThan(0);
      expect(sol.stats.accepted).toBeLessThan(400);
    }
    // An explicit solver needs far more steps on the same problem.
    const explicit = noGrad(() =>
      diffeqsolve(rob, new Tsit5(), 0, 1, null, f64([1, 0, 0]), {
        stepsizeController: new PIDController({ rtol: 1e-6, atol: 1e-10 }),
      }),
    );
    expect(explicit.stats.accepted).toBeGreaterThan(100);
  });
});

describe('step-size control', () => {
  it('counts accepted and rejected steps and function evaluations', () => {
    const sol = noGrad(() =>
      diffeqsolve(vdp(5), new Dopri5(), 0, 10, 1, f64([2, 0]), { stepsizeController: pid(1e-6) }),
    );
    const s = sol.stats;
    expect(s.rejected).toBeGreaterThan(0);
    expect(s.steps).toBe(s.accepted + s.rejected);
    // FSAL: 6 new evaluations per step, plus the initial one.
    expect(s.fevals).toBe(6 * s.steps + 1);
    expect(s.loopTimeMs).toBeGreaterThanOrEqual(0);
    expect(s.wallTimeMs).toBeGreaterThanOrEqual(s.vfTimeMs);
  });

  it('PID coefficients, max norm, dtmax and step/jump times are honoured', () => {
    const base = noGrad(() =>
      diffeqsolve(lv, new Tsit5(), 0, 10, null, f64([1, 1]), { stepsizeController: pid(1e-7) }),
    );
    const piSol = noGrad(() =>
      diffeqsolve(lv, new Tsit5(), 0, 10, null, f64([1, 1]), {
        stepsizeController: new PIDController({
          rtol: 1e-7,
          atol: 1e-10,
          pcoeff: 0.4,
          icoeff: 0.3,
          norm: 'max',
        }),
      }),
    );
    expect(last(piSol.ys as Tensor)[0]).toBeCloseTo(last(base.ys as Tensor)[0]!, 5);
    const capped = noGrad(() =>
      diffeqsolve(lv, new Tsit5(), 0, 10, null, f64([1, 1]), {
        stepsizeController: new PIDController({ rtol: 1e-3, atol: 1e-6, dtmax: 0.1 }),
        saveat: new SaveAt({ steps: true }),
      }),
    );
    const ts = arr(capped.ts!);
    for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBeLessThanOrEqual(0.1 + 1e-12);
    expect(capped.stats.accepted).toBeGreaterThanOrEqual(100);
    // A discontinuous forcing: jump times land steps exactly on the discontinuity.
    const jump = new ODETerm((t: number, y: Tensor) => y.mul(0).add(t < 1 ? 1 : -1));
    const j = noGrad(() =>
      diffeqsolve(jump, new Bosh3(), 0, 2, null, f64([0]), {
        stepsizeController: new PIDController({ rtol: 1e-6, atol: 1e-9, jumpTs: [1], stepTs: [0.5] }),
        saveat: new SaveAt({ steps: true }),
      }),
    );
    const jts = arr(j.ts!);
    expect(jts).toContain(1);
    expect(jts).toContain(0.5);
    expect(last(j.ys as Tensor)[0]).toBeCloseTo(0, 10);
  });

  it('StepTo steps exactly through the given times', () => {
    const term = new ODETerm((_t: number, y: Tensor) => y.neg());
    const times = [0, 0.1, 0.3, 0.35, 1];
    const sol = diffeqsolve(term, new Heun(), 0, 1, null, f64([1]), {
      stepsizeController: new StepTo(times),
      saveat: new SaveAt({ steps: true, t0: true }),
    });
    expect(arr(sol.ts!)).toEqual(times);
  });

  it('integrates backwards in time with a negative dt0', () => {
    const term = new ODETerm((_t: number, y: Tensor) => y.neg());
    const sol = diffeqsolve(term, new Tsit5(), 1, 0, -0.05, f64([Math.exp(-1)]));
    expect(last(sol.ys as Tensor)[0]).toBeCloseTo(1, 8);
    const adaptive = diffeqsolve(term, new Tsit5(), 1, 0, null, f64([Math.exp(-1)]), {
      stepsizeController: pid(1e-9),
      saveat: new SaveAt({ ts: [0.75, 0.5, 0] }),
    });
    const ys = arr(adaptive.ys as Tensor);
    [0.75, 0.5, 0].forEach((t, i) => {
      expect(ys[i]).toBeCloseTo(Math.exp(-t), 7);
    });
  });

  it('float32 states are promoted to float64 for tight tolerances', () => {
    const term = new ODETerm((_t: number, y: Tensor) => y.neg());
    const sol = noGrad(() =>
      diffeqsolve(term, new Tsit5(), 0, 1, null, tensor([1]), { stepsizeController: pid(1e-9) }),
    );
    expect(sol.dtype).toBe('float64');
    expect(sol.warnings.length).toBe(1);
    const loose = noGrad(() =>
      diffeqsolve(term, new Tsit5(), 0, 1, null, tensor([1]), { stepsizeController: pid(1e-3) }),
    );
    expect(loose.dtype).toBe('float32');
  });
});

describe('saving, events and batches', () => {
  it('SaveAt t0/ts/t1 and fn', () => {
    const term = new ODETerm((_t: number, y: Tensor) => y.neg());
    const sol = diffeqsolve(term, new Tsit5(), 0, 1, 0.1, f64([1, 2]), {
      saveat: new SaveAt({ t0: true, ts: [0, 0.25, 0.5], t1: true }),
    });
    expect((sol.ys as Tensor).shape).toEqual([5, 2]);
    expect(arr(sol.ts!)).toEqual([0, 0, 0.25, 0.5, 1]);
    const ys = (sol.ys as Tensor).toArray() as number[][];
    expect(ys[0]).toEqual([1, 2]);
    expect(ys[2]![0]).toBeCloseTo(Math.exp(-0.25), 6);
    const withFn = diffeqsolve(term, new Tsit5(), 0, 1, 0.1, f64([1, 2]), {
      saveat: new SaveAt({ ts: [0.5, 1], fn: (_t, y) => ({ s: (y as Tensor).sum() }) }),
    });
    const s = (withFn.ys as unknown as { s: Tensor }).s;
    expect(s.shape).toEqual([2]);
    expect(s.dataSync()[1]).toBeCloseTo(3 * Math.exp(-1), 6);
  });

  it('events stop at a root located to tolerance (bouncing ball)', () => {
    const ball = new ODETerm((_t: number, s: { x: Tensor; v: Tensor }) => ({ x: s.v, v: s.v.mul(0).sub(8) }));
    const sol = diffeqsolve(
      ball,
      new Tsit5(),
      0,
      5,
      0.3,
      { x: f64([10]), v: f64([0]) },
      {
        event: new Event({ condition: (_t, s) => (s as { x: Tensor }).x, direction: 'down' }),
        saveat: new SaveAt({ t1: true, ts: [1, 2, 3] }),
      },
    );
    expect(sol.result).toBe('eventOccurred');
    expect(sol.ok).toBe(true);
    const tEvent = Math.sqrt(2.5);
    expect(Math.abs(sol.event!.t[0]! - tEvent)).toBeLessThan(1e-10);
    const ys = sol.ys as { x: Tensor; v: Tensor };
    const xs = arr(ys.x);
    expect(xs[0]).toBeCloseTo(10 - 4, 10);
    expect(Number.isNaN(xs[1]!)).toBe(true); // t = 2 is after the event
    expect(Math.abs(xs[3]!)).toBeLessThan(1e-9);
    expect(arr(ys.v)[3]).toBeCloseTo(-8 * tEvent, 8);
    expect(arr(sol.ts!)[3]).toBeCloseTo(tEvent, 10);
  });

  it('independent batches: per-sample steps equal solo solves (no step inflation)', () => {
    const mus = [0.5, 2, 6];
    const term = new ODETerm((_t: number | Tensor, y: Tensor) => {
      const x = y.select(-1, 0);
      const v = y.select(-1, 1);
      const mu = tensor(mus, { dtype: 'float64' }).narrow(0, 0, x.shape[0] ?? 1);
      return stack([v, v.mul(x.mul(x).neg().add(1)).mul(mu).sub(x)], -1);
    });
    const y0 = tensor(
      mus.map(() => [2, 0]),
      { dtype: 'float64' },
    );
    const ctrl = pid(1e-6);
    const batch = noGrad(() =>
      diffeqsolve(term, new Dopri5(), 0, 8, null, y0, {
        stepsizeController: ctrl,
        batch: 'independent',
        saveat: new SaveAt({ ts: [2, 4, 8] }),
      }),
    );
    expect((batch.ys as Tensor).shape).toEqual([3, 3, 2]);
    expect(batch.ts!.shape).toEqual([3, 3]);
    const joint = noGrad(() => diffeqsolve(term, new Dopri5(), 0, 8, null, y0, { stepsizeController: ctrl }));
    const per = batch.stats.perSample!;
    mus.forEach((mu, b) => {
      const single = new ODETerm((_t: number, y: Tensor) => {
        const x = y.select(-1, 0);
        const v = y.select(-1, 1);
        return stack([v, v.mul(x.mul(x).neg().add(1)).mul(mu).sub(x)], -1);
      });
      const solo = noGrad(() =>
        diffeqsolve(single, new Dopri5(), 0, 8, null, f64([2, 0]), {
          stepsizeController: ctrl,
          saveat: new SaveAt({ ts: [2, 4, 8] }),
        }),
      );
      expect(per.accepted[b]).toBe(solo.stats.accepted);
      expect(per.rejected[b]).toBe(solo.stats.rejected);
      const a = (batch.ys as Tensor).select(1, b).toArray() as number[][];
      const c = (solo.ys as Tensor).toArray() as number[][];
      a.forEach((row, i) => {
        row.forEach((v, k) => {
          expect(v).toBeCloseTo(c[i]![k]!, 12);
        });
      });
    });
    // Stepping jointly follows the hardest sample everywhere.
    expect(joint.stats.accepted).toBeGreaterThanOrEqual(Math.max(...per.accepted));
    expect(joint.stats.accepted).toBeGreaterThan(per.accepted[0]!);
  });

  it('independent batches: per-sample events', () => {
    const ball = new ODETerm((_t: number | Tensor, s: Tensor) =>
      stack([s.select(-1, 1), s.select(-1, 1).mul(0).sub(8)], -1),
    );
    const heights = [10, 2, 5];
    const sol = diffeqsolve(
      ball,
      new Tsit5(),
      0,
      5,
      0.1,
      tensor(
        heights.map((h) => [h, 0]),
        { dtype: 'float64' },
      ),
      {
        batch: 'independent',
        event: new Event((_t, s) => (s as Tensor).select(-1, 0)),
      },
    );
    heights.forEach((h, b) => {
      expect(sol.event!.t[b]).toBeCloseTo(Math.sqrt(h / 4), 9);
      expect(sol.stats.perSample!.results[b]).toBe('eventOccurred');
    });
  });
});

describe('failures are reported clearly', () => {
  it('maxStepsReached with throw: false returns a partial solution', () => {
    const sol = diffeqsolve(lv, new Tsit5(), 0, 10, null, f64([1, 1]), {
      stepsizeController: pid(1e-10),
      maxSteps: 20,
      throw: false,
      saveat: new SaveAt({ ts: [1, 9], t1: true }),
    });
    expect(sol.result).toBe('maxStepsReached');
    expect(sol.ok).toBe(false);
    expect(sol.message).toMatch(/maxSteps = 20/);
    expect(sol.stats.steps).toBe(20);
    const ys = (sol.ys as Tensor).toArray() as number[][];
    expect(Number.isNaN(ys[1]![0]!)).toBe(true);
    expect(Number.isFinite(ys[2]![0]!)).toBe(true);
    expect(() =>
      diffeqsolve(lv, new Tsit5(), 0, 10, null, f64([1, 1]), {
        stepsizeController: pid(1e-10),
        maxSteps: 20,
      }),
    ).toThrow(DiffEqError);
  });

  it('blow-up gives nonFiniteState (constant steps) or dtUnderflow (adaptive)', () => {
    const blow = new ODETerm((_t: number, y: Tensor) => y.mul(y));
    const fixed = diffeqsolve(blow, new Tsit5(), 0, 2, 0.01, f64([1]), { throw: false });
    expect(fixed.result).toBe('nonFiniteState');
    expect(fixed.message).toMatch(/NaN\/Inf/);
    const adaptive = diffeqsolve(blow, new Tsit5(), 0, 2, null, f64([1]), {
      stepsizeController: pid(1e-6),
      throw: false,
      maxSteps: 100000,
    });
    expect(['dtUnderflow', 'maxStepsReached', 'nonFiniteState']).toContain(adaptive.result);
    expect(adaptive.stats.perSample).toBeNull();
    const err = (() => {
      try {
        diffeqsolve(blow, new Tsit5(), 0, 2, 0.01, f64([1]));
      } catch (e) {
        return e as DiffEqError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(DiffEqError);
    expect(err!.code).toBe('nonFiniteState');
  });

  it('Newton failure with constant steps is reported', () => {
    const stiff = new ODETerm((_t: number, y: Tensor) => y.mul(y).mul(y).mul(-1000));
    const sol = diffeqsolve(stiff, new Kvaerno3({ maxIters: 2 }), 0, 1, 0.5, f64([10]), {
      stepsizeController: new ConstantStepSize(),
      throw: false,
    });
    expect(sol.result).toBe('nonlinearSolveFailed');
  });
});
