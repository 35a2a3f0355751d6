import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import {
  CDEDiscriminator,
  DirectAdjoint,
  GRUCell,
  gaussianKL,
  LatentSDE,
  LIPSWISH_SCALE,
  lipswish,
  MLP,
  pathKLIntegrand,
  ReversibleAdjoint,
  SDEGANTrainer,
  SDEGenerator,
  trainSDEGAN,
  wassersteinLoss,
} from '../../src/diffeq/index.js';
import { ArgumentError, noGrad, ShapeError, type Tensor, tensor } from '../../src/index.js';
import type { Linear } from '../../src/nn/index.js';
import { functionalCall, type Module } from '../../src/nn/module.js';
import { indexSelect } from '../../src/ops/indexing.js';
import { Adam } from '../../src/optim/index.js';
import { foldIn, randn, randomKey, splitKey } from '../../src/random/index.js';
import { randint } from '../../src/random/sample.js';

const arr = (t: Tensor) => Array.from(t.dataSync(), Number);
const f64 = (v: number[] | number[][] | number[][][]) => tensor(v, { dtype: 'float64' });

/** Gradients of `loss` w.r.t. the module's parameters (and extra tensors), flattened. */
function flatGrads(params: readonly Tensor[]): number[] {
  return params.flatMap((p) => (p.grad ? arr(p.grad) : new Array<number>(p.size).fill(0)));
}

function maxRelDiff(a: readonly number[], b: readonly number[]): number {
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / scale));
}

/** Calls `m.forward(...args)` with the module's parameters replaced by `ps` (in `namedParameters()` order). */
function withParams<In extends unknown[], Out>(m: Module<In, Out>, ps: readonly Tensor[], ...args: In): Out {
  const names = m.namedParameters().map(([n]) => n);
  return functionalCall(m, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), ...args);
}

describe('LipSwish and MLP', () => {
  it('lipswish(x) = 0.909·x·sigmoid(x), is 1-Lipschitz and passes gradcheck', () => {
    const xs = Array.from({ length: 401 }, (_, i) => -10 + i * 0.05);
    const y = arr(lipswish(f64(xs)));
    xs.forEach((x, i) => {
      expect(y[i]).toBeCloseTo((LIPSWISH_SCALE * x) / (1 + Math.exp(-x)), 12);
    });
    // Largest slope over the grid: below 1, and close to it (the constant makes it tight).
    let maxSlope = 0;
    for (let i = 1; i < xs.length; i++) maxSlope = Math.max(maxSlope, Math.abs((y[i]! - y[i - 1]!) / 0.05));
    expect(maxSlope).toBeLessThanOrEqual(1);
    expect(maxSlope).toBeGreaterThan(0.99);
    gradcheck((x) => lipswish(x), [f64([-3, -0.5, 0, 0.7, 4])]);
  });

  it('MLP has depth + 1 linear layers, the final activation, and checks its arguments', () => {
    const m = new MLP(3, 2, {
      width: 5,
      depth: 2,
      finalActivation: 'tanh',
      dtype: 'float64',
      key: randomKey(0),
    });
    expect(m.layers.map((l) => [l.inFeatures, l.outFeatures])).toEqual([
      [3, 5],
      [5, 5],
      [5, 2],
    ]);
    const out = arr(m.forward(randn([4, 3], { dtype: 'float64', key: randomKey(1) })));
    expect(out).toHaveLength(8);
    for (const v of out) expect(Math.abs(v)).toBeLessThan(1);
    expect(new MLP(3, 2, { depth: 0 }).layers).toHaveLength(1);
    expect(() => new MLP(0, 2)).toThrow(ArgumentError);
    expect(() => new MLP(3, 2, { activation: 'swish' as never })).toThrow(/^MLP: activation must be one of/);
  });

  it('GRUCell passes a float64 gradcheck (input, state and parameters)', () => {
    const cell = new GRUCell(2, 3, { dtype: 'float64', key: randomKey(4) });
    const ps = cell.parameters().map((p) => p.detach().clone());
    gradcheck(
      (x, h, ...p) => withParams(cell, p, x, h),
      [f64([[0.3, -0.7]]), f64([[0.1, 0.5, -0.2]]), ...ps],
      { name: 'GRUCell', atol: 1e-7, rtol: 1e-6 },
    );
  });
});

