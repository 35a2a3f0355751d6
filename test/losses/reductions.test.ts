import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { LossOptions } from '../../src/losses/index.js';
import * as L from '../../src/losses/index.js';
import { tensor } from '../../src/ops/creation.js';
import { expectClose, flat, rand64, randn64 } from '../helpers.js';

const i32 = (v: number[]) => tensor(v, { dtype: 'int32' });
const pm = i32([1, -1, -1, 1]);
const p4 = randn64([4], 1);
const t4 = randn64([4], 2);
const logits = randn64([4, 3], 3);
const labels = i32([0, 2, 1, 2]);
const probs = rand64([4, 3], 4, 0.1, 0.9);
const qProbs = probs.div(probs.sum(1, true));
const emb = [randn64([4, 2], 5), randn64([4, 2], 6), randn64([4, 2], 7)] as const;

/** Every loss whose per-sample loss is combined by a plain mean / sum (RMSE and RMSLE take the root after). */
const cases: Record<string, (o: LossOptions) => Tensor> = {
  meanBiasError: (o) => L.meanBiasError(p4, t4, o),
  meanAbsoluteError: (o) => L.meanAbsoluteError(p4, t4, o),
  meanSquaredError: (o) => L.meanSquaredError(p4, t4, o),
  huber: (o) => L.huber(p4, t4, o),
  smoothL1: (o) => L.smoothL1(p4, t4, o),
  logCosh: (o) => L.logCosh(p4, t4, o),
  zeroOne: (o) => L.zeroOne(p4, pm, o),
  hinge: (o) => L.hinge(p4, pm, o),
  perceptron: (o) => L.perceptron(p4, pm, o),
  smoothedHinge: (o) => L.smoothedHinge(p4, pm, o),
  quadraticallySmoothedHinge: (o) => L.quadraticallySmoothedHinge(p4, pm, o),
  modifiedHuber: (o) => L.modifiedHuber(p4, pm, o),
  ramp: (o) => L.ramp(p4, pm, o),
  cosineSimilarity: (o) => L.cosineSimilarity(emb[0], emb[1], o),
  crossEntropy: (o) => L.crossEntropy(logits, labels, o),
  crossEntropyProbs: (o) => L.crossEntropy(logits, qProbs, o),
  binaryCrossEntropy: (o) => L.binaryCrossEntropy(p4, rand64([4], 8), o),
  negativeLogLikelihood: (o) => L.negativeLogLikelihood(logits, labels, o),
  klDivergence: (o) => L.klDivergence(logits, qProbs, o),
  minimaxDiscriminatorLoss: (o) => L.minimaxDiscriminatorLoss(p4, t4, o),
  minimaxGeneratorLoss: (o) => L.minimaxGeneratorLoss(p4, o),
  wassersteinCriticLoss: (o) => L.wassersteinCriticLoss(p4, t4, o),
  wassersteinGeneratorLoss: (o) => L.wassersteinGeneratorLoss(p4, o),
  gradientPenalty: (o) =>
    L.gradientPenalty((x) => x.mul(x).sum(1), emb[0], emb[1], { ...o, alpha: rand64([4], 9) }),
  diffusionSimpleLoss: (o) => L.diffusionSimpleLoss(emb[0], emb[1], o),
  contrastive: (o) => L.contrastive(emb[0], emb[1], i32([1, 0, 0, 1]), o),
  triplet: (o) => L.triplet(emb[0], emb[1], emb[2], o),
  energyLoss: (o) => L.energyLoss(logits, labels, o),
  generalizedPerceptron: (o) => L.generalizedPerceptron(logits, labels, o),
  ebmNll: (o) => L.ebmNll(logits, labels, o),
  generalizedMargin: (o) => L.generalizedMargin(logits, labels, (a, b) => a.sub(b), o),
  ebmHinge: (o) => L.ebmHinge(logits, labels, o),
  ebmLog: (o) => L.ebmLog(logits, labels, o),
  minimumClassificationError: (o) => L.minimumClassificationError(logits, labels, o),
  squareSquare: (o) => L.squareSquare(logits, labels, o),
  squareExponential: (o) => L.squareExponential(logits, labels, o),
};

describe('reductions and per-sample weights', () => {
  for (const [name, call] of Object.entries(cases)) {
    it(name, () => {
      const none = call({ reduction: 'none' });
      expect(none.shape).toEqual([4]);
      const v = flat(none);
      const w = [0.5, 2, 0, 1.5];
      expectClose(call({}), v.reduce((a, b) => a + b) / 4, 1e-12, 1e-14);
      expectClose(
        call({ reduction: 'sum' }),
        v.reduce((a, b) => a + b),
        1e-12,
        1e-14,
      );
      const wt = tensor(w, { dtype: 'float64' });
      expectClose(
        call({ weight: wt, reduction: 'none' }),
        v.map((x, i) => x * w[i]!),
        1e-12,
        1e-14,
      );
      expectClose(call({ weight: wt }), v.reduce((a, x, i) => a + x * w[i]!, 0) / 4, 1e-12, 1e-14);
      // A float32 weight is cast; a scalar weight broadcasts.
      expectClose(call({ weight: tensor([2]), reduction: 'sum' }), 2 * v.reduce((a, b) => a + b), 1e-6);
      expect(() => call({ weight: tensor([1, 2, 3], { dtype: 'float64' }) })).toThrow(ShapeError);
      expect(() => call({ weight: tensor([1, 2, 3, 4], { dtype: 'float64' }).reshape([4, 1]) })).toThrow(
        /does not broadcast to the per-sample loss \[4\]/,
      );
      expect(() => call({ weight: i32([1, 1, 1, 1]) })).toThrow(DTypeError);
      // @ts-expect-error: checked at run time too.
      expect(() => call({ reduction: 'avg' })).toThrow(ArgumentError);
    });
  }

  it('error messages start with the loss name', () => {
    // @ts-expect-error
    expect(() => L.triplet(...emb, { reduction: 'avg' })).toThrow(
      /^triplet: reduction must be 'mean', 'sum' or 'none' \(got 'avg'\)/,
    );
    expect(() => L.hinge(p4, pm, { weight: i32([1, 1, 1, 1]) })).toThrow(
      /^hinge: weight must be float32 or float64/,
    );
  });

  it('float32 inputs give float32 losses', () => {
    const p = tensor([0.5, -1]);
    const t = tensor([1, 1]);
    expect(L.huber(p, t).dtype).toBe('float32');
    expect(L.hinge(p, i32([1, -1])).dtype).toBe('float32');
    expect(L.crossEntropy(tensor([[1, 2]]), i32([1])).dtype).toBe('float32');
  });
});
