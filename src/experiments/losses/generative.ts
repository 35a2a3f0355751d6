/**
 * Generative losses (loss survey §6, experiment A.3.5): on a ring of 8 Gaussians, a minimax GAN
 * (non-saturating generator loss) vs a WGAN (weight clipping c = 0.01, 5 critic steps, RMSprop),
 * compared by modes covered and MMD; then a DDPM trained with L_simple on a 2-D swiss roll
 * (T = 100, linear β), whose samples are compared by MMD with a Gaussian fitted to the data.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import { relu, type Tensor, tensor } from '../../index.js';
import {
  ddpmSample,
  ddpmTrainStep,
  EpsMLP,
  GanTrainer,
  linearBetaSchedule,
  mmd,
  modeCoverage,
} from '../../losses/training/index.js';
import { Linear, Module } from '../../nn/index.js';
import { Adam, CosineAnnealingLR } from '../../optim/index.js';
import { foldIn, randomKey } from '../../random/index.js';
import { withColors } from './charts.js';

/** Two-hidden-layer ReLU MLP. */
class Mlp extends Module<[Tensor], Tensor> {
  readonly l1: Linear;
  readonly l2: Linear;
  readonly l3: Linear;
  constructor(inp: number, hidden: number, out: number, seed: number) {
    super();
    this.l1 = new Linear(inp, hidden, { key: randomKey(seed) });
    this.l2 = new Linear(hidden, hidden, { key: randomKey(seed + 1) });
    this.l3 = new Linear(hidden, out, { key: randomKey(seed + 2) });
  }
  forward(x: Tensor): Tensor {
    return this.l3.forward(relu(this.l2.forward(relu(this.l1.forward(x)))));
  }
}

const ringCentres = (radius: number) =>
  Array.from({ length: 8 }, (_, k) => [
    radius * Math.cos((2 * Math.PI * k) / 8),
    radius * Math.sin((2 * Math.PI * k) / 8),
  ]);

function eightGaussians(n: number, radius: number, std: number, rng: Rng): Float32Array {
  const cs = ringCentres(radius);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = cs[rng.int(8)]!;
    out[2 * i] = c[0]! + rng.normal(0, std);
    out[2 * i + 1] = c[1]! + rng.normal(0, std);
  }
  return out;
}

/** sklearn-style 2-D swiss roll: t ~ U(1.5π, 4.5π), (t cos t, t sin t)/5 + noise. */
function swissRoll(n: number, noise: number, rng: Rng): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = 1.5 * Math.PI * (1 + 2 * rng.next());
    out[2 * i] = (t * Math.cos(t)) / 5 + rng.normal(0, noise);
    out[2 * i + 1] = (t * Math.sin(t)) / 5 + rng.normal(0, noise);
  }
  return out;
}

/** Samples from the Gaussian with the mean and covariance of `data` (2-D). */
function gaussianFit(data: Float32Array, n: number, rng: Rng): Float32Array {
  const m = data.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < m; i++) {
    mx += data[2 * i]!;
    my += data[2 * i + 1]!;
  }
  mx /= m;
  my /= m;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < m; i++) {
    const dx = data[2 * i]! - mx;
    const dy = data[2 * i + 1]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  sxx /= m - 1;
  sxy /= m - 1;
  syy /= m - 1;
  // Cholesky of [[sxx, sxy], [sxy, syy]].
  const l11 = Math.sqrt(sxx);
  const l21 = sxy / l11;
  const l22 = Math.sqrt(Math.max(syy - l21 * l21, 0));
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    out[2 * i] = mx + l11 * a;
    out[2 * i + 1] = my + l21 * a + l22 * b;
  }
  return out;
}

const pts = (a: Float32Array) => tensor(a, { shape: [a.length / 2, 2] });

