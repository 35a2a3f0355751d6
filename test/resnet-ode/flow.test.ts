import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import { randn, randomKey } from '../../src/index.js';
import {
  cloneWeights,
  GradientFlowTrainer,
  initWeights,
  integrateGradientFlow,
  type ResNetWeights,
} from '../../src/resnet-ode/index.js';

const gauss = (n: number, seed: number) =>
  randn([n], { dtype: 'float64', key: randomKey(seed) })._contiguousData() as Float64Array;

function dist(a: ResNetWeights, b: ResNetWeights): number {
  let s = 0;
  for (const g of ['A', 'B', 'V', 'W'] as const)
    for (let i = 0; i < a[g].length; i++) s += (a[g][i]! - b[g][i]!) ** 2;
  return Math.sqrt(s);
}

const spec = { depth: 6, inputDim: 3, hidden: 4, width: 5, outputDim: 3, activation: 'gelu' as const };
const n = 8;
const data = { X: gauss(n * 3, 1), Y: gauss(n * 3, 2), n };

describe('gradient flow', () => {
  it('GD with the depth-scaled rate moves the residual weights by L·η·(−∂ℓ/∂Z)', () => {
    const w = initWeights(spec, { init: { kind: 'tied' }, key: randomKey(3) });
    const before = cloneWeights(w);
    const tr = new GradientFlowTrainer(w, data, { lr: 0.01, train: { A: true } });
    tr.step();
    const g = tr.grads;
    for (let i = 0; i < w.W.length; i++) expect(w.W[i]).toBeCloseTo(before.W[i]! - 0.01 * 6 * g.W[i]!, 15);
    for (let i = 0; i < w.A.length; i++) expect(w.A[i]).toBeCloseTo(before.A[i]! - 0.01 * g.A[i]!, 15);
    expect(w.B).toEqual(before.B); // frozen by default
  });

  it('GD at small η tracks the exact flow (diffeq), with an O(η) error', () => {
    const T = 2;
    const w0 = initWeights(spec, { init: { kind: 'tied' }, key: randomKey(3) });
    const flow = integrateGradientFlow(
      new GradientFlowTrainer(cloneWeights(w0), data, { lr: 0.01, train: { A: true, B: true } }),
      {
        T,
        ts: [T / 2, T],
        rtol: 1e-10,
        atol: 1e-12,
      },
    );
    expect(flow.weights).toHaveLength(2);
    const errs = [0.04, 0.02, 0.01].map((eta) => {
      const w = cloneWeights(w0);
      const tr = new GradientFlowTrainer(w, data, { lr: eta, train: { A: true, B: true } });
      for (let t = 0; t < Math.round(T / eta); t++) tr.step();
      return dist(w, flow.weights[1]!);
    });
    const moved = dist(w0, flow.weights[1]!);
    expect(moved).toBeGreaterThan(0.5); // the flow goes somewhere
    expect(errs[2]! / moved).toBeLessThan(0.02);
    // First order: halving η halves the error.
    expect(errs[0]! / errs[1]!).toBeGreaterThan(1.8);
    expect(errs[0]! / errs[1]!).toBeLessThan(2.2);
    expect(errs[1]! / errs[2]!).toBeGreaterThan(1.8);
    expect(errs[1]! / errs[2]!).toBeLessThan(2.2);
    // The loss decreases along the flow.
    const loss = (w: ResNetWeights) => new GradientFlowTrainer(w, data, { lr: 1 }).loss();
    expect(loss(flow.weights[1]!)).toBeLessThan(loss(flow.weights[0]!));
    expect(loss(flow.weights[0]!)).toBeLessThan(loss(w0));
  });

  it('the clipped flow bounds every coordinate velocity by C', () => {
    const w = initWeights(spec, { init: { kind: 'tied' }, key: randomKey(4) });
    const before = cloneWeights(w);
    const C = 1e-3;
    const tr = new GradientFlowTrainer(w, data, { lr: 0.5, clip: C });
    tr.step();
    // At the tied initialisation V = 0, so only V has a gradient.
    let maxMove = 0;
    let clipped = 0;
    for (let i = 0; i < w.V.length; i++) {
      const mv = Math.abs(w.V[i]! - before.V[i]!);
      maxMove = Math.max(maxMove, mv);
      if (Math.abs(6 * tr.grads.V[i]!) > C) {
        clipped++;
        expect(mv).toBeCloseTo(0.5 * C, 15);
      } else expect(mv).toBeCloseTo(0.5 * 6 * Math.abs(tr.grads.V[i]!), 15);
    }
    expect(clipped).toBeGreaterThan(w.V.length / 2);
    expect(maxMove).toBeLessThanOrEqual(0.5 * C * (1 + 1e-12));
    // The exact clipped flow runs through the same velocity.
    const flow = integrateGradientFlow(
      new GradientFlowTrainer(cloneWeights(before), data, { lr: 1, clip: C }),
      { T: 1 },
    );
    for (const g of ['V', 'W'] as const) {
      let maxMoved = 0;
      for (let i = 0; i < w[g].length; i++)
        maxMoved = Math.max(maxMoved, Math.abs(flow.weights[0]![g][i]! - before[g][i]!));
      expect(maxMoved).toBeLessThanOrEqual(C * (1 + 1e-6));
    }
  });

  it('validates its inputs', () => {
    const w = initWeights(spec, { init: { kind: 'tied' }, key: randomKey(3) });
    expect(() => new GradientFlowTrainer(w, { ...data, n: 7 }, { lr: 0.1 })).toThrow(ShapeError);
    expect(() => new GradientFlowTrainer(w, data, { lr: 0 })).toThrow(ArgumentError);
    expect(() => new GradientFlowTrainer(w, data, { lr: 0.1, clip: -1 })).toThrow(/clip must be > 0/);
    const frozen = new GradientFlowTrainer(w, data, { lr: 0.1, train: { V: false, W: false } });
    expect(() => integrateGradientFlow(frozen, { T: 1 })).toThrow(/trains no parameter group/);
  });
});
