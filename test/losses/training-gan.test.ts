import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { copy_, noGrad, relu, tensor } from '../../src/index.js';
import { gradientPenalty } from '../../src/losses/index.js';
import { GanTrainer, mmd, modeCoverage } from '../../src/losses/training/index.js';
import { Linear, Module } from '../../src/nn/index.js';
import { randn, randomKey } from '../../src/random/index.js';

class Mlp extends Module<[Tensor], Tensor> {
  readonly l1: Linear;
  readonly l2: Linear;
  constructor(i: number, h: number, o: number, seed: number) {
    super();
    this.l1 = new Linear(i, h, { key: randomKey(seed) });
    this.l2 = new Linear(h, o, { key: randomKey(seed + 1) });
  }
  forward(x: Tensor): Tensor {
    return this.l2.forward(relu(this.l1.forward(x)));
  }
}

/** Reference MMD² (unbiased; Gretton et al. 2012) by explicit loops. */
function mmdRef(x: number[][], y: number[][], hs: number[]): number {
  const k = (a: number[], b: number[]) => {
    const d2 = a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
    return hs.reduce((s, h) => s + Math.exp(-d2 / (2 * h * h)), 0);
  };
  const n = x.length;
  const m = y.length;
  if (n === m) {
    let s = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (i !== j) s += k(x[i]!, x[j]!) + k(y[i]!, y[j]!) - k(x[i]!, y[j]!) - k(x[j]!, y[i]!);
    return s / (n * (n - 1));
  }
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) sxx += k(x[i]!, x[j]!);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) syy += k(y[i]!, y[j]!);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) sxy += k(x[i]!, y[j]!);
  return sxx / (n * (n - 1)) + syy / (m * (m - 1)) - (2 * sxy) / (n * m);
}

describe('mmd', () => {
  const hs = [0.5, 1, 2];

  it('matches an explicit-loop reference (n = m and n ≠ m)', () => {
    const x = [
      [0, 0],
      [1, 0.5],
      [0.2, -1],
    ];
    const y = [
      [0.3, 0.1],
      [2, 1],
      [-1, 0],
    ];
    const y4 = [...y, [0.5, 0.5]];
    const t = (a: number[][]) => tensor(a, { dtype: 'float64' });
    expect(mmd(t(x), t(y), { bandwidths: hs }).item()).toBeCloseTo(mmdRef(x, y, hs), 12);
    expect(mmd(t(x), t(y4), { bandwidths: hs }).item()).toBeCloseTo(mmdRef(x, y4, hs), 12);
  });

  it('is 0 for identical sets and clearly positive for shifted ones', () => {
    const x = randn([200, 2], { dtype: 'float64', key: randomKey(1) });
    expect(mmd(x, x, { bandwidths: hs }).item()).toBe(0);
    expect(Math.abs(mmd(x, x, { bandwidths: hs, estimator: 'biased' }).item())).toBeLessThan(1e-12);
    const same = randn([150, 2], { dtype: 'float64', key: randomKey(2) });
    const shifted = randn([150, 2], { dtype: 'float64', key: randomKey(3) }).add(1);
    const mSame = mmd(x, same, { bandwidths: hs }).item();
    const mShift = mmd(x, shifted, { bandwidths: hs }).item();
    // Population value for N(0, I) vs N(μ, I) in d dims: Σ_h 2(h²/(h²+2))^(d/2)(1 − exp(−‖μ‖²/(2(h²+2)))).
    const pop = hs.reduce(
      (acc, h) => acc + 2 * ((h * h) / (h * h + 2)) * (1 - Math.exp(-2 / (2 * (h * h + 2)))),
      0,
    );
    expect(pop).toBeCloseTo(0.4734, 4);
    expect(Math.abs(mShift - pop)).toBeLessThan(0.1);
    expect(Math.abs(mSame)).toBeLessThan(0.05);
    expect(mShift).toBeGreaterThan(20 * Math.abs(mSame));
    expect(mmd(x, shifted, { bandwidths: hs, estimator: 'biased' }).item()).toBeGreaterThan(mShift);
  });

  it('passes a float64 gradcheck (both estimators)', () => {
    const x = randn([4, 2], { dtype: 'float64', key: randomKey(4), requiresGrad: true });
    const y = randn([4, 2], { dtype: 'float64', key: randomKey(5), requiresGrad: true });
    const z = randn([3, 2], { dtype: 'float64', key: randomKey(6), requiresGrad: true });
    expect(gradcheck((a: Tensor, b: Tensor) => mmd(a, b, { bandwidths: hs }), [x, y])).toBe(true);
    expect(gradcheck((a: Tensor, b: Tensor) => mmd(a, b, { bandwidths: hs }), [x, z])).toBe(true);
    expect(
      gradcheck((a: Tensor, b: Tensor) => mmd(a, b, { bandwidths: hs, estimator: 'biased' }), [x, z]),
    ).toBe(true);
  });

  it('rejects bad inputs', () => {
    const a = tensor(
      [
        [0, 1],
        [1, 2],
      ],
      { dtype: 'float64' },
    );
    expect(() =>
      mmd(
        a,
        tensor(
          [
            [0, 1, 2],
            [1, 2, 3],
          ],
          { dtype: 'float64' },
        ),
      ),
    ).toThrow(/^mmd: x \[2,2\] and y \[2,3\] differ in dimension/);
    expect(() => mmd(a, tensor([[0, 1]], { dtype: 'float64' }))).toThrow(
      /^mmd: y needs at least 2 points, got \[1,2\]/,
    );
    expect(() => mmd(tensor([1, 2], { dtype: 'float64' }), a)).toThrow(ShapeError);
    expect(() => mmd(a, a, { bandwidths: [] })).toThrow(ArgumentError);
    expect(() => mmd(a, a, { bandwidths: [-1] })).toThrow(/^mmd: bandwidths must be/);
  });
});

