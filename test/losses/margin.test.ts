import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { autogradGrad as grad } from '../../src/autograd/index.js';
import { ArgumentError, AxisError, ShapeError } from '../../src/core/errors.js';
import {
  cosineSimilarity,
  hinge,
  modifiedHuber,
  perceptron,
  quadraticallySmoothedHinge,
  ramp,
  smoothedHinge,
  zeroOne,
} from '../../src/losses/index.js';
import { tensor } from '../../src/ops/creation.js';
import { expectClose, flat, randn64 } from '../helpers.js';

const t64 = (v: number[]) => tensor(v, { dtype: 'float64' });
const i32 = (v: number[]) => tensor(v, { dtype: 'int32' });

// Margins z = y·f(x) away from every kink (−1, 0, 0.5, 1) and the labels that produce them.
const Z = [-2.3, -0.6, 0.3, 1.7, -1.4, 0.8, 0.1, 2.2];
const Y = [1, -1, 1, -1, -1, 1, -1, 1];
const scores = () => t64(Z.map((z, i) => z * Y[i]!));
const labels = i32(Y);

describe('binary margin losses: values in z = y·f(x)', () => {
  const cases: [string, (s: ReturnType<typeof t64>) => ReturnType<typeof t64>, (z: number) => number][] = [
    ['zeroOne', (s) => zeroOne(s, labels, { reduction: 'none' }), (z) => (z < 0 ? 1 : 0)],
    ['hinge', (s) => hinge(s, labels, { reduction: 'none' }), (z) => Math.max(0, 1 - z)],
    ['perceptron', (s) => perceptron(s, labels, { reduction: 'none' }), (z) => Math.max(0, -z)],
    [
      'smoothedHinge',
      (s) => smoothedHinge(s, labels, { reduction: 'none' }),
      (z) => (z <= 0 ? 0.5 - z : z < 1 ? 0.5 * (1 - z) ** 2 : 0),
    ],
    [
      'modifiedHuber',
      (s) => modifiedHuber(s, labels, { reduction: 'none' }),
      (z) => (z >= -1 ? 0.25 * Math.max(0, 1 - z) ** 2 : -z),
    ],
    ['ramp', (s) => ramp(s, labels, { reduction: 'none' }), (z) => Math.min(1, Math.max(0, 1 - z))],
    [
      'ramp s = −1',
      (s) => ramp(s, labels, { s: -1, reduction: 'none' }),
      (z) => Math.min(2, Math.max(0, 1 - z)),
    ],
  ];
  for (const [name, fn, ref] of cases) {
    it(name, () => expectClose(fn(scores()), Z.map(ref), 1e-12));
  }

  it('float labels work like int32 labels', () => {
    expectClose(hinge(scores(), t64(Y)), hinge(scores(), labels), 1e-15);
  });

  it('quadratically smoothed hinge with γ = 2 equals the modified Huber loss', () => {
    const s = randn64([200], 5, 3);
    const y = i32(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? -1 : 1)));
    expectClose(
      quadraticallySmoothedHinge(s, y, { gamma: 2, reduction: 'none' }),
      modifiedHuber(s, y, { reduction: 'none' }),
      1e-12,
      1e-15,
    );
  });

  it('quadratically smoothed hinge → hinge as γ → 0 (|difference| ≤ γ/2)', () => {
    const s = randn64([200], 6, 3);
    const y = i32(Array.from({ length: 200 }, (_, i) => (i % 2 ? -1 : 1)));
    const h = flat(hinge(s, y, { reduction: 'none' }));
    for (const gamma of [0.1, 1e-3, 1e-6]) {
      const q = flat(quadraticallySmoothedHinge(s, y, { gamma, reduction: 'none' }));
      const worst = Math.max(...q.map((v, i) => Math.abs(v - h[i]!)));
      expect(worst).toBeLessThanOrEqual(gamma / 2 + 1e-15);
    }
  });

  it('the zero-one loss is attached to the graph with zero gradient', () => {
    const s = scores().requiresGrad_(true);
    const [g] = grad(zeroOne(s, labels), s);
    expect(flat(g!).every((v) => v === 0)).toBe(true);
  });

  it('cosine similarity loss is 1 − cos, in [0, 2], along dim', () => {
    const a = t64([1, 0, 0, 1]).reshape([2, 2]);
    const b = t64([1, 1, 0, -2]).reshape([2, 2]);
    expectClose(cosineSimilarity(a, b, { reduction: 'none' }), [1 - Math.SQRT1_2, 2], 1e-12);
    expectClose(cosineSimilarity(a, b, { dim: 0, reduction: 'none' }), [0, 1 + 2 / Math.sqrt(5)], 1e-12);
    const p = randn64([5, 4], 7);
    const q = randn64([5, 4], 8);
    const v = flat(cosineSimilarity(p, q, { reduction: 'none' }));
    expect(v.every((x) => x >= 0 && x <= 2)).toBe(true);
    // Scale invariance.
    expectClose(cosineSimilarity(p.mul(7), q, { reduction: 'none' }), v, 1e-12);
  });
});

describe('binary margin losses: validation', () => {
  it('labels must be ±1', () => {
    expect(() => hinge(t64([1, 2]), i32([1, 0]))).toThrow(ArgumentError);
    expect(() => hinge(t64([1, 2]), i32([1, 0]))).toThrow(
      /^hinge: labels must be -1 or \+1 .*got 0 at flat index 1/,
    );
  });
  it('labels must match the scores', () => {
    expect(() => ramp(t64([1, 2, 3]), i32([1, -1]))).toThrow(ShapeError);
    expect(() => ramp(t64([1, 2, 3]).reshape([3, 1]), i32([1, -1, 1]))).toThrow(/^ramp: /);
  });
  it('hyper-parameters are checked', () => {
    expect(() => quadraticallySmoothedHinge(t64([1]), i32([1]), { gamma: 0 })).toThrow(
      /^quadraticallySmoothedHinge: gamma must be positive/,
    );
    expect(() => ramp(t64([1]), i32([1]), { s: 1 })).toThrow(/^ramp: s must be a finite number < 1/);
    expect(() => cosineSimilarity(t64([1, 2]), t64([1, 2]), { dim: 1 })).toThrow(AxisError);
  });
});

describe('binary margin losses: float64 gradcheck away from kinks', () => {
  const fns = {
    hinge,
    perceptron,
    smoothedHinge,
    modifiedHuber,
    ramp,
    quadraticallySmoothedHinge: (s: ReturnType<typeof t64>, y: ReturnType<typeof t64>) =>
      quadraticallySmoothedHinge(s, y, { gamma: 0.35 }),
    zeroOne,
  };
  for (const [name, fn] of Object.entries(fns)) {
    it(name, () => {
      expect(gradcheck((s) => fn(s!, labels), [scores()])).toBe(true);
      expect(gradcheck((s) => fn(s!, labels, { reduction: 'none' }), [scores()])).toBe(true);
    });
  }
  it('cosineSimilarity (both arguments)', () => {
    expect(gradcheck((a, b) => cosineSimilarity(a!, b!), [randn64([3, 4], 9), randn64([3, 4], 10)])).toBe(
      true,
    );
    expect(
      gradcheck(
        (a, b) => cosineSimilarity(a!, b!, { dim: 0, reduction: 'sum' }),
        [randn64([3, 4], 9), randn64([3, 4], 10)],
      ),
    ).toBe(true);
  });
});