const TS = [0, 0.5, 1];

function tinyGenerator(opts: ConstructorParameters<typeof SDEGenerator>[1] = {}) {
  return new SDEGenerator(1, {
    initialNoiseSize: 2,
    noiseSize: 2,
    hiddenSize: 2,
    width: 3,
    dtype: 'float64',
    key: randomKey(11),
    ...opts,
  });
}

describe('SDEGenerator', () => {
  it('returns [batch, T, data] paths fixed by the key, from ζ(V) at t0', () => {
    const gen = new SDEGenerator(2, { hiddenSize: 4, width: 5, key: randomKey(1) });
    const a = gen.forward([0, 1, 2, 3], 5, randomKey(2));
    expect(a.shape).toEqual([5, 4, 2]);
    expect(a.dtype).toBe('float32');
    expect(arr(gen.forward([0, 1, 2, 3], 5, randomKey(2)))).toEqual(arr(a));
    expect(arr(gen.forward([0, 1, 2, 3], 5, randomKey(3)))).not.toEqual(arr(a));
    // The path starts at the readout of X0 = ζ(V): the same V for any observation times.
    const b = gen.forward([0, 0.5], 5, randomKey(2));
    const a0 = arr(a).filter((_, i) => Math.floor(i / 2) % 4 === 0);
    const b0 = arr(b).filter((_, i) => Math.floor(i / 2) % 2 === 0);
    expect(b0).toEqual(a0);
    expect(() => gen.forward([0, 0], 2, randomKey(0))).toThrow(
      /^SDEGenerator: ts must be strictly increasing/,
    );
    expect(() => gen.forward([0, 1], 0, randomKey(0))).toThrow(ArgumentError);
  });

  it('gradients w.r.t. all parameters pass a float64 gradcheck (fixed Brownian path)', () => {
    for (const solver of ['reversible-heun', 'euler-heun'] as const) {
      const gen = tinyGenerator({ solver, substeps: 2 });
      const ps = gen.parameters().map((p) => p.detach().clone());
      gradcheck((...p) => withParams(gen, p, TS, 2, randomKey(5)), ps, {
        name: `SDEGenerator(${solver})`,
        atol: 1e-7,
        rtol: 1e-6,
      });
    }
  });

  it('ReversibleAdjoint gradients equal DirectAdjoint (float64), with the tree Brownian motion too', () => {
    for (const brownian of ['interval', 'tree'] as const) {
      const grads = (adjoint: DirectAdjoint | ReversibleAdjoint) => {
        const gen = new SDEGenerator(1, {
          hiddenSize: 4,
          width: 6,
          dtype: 'float64',
          key: randomKey(8),
          adjoint,
          brownian,
          substeps: 3,
        });
        gen.forward([0, 0.3, 0.6, 1], 4, randomKey(9)).square().sum().backward();
        return flatGrads(gen.parameters());
      };
      const d = grads(new DirectAdjoint());
      const r = grads(new ReversibleAdjoint());
      expect(maxRelDiff(r, d)).toBeLessThan(1e-10);
    }
  });
});

const DATA = () =>
  f64([
    [[0.3], [Number.NaN], [-0.2]],
    [[-0.1], [0.6], [0.2]],
  ]);

