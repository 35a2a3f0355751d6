import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { autogradGrad as grad } from '../../src/autograd/index.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import {
  huber,
  logCosh,
  meanAbsoluteError,
  meanBiasError,
  meanSquaredError,
  rootMeanSquaredError,
  rootMeanSquaredLogError,
  smoothL1,
} from '../../src/losses/index.js';
import { tensor } from '../../src/ops/creation.js';
import { expectClose, flat, rand64, randn64 } from '../helpers.js';

const t64 = (v: number[]) => tensor(v, { dtype: 'float64' });

describe('regression losses: values', () => {
  const pred = t64([0.5, 2, -1, 4]);
  const target = t64([1, 0, -1, 1]);
  const r = [0.5, -2, 0, -3]; // target − pred

  it('mean bias error is the mean signed residual y − f(x)', () => {
    expectClose(meanBiasError(pred, target), r.reduce((a, b) => a + b) / 4);
    expectClose(meanBiasError(pred, target, { reduction: 'none' }), r);
  });

  it('MAE, MSE and RMSE match their definitions', () => {
    expectClose(meanAbsoluteError(pred, target), (0.5 + 2 + 0 + 3) / 4);
    expectClose(meanSquaredError(pred, target), (0.25 + 4 + 0 + 9) / 4);
    expectClose(rootMeanSquaredError(pred, target), Math.sqrt((0.25 + 4 + 0 + 9) / 4));
  });

  it('RMSE: sum is the residual norm, none the per-element |r|, weights inside the root', () => {
    expectClose(rootMeanSquaredError(pred, target, { reduction: 'sum' }), Math.sqrt(13.25));
    expectClose(rootMeanSquaredError(pred, target, { reduction: 'none' }), r.map(Math.abs));
    const w = t64([1, 0, 2, 1]);
    expectClose(rootMeanSquaredError(pred, target, { weight: w }), Math.sqrt((0.25 + 0 + 0 + 9) / 4));
  });

  it('RMSE has a finite (zero) gradient at a perfect fit', () => {
    const p = t64([1, 2, 3]).requiresGrad_(true);
    const [g] = grad(rootMeanSquaredError(p, t64([1, 2, 3])), p);
    expect(flat(g!)).toEqual([0, 0, 0]);
  });

  it('Huber: quadratic inside δ, linear outside', () => {
    const d = 1.5;
    const expected = r.map((x) => (Math.abs(x) <= d ? 0.5 * x * x : d * (Math.abs(x) - 0.5 * d)));
    expectClose(huber(pred, target, { delta: d, reduction: 'none' }), expected);
  });

  it('Huber with δ = 1 equals Smooth L1 (the survey identity)', () => {
    const p = randn64([50], 1, 2);
    const t = randn64([50], 2, 2);
    expectClose(huber(p, t, { delta: 1, reduction: 'none' }), smoothL1(p, t, { reduction: 'none' }), 1e-12);
  });

  it("Smooth L1 has PyTorch's β semantics: Huber(δ = β)/β, and β = 0 is L1", () => {
    const p = randn64([50], 3, 2);
    const t = randn64([50], 4, 2);
    for (const beta of [0.25, 2]) {
      const h = flat(huber(p, t, { delta: beta, reduction: 'none' })).map((v) => v / beta);
      expectClose(smoothL1(p, t, { beta, reduction: 'none' }), h, 1e-12);
    }
    expectClose(smoothL1(p, t, { beta: 0 }), meanAbsoluteError(p, t), 1e-12);
  });

  it('log-cosh ≈ r²/2 for |r| ≤ 1e-2 and ≈ |r| − log 2 for |r| ≥ 10, without overflow', () => {
    const small = [1e-2, -3e-3, 1e-4];
    for (const x of small) {
      const v = logCosh(t64([x]), t64([0])).item();
      expect(Math.abs(v - (x * x) / 2)).toBeLessThan(1e-4 * x * x);
    }
    for (const x of [10, -25, 1e3, -1e6]) {
      const v = logCosh(t64([x]), t64([0])).item();
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v - (Math.abs(x) - Math.LN2))).toBeLessThan(1e-8);
    }
    // Symmetric in f(x) − y and exact against log(cosh(r)) at moderate r.
    expectClose(logCosh(t64([0.3, -1.7]), t64([0, 0]), { reduction: 'none' }), [
      Math.log(Math.cosh(0.3)),
      Math.log(Math.cosh(1.7)),
    ]);
  });

  it('log-cosh gradient is tanh(r), also for large |r|', () => {
    const p = t64([-40, -1, 0, 0.5, 40]).requiresGrad_(true);
    const [g] = grad(logCosh(p, t64([0, 0, 0, 0, 0]), { reduction: 'sum' }), p);
    expectClose(g!, [-40, -1, 0, 0.5, 40].map(Math.tanh), 1e-12, 1e-15);
  });

  it('RMSLE uses log1p and is the RMSE of log(1 + ·)', () => {
    const p = t64([0, 1, 9, -0.5]);
    const t = t64([1, 1, 99, 0]);
    const d = [Math.log(2), 0, Math.log(100) - Math.log(10), -Math.log(0.5)];
    expectClose(rootMeanSquaredLogError(p, t), Math.sqrt(d.reduce((a, b) => a + b * b, 0) / 4), 1e-12);
  });
});

