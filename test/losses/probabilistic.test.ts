import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/core/errors.js';
import {
  binaryCrossEntropy,
  crossEntropy,
  klDivergence,
  negativeLogLikelihood,
} from '../../src/losses/index.js';
import { logSoftmax, softmax } from '../../src/nn/functional/activation.js';
import { tensor, zeros } from '../../src/ops/creation.js';
import { cat } from '../../src/ops/join.js';
import { expectClose, flat, rand64, randn64 } from '../helpers.js';

const t64 = (v: number[], shape?: number[]) => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
const i32 = (v: number[]) => tensor(v, { dtype: 'int32' });

/** Rows of random probabilities (softmax of random logits), optionally with exact zeros. */
function probs(n: number, c: number, seed: number) {
  return softmax(randn64([n, c], seed), 1);
}

describe('probabilistic losses: identities', () => {
  const logits = randn64([6, 4], 1, 2);
  const labels = i32([0, 3, 1, 1, 2, 0]);

  it('cross-entropy equals the NLL of the log-softmax (softmax model)', () => {
    expectClose(
      crossEntropy(logits, labels, { reduction: 'none' }),
      negativeLogLikelihood(logSoftmax(logits, 1), labels, { reduction: 'none' }),
      1e-12,
    );
    const lp = flat(logSoftmax(logits, 1));
    const manual = flat(labels).map((y, i) => -lp[i * 4 + y]!);
    expectClose(crossEntropy(logits, labels, { reduction: 'none' }), manual, 1e-12);
  });

  it('cross-entropy with one-hot probabilities equals cross-entropy with labels', () => {
    const oneHot = zeros([6, 4], { dtype: 'float64' });
    flat(labels).forEach((y, i) => {
      oneHot._storage.data[i * 4 + y] = 1;
    });
    expectClose(crossEntropy(logits, oneHot), crossEntropy(logits, labels), 1e-12);
  });

  it('binary cross-entropy (Bernoulli model) equals two-class cross-entropy on [0, s] and the Bernoulli NLL', () => {
    const s = randn64([8], 2, 3);
    const y = t64([1, 0, 0, 1, 1, 0, 1, 0]);
    const bce = flat(binaryCrossEntropy(s, y, { reduction: 'none' }));
    const two = cat([zeros([8, 1], { dtype: 'float64' }), s.reshape([8, 1])], 1);
    expectClose(crossEntropy(two, i32(flat(y)), { reduction: 'none' }), bce, 1e-12);
    const manual = flat(s).map((v, i) => {
      const p = 1 / (1 + Math.exp(-v));
      return -(flat(y)[i]! * Math.log(p) + (1 - flat(y)[i]!) * Math.log(1 - p));
    });
    expectClose(bce, manual, 1e-10);
  });

  it('binary cross-entropy from logits is stable for huge logits', () => {
    const v = flat(binaryCrossEntropy(t64([800, -800, 800]), t64([1, 0, 0]), { reduction: 'none' }));
    expectClose(v, [0, 0, 800], 0, 1e-12);
  });

  it('KL(q ‖ p) = CE(q, p) − H(q), with 0·log 0 = 0', () => {
    const q = t64([0.2, 0.5, 0.3, 0, 0.6, 0, 0.4, 0, 0.25, 0.25, 0.25, 0.25], [3, 4]);
    const s = randn64([3, 4], 3);
    const ce = flat(crossEntropy(s, q, { reduction: 'none' }));
    const qs = flat(q);
    const H = [0, 1, 2].map(
      (i) => -qs.slice(4 * i, 4 * i + 4).reduce((a, v) => a + (v > 0 ? v * Math.log(v) : 0), 0),
    );
    expectClose(
      klDivergence(s, q, { reduction: 'none' }),
      ce.map((c, i) => c - H[i]!),
      1e-12,
    );
    // Same through log-probabilities; and KL(q ‖ q) = 0 even where q has zeros.
    expectClose(klDivergence(logSoftmax(s, 1), q, { input: 'logProbs' }), klDivergence(s, q), 1e-12);
    const logq = t64(
      qs.map((v) => (v > 0 ? Math.log(v) : Number.NEGATIVE_INFINITY)),
      [3, 4],
    );
    expectClose(klDivergence(logq, q, { input: 'logProbs', reduction: 'none' }), [0, 0, 0], 0, 1e-15);
  });

  it("KL's 'mean' is the batch mean of per-sample KL (PyTorch's 'batchmean')", () => {
    const q = probs(5, 3, 4);
    const s = randn64([5, 3], 5);
    const per = flat(klDivergence(s, q, { reduction: 'none' }));
    expectClose(klDivergence(s, q), per.reduce((a, b) => a + b) / 5, 1e-12);
    expect(per.every((v) => v >= 0)).toBe(true);
  });

  it('label smoothing passes through to nn.functional.crossEntropy', () => {
    const eps = 0.1;
    const oneHot = zeros([6, 4], { dtype: 'float64' });
    flat(labels).forEach((y, i) => {
      oneHot._storage.data[i * 4 + y] = 1;
    });
    const smoothed = oneHot.mul(1 - eps).add(eps / 4);
    expectClose(crossEntropy(logits, labels, { labelSmoothing: eps }), crossEntropy(logits, smoothed), 1e-12);
  });
});