describe('CDEDiscriminator', () => {
  it('scores [batch] paths, handles missing values, and checks shapes', () => {
    const disc = new CDEDiscriminator(1, { hiddenSize: 3, width: 4, key: randomKey(3) });
    const s = disc.forward(TS, DATA().to('float32'));
    expect(s.shape).toEqual([2]);
    for (const v of arr(s)) expect(Number.isFinite(v)).toBe(true);
    expect(() => disc.forward(TS, f64([[[1], [2]]]))).toThrow(ShapeError);
    expect(() => disc.forward(TS, f64([[[1], [2]]]))).toThrow(
      /^CDEDiscriminator: ys must be \[batch, T = 3, dataSize = 1\] \(got \[1,2,1\]\)/,
    );
  });

  it('gradients w.r.t. the data and all parameters pass a float64 gradcheck', () => {
    const disc = new CDEDiscriminator(1, {
      hiddenSize: 2,
      width: 3,
      dtype: 'float64',
      key: randomKey(4),
      substeps: 2,
    });
    const ps = disc.parameters().map((p) => p.detach().clone());
    gradcheck((y, ...p) => withParams(disc, p, TS, y), [DATA(), ...ps], {
      name: 'CDEDiscriminator',
      atol: 1e-7,
      rtol: 1e-6,
    });
  });

  it('ReversibleAdjoint gradients (data and parameters) equal DirectAdjoint (float64)', () => {
    const grads = (adjoint: DirectAdjoint | ReversibleAdjoint) => {
      const disc = new CDEDiscriminator(1, {
        hiddenSize: 3,
        width: 4,
        dtype: 'float64',
        key: randomKey(5),
        adjoint,
      });
      const y = DATA().requiresGrad_(true);
      disc.forward(TS, y).sum().backward();
      return { data: arr(y.grad!), params: flatGrads(disc.parameters()) };
    };
    const r = grads(new ReversibleAdjoint());
    const d = grads(new DirectAdjoint());
    expect(maxRelDiff(r.params, d.params)).toBeLessThan(1e-10);
    // The data enter through H₀ = ξ(t₀, Y₀) and through every control increment ΔY.
    for (const [i, g] of d.data.entries())
      expect(Math.abs(g - r.data[i]!), `data entry ${i}`).toBeLessThan(1e-8);
    // The missing observation gets a zero gradient, the others not.
    expect(r.data[1]).toBe(0);
    for (const i of [0, 2, 3, 4, 5]) expect(r.data[i]).not.toBe(0);
  });

  it('clipWeights clips every linear weight to ±1/out_features and leaves the rest alone', () => {
    const disc = new CDEDiscriminator(2, { hiddenSize: 4, width: 8, key: randomKey(6) });
    const layers = disc.linearLayers();
    expect(layers).toHaveLength(7); // ξ (2), f (2), g (2), readout
    const before = layers.map((l) => arr(l.weight));
    const biases = layers.map((l) => arr(l.bias!));
    disc.clipWeights();
    layers.forEach((l: Linear, i) => {
      const lim = 1 / l.outFeatures;
      arr(l.weight).forEach((w, j) => {
        const w0 = before[i]![j]!;
        expect(w).toBeCloseTo(Math.min(lim, Math.max(-lim, w0)), 6);
      });
      expect(arr(l.bias!)).toEqual(biases[i]);
    });
    // Some weights were actually out of bounds before.
    expect(before.some((ws, i) => ws.some((w) => Math.abs(w) > 1 / layers[i]!.outFeatures))).toBe(true);
  });
});