const configSchema = z
  .object({
    ringRadius: z.number().positive().default(2).describe('radius of the ring of 8 Gaussians'),
    ringStd: z.number().positive().default(0.05).describe('std of each Gaussian'),
    latentDim: z.number().int().positive().default(2).describe('generator latent size'),
    hidden: z.number().int().positive().default(64).describe('generator/critic hidden width'),
    batchSize: z.number().int().min(2).default(128).describe('GAN batch size'),
    ganSteps: z.number().int().positive().default(4000).describe('minimax GAN generator steps'),
    ganLr: z.number().positive().default(1e-3).describe('minimax GAN Adam learning rate'),
    wganSteps: z
      .number()
      .int()
      .positive()
      .default(4000)
      .describe('WGAN generator steps (5 critic steps each)'),
    wganLr: z.number().positive().default(5e-5).describe('WGAN RMSprop learning rate (original: 5e-5)'),
    wganLipschitz: z
      .enum(['clip', 'gp'])
      .default('clip')
      .describe('WGAN Lipschitz control: weight clipping or gradient penalty'),
    clip: z.number().positive().default(0.01).describe('WGAN weight-clipping bound c'),
    gpLambda: z.number().positive().default(10).describe('WGAN-GP penalty weight λ'),
    nCritic: z.number().int().positive().default(5).describe('WGAN critic steps per generator step'),
    hqRadius: z.number().positive().default(0.15).describe('high-quality radius for mode coverage (3σ)'),
    evalSamples: z.number().int().min(10).default(2000).describe('samples for mode coverage and MMD'),
    bandwidths: z
      .array(z.number().positive())
      .default([0.05, 0.1, 0.2, 0.5, 1])
      .describe('MMD RBF bandwidths'),
    T: z.number().int().positive().default(100).describe('diffusion steps'),
    beta1: z.number().positive().default(1e-3).describe('β₁ (DDPM 1e-4 at T = 1000, scaled by 1000/T)'),
    betaT: z.number().positive().default(0.2).describe('β_T (DDPM 0.02 at T = 1000, scaled by 1000/T)'),
    rollNoise: z.number().nonnegative().default(0.05).describe('swiss-roll noise std'),
    rollTrain: z.number().int().positive().default(10_000).describe('swiss-roll training points'),
    ddpmSteps: z.number().int().positive().default(6000).describe('DDPM Adam steps'),
    ddpmBatch: z.number().int().positive().default(256).describe('DDPM batch size'),
    ddpmLr: z.number().positive().default(3e-3).describe('DDPM Adam learning rate (cosine-annealed to 0)'),
    timeMaxPeriod: z.number().positive().default(200).describe('longest period of the time embedding (≈ 2T)'),
    ddpmHidden: z.number().int().positive().default(128).describe('ε-MLP hidden width'),
    logEvery: z.number().int().positive().default(50).describe('log losses every N steps'),
    surveyClaims: z
      .boolean()
      .default(true)
      .describe('claim the GAN-vs-WGAN comparison (off in the quick preset; reported in the notes)'),
  })
  .strict();

export type GenerativeConfig = z.output<typeof configSchema>;