describe('probabilistic losses: validation', () => {
  const logits = randn64([2, 3], 6);
  it('labels out of range or of the wrong dtype/shape', () => {
    expect(() => crossEntropy(logits, i32([0, 3]))).toThrow(ArgumentError);
    expect(() => crossEntropy(logits, i32([0, 3]))).toThrow(
      /^crossEntropy: labels must be class indices in \[0, 3\) \(got 3/,
    );
    expect(() => crossEntropy(logits, i32([-100, 1]))).toThrow(/got -100/);
    expect(() => negativeLogLikelihood(logits, t64([0, 1]))).toThrow(DTypeError);
    expect(() => negativeLogLikelihood(logits, i32([0, 1, 2]))).toThrow(
      /^negativeLogLikelihood: expected labels of shape \[2\] for input \[2,3\], got \[3\]/,
    );
  });
  it('probability targets: shape and range', () => {
    expect(() => crossEntropy(logits, t64([0.5, 0.5], [1, 2]))).toThrow(ShapeError);
    expect(() => klDivergence(logits, t64([1.5, -0.5, 0, 0, 0, 1], [2, 3]))).toThrow(
      /^klDivergence: target probabilities must be in \[0, 1\]/,
    );
    expect(() => binaryCrossEntropy(t64([1, 2]), t64([0, 2]))).toThrow(
      /^binaryCrossEntropy: targets must be in \[0, 1\]/,
    );
    expect(() => crossEntropy(t64([1, 2]), i32([0]))).toThrow(
      /^crossEntropy: expected logits of shape \[N, C, \.\.\.\]/,
    );
    // @ts-expect-error: checked at run time too.
    expect(() => klDivergence(logits, probs(2, 3, 1), { input: 'probs' })).toThrow(
      /input must be 'logits' or 'logProbs'/,
    );
  });
});

describe('probabilistic losses: float64 gradcheck', () => {
  const logits = randn64([4, 3], 7);
  const labels = i32([2, 0, 1, 2]);
  it('crossEntropy (labels; probabilities in both arguments)', () => {
    expect(gradcheck((s) => crossEntropy(s!, labels), [logits])).toBe(true);
    expect(gradcheck((s, q) => crossEntropy(s!, q!, { reduction: 'none' }), [logits, probs(4, 3, 8)])).toBe(
      true,
    );
  });
  it('negativeLogLikelihood', () => {
    expect(
      gradcheck((s) => negativeLogLikelihood(logSoftmax(s!, 1), labels, { reduction: 'sum' }), [logits]),
    ).toBe(true);
  });
  it('binaryCrossEntropy (logits and targets)', () => {
    expect(
      gradcheck((s, y) => binaryCrossEntropy(s!, y!), [randn64([5], 9), rand64([5], 10, 0.1, 0.9)]),
    ).toBe(true);
  });
  it('klDivergence (logits and target probabilities; logProbs input)', () => {
    expect(gradcheck((s, q) => klDivergence(s!, q!), [logits, probs(4, 3, 11)])).toBe(true);
    expect(gradcheck((lp) => klDivergence(lp!, probs(4, 3, 12), { input: 'logProbs' }), [logits])).toBe(true);
  });
});
