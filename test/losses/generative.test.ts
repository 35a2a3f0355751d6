import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { autogradGrad as grad } from '../../src/autograd/index.js';
import { ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import {
  diffusionSimpleLoss,
  gradientPenalty,
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
} from '../../src/losses/index.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { sum } from '../../src/ops/reduce.js';
import { tanh } from '../../src/ops/unary.js';
import { randomKey } from '../../src/random/key.js';
import { expectClose, flat, rand64, randn64 } from '../helpers.js';

const t64 = (v: number[], shape?: number[]) => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
const softplus = (x: number) => Math.log1p(Math.exp(x));

describe('minimax GAN', () => {
  it('with the optimal discriminator the value is 2·JSD − log 4', () => {
    // Data p and generator q on three points, as exact empirical samples (4 each).
    const p = [0.5, 0.25, 0.25];
    const q = [0.25, 0.25, 0.5];
    const logit = p.map((pk, k) => Math.log(pk / q[k]!)); // D* = p/(p+q)
    const realPts = [0, 0, 1, 2];
    const fakePts = [0, 1, 2, 2];
    const real = t64(realPts.map((k) => logit[k]!)).requiresGrad_(true);
    const fake = t64(fakePts.map((k) => logit[k]!)).requiresGrad_(true);
    const loss = minimaxDiscriminatorLoss(real, fake);
    const m = p.map((pk, k) => (pk + q[k]!) / 2);
    const kl = (a: number[]) => a.reduce((s, ak, k) => s + ak * Math.log(ak / m[k]!), 0);
    const jsd = 0.5 * kl(p) + 0.5 * kl(q);
    expectClose(-loss.item(), 2 * jsd - Math.log(4), 1e-12);
    // D* is optimal: the loss is stationary in each point's logit.
    const [gr, gf] = grad(loss, [real, fake]);
    const perPoint = [0, 0, 0];
    realPts.forEach((k, i) => {
      perPoint[k]! += flat(gr!)[i]!;
    });
    fakePts.forEach((k, i) => {
      perPoint[k]! += flat(gf!)[i]!;
    });
    expectClose(perPoint, [0, 0, 0], 0, 1e-12);
  });

  it('discriminator loss is E softplus(−real) + E softplus(fake), batches of any sizes', () => {
    const r = [0.3, -2, 5];
    const f = [1.5, -0.2];
    const expected = r.reduce((s, v) => s + softplus(-v), 0) / 3 + f.reduce((s, v) => s + softplus(v), 0) / 2;
    expectClose(minimaxDiscriminatorLoss(t64(r), t64(f)), expected, 1e-12);
    expectClose(
      minimaxDiscriminatorLoss(t64(r), t64(f), { reduction: 'sum' }),
      r.reduce((s, v) => s + softplus(-v), 0) + f.reduce((s, v) => s + softplus(v), 0),
      1e-12,
    );
    expect(Number.isFinite(minimaxDiscriminatorLoss(t64([-1000]), t64([1000])).item())).toBe(true);
  });

  it("'none' and weight pair real and fake samples (same shape required)", () => {
    const r = t64([0.3, -2]);
    const f = t64([1.5, -0.2]);
    expectClose(
      minimaxDiscriminatorLoss(r, f, { reduction: 'none' }),
      [softplus(-0.3) + softplus(1.5), softplus(2) + softplus(-0.2)],
      1e-12,
    );
    expect(() => minimaxDiscriminatorLoss(r, t64([1, 2, 3]), { reduction: 'none' })).toThrow(ShapeError);
    expect(() => wassersteinCriticLoss(r, t64([1, 2, 3]), { weight: t64([1, 1]) })).toThrow(
      /^wassersteinCriticLoss: reduction 'none' and weight pair/,
    );
  });

  it('generator: non-saturating −E log D(G(z)) by default, saturating E log(1 − D(G(z)))', () => {
    const f = [0.4, -3, 2];
    expectClose(minimaxGeneratorLoss(t64(f)), f.reduce((s, v) => s + softplus(-v), 0) / 3, 1e-12);
    const sat = f.reduce((s, v) => s + Math.log(1 - 1 / (1 + Math.exp(-v))), 0) / 3;
    expectClose(minimaxGeneratorLoss(t64(f), { nonSaturating: false }), sat, 1e-12);
  });
});

describe('Wasserstein GAN', () => {
  it('critic loss −(E D(x) − E D(G(z))) and generator loss −E D(G(z))', () => {
    expectClose(wassersteinCriticLoss(t64([1, 2, 3]), t64([0.5, -0.5])), 0 - 2, 1e-15);
    expectClose(wassersteinGeneratorLoss(t64([0.5, -1.5])), 0.5, 1e-15);
    expectClose(wassersteinCriticLoss(t64([1, 2]), t64([4, 0]), { reduction: 'none' }), [3, -2], 1e-15);
  });

  it('gradient penalty of a linear critic D(x) = x·w is λ(‖w‖ − 1)², differentiable in w', () => {
    const w = t64([0.6, 1.2, -0.3], [3, 1]).requiresGrad_(true);
    const real = randn64([5, 3], 1);
    const fake = randn64([5, 3], 2);
    const gp = gradientPenalty((x) => matmul(x, w), real, fake, { key: randomKey(3) });
    const nw = Math.hypot(0.6, 1.2, -0.3);
    expectClose(gp, 10 * (nw - 1) ** 2, 1e-12);
    const [gw] = grad(gp, w);
    expectClose(
      gw!,
      [0.6, 1.2, -0.3].map((v) => (20 * (nw - 1) * v) / nw),
      1e-10,
    );
    expectClose(
      gradientPenalty((x) => matmul(x, w), real, fake, { lambda: 1 }),
      (nw - 1) ** 2,
      1e-12,
    );
  });

  it('interpolates α·real + (1 − α)·fake per sample (explicit α and keys)', () => {
    const real = t64([3, 0, 0, 2], [2, 2]);
    const fake = t64([1, 0, 0, 0], [2, 2]);
    // D(x) = ½‖x‖² has gradient x̂, so the per-sample penalty is λ(‖x̂‖ − 1)².
    const critic = (x: Tensor) => sum(x.mul(x), 1).mul(0.5);
    const alpha = t64([0.5, 0.25]);
    const xhatNorms = [2, 0.5]; // [2, 0] and [0, 0.5]
    expectClose(
      gradientPenalty(critic, real, fake, { alpha, reduction: 'none' }),
      xhatNorms.map((n) => 10 * (n - 1) ** 2),
      1e-12,
    );
    const a = gradientPenalty(critic, real, fake, { key: randomKey(7) }).item();
    expect(gradientPenalty(critic, real, fake, { key: randomKey(7) }).item()).toBe(a);
    expect(gradientPenalty(critic, real, fake, { key: randomKey(8) }).item()).not.toBe(a);
  });

  it('gradient penalty: float64 gradcheck in the critic weights (second order)', () => {
    const real = randn64([3, 2], 4);
    const fake = randn64([3, 2], 5);
    const alpha = rand64([3], 6);
    const critic = (W: Tensor) => (x: Tensor) => sum(tanh(matmul(x, W)), 1);
    expect(gradcheck((W) => gradientPenalty(critic(W!), real, fake, { alpha }), [randn64([2, 4], 7)])).toBe(
      true,
    );
  });

  it('validation', () => {
    expect(() => gradientPenalty((x) => x, t64([1, 2]), t64([1, 2, 3]))).toThrow(
      /^gradientPenalty: real \[2\] and fake \[3\]/,
    );
    expect(() => gradientPenalty((x) => x, t64([1, 2]), t64([1, 2]), { alpha: t64([0.5]) })).toThrow(
      /^gradientPenalty: alpha must have shape \[2\]/,
    );
  });
});

describe('diffusion L_simple', () => {
  it('is the per-sample ‖ε − ε̂‖², averaged over the batch', () => {
    const eps = t64([1, 2, 3, 4, 5, 6], [2, 3]);
    const pred = t64([1, 1, 1, 4, 4, 4], [2, 3]);
    expectClose(diffusionSimpleLoss(pred, eps, { reduction: 'none' }), [0 + 1 + 4, 0 + 1 + 4], 1e-15);
    expectClose(diffusionSimpleLoss(pred, eps), 5, 1e-15);
    expect(() => diffusionSimpleLoss(pred, t64([1, 2, 3]))).toThrow(
      /^diffusionSimpleLoss: epsPred \[2,3\] and eps \[3\]/,
    );
  });
});

describe('generative losses: float64 gradcheck', () => {
  const r = randn64([4], 8);
  const f = randn64([4], 9);
  it('minimax discriminator and generator', () => {
    expect(gradcheck((a, b) => minimaxDiscriminatorLoss(a!, b!), [r, f])).toBe(true);
    expect(gradcheck((a, b) => minimaxDiscriminatorLoss(a!, b!, { reduction: 'none' }), [r, f])).toBe(true);
    expect(gradcheck((a) => minimaxGeneratorLoss(a!), [f])).toBe(true);
    expect(gradcheck((a) => minimaxGeneratorLoss(a!, { nonSaturating: false }), [f])).toBe(true);
  });
  it('Wasserstein critic and generator', () => {
    expect(gradcheck((a, b) => wassersteinCriticLoss(a!, b!), [r, f])).toBe(true);
    expect(gradcheck((a) => wassersteinGeneratorLoss(a!), [f])).toBe(true);
  });
  it('diffusionSimpleLoss', () => {
    expect(
      gradcheck((a, b) => diffusionSimpleLoss(a!, b!), [randn64([3, 2, 2], 10), randn64([3, 2, 2], 11)]),
    ).toBe(true);
  });
});