export const lossesGenerative = defineExperiment({
  name: 'losses-generative',
  title: 'Loss survey: minimax GAN vs WGAN on 8 Gaussians, DDPM on a swiss roll',
  description:
    'Mode coverage and MMD of a non-saturating GAN and a weight-clipped WGAN; a DDPM (L_simple, T = 100) against a Gaussian baseline.',
  paper: {
    title: 'A survey and taxonomy of loss functions in machine learning',
    authors: 'L. Ciampiconi, A. Elwood, M. Leonardi, A. Mohamed, A. Rozza',
    year: 2023,
    spec: '§6 (generative losses #20–#22); experiment A.3.5 of the spec.',
    url: 'https://arxiv.org/abs/2301.05579v1',
  },
  configSchema,
  presets: {
    quick: {
      ganSteps: 600,
      wganSteps: 300,
      wganLr: 5e-4,
      evalSamples: 600,
      rollTrain: 4000,
      ddpmSteps: 1200,
      ddpmHidden: 64,
      surveyClaims: false,
    },
    full: { ganSteps: 3000, wganSteps: 3000, ddpmSteps: 6000 },
  },
  metricCharts: [
    { title: 'Minimax GAN losses', keys: ['gan_d_loss', 'gan_g_loss'], logY: false },
    { title: 'WGAN critic estimate of W(P_r, P_g)', keys: ['wgan_w_estimate'], logY: false },
    { title: 'DDPM L_simple', keys: ['ddpm_loss'], logY: true },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const c = config;
    const rng = ctx.makeRng(ctx.seed ^ 0x6a7);
    const centres = ringCentres(c.ringRadius);
    const sampleRing = (n: number) => pts(eightGaussians(n, c.ringRadius, c.ringStd, rng));
    const totalSteps = c.ganSteps + c.wganSteps + c.ddpmSteps;
    let progress = 0;
    const key = randomKey(ctx.seed * 31 + 5);

    // --- GAN vs WGAN on the ring ---
    const trainers = {
      GAN: new GanTrainer(
        new Mlp(c.latentDim, c.hidden, 2, ctx.seed * 100 + 1),
        new Mlp(2, c.hidden, 1, ctx.seed * 100 + 11),
        {
          objective: 'minimax',
          latentDim: c.latentDim,
          lr: c.ganLr,
          key: foldIn(key, 1),
        },
      ),
      WGAN: new GanTrainer(
        new Mlp(c.latentDim, c.hidden, 2, ctx.seed * 100 + 1),
        new Mlp(2, c.hidden, 1, ctx.seed * 100 + 11),
        {
          objective: 'wasserstein',
          lipschitz: c.wganLipschitz,
          latentDim: c.latentDim,
          lr: c.wganLr,
          clipValue: c.clip,
          gpLambda: c.gpLambda,
          nCritic: c.nCritic,
          key: foldIn(key, 2),
        },
      ),
    };
    let maxCriticWeight = 0;
    for (const [name, trainer] of Object.entries(trainers)) {
      const steps = name === 'GAN' ? c.ganSteps : c.wganSteps;
      for (let step = 1; step <= steps; step++) {
        if (ctx.signal.aborted) return { summary: { stopped: `${name} step ${step}` } };
        const s = trainer.step(sampleRing, c.batchSize);
        if (name === 'WGAN' && c.wganLipschitz === 'clip') {
          for (const p of trainer.critic.parameters()) {
            const d = p.dataSync();
            for (let i = 0; i < d.length; i++)
              maxCriticWeight = Math.max(maxCriticWeight, Math.abs(Number(d[i])));
          }
        }
        if (step % c.logEvery === 0) {
          ctx.log(
            name === 'GAN'
              ? { step, gan_d_loss: s.criticLoss, gan_g_loss: s.generatorLoss }
              : { step, wgan_w_estimate: s.wassersteinEstimate },
          );
        }
        ctx.progress(++progress, totalSteps);
        await ctx.tick();
      }
    }
    const realEval = sampleRing(c.evalSamples);
    const realEval2 = sampleRing(c.evalSamples);
    const ganStats: Record<string, { modes: number; hq: number; mmd: number; samples: Tensor }> = {};
    for (const [name, trainer] of Object.entries(trainers)) {
      const samples = trainer.sample(c.evalSamples);
      const cov = modeCoverage(samples, centres, {
        radius: c.hqRadius,
        minCount: Math.max(1, Math.round(c.evalSamples / 200)),
      });
      ganStats[name] = {
        modes: cov.modesCovered,
        hq: cov.highQualityFraction,
        mmd: mmd(samples, realEval, { bandwidths: c.bandwidths }).item(),
        samples,
      };
    }
    const ringFloor = mmd(realEval2, realEval, { bandwidths: c.bandwidths }).item();

    // --- DDPM on the swiss roll ---
    const rollRng = ctx.makeRng(ctx.seed ^ 0x5e11);
    const roll = swissRoll(c.rollTrain, c.rollNoise, rollRng);
    const schedule = linearBetaSchedule(c.T, c.beta1, c.betaT);
    const eps = new EpsMLP(2, {
      hidden: c.ddpmHidden,
      layers: 3,
      maxPeriod: c.timeMaxPeriod,
      key: foldIn(key, 3),
    });
    const model = (x: Tensor, t: Int32Array) => eps.forward(x, t);
    const opt = new Adam(eps.parameters(), { lr: c.ddpmLr });
    const sched = new CosineAnnealingLR(opt, { tMax: c.ddpmSteps });
    const xb = new Float32Array(2 * c.ddpmBatch);
    let ema = Number.NaN;
    for (let step = 1; step <= c.ddpmSteps; step++) {
      if (ctx.signal.aborted) return { summary: { stopped: `DDPM step ${step}` } };
      for (let i = 0; i < c.ddpmBatch; i++) {
        const j = rollRng.int(c.rollTrain);
        xb[2 * i] = roll[2 * j]!;
        xb[2 * i + 1] = roll[2 * j + 1]!;
      }
      const l = ddpmTrainStep(model, opt, schedule, pts(xb), { key: foldIn(key, 1000 + step) });
      sched.step();
      ema = Number.isNaN(ema) ? l : 0.98 * ema + 0.02 * l;
      if (step % c.logEvery === 0) ctx.log({ step, ddpm_loss: ema });
      ctx.progress(++progress, totalSteps, { loss: ema });
      await ctx.tick();
    }
    const ddpmSamples = ddpmSample(model, schedule, [c.evalSamples, 2], { key: foldIn(key, 4) });
    const rollTest = pts(swissRoll(c.evalSamples, c.rollNoise, rollRng));
    const rollTest2 = pts(swissRoll(c.evalSamples, c.rollNoise, rollRng));
    const gauss = pts(gaussianFit(roll, c.evalSamples, rollRng));
    const mmdDdpm = mmd(ddpmSamples, rollTest, { bandwidths: c.bandwidths }).item();
    const mmdGauss = mmd(gauss, rollTest, { bandwidths: c.bandwidths }).item();
    const mmdFloor = mmd(rollTest2, rollTest, { bandwidths: c.bandwidths }).item();

    // --- Claims ---
    const gan = ganStats.GAN!;
    const wgan = ganStats.WGAN!;
    if (c.wganLipschitz === 'clip') {
      ctx.claim('WGAN: max |critic parameter| after clipping', maxCriticWeight, {
        op: '<=',
        target: c.clip,
        description:
          'weight clipping keeps every critic parameter in [−c, c] (checked after every generator step)',
      });
    }
    ctx.claim('MMD²: independent real samples / Gaussian fit (swiss roll)', mmdFloor / mmdGauss, {
      op: '<',
      target: 0.5,
      description: `metric sanity: two real samples are much closer than the Gaussian baseline (${mmdFloor.toExponential(2)} vs ${mmdGauss.toExponential(2)})`,
    });
    ctx.claim('DDPM / Gaussian-baseline MMD² to held-out swiss-roll samples', mmdDdpm / mmdGauss, {
      op: '<',
      target: 1,
      description: `L_simple with T = ${c.T} learns the roll better than its best Gaussian fit (DDPM ${mmdDdpm.toExponential(2)}, Gaussian ${mmdGauss.toExponential(2)}, real-vs-real ${mmdFloor.toExponential(2)})`,
    });
    const survey = [
      {
        name: 'modes covered: WGAN − minimax GAN',
        value: wgan.modes - gan.modes,
        op: '>=' as const,
        target: 0,
        description: `survey §6: the Wasserstein loss trains more stably than the minimax game (GAN ${gan.modes}/8, WGAN ${wgan.modes}/8 modes)`,
      },
      {
        name: 'MMD² to the ring: WGAN / minimax GAN',
        value: wgan.mmd / gan.mmd,
        op: '<=' as const,
        target: 1,
        description: `GAN ${gan.mmd.toExponential(2)}, WGAN ${wgan.mmd.toExponential(2)}, real-vs-real ${ringFloor.toExponential(2)}`,
      },
    ];
    if (c.surveyClaims) {
      for (const cl of survey)
        ctx.claim(cl.name, cl.value, { op: cl.op, target: cl.target, description: cl.description });
    }
    for (const [name, s] of Object.entries(ganStats)) {
      ctx.summary(`${name}_modes`, s.modes);
      ctx.summary(`${name}_high_quality_fraction`, s.hq);
      ctx.summary(`${name}_mmd2`, s.mmd);
    }
    ctx.summary('ring_mmd2_real_vs_real', ringFloor);
    ctx.summary('ddpm_mmd2', mmdDdpm);
    ctx.summary('gaussian_mmd2', mmdGauss);
    ctx.summary('roll_mmd2_real_vs_real', mmdFloor);
    ctx.summary('alpha_bar_T', schedule.alphaBars[c.T - 1]!);

    // --- Charts ---
    const rows = (t: Tensor, source: string, max = 1000) => {
      const d = t.dataSync();
      const n = Math.min(t.shape[0]!, max);
      return Array.from({ length: n }, (_, i) => ({ x: Number(d[2 * i]), y: Number(d[2 * i + 1]), source }));
    };
    for (const [name, s] of Object.entries(ganStats)) {
      ctx.chart(
        `${name.toLowerCase()}-samples`,
        withColors(
          ctx.charts.scatter({
            data: [...rows(realEval, 'real'), ...rows(s.samples, name)],
            x: 'x',
            y: 'y',
            color: 'source',
            size: 10,
            opacity: 0.5,
            width: 340,
            height: 340,
            title: `${name}: ${s.modes}/8 modes, ${(s.hq * 100).toFixed(0)} % high quality, MMD² ${s.mmd.toExponential(2)}`,
          }),
          ['real', name],
          ['#9e9e9e', '#d62728'],
        ),
      );
    }
    ctx.chart(
      'ddpm-samples',
      withColors(
        ctx.charts.scatter({
          data: [
            ...rows(rollTest, 'real'),
            ...rows(ddpmSamples, 'DDPM'),
            ...rows(gauss, 'Gaussian fit', 300),
          ],
          x: 'x',
          y: 'y',
          color: 'source',
          size: 10,
          opacity: 0.5,
          width: 360,
          height: 360,
          title: `Swiss roll: DDPM (T = ${c.T}) vs Gaussian baseline`,
        }),
        ['real', 'DDPM', 'Gaussian fit'],
        ['#9e9e9e', '#1f77b4', '#ff7f0e'],
      ),
    );
    ctx.chart(
      'mmd',
      ctx.charts.bar({
        data: [
          { model: 'ring: real vs real', mmd2: Math.max(ringFloor, 1e-8) },
          { model: 'ring: minimax GAN', mmd2: gan.mmd },
          { model: 'ring: WGAN (clip)', mmd2: wgan.mmd },
          { model: 'roll: real vs real', mmd2: Math.max(mmdFloor, 1e-8) },
          { model: 'roll: Gaussian fit', mmd2: mmdGauss },
          { model: 'roll: DDPM', mmd2: mmdDdpm },
        ],
        x: 'model',
        y: 'mmd2',
        title: 'Unbiased MMD² to held-out real samples (lower is better)',
      }),
    );
    ctx.summary('wall_s', (performance.now() - t0) / 1000);
    return {
      notes: [
        `Mode coverage: a sample is high quality within ${c.hqRadius} of its nearest centre (σ = ${c.ringStd}); a mode counts when it gets ≥ ${Math.max(1, Math.round(c.evalSamples / 200))} of ${c.evalSamples} samples.`,
        `Survey comparison (GAN vs WGAN${c.surveyClaims ? '' : '; not claimed in this run'}): ${survey.map((cl) => `${cl.name} = ${cl.value.toFixed(3)}`).join('; ')}.`,
        `WGAN with RMSprop lr ${c.wganLr}${c.wganLr !== 5e-5 ? ' (the original 5e-5 is too slow for this step budget)' : ''}, clip ${c.clip}, ${c.nCritic} critic steps; minimax GAN with Adam lr ${c.ganLr}, β = (0.5, 0.999).`,
        `DDPM: T = ${c.T}, linear β from ${c.beta1} to ${c.betaT} (DDPM's 1e-4…0.02 at T = 1000 scaled by 1000/T so that ᾱ_T ≈ ${schedule.alphaBars[c.T - 1]!.toExponential(1)}).`,
      ].join('\n'),
    };
  },
});