describe('regression losses: validation', () => {
  it('shape mismatch throws a ShapeError naming the loss', () => {
    expect(() => meanSquaredError(t64([1, 2, 3]), t64([1, 2]))).toThrow(ShapeError);
    expect(() => meanSquaredError(t64([1, 2, 3]), t64([1, 2]))).toThrow(/^meanSquaredError: /);
    // A target that broadcasts to a larger shape is rejected too.
    expect(() => huber(t64([1]), t64([1, 2]))).toThrow(/^huber: target \[2\] does not broadcast/);
  });

  it('RMSLE rejects negative targets and predictions ≤ −1', () => {
    expect(() => rootMeanSquaredLogError(t64([1, 2]), t64([1, -0.5]))).toThrow(ArgumentError);
    expect(() => rootMeanSquaredLogError(t64([1, 2]), t64([1, -0.5]))).toThrow(
      /^rootMeanSquaredLogError: target must be non-negative \(got -0.5 at flat index 1 of \[2\]\)/,
    );
    expect(() => rootMeanSquaredLogError(t64([-1, 2]), t64([1, 0]))).toThrow(/pred must be greater than -1/);
    // Predictions in (−1, 0) are in log1p's domain.
    expect(Number.isFinite(rootMeanSquaredLogError(t64([-0.5]), t64([1])).item())).toBe(true);
  });

  it('bad hyper-parameters throw', () => {
    expect(() => huber(t64([1]), t64([1]), { delta: 0 })).toThrow(/^huber: delta must be positive/);
    expect(() => smoothL1(t64([1]), t64([1]), { beta: -1 })).toThrow(/^smoothL1: beta must be non-negative/);
  });
});

describe('regression losses: float64 gradcheck', () => {
  const pred = randn64([3, 2], 11);
  const target = randn64([3, 2], 12);
  const fns = {
    meanBiasError,
    meanAbsoluteError,
    meanSquaredError,
    rootMeanSquaredError,
    huber,
    smoothL1,
    logCosh,
  };
  for (const [name, fn] of Object.entries(fns)) {
    it(name, () => {
      expect(gradcheck((p, t) => fn(p!, t!), [pred, target])).toBe(true);
      expect(gradcheck((p, t) => fn(p!, t!, { reduction: 'none' }), [pred, target])).toBe(true);
    });
  }
  it('huber and smoothL1 with other δ, β', () => {
    expect(gradcheck((p, t) => huber(p!, t!, { delta: 0.4 }), [pred, target])).toBe(true);
    expect(gradcheck((p, t) => smoothL1(p!, t!, { beta: 2 }), [pred, target])).toBe(true);
  });
  it('rootMeanSquaredLogError', () => {
    const p = rand64([3, 2], 13, -0.5, 5);
    const t = rand64([3, 2], 14, 0, 5);
    expect(gradcheck((a, b) => rootMeanSquaredLogError(a!, b!), [p, t])).toBe(true);
  });
});
