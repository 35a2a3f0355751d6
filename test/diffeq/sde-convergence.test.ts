/**
 * Strong and weak orders of the SDE solvers against closed-form solutions on the same
 * Brownian path (spec §4.3). Fixed seeds; slopes are least-squares fits of log error
 * against log step over nested step grids.
 */
import { describe, expect, it } from 'vitest';
import {
  type AbstractSolver,
  BrownianInterval,
  ControlTerm,
  diffeqsolve,
  EulerHeun,
  EulerMaruyama,
  Heun,
  ItoMilstein,
  Midpoint,
  MultiTerm,
  ODETerm,
  ReversibleHeun,
  SRA1,
  StratonovichMilstein,
} from '../../src/diffeq/index.js';
import { full, ones, type Tensor } from '../../src/index.js';
import { randomKey } from '../../src/random/index.js';

/** Least-squares slope of log(err) against log(h). */
function slope(hs: number[], errs: number[]): number {
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
  return num / den;
}

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e += Math.abs(a[i]! - b[i]!);
  return e / a.length;
}

function values(t: Tensor | null): Float64Array {
  return Float64Array.from(t!.dataSync());
}

describe('strong order on geometric Brownian motion (exact solution on the same path)', () => {
  // dX = μX dt + σX dW (Itô) = (μ − σ²/2)X dt + σX∘dW; X_T = X0·exp((μ − σ²/2)T + σW_T).
  // 1000 paths (the state is [1000] with diagonal noise), μ = 1.5, σ = 1, T = 1, h = 2⁻³…2⁻⁸.
  const P = 1000;
  const mu = 1.5;
  const sigma = 1;
  const hs = [2 ** -3, 2 ** -4, 2 ** -5, 2 ** -6, 2 ** -7, 2 ** -8];
  const bm = new BrownianInterval({
    t0: 0,
    t1: 1,
    shape: [P],
    key: randomKey(1),
    dtype: 'float64',
    dt: 2 ** -8,
  });
  const exact = values(bm.evaluate(1)).map((w) => Math.exp(mu - (sigma * sigma) / 2 + sigma * w));
  const y0 = ones([P], { dtype: 'float64' });
  const gbm = (ito: boolean) =>
    new MultiTerm<Tensor>(
      new ODETerm((_t, y: Tensor) => y.mul(ito ? mu : mu - (sigma * sigma) / 2)),
      new ControlTerm((_t, y: Tensor) => y.mul(sigma), bm, { noise: 'diagonal' }),
    );
  const errors = (solver: AbstractSolver, ito: boolean) =>
    hs.map((h) => meanAbsDiff(values(diffeqsolve(gbm(ito), solver, 0, 1, h, y0).ys), exact));

  it('Euler–Maruyama ≈ 0.5 and Itô Milstein ≈ 1.0 (±0.15)', () => {
    const em = slope(hs, errors(new EulerMaruyama(), true));
    const mil = slope(hs, errors(new ItoMilstein(), true));
    expect(Math.abs(em - 0.5)).toBeLessThan(0.15); // measured 0.498
    expect(Math.abs(mil - 1)).toBeLessThan(0.15); // measured 0.951
  });

  it('Stratonovich solvers converge to the Stratonovich solution with order ≈ 1 (commutative noise)', () => {
    const measured: Record<string, number> = {};
    const solvers: [string, AbstractSolver][] = [
      ['StratonovichMilstein', new StratonovichMilstein()],
      ['Heun', new Heun()],
      ['Midpoint', new Midpoint()],
      ['ReversibleHeun', new ReversibleHeun()],
      // Euler–Heun is order 0.5 in general; for a diffusion linear in y it equals Milstein.
      ['EulerHeun', new EulerHeun()],
    ];
    for (const [name, solver] of solvers) {
      measured[name] = slope(hs, errors(solver, false));
      expect(Math.abs(measured[name]! - 1), name).toBeLessThan(0.15); // measured 0.95–0.96
    }
  });

  it('the calculus matters: Euler–Maruyama on the Stratonovich-form drift misses the solution', () => {
    const h = 2 ** -8;
    const wrong = meanAbsDiff(values(diffeqsolve(gbm(false), new EulerMaruyama(), 0, 1, h, y0).ys), exact);
    const right = meanAbsDiff(values(diffeqsolve(gbm(false), new Heun(), 0, 1, h, y0).ys), exact);
    expect(wrong).toBeGreaterThan(20 * right);
  });
});

