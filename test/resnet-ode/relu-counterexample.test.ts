import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../src/core/errors.js';
import {
  GradientFlowTrainer,
  ResNetKernel,
  reluCounterexampleData,
  reluCounterexampleLimit,
  reluCounterexampleOddValue,
  reluCounterexampleWeights,
} from '../../src/resnet-ode/index.js';

describe('ReLU counterexample (App. D)', () => {
  it('closed form: (1 + w⋆/(2L))^L = C and w⋆ ≥ 2 log C', () => {
    for (const [L, C] of [
      [1, 2],
      [50, 2],
      [10, 5],
    ] as const) {
      const w = reluCounterexampleLimit({ L, C });
      expect((1 + w / (2 * L)) ** L).toBeCloseTo(C, 12);
      expect(w).toBeGreaterThanOrEqual(2 * Math.log(C));
    }
    expect(reluCounterexampleLimit({ L: 50, C: 2 })).toBeCloseTo(1.395948, 6);
    expect(() => reluCounterexampleLimit({ L: 3, C: 1 })).toThrow(ArgumentError);
  });

  it('the construction: alternating weights, the forward pass is the product of the even factors', () => {
    const L = 4;
    const w = reluCounterexampleWeights({ L, C: 2 });
    expect(w.spec.depth).toBe(8);
    expect(Array.from(w.W)).toEqual([-1, 1, -1, 1, -1, 1, -1, 1].map((s) => s / 8));
    const { X } = reluCounterexampleData({ L, C: 2, x: 1.5 });
    const out = new ResNetKernel(w.spec, 1).forward(w, X)[0]!;
    expect(out).toBeCloseTo(1.5 * (1 + 1 / 64) ** 4, 14);
  });

  it('odd layers get exactly zero gradient, even layers identical gradients', () => {
    const w = reluCounterexampleWeights({ L: 5, C: 3 });
    const tr = new GradientFlowTrainer(w, reluCounterexampleData({ L: 5, C: 3 }), {
      lr: 0.01,
      train: { V: false },
    });
    for (let t = 0; t < 50; t++) tr.step();
    tr.evaluate();
    for (let k = 0; k < 10; k += 2) {
      expect(tr.grads.W[k]).toBe(0);
      expect(w.W[k]).toBe(reluCounterexampleOddValue(5));
    }
    for (let k = 3; k < 10; k += 2) expect(tr.grads.W[k]).toBeCloseTo(tr.grads.W[1]!, 14);
    expect(w.V.every((v) => v === 1)).toBe(true);
  });
});