describe('modeCoverage', () => {
  const centres = Array.from({ length: 8 }, (_, k) => [
    2 * Math.cos((k * Math.PI) / 4),
    2 * Math.sin((k * Math.PI) / 4),
  ]);

  it('counts high-quality samples per mode and the modes that reach minCount', () => {
    const pts: number[][] = [];
    for (let i = 0; i < 10; i++) pts.push([2 + 0.01 * i, 0.01]); // mode 0
    for (let i = 0; i < 3; i++) pts.push([0.02, 2 - 0.02 * i]); // mode 2
    pts.push([0, 0], [5, 5], [1, 1], [-3, 0], [2.5, 0]); // far from every centre (2.5 is 0.5 from mode 0)
    const s = tensor(pts);
    const r = modeCoverage(s, centres, { radius: 0.2 });
    expect(r.counts).toEqual([10, 0, 3, 0, 0, 0, 0, 0]);
    expect(r.modesCovered).toBe(2);
    expect(r.highQualityFraction).toBeCloseTo(13 / 18, 12);
    expect(modeCoverage(s, centres, { radius: 0.2, minCount: 5 }).modesCovered).toBe(1);
    expect(modeCoverage(s, tensor(centres), { radius: 0.6 }).counts[0]).toBe(11);
  });

  it('rejects bad inputs', () => {
    expect(() => modeCoverage(tensor([[0, 0]]), [[0, 0, 0]], { radius: 1 })).toThrow(
      /^modeCoverage: centre 0 has 3 coordinates/,
    );
    expect(() => modeCoverage(tensor([[0, 0]]), [[0, 0]], { radius: 0 })).toThrow(ArgumentError);
    expect(() => modeCoverage(tensor([0, 0]), [[0, 0]], { radius: 1 })).toThrow(ShapeError);
  });
});

