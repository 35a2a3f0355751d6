import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { noGrad, tensor } from '../../src/index.js';
import {
  ddpmLoss,
  ddpmSample,
  ddpmTrainStep,
  EpsMLP,
  linearBetaSchedule,
  qSample,
  timeEmbedding,
} from '../../src/losses/training/index.js';
import { Adam } from '../../src/optim/index.js';
import { randn, randomKey } from '../../src/random/index.js';

function moments(d: ArrayLike<number | bigint>): { mean: number; std: number } {
  let m = 0;
  for (let i = 0; i < d.length; i++) m += Number(d[i]);
  m /= d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (Number(d[i]) - m) ** 2;
  return { mean: m, std: Math.sqrt(v / d.length) };
}

describe('linearBetaSchedule', () => {
  it('is linear from β₁ to β_T and ᾱ_t matches the closed form ∏(1 − β_s)', () => {
    const T = 1000;
    const s = linearBetaSchedule(T, 1e-4, 0.02);
    expect(s.T).toBe(T);
    expect(s.betas[0]).toBe(1e-4);
    expect(s.betas[T - 1]).toBeCloseTo(0.02, 15);
    for (const t of [1, 2, 10, 500, 999, 1000]) {
      const beta = 1e-4 + ((0.02 - 1e-4) * (t - 1)) / (T - 1);
      expect(s.betas[t - 1]).toBeCloseTo(beta, 15);
      expect(s.alphas[t - 1]).toBeCloseTo(1 - beta, 15);
      // ∏(1 − β_s) = exp(Σ log1p(−β_s)), with β_s summed in closed form per term.
      let logProd = 0;
      for (let k = 1; k <= t; k++) logProd += Math.log1p(-(1e-4 + ((0.02 - 1e-4) * (k - 1)) / (T - 1)));
      expect(Math.abs(s.alphaBars[t - 1]! - Math.exp(logProd)) / Math.exp(logProd)).toBeLessThan(1e-12);
    }
    // DDPM's schedule ends near pure noise: ᾱ_T ≈ 4.0e-5.
    expect(s.alphaBars[T - 1]).toBeGreaterThan(3e-5);
    expect(s.alphaBars[T - 1]).toBeLessThan(5e-5);
    for (let i = 1; i < T; i++) expect(s.alphaBars[i]).toBeLessThan(s.alphaBars[i - 1]!);
  });

  it('handles T = 1 and rejects bad arguments', () => {
    const s = linearBetaSchedule(1, 0.1, 0.2);
    expect([...s.betas]).toEqual([0.1]);
    expect(s.alphaBars[0]).toBeCloseTo(0.9, 15);
    expect(() => linearBetaSchedule(0)).toThrow(ArgumentError);
    expect(() => linearBetaSchedule(2.5)).toThrow(/^linearBetaSchedule: T must be a positive integer/);
    expect(() => linearBetaSchedule(10, 0.2, 0.1)).toThrow(
      /^linearBetaSchedule: need 0 < beta1 <= betaT < 1/,
    );
    expect(() => linearBetaSchedule(10, 0.1, 1)).toThrow(ArgumentError);
  });
});

describe('qSample', () => {
  const s = linearBetaSchedule(100, 1e-3, 0.2);

  it('is √ᾱ_t x0 + √(1 − ᾱ_t) ε elementwise, per-sample t', () => {
    const x0 = tensor(
      [
        [1, 2],
        [3, 4],
        [-1, 0.5],
      ],
      { dtype: 'float64' },
    );
    const eps = tensor(
      [
        [0.1, -0.2],
        [0.3, 0.4],
        [-2, 1],
      ],
      { dtype: 'float64' },
    );
    const t = [1, 50, 100];
    const out = qSample(s, x0, t, eps).toArray() as number[][];
    const x = x0.toArray() as number[][];
    const e = eps.toArray() as number[][];
    t.forEach((ti, i) => {
      const ab = s.alphaBars[ti - 1]!;
      for (let j = 0; j < 2; j++) {
        expect(out[i]![j]).toBeCloseTo(Math.sqrt(ab) * x[i]![j]! + Math.sqrt(1 - ab) * e[i]![j]!, 14);
      }
    });
  });

  it('has mean √ᾱ_t·x0 and standard deviation √(1 − ᾱ_t) under Gaussian noise', () => {
    const n = 20_000;
    for (const t of [5, 40, 100]) {
      const x0 = tensor(new Float64Array(n).fill(2), { dtype: 'float64', shape: [n, 1] });
      const eps = randn([n, 1], { dtype: 'float64', key: randomKey(t) });
      const { mean, std } = moments(qSample(s, x0, new Int32Array(n).fill(t), eps).dataSync());
      const ab = s.alphaBars[t - 1]!;
      const sd = Math.sqrt(1 - ab);
      // 5 standard errors of the sample mean and standard deviation.
      expect(Math.abs(mean - 2 * Math.sqrt(ab))).toBeLessThan((5 * sd) / Math.sqrt(n));
      expect(Math.abs(std - sd)).toBeLessThan((5 * sd) / Math.sqrt(2 * n));
    }
  });

  it('passes a float64 gradcheck in x0 and eps', () => {
    const x0 = randn([3, 2], { dtype: 'float64', key: randomKey(1), requiresGrad: true });
    const eps = randn([3, 2], { dtype: 'float64', key: randomKey(2), requiresGrad: true });
    expect(gradcheck((a: Tensor, b: Tensor) => qSample(s, a, [3, 30, 90], b), [x0, eps])).toBe(true);
  });

  it('rejects mismatched shapes and bad time steps', () => {
    const x0 = tensor([[1, 2]], { dtype: 'float64' });
    expect(() => qSample(s, x0, [1], tensor([[1, 2, 3]], { dtype: 'float64' }))).toThrow(
      /^qSample: eps \[1,3\] must have the shape of x0 \[1,2\]/,
    );
    expect(() => qSample(s, x0, [1, 2], x0)).toThrow(ShapeError);
    expect(() => qSample(s, x0, [0], x0)).toThrow(
      /^qSample: time step 0 at index 0 is not an integer in 1\.\.100/,
    );
    expect(() => qSample(s, x0, [101], x0)).toThrow(ArgumentError);
  });
});