describe('SDE-GAN training', () => {
  it('wassersteinLoss is mean(real) − mean(fake) and checks shapes', () => {
    expect(wassersteinLoss(f64([1, 2, 3]), f64([0.5, 0.5])).item()).toBeCloseTo(1.5, 12);
    expect(() => wassersteinLoss(f64([[1]]), f64([1]))).toThrow(/^wassersteinLoss: scores must be 1-D/);
  });

  const setup = (lrG: number, lrD: number) => {
    const data = { ts: TS, ys: randn([16, 3, 1], { dtype: 'float64', key: randomKey(20) }) };
    const gen = tinyGenerator({ hiddenSize: 3 });
    const disc = new CDEDiscriminator(1, { hiddenSize: 3, width: 4, dtype: 'float64', key: randomKey(21) });
    const key = randomKey(22);
    const trainer = new SDEGANTrainer(gen, disc, data, {
      batchSize: 8,
      optimizer: 'adam',
      generatorLr: lrG,
      discriminatorLr: lrD,
      key,
    });
    // The loss of the first step's batch, recomputed with the current weights.
    const firstBatchLoss = () =>
      noGrad(() => {
        const [kb, kg] = splitKey(foldIn(key, 0), 2);
        const real = indexSelect(data.ys, 0, randint(0, 16, [8], { key: kb }));
        return wassersteinLoss(disc.forward(TS, real), disc.forward(TS, gen.forward(TS, 8, kg!))).item();
      });
    return { trainer, gen, disc, firstBatchLoss };
  };

  it('the discriminator step increases and the generator step decreases the Wasserstein loss', () => {
    const d = setup(1e-12, 1e-3);
    const l0 = d.firstBatchLoss();
    const info = d.trainer.step();
    expect(info.loss).toBeCloseTo(l0, 10);
    expect(d.firstBatchLoss()).toBeGreaterThan(l0);
    const g = setup(1e-3, 1e-12);
    const m0 = g.firstBatchLoss();
    g.trainer.step();
    expect(g.firstBatchLoss()).toBeLessThan(m0);
  });

  it('trainSDEGAN keeps the discriminator clipped and returns finite per-step numbers', () => {
    const data = { ts: TS, ys: randn([16, 3, 1], { key: randomKey(30) }) };
    const gen = new SDEGenerator(1, { hiddenSize: 3, width: 4, key: randomKey(31) });
    const disc = new CDEDiscriminator(1, { hiddenSize: 3, width: 4, key: randomKey(32) });
    const w0 = arr(gen.readout.weight);
    let calls = 0;
    const hist = trainSDEGAN(gen, disc, data, {
      steps: 3,
      batchSize: 8,
      generatorLr: 1e-2,
      discriminatorLr: 1e-2,
      onStep: () => {
        calls++;
        for (const l of disc.linearLayers())
          for (const w of arr(l.weight)) expect(Math.abs(w)).toBeLessThanOrEqual(1 / l.outFeatures + 1e-7);
      },
    });
    expect(calls).toBe(3);
    expect(hist.map((h) => h.step)).toEqual([1, 2, 3]);
    for (const h of hist) expect(Number.isFinite(h.loss) && Number.isFinite(h.realScore)).toBe(true);
    expect(arr(gen.readout.weight)).not.toEqual(w0);
    expect(() => new SDEGANTrainer(gen, disc, { ts: TS, ys: randn([4, 2, 1]) })).toThrow(
      /^SDEGANTrainer: data.ys must be \[N, T = 3, dataSize = 1\]/,
    );
  });
});