describe('GanTrainer', () => {
  it('WGAN weight clipping keeps every critic parameter in [−c, c]', () => {
    const c = 0.01;
    const critic = new Mlp(2, 16, 1, 3);
    const trainer = new GanTrainer(new Mlp(2, 16, 2, 1), critic, {
      objective: 'wasserstein',
      latentDim: 2,
      lr: 1e-2,
      clipValue: c,
      key: randomKey(9),
    });
    expect(trainer.nCritic).toBe(5);
    expect(trainer.criticOptimizer.constructor.name).toBe('RMSprop');
    const real = (n: number) => randn([n, 2], { key: randomKey(n) }).add(3);
    for (let i = 0; i < 5; i++) {
      const s = trainer.step(real, 32);
      expect(Number.isFinite(s.wassersteinEstimate!)).toBe(true);
    }
    let max = 0;
    for (const p of critic.parameters())
      for (const v of p.dataSync()) max = Math.max(max, Math.abs(Number(v)));
    expect(max).toBeLessThanOrEqual(c);
    expect(max).toBeGreaterThan(c * 0.999); // the default init exceeds c, so clipping was active
  });

  it("'gp' adds λ(‖w‖ − 1)² for a linear critic (its input gradient is w everywhere)", () => {
    const critic = new Linear(2, 1, { dtype: 'float64' });
    noGrad(() => {
      copy_(critic.weight, tensor([[3, 4]], { dtype: 'float64' }));
    });
    const real = randn([8, 2], { dtype: 'float64', key: randomKey(1) });
    const fake = randn([8, 2], { dtype: 'float64', key: randomKey(2) });
    const gp = gradientPenalty((x) => critic.forward(x), real, fake, { lambda: 10, key: randomKey(3) });
    expect(gp.item()).toBeCloseTo(10 * (5 - 1) ** 2, 10);

    const gen = new Linear(2, 2, { dtype: 'float64', key: randomKey(4) });
    const trainer = new GanTrainer(gen, critic, { objective: 'wasserstein', lipschitz: 'gp', latentDim: 2 });
    const step = trainer.criticStep(real);
    expect(step.penalty).toBeCloseTo(160, 10);
    // The step moved w towards unit norm.
    const w = critic.weight.dataSync();
    expect(Math.hypot(Number(w[0]), Number(w[1]))).toBeLessThan(5);
  });

  it('a minimax GAN (non-saturating) learns a shifted 1-D Gaussian', () => {
    const gen = new Mlp(1, 16, 1, 11);
    const disc = new Mlp(1, 16, 1, 21);
    const trainer = new GanTrainer(gen, disc, {
      objective: 'minimax',
      latentDim: 1,
      lr: 5e-3,
      key: randomKey(2),
    });
    expect(trainer.nCritic).toBe(1);
    let k = 0;
    const real = (n: number) =>
      randn([n, 1], { key: randomKey(1000 + k++) })
        .mul(0.5)
        .add(3);
    for (let i = 0; i < 300; i++) trainer.step(real, 64);
    const s = trainer.sample(2000).dataSync();
    let mean = 0;
    for (const v of s) mean += Number(v);
    mean /= s.length;
    expect(Math.abs(mean - 3)).toBeLessThan(0.5);
  });

  it('rejects bad options', () => {
    const g = new Mlp(2, 4, 2, 1);
    const d = new Mlp(2, 4, 1, 2);
    expect(() => new GanTrainer(g, d, { objective: 'minimax', latentDim: 2, lipschitz: 'clip' })).toThrow(
      /^GanTrainer: lipschitz applies to the 'wasserstein' objective only/,
    );
    expect(() => new GanTrainer(g, d, { objective: 'wasserstein', latentDim: 0 })).toThrow(ArgumentError);
    expect(() => new GanTrainer(g, d, { objective: 'wasserstein', latentDim: 2, nCritic: 0 })).toThrow(
      ArgumentError,
    );
    const t = new GanTrainer(g, d, { objective: 'minimax', latentDim: 2 });
    expect(() => t.step((n) => randn([n + 1, 2]), 4)).toThrow(
      /^GanTrainer.step: sampleReal\(4\) returned \[5,2\]/,
    );
  });
});