describe('timeEmbedding and EpsMLP', () => {
  it('gives sin/cos features of t at geometric frequencies', () => {
    const e = timeEmbedding([0, 3], 4, { dtype: 'float64', maxPeriod: 100 }).toArray() as number[][];
    // ω = [1, 100^(-1/2)] = [1, 0.1]
    expect(e[0]).toEqual([0, 0, 1, 1]);
    const w = [1, 0.1];
    for (let k = 0; k < 2; k++) {
      expect(e[1]![k]).toBeCloseTo(Math.sin(3 * w[k]!), 14);
      expect(e[1]![2 + k]).toBeCloseTo(Math.cos(3 * w[k]!), 14);
    }
    expect(() => timeEmbedding([1], 3)).toThrow(/^timeEmbedding: dim must be a positive even integer/);
  });

  it('maps [N, d] noisy inputs to [N, d] and passes a float64 gradcheck in x', () => {
    const net = new EpsMLP(2, { hidden: 5, layers: 2, timeDim: 4, dtype: 'float64', key: randomKey(3) });
    const x = randn([3, 2], { dtype: 'float64', key: randomKey(4), requiresGrad: true });
    expect(net.forward(x, [1, 2, 3]).shape).toEqual([3, 2]);
    expect(gradcheck((a: Tensor) => net.forward(a, [1, 7, 20]), [x])).toBe(true);
    expect(() => net.forward(tensor([[1, 2, 3]], { dtype: 'float64' }), [1])).toThrow(
      /^EpsMLP: expected x \[N, 2\], got \[1,3\]/,
    );
    expect(() => new EpsMLP(0)).toThrow(ArgumentError);
  });
});

describe('ddpmSample', () => {
  it('recovers N(μ, 1) data with the exact ε-model (σ_t² = β_t is the exact reverse variance there)', () => {
    // For x0 ~ N(μ, I): x_t ~ N(√ᾱ_t μ, I), so the optimal ε̂(x_t, t) = √(1 − ᾱ_t)(x_t − √ᾱ_t μ),
    // and each reverse step is exact in distribution, whatever T.
    const s = linearBetaSchedule(100, 1e-3, 0.2);
    const mu = [1.5, -0.5];
    const muT = tensor([mu], { dtype: 'float64' });
    const exact = (x: Tensor, t: Int32Array) => {
      const ab = s.alphaBars[t[0]! - 1]!;
      return x.sub(muT.mul(Math.sqrt(ab))).mul(Math.sqrt(1 - ab));
    };
    const n = 20_000;
    const out = ddpmSample(exact, s, [n, 2], { dtype: 'float64', key: randomKey(11) });
    const d = out.dataSync();
    for (let j = 0; j < 2; j++) {
      const col = Array.from({ length: n }, (_, i) => Number(d[2 * i + j]));
      const { mean, std } = moments(col);
      expect(Math.abs(mean - mu[j]!)).toBeLessThan(5 / Math.sqrt(n));
      expect(Math.abs(std - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
    }
  });

  it('is reproducible with a key and reports every reverse step', () => {
    const s = linearBetaSchedule(10, 0.01, 0.2);
    const zero = (x: Tensor) => x.mul(0);
    const seen: number[] = [];
    const a = ddpmSample(zero, s, [4, 2], { key: randomKey(5), onStep: (t) => seen.push(t) });
    const b = ddpmSample(zero, s, [4, 2], { key: randomKey(5) });
    expect([...a.dataSync()]).toEqual([...b.dataSync()]);
    expect(seen).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(() => ddpmSample(zero, s, [])).toThrow(/^ddpmSample: shape must be/);
  });
});

describe('ddpmLoss / ddpmTrainStep', () => {
  it('is L_simple at the sampled (t, ε) and decreases under training', () => {
    const s = linearBetaSchedule(50, 1e-3, 0.2);
    const net = new EpsMLP(2, { hidden: 32, layers: 2, maxPeriod: 100, key: randomKey(7) });
    const model = (x: Tensor, t: Int32Array) => net.forward(x, t);
    const x0 = randn([256, 2], { key: randomKey(8) })
      .mul(0.3)
      .add(1);
    // Deterministic given the key.
    const l1 = noGrad(() => ddpmLoss(model, s, x0, { key: randomKey(9) }).item());
    const l2 = noGrad(() => ddpmLoss(model, s, x0, { key: randomKey(9) }).item());
    expect(l1).toBe(l2);
    const opt = new Adam(net.parameters(), { lr: 3e-3 });
    const losses: number[] = [];
    for (let i = 0; i < 150; i++) losses.push(ddpmTrainStep(model, opt, s, x0, { key: randomKey(100 + i) }));
    const first = losses.slice(0, 20).reduce((a, b) => a + b) / 20;
    const last = losses.slice(-20).reduce((a, b) => a + b) / 20;
    // An untrained ε̂ ≈ 0 scores ≈ E‖ε‖² = 2; a trained one explains part of the noise.
    expect(first).toBeGreaterThan(1.5);
    expect(last).toBeLessThan(0.8 * first);
  });
});