describe('latent SDE', () => {
  it('the path-space KL integrand is ½‖(f − h)/g‖², zero when posterior = prior, and differentiable', () => {
    const f = f64([[1, -2]]);
    const h = f64([[0.5, 1]]);
    const g = f64([[0.5, 2]]);
    expect(pathKLIntegrand(f, h, g).item()).toBeCloseTo(0.5 * (1 + 2.25), 12);
    expect(pathKLIntegrand(f, f, g).item()).toBe(0);
    expect(() => pathKLIntegrand(f, f64([1, 2]), g)).toThrow(ShapeError);
    gradcheck((a, b, c) => pathKLIntegrand(a, b, c), [f, h, g]);
  });

  it('gaussianKL matches the closed form and is zero for equal Gaussians', () => {
    const mq = f64([0.3, -1]);
    const lq = f64([Math.log(0.5), 0.2]);
    const mp = f64([0, 0.5]);
    const lp = f64([0, -0.1]);
    let expected = 0;
    for (let i = 0; i < 2; i++) {
      const sq = Math.exp(arr(lq)[i]!);
      const sp = Math.exp(arr(lp)[i]!);
      expected += Math.log(sp / sq) + (sq ** 2 + (arr(mq)[i]! - arr(mp)[i]!) ** 2) / (2 * sp ** 2) - 0.5;
    }
    expect(gaussianKL(mq, lq, mp, lp).item()).toBeCloseTo(expected, 12);
    expect(Math.abs(gaussianKL(mq, lq, mq, lq).item())).toBeLessThan(1e-15);
    gradcheck((a, b, c, d) => gaussianKL(a, b, c, d), [mq, lq, mp, lp]);
  });

  const series = (B: number, T: number) => {
    const ts = Array.from({ length: T }, (_, i) => i / (T - 1));
    const d: number[][][] = [];
    for (let b = 0; b < B; b++) d.push(ts.map((t) => [Math.sin(2 * Math.PI * t + b)]));
    return { ts, ys: f64(d) };
  };

  const tinyLatent = () =>
    new LatentSDE(1, {
      latentSize: 2,
      contextSize: 3,
      encoderHidden: 3,
      width: 4,
      diffusionWidth: 3,
      dtype: 'float64',
      key: randomKey(40),
    });

  it('has the documented shapes; with the posterior drift equal to the prior the path KL is zero', () => {
    const { ts, ys } = series(3, 5);
    const m = tinyLatent();
    const out = m.elbo(ts, ys, randomKey(1));
    expect(out.zs.shape).toEqual([5, 3, 2]);
    expect(out.reconstruction.shape).toEqual([3, 5, 1]);
    for (const t of [out.loss, out.elbo, out.logLikelihood, out.klInitial, out.klPath]) {
      expect(t.shape).toEqual([]);
      expect(Number.isFinite(t.item())).toBe(true);
    }
    expect(out.klPath.item()).toBeGreaterThan(0);
    expect(out.elbo.item()).toBeCloseTo(
      out.logLikelihood.item() - out.klInitial.item() - out.klPath.item(),
      10,
    );
    expect(m.samplePrior(ts, 4, randomKey(2)).shape).toEqual([4, 5, 1]);
    // Copy the prior drift into the posterior drift (context inputs zeroed): q = p on paths.
    noGrad(() => {
      const post = m.posteriorDrift.mlp.layers;
      const prior = m.priorDrift.mlp.layers;
      const W = post[0]!.weight._storage.data;
      const Wp = prior[0]!.weight._storage.data;
      const inP = 1 + 2 + 3; // [t, z, context]
      const inQ = 1 + 2;
      W.fill(0);
      for (let r = 0; r < post[0]!.outFeatures; r++)
        for (let c = 0; c < inQ; c++) W[r * inP + c] = Wp[r * inQ + c]!;
      post[0]!.bias!._storage.data.set(prior[0]!.bias!._storage.data);
      post[1]!.weight._storage.data.set(prior[1]!.weight._storage.data);
      post[1]!.bias!._storage.data.set(prior[1]!.bias!._storage.data);
      for (const l of post) l.weight._storage.version++;
    });
    const z = randn([3, 2], { dtype: 'float64', key: randomKey(3) });
    const fs = m.fields(0.25, z, randn([3, 3], { dtype: 'float64', key: randomKey(4) }));
    expect(
      pathKLIntegrand(fs.posterior, fs.prior, fs.diffusion)
        .dataSync()
        .every((v) => Number(v) === 0),
    ).toBe(true);
    expect(m.elbo(ts, ys, randomKey(1)).klPath.item()).toBe(0);
  });

  it('the negative ELBO decreases over a few Adam steps (fixed noise) and checks its input', () => {
    const { ts, ys } = series(4, 6);
    const m = tinyLatent();
    const opt = new Adam(m.parameters(), { lr: 0.02 });
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      opt.zeroGrad();
      const out = m.elbo(ts, ys, randomKey(7), { klWeight: 1 });
      out.loss.backward();
      opt.step();
      losses.push(out.loss.item());
    }
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    const bad = ys.clone();
    bad._storage.data[2] = Number.NaN;
    expect(() => m.elbo(ts, bad, randomKey(0))).toThrow(/^LatentSDE.elbo: ys must be finite/);
    expect(() => m.elbo([0, 1], ys, randomKey(0))).toThrow(ShapeError);
  });

  it('with reversible Heun, ReversibleAdjoint gradients of the ELBO equal DirectAdjoint', () => {
    const { ts, ys } = series(2, 4);
    const grads = (adjoint: DirectAdjoint | ReversibleAdjoint) => {
      const m = new LatentSDE(1, {
        latentSize: 2,
        contextSize: 3,
        encoderHidden: 3,
        width: 4,
        dtype: 'float64',
        key: randomKey(41),
        solver: 'reversible-heun',
        substeps: 2,
        adjoint,
      });
      m.elbo(ts, ys, randomKey(42)).loss.backward();
      return flatGrads(m.parameters());
    };
    expect(maxRelDiff(grads(new ReversibleAdjoint()), grads(new DirectAdjoint()))).toBeLessThan(1e-10);
  });

  it('the ELBO passes a float64 gradcheck w.r.t. the data (fixed noise)', () => {
    const { ts, ys } = series(2, 3);
    const m = tinyLatent();
    gradcheck((y) => m.elbo(ts, y, randomKey(9)).loss, [ys], {
      name: 'LatentSDE.elbo',
      atol: 1e-6,
      rtol: 1e-6,
    });
  });
});