describe('additive noise: SRA1 (space-time Lévy area) against a fine-step reference', () => {
  // dX = (0.5·cos X − 2·sin X)dt + (1 + t)dW: nonlinear drift, time-dependent additive noise.
  const P = 300;
  const bm = new BrownianInterval({
    t0: 0,
    t1: 1,
    shape: [P],
    key: randomKey(2),
    dtype: 'float64',
    levyArea: 'space-time',
    dt: 2 ** -9,
  });
  const term = new MultiTerm<Tensor>(
    new ODETerm((_t, y: Tensor) => y.cos().mul(0.5).sub(y.sin().mul(2))),
    new ControlTerm((t, _y: Tensor) => full([P], 1 + (t as number), { dtype: 'float64' }), bm, {
      noise: 'diagonal',
      additive: true,
    }),
  );
  const y0 = ones([P], { dtype: 'float64' });

  it('SRA1 has strong order ≥ 1.5 where Euler–Maruyama and Heun have 1.0', () => {
    const ref = values(diffeqsolve(term, new SRA1(), 0, 1, 2 ** -9, y0).ys);
    const hs = [2 ** -1, 2 ** -2, 2 ** -3, 2 ** -4, 2 ** -5];
    const err = (s: AbstractSolver) =>
      hs.map((h) => meanAbsDiff(values(diffeqsolve(term, s, 0, 1, h, y0).ys), ref));
    const sra = err(new SRA1());
    const em = slope(hs, err(new EulerMaruyama()));
    const heun = slope(hs, err(new Heun()));
    const sra1 = slope(hs, sra);
    expect(Math.abs(em - 1)).toBeLessThan(0.15); // measured 1.02
    expect(Math.abs(heun - 1)).toBeLessThan(0.15); // measured 1.03
    expect(sra1).toBeGreaterThan(1.35); // measured 1.85 (theory: 1.5)
    expect(sra[sra.length - 1]!).toBeLessThan(1e-2 * 0.2);
  });
});

describe('weak order on Ornstein–Uhlenbeck moments', () => {
  // dX = θ(μ − X)dt + σdW: mean μ + (X0 − μ)e^{−θT}, variance σ²(1 − e^{−2θT})/(2θ).
  const P = 20000;
  const [theta, mu, sigma, x0, T] = [1, 0.5, 0.5, 1.5, 1];
  const meanExact = mu + (x0 - mu) * Math.exp(-theta * T);
  const varExact = (sigma * sigma * (1 - Math.exp(-2 * theta * T))) / (2 * theta);
  const bm = new BrownianInterval({
    t0: 0,
    t1: T,
    shape: [P],
    key: randomKey(3),
    dtype: 'float64',
    dt: 2 ** -7,
  });
  const term = new MultiTerm<Tensor>(
    new ODETerm((_t, y: Tensor) => y.neg().add(mu).mul(theta)),
    new ControlTerm((_t, _y: Tensor) => full([P], sigma, { dtype: 'float64' }), bm, { noise: 'diagonal' }),
  );
  const y0 = full([P], x0, { dtype: 'float64' });
  const moments = (h: number): [number, number] => {
    const x = values(diffeqsolve(term, new EulerMaruyama(), 0, T, h, y0).ys);
    let m = 0;
    for (const v of x) m += v;
    m /= P;
    let v2 = 0;
    for (const v of x) v2 += (v - m) ** 2;
    return [m, v2 / (P - 1)];
  };

  it('Euler–Maruyama: moments match the closed form, weak errors shrink with order ≈ 1', () => {
    const hs = [2 ** -2, 2 ** -3, 2 ** -4, 2 ** -5, 2 ** -6];
    const ms = hs.map(moments);
    // At the finest step the sample moments agree with the closed form within 4 standard
    // errors plus Euler–Maruyama's own bias there (closed form of the scheme's moments).
    const hMin = hs[hs.length - 1]!;
    const [mFine, vFine] = ms[ms.length - 1]!;
    const n = T / hMin;
    const a = 1 - theta * hMin;
    const biasM = Math.abs(mu + (x0 - mu) * a ** n - meanExact);
    const biasV = Math.abs((sigma * sigma * hMin * (1 - a ** (2 * n))) / (1 - a * a) - varExact);
    const seM = Math.sqrt(varExact / P);
    const seV = varExact * Math.sqrt(2 / (P - 1));
    expect(Math.abs(mFine - meanExact)).toBeLessThan(4 * seM + biasM);
    expect(Math.abs(vFine - varExact)).toBeLessThan(4 * seV + biasV);
    // Weak order from successive differences on the same paths (the Monte Carlo error
    // cancels): |E_h − E_{h/2}| ∝ h^p for a weak error c·h^p.
    const dm = hs.slice(0, -1).map((_, k) => Math.abs(ms[k]![0] - ms[k + 1]![0]));
    const dv = hs.slice(0, -1).map((_, k) => Math.abs(ms[k]![1] - ms[k + 1]![1]));
    const pm = slope(hs.slice(0, -1), dm);
    const pv = slope(hs.slice(0, -1), dv);
    expect(Math.abs(pm - 1)).toBeLessThan(0.15); // measured 1.07
    expect(Math.abs(pv - 1)).toBeLessThan(0.15); // measured 1.09
  });
});
