import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { copy_, noGrad, softplus, tensor } from '../../src/index.js';
import {
  ebmHinge,
  ebmLog,
  ebmNll,
  energyLoss,
  generalizedPerceptron,
  minimumClassificationError,
  squareExponential,
  squareSquare,
} from '../../src/losses/index.js';
import {
  defaultEnergyForm,
  ENERGY_LOSS_NAMES,
  EnergyModel,
  energyLossByName,
} from '../../src/losses/training/index.js';
import { Linear, Module } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { randn, randomKey } from '../../src/random/index.js';

/** A linear scorer with fixed weights: scores = x·Wᵀ. */
function fixedScorer(w: number[][]): Linear {
  const l = new Linear(w[0]!.length, w.length, { dtype: 'float64', bias: false });
  noGrad(() => {
    copy_(l.weight, tensor(w, { dtype: 'float64' }));
  });
  return l;
}

describe('EnergyModel', () => {
  // Scores of 3 answers for 2 inputs: x0 = [1, 0] → [1, −2, 0.5]; x1 = [0, 1] → [0, 3, 2].
  const scorer = fixedScorer([
    [1, 0],
    [-2, 3],
    [0.5, 2],
  ]);
  const x = tensor(
    [
      [1, 0],
      [0, 1],
    ],
    { dtype: 'float64' },
  );
  const labels = tensor([2, 1], { dtype: 'int32' });

  it('uses E = −score (or softplus(−score)), infers argmin E and finds the most offending wrong answer', () => {
    const m = new EnergyModel(scorer);
    expect(m.forward(x).toArray()).toEqual([
      [-1, 2, -0.5],
      [-0, -3, -2],
    ]);
    const sp = new EnergyModel(scorer, { form: 'softplus' }).forward(x).dataSync();
    const ref = softplus(tensor([-1, 2, -0.5, 0, -3, -2], { dtype: 'float64' })).dataSync();
    for (let i = 0; i < 6; i++) expect(sp[i]).toBeCloseTo(Number(ref[i]), 14);
    expect([...m.infer(x).dataSync()]).toEqual([0, 1]);
    // Wrong answers: x0 (label 2) → {0: −1, 1: 2} → 0; x1 (label 1) → {0: 0, 2: −2} → 2.
    expect([...m.mostOffending(x, labels).dataSync()]).toEqual([0, 2]);
    expect(m.accuracy(x, labels)).toBe(0.5);
    expect(m.accuracy(x, tensor([0, 1], { dtype: 'int32' }))).toBe(1);
  });

  it('dispatches every loss name to the library function with its hyper-parameters', () => {
    const e = randn([5, 4], { dtype: 'float64', key: randomKey(1) });
    const y = tensor([0, 3, 1, 1, 2], { dtype: 'int32' });
    const p = { beta: 2, margin: 0.5, gamma: 3 };
    const direct: Record<string, number> = {
      energyLoss: energyLoss(e, y).item(),
      generalizedPerceptron: generalizedPerceptron(e, y).item(),
      ebmNll: ebmNll(e, y, { beta: 2 }).item(),
      ebmHinge: ebmHinge(e, y, { margin: 0.5 }).item(),
      ebmLog: ebmLog(e, y).item(),
      minimumClassificationError: minimumClassificationError(e, y).item(),
      squareSquare: squareSquare(e, y, { margin: 0.5 }).item(),
      squareExponential: squareExponential(e, y, { gamma: 3 }).item(),
    };
    expect(ENERGY_LOSS_NAMES).toHaveLength(8);
    for (const name of ENERGY_LOSS_NAMES) expect(energyLossByName(name, e, y, p).item()).toBe(direct[name]);
    expect(() => energyLossByName('nope' as never, e, y)).toThrow(/^energyLossByName: unknown loss 'nope'/);
    expect(defaultEnergyForm('squareSquare')).toBe('softplus');
    expect(defaultEnergyForm('squareExponential')).toBe('softplus');
    expect(defaultEnergyForm('ebmHinge')).toBe('negScore');
  });

  it('passes a float64 gradcheck in the input (both energy forms)', () => {
    const lin = new Linear(3, 4, { dtype: 'float64', key: randomKey(2) });
    const xi = randn([2, 3], { dtype: 'float64', key: randomKey(3), requiresGrad: true });
    for (const form of ['negScore', 'softplus'] as const) {
      const m = new EnergyModel(lin, { form });
      expect(gradcheck((a: Tensor) => m.forward(a), [xi])).toBe(true);
    }
  });

  it('trains a separable 3-class problem with the hinge loss', () => {
    const n = 90;
    const xs: number[][] = [];
    const ys: number[] = [];
    const centres = [
      [2, 0],
      [-1, 2],
      [-1, -2],
    ];
    const noise = randn([n, 2], { dtype: 'float64', key: randomKey(4) }).dataSync();
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      xs.push([
        centres[c]![0]! + 0.3 * Number(noise[2 * i]),
        centres[c]![1]! + 0.3 * Number(noise[2 * i + 1]),
      ]);
      ys.push(c);
    }
    const xt = tensor(xs, { dtype: 'float64' });
    const yt = tensor(ys, { dtype: 'int32' });
    const m = new EnergyModel(new Linear(2, 3, { dtype: 'float64', key: randomKey(5) }));
    const opt = new SGD(m.parameters(), { lr: 0.1 });
    const first = m.trainStep(xt, yt, 'ebmHinge', opt);
    let last = first;
    for (let i = 0; i < 100; i++) last = m.trainStep(xt, yt, 'ebmHinge', opt);
    expect(last).toBeLessThan(0.1 * first);
    expect(m.accuracy(xt, yt)).toBe(1);
  });

  it('rejects a bad form and non-[N, K] scores', () => {
    expect(() => new EnergyModel(scorer, { form: 'exp' as never })).toThrow(ArgumentError);
    class Flat extends Module<[Tensor], Tensor> {
      forward(a: Tensor): Tensor {
        return a.sum(1);
      }
    }
    expect(() => new EnergyModel(new Flat()).forward(x)).toThrow(ShapeError);
    expect(() => new EnergyModel(new Flat()).forward(x)).toThrow(
      /^EnergyModel: the scorer must return \[N, K\] scores, got \[2\]/,
    );
  });
});
