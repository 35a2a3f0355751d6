import { describe, expect, it } from 'vitest';
import {
  BacksolveAdjoint,
  DiffEqError,
  diffeqsolve,
  Euler,
  ODETerm,
  PIDController,
  SaveAt,
  Tsit5,
} from '../../src/diffeq/index.js';
import { ArgumentError, ShapeError, type Tensor, tensor } from '../../src/index.js';

const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });
const decay = new ODETerm((_t: number, y: Tensor) => y.neg());

describe('bad input gives clear errors or result codes', () => {
  it('vector field output shape differs from y0', () => {
    const bad = new ODETerm((_t: number, y: Tensor) => y.sum());
    expect(() => diffeqsolve(bad, new Tsit5(), 0, 1, 0.1, f64([1, 2]))).toThrow(ShapeError);
    expect(() => diffeqsolve(bad, new Tsit5(), 0, 1, 0.1, f64([1, 2]))).toThrow(
      /returned shape \[\] for the state leaf y0 of shape \[2\]/,
    );
    const badTree = new ODETerm(
      (_t: number, y: { a: Tensor; b: Tensor }) => ({ a: y.a }) as unknown as typeof y,
    );
    expect(() => diffeqsolve(badTree, new Tsit5(), 0, 1, 0.1, { a: f64([1]), b: f64([2]) })).toThrow(
      /returned \{a: \[1\]\} for a state \{a: \[1\], b: \[1\]\}/,
    );
  });

  it('t1 < t0 with a positive dt0', () => {
    expect(() => diffeqsolve(decay, new Tsit5(), 1, 0, 0.1, f64([1]))).toThrow(ArgumentError);
    expect(() => diffeqsolve(decay, new Tsit5(), 1, 0, 0.1, f64([1]))).toThrow(/pass a negative dt0/);
    expect(() => diffeqsolve(decay, new Tsit5(), 0, 1, -0.1, f64([1]))).toThrow(/sign of t1 − t0/);
  });

  it('NaN in the initial state, or produced by the vector field', () => {
    const sol = diffeqsolve(decay, new Tsit5(), 0, 1, 0.1, f64([1, Number.NaN]), { throw: false });
    expect(sol.result).toBe('nonFiniteState');
    expect(sol.message).toMatch(/initial state y0 contains NaN/);
    expect(() => diffeqsolve(decay, new Tsit5(), 0, 1, 0.1, f64([Number.NaN]))).toThrow(DiffEqError);
    const nanLater = new ODETerm((t: number, y: Tensor) => (t > 0.45 ? y.mul(Number.NaN) : y.neg()));
    const s2 = diffeqsolve(nanLater, new Tsit5(), 0, 1, 0.1, f64([1]), { throw: false });
    expect(s2.result).toBe('nonFiniteState');
    expect(s2.message).toMatch(/became NaN\/Inf in the step from t = 0.4/);
    const s3 = diffeqsolve(nanLater, new Tsit5(), 0, 1, null, f64([1]), {
      throw: false,
      stepsizeController: new PIDController({ rtol: 1e-6, atol: 1e-8 }),
    });
    expect(s3.result).toBe('nonFiniteState');
    expect(s3.message).toMatch(/NaN\/Inf at t = 0\.4/);
  });

  it('other misuse', () => {
    expect(() =>
      diffeqsolve(decay, new Euler(), 0, 1, null, f64([1]), { stepsizeController: new PIDController() }),
    ).toThrow(/Euler has no error estimate/);
    expect(() => diffeqsolve(decay, new Tsit5(), 0, 1, null, f64([1]))).toThrow(/ConstantStepSize needs dt0/);
    expect(() =>
      diffeqsolve(decay, new Tsit5(), 0, 1, 0.1, f64([1]), { saveat: new SaveAt({ ts: [0.5, 2] }) }),
    ).toThrow(/outside \[t0, t1\]/);
    expect(() =>
      diffeqsolve(decay, new Tsit5(), 0, 1, 0.1, f64([1]), { saveat: new SaveAt({ ts: [0.5, 0.2] }) }),
    ).toThrow(/sorted/);
    expect(() =>
      diffeqsolve(
        decay,
        new Tsit5(),
        0,
        1,
        0.1,
        { a: f64([1, 2]), b: tensor([[1, 2, 3]], { dtype: 'float64' }) } as never,
        {
          batch: 'independent',
        },
      ),
    ).toThrow(/same leading \(batch\) dimension/);
    expect(() => diffeqsolve(decay, new Tsit5(), 0, 1, 0.1, [f64([1]), 3] as never)).toThrow(
      /y0\[1\] is number/,
    );
    expect(() => new PIDController({ rtol: -1 })).toThrow(/rtol/);
    expect(() =>
      diffeqsolve(decay, new Tsit5(), 0, 1, 0.1, f64([1]).requiresGrad_(true), {
        saveat: new SaveAt({ steps: true }),
        adjoint: new BacksolveAdjoint(),
      }),
    ).toThrow(/steps\/fn are not supported/);
  });
});
