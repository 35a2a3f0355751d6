import { describe, expect, it } from 'vitest';
import {
  type AbstractSolver,
  Bosh3,
  Dopri5,
  Dopri8,
  diffeqsolve,
  Euler,
  Heun,
  ImplicitEuler,
  Kvaerno3,
  Kvaerno5,
  Midpoint,
  ODETerm,
  Ralston,
  RK4,
  RK38,
  SaveAt,
  Tsit5,
} from '../../src/diffeq/index.js';
import { noGrad, type Tensor, tensor } from '../../src/index.js';

/** Least-squares slope of log2(err) against log2(n). */
function order(ns: number[], errs: number[]): number {
  const xs = ns.map(Math.log2);
  const ys = errs.map((e) => -Math.log2(e));
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

// y' = λ(y − g(t)) + g'(t) has the closed form y = g(t) + (y0 − g(0))·e^{λt}.
const P2 = {
  name: "y' = y − t² + 1",
  f: (t: number, y: Tensor) => y.sub(t * t - 1),
  y0: 0.5,
  T: 2,
  exact: (T: number) => (T + 1) ** 2 - 0.5 * Math.exp(T),
};
const P8 = {
  name: "y' = 8(y − sin t) + cos t",
  f: (t: number, y: Tensor) => y.sub(Math.sin(t)).mul(8).add(Math.cos(t)),
  y0: 1,
  T: 1,
  exact: (T: number) => Math.sin(T) + Math.exp(8 * T),
};

const newtonTight = { rtol: 1e-14, atol: 1e-14 };
const cases: [string, () => AbstractSolver, number, number[], typeof P2][] = [
  ['Euler', () => new Euler(), 1, [128, 256, 512], P2],
  ['Heun', () => new Heun(), 2, [64, 128, 256], P2],
  ['Midpoint', () => new Midpoint(), 2, [32, 64, 128], P2],
  ['Ralston', () => new Ralston(), 2, [32, 64, 128], P2],
  ['RK4', () => new RK4(), 4, [32, 64, 128], P2],
  ['RK38', () => new RK38(), 4, [32, 64, 128], P2],
  ['Bosh3', () => new Bosh3(), 3, [32, 64, 128], P2],
  ['Dopri5', () => new Dopri5(), 5, [16, 32, 64], P2],
  ['Tsit5', () => new Tsit5(), 5, [32, 64, 128], P2],
  ['Dopri8', () => new Dopri8(), 8, [4, 8, 16], P8],
  ['ImplicitEuler', () => new ImplicitEuler(newtonTight), 1, [64, 128, 256], P2],
  ['Kvaerno3', () => new Kvaerno3(newtonTight), 3, [32, 64, 128], P2],
  ['Kvaerno5', () => new Kvaerno5(newtonTight), 5, [16, 32, 64], P2],
];

describe('fixed-step convergence order (float64, closed-form problems)', () => {
  for (const [name, make, p, ns, prob] of cases) {
    it(`${name} has order ${p} ± 0.2 on ${prob.name}`, () => {
      const term = new ODETerm(prob.f);
      const y0 = tensor([prob.y0], { dtype: 'float64' });
      const ex = prob.exact(prob.T);
      const errs = ns.map((n) =>
        noGrad(() => {
          const sol = diffeqsolve(term, make(), 0, prob.T, prob.T / n, y0);
          return Math.abs((sol.ys as Tensor).item() - ex) / Math.abs(ex);
        }),
      );
      const q = order(ns, errs);
      expect(
        Math.abs(q - p),
        `${name}: errors ${errs.map((e) => e.toExponential(2))}, order ${q.toFixed(3)}`,
      ).toBeLessThan(0.2);
    });
  }
});

describe('dense output', () => {
  // The interpolant of each solver is accurate inside the steps (y = e^{-t} on [0, 2]).
  const solvers: [string, () => AbstractSolver, number][] = [
    ['Heun (Hermite)', () => new Heun(), 3e-3],
    ['RK4 (Hermite)', () => new RK4(), 1e-5],
    ['Bosh3 (Hermite)', () => new Bosh3(), 3e-5],
    ['Dopri5 (own)', () => new Dopri5(), 1e-7],
    ['Tsit5 (own)', () => new Tsit5(), 1e-7],
    ['Dopri8 (own)', () => new Dopri8(), 1e-10],
    ['Kvaerno5 (Hermite)', () => new Kvaerno5(), 1e-5],
  ];
  for (const [name, make, tol] of solvers) {
    it(`${name} interpolates between steps`, () => {
      const term = new ODETerm((_t: number, y: Tensor) => y.neg());
      const ts = Array.from({ length: 21 }, (_, i) => 0.013 + i * 0.0987);
      const sol = noGrad(() =>
        diffeqsolve(term, make(), 0, 2, 0.1, tensor([1], { dtype: 'float64' }), {
          saveat: new SaveAt({ ts, dense: true }),
        }),
      );
      const ys = (sol.ys as Tensor).toArray() as number[][];
      ts.forEach((t, i) => {
        expect(Math.abs(ys[i]![0]! - Math.exp(-t))).toBeLessThan(tol);
        const d = (sol.evaluate(t) as Tensor).item();
        expect(Math.abs(d - Math.exp(-t))).toBeLessThan(tol);
        expect(Math.abs((sol.derivative(t) as Tensor).item() + Math.exp(-t))).toBeLessThan(tol * 50);
      });
    });
  }
});
