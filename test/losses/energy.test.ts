import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import {
  crossEntropy,
  ebmHinge,
  ebmLog,
  ebmNll,
  energyLoss,
  generalizedMargin,
  generalizedPerceptron,
  minimumClassificationError,
  mostOffendingIncorrect,
  squareExponential,
  squareSquare,
} from '../../src/losses/index.js';
import { tensor } from '../../src/ops/creation.js';
import { relu } from '../../src/ops/unary.js';
import { expectClose, flat, randn64 } from '../helpers.js';

const t64 = (v: number[], shape?: number[]) => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
const i32 = (v: number[]) => tensor(v, { dtype: 'int32' });

const E = t64([1, 0.2, 3, 0.5, 2, 0.1, 0.4, 0.4, 0.9], [3, 3]);
const Y = i32([0, 2, 2]);
// Correct energies and most offending incorrect answers (ties → lowest index).
const EC = [1, 0.1, 0.9];
const BAR = [1, 0, 0];
const EW = [0.2, 0.5, 0.4];

describe('energy-based losses: values', () => {
  it('most offending incorrect answer', () => {
    expect(flat(mostOffendingIncorrect(E, Y))).toEqual(BAR);
    expect(mostOffendingIncorrect(E, Y).dtype).toBe('int32');
  });

  it('energy loss, generalized perceptron, hinge, log, MCE, square-square, square-exponential', () => {
    const mins = [0.2, 0.1, 0.4];
    const none = { reduction: 'none' as const };
    expectClose(energyLoss(E, Y, none), EC, 1e-15);
    expectClose(
      generalizedPerceptron(E, Y, none),
      EC.map((e, i) => e - mins[i]!),
      1e-15,
    );
    expectClose(
      ebmHinge(E, Y, { ...none, margin: 0.5 }),
      EC.map((e, i) => Math.max(0, 0.5 + e - EW[i]!)),
      1e-15,
    );
    expectClose(
      ebmLog(E, Y, none),
      EC.map((e, i) => Math.log1p(Math.exp(e - EW[i]!))),
      1e-14,
    );
    expectClose(
      minimumClassificationError(E, Y, none),
      EC.map((e, i) => 1 / (1 + Math.exp(EW[i]! - e))),
      1e-14,
    );
    expectClose(
      squareSquare(E, Y, none),
      EC.map((e, i) => e * e + Math.max(0, 1 - EW[i]!) ** 2),
      1e-14,
    );
    expectClose(
      squareExponential(E, Y, { ...none, gamma: 2 }),
      EC.map((e, i) => e * e + 2 * Math.exp(-EW[i]!)),
      1e-14,
    );
  });

  it('EBM-NLL = E_y + (1/β) log Σ e^{−βE} = cross-entropy on −βE divided by β', () => {
    for (const beta of [0.5, 1, 3]) {
      const nll = flat(ebmNll(E, Y, { beta, reduction: 'none' }));
      const e = flat(E);
      const manual = [0, 1, 2].map((i) => {
        const row = e.slice(3 * i, 3 * i + 3);
        return EC[i]! + Math.log(row.reduce((s, v) => s + Math.exp(-beta * v), 0)) / beta;
      });
      expectClose(nll, manual, 1e-13);
      expectClose(
        nll,
        flat(crossEntropy(E.mul(-beta), Y, { reduction: 'none' })).map((v) => v / beta),
        1e-13,
      );
    }
  });

  it('EBM-NLL → generalized perceptron as β → ∞ (β = 1e3, within log K / β)', () => {
    const energies = randn64([20, 5], 1, 3);
    const labels = i32(Array.from({ length: 20 }, (_, i) => i % 5));
    const nll = flat(ebmNll(energies, labels, { beta: 1e3, reduction: 'none' }));
    const gp = flat(generalizedPerceptron(energies, labels, { reduction: 'none' }));
    nll.forEach((v, i) => {
      expect(v - gp[i]!).toBeGreaterThanOrEqual(-1e-12);
      expect(v - gp[i]!).toBeLessThanOrEqual(Math.log(5) / 1e3);
    });
    // Stable: no overflow for large β·E.
    expect(flat(ebmNll(energies.mul(100), labels, { beta: 1e3 })).every(Number.isFinite)).toBe(true);
  });

  it('EBM-NLL with β = 1 on two answers equals the log loss', () => {
    const energies = randn64([30, 2], 2, 2);
    const labels = i32(Array.from({ length: 30 }, (_, i) => i % 2));
    expectClose(
      ebmNll(energies, labels, { reduction: 'none' }),
      ebmLog(energies, labels, { reduction: 'none' }),
      1e-12,
    );
  });

  it('generalized margin with Q = hinge is the EBM hinge', () => {
    const Q = (ec: Tensor, ew: Tensor) => relu(ec.sub(ew).add(1));
    expectClose(
      generalizedMargin(E, Y, Q, { reduction: 'none' }),
      ebmHinge(E, Y, { reduction: 'none' }),
      1e-15,
    );
    expect(() => generalizedMargin(E, Y, (ec) => ec.reshape([3, 1]))).toThrow(
      /^generalizedMargin: Q must return a per-sample tensor \[3\]/,
    );
  });
});

describe('energy-based losses: validation', () => {
  it('shapes, labels and hyper-parameters', () => {
    expect(() => energyLoss(t64([1, 2, 3]), i32([0]))).toThrow(
      /^energyLoss: energies must have shape \[N, K\], got \[3\]/,
    );
    expect(() => ebmHinge(E, i32([0, 3, 1]))).toThrow(/^ebmHinge: labels must be class indices in \[0, 3\)/);
    expect(() => ebmLog(t64([1, 2], [2, 1]), i32([0, 0]))).toThrow(ShapeError);
    expect(() => mostOffendingIncorrect(t64([1, 2], [2, 1]), i32([0, 0]))).toThrow(/need at least 2 answers/);
    expect(() => ebmNll(E, Y, { beta: 0 })).toThrow(/^ebmNll: beta must be positive/);
    expect(() => squareExponential(E, Y, { gamma: -1 })).toThrow(
      /^squareExponential: gamma must be positive/,
    );
  });
});

describe('energy-based losses: float64 gradcheck (random energies, no ties)', () => {
  const energies = randn64([4, 3], 3);
  const labels = i32([0, 2, 1, 1]);
  const fns: Record<string, (e: Tensor, y: Tensor) => Tensor> = {
    energyLoss,
    generalizedPerceptron,
    ebmNll: (e, y) => ebmNll(e, y, { beta: 2 }),
    ebmHinge: (e, y) => ebmHinge(e, y, { margin: 5 }),
    ebmLog,
    minimumClassificationError,
    squareSquare: (e, y) => squareSquare(e, y, { margin: 5 }),
    squareExponential,
    generalizedMargin: (e, y) => generalizedMargin(e, y, (ec, ew) => ec.sub(ew).exp()),
  };
  for (const [name, fn] of Object.entries(fns)) {
    it(name, () => {
      expect(gradcheck((e) => fn(e!, labels), [energies])).toBe(true);
    });
  }
});
