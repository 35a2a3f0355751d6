/**
 * SDE-GAN on Ornstein–Uhlenbeck-like data (Kidger, Foster, Li, Lyons 2021; the Diffrax
 * `neural_sde` example): a neural SDE generator trained against a neural-CDE discriminator
 * with the Wasserstein loss, weight clipping and LipSwish. The data follow the spec's
 * time-dependent OU process dy = (0.02t − 0.1y)dt + (0.8t/63)dW, y₀ ~ U(−1, 1), observed on a
 * regular grid of [0, 63] with 30 % of the observations dropped. The generator is judged by
 * its marginal distributions at several times against held-out real paths, and against the
 * same generator before training.
 */
import { z } from 'zod';
import { CDEDiscriminator, SDEGANTrainer, SDEGenerator } from '../../diffeq/index.js';
import type { ChartSpec } from '../../experiment/charts.js';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import { noGrad, Tensor } from '../../index.js';
import { randomKey } from '../../random/index.js';

/** Paths of the spec's OU-like SDE on `T` equally spaced times of [0, tEnd], Euler with step ≤ h. */
export function ouPaths(n: number, ts: Float64Array, h: number, rng: Rng): Float64Array {
  const T = ts.length;
  const out = new Float64Array(n * T);
  for (let k = 0; k < n; k++) {
    let y = rng.uniform(-1, 1);
    let t = ts[0]!;
    out[k * T] = y;
    for (let i = 1; i < T; i++) {
      const target = ts[i]!;
      while (t < target - 1e-12) {
        const dt = Math.min(h, target - t);
        y += (0.02 * t - 0.1 * y) * dt + ((2 * 0.4 * t) / 63) * Math.sqrt(dt) * rng.normal();
        t += dt;
      }
      out[k * T + i] = y;
    }
  }
  return out;
}

/** Column `i` of a row-major `[n, T]` array. */
function column(a: ArrayLike<number>, n: number, T: number, i: number): Float64Array {
  const c = new Float64Array(n);
  for (let k = 0; k < n; k++) c[k] = a[k * T + i]!;
  return c;
}

function meanStd(x: Float64Array): [number, number] {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  return [m, Math.sqrt(s / x.length)];
}

/** 1-D Wasserstein-1 distance between two empirical distributions of the same size. */
export function wasserstein1(a: Float64Array, b: Float64Array): number {
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const n = Math.min(sa.length, sb.length);
  // Quantile matching on a common grid of n levels.
  let s = 0;
  for (let i = 0; i < n; i++) {
    const qa = sa[Math.floor(((i + 0.5) * sa.length) / n)]!;
    const qb = sb[Math.floor(((i + 0.5) * sb.length) / n)]!;
    s += Math.abs(qa - qb);
  }
  return s / n;
}

/** Marginal comparison of generated paths with real ones at the evaluation time indices. */
interface MarginalStats {
  w1: number[];
  meanErr: number[];
  stdErr: number[];
}

function compareMarginals(
  gen: ArrayLike<number>,
  real: Float64Array,
  n: number,
  T: number,
  idx: number[],
): MarginalStats {
  const out: MarginalStats = { w1: [], meanErr: [], stdErr: [] };
  for (const i of idx) {
    const g = column(gen, n, T, i);
    const r = column(real, n, T, i);
    const [mg, sg] = meanStd(g);
    const [mr, sr] = meanStd(r);
    out.w1.push(wasserstein1(g, r));
    out.meanErr.push(Math.abs(mg - mr));
    out.stdErr.push(Math.abs(sg - sr));
  }
  return out;
}

const avg = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;

const configSchema = z
  .object({
    samples: z.number().int().positive().default(8192).describe('training paths (spec: 8192)'),
    evalSamples: z
      .number()
      .int()
      .positive()
      .default(1024)
      .describe('held-out real and generated paths per evaluation'),
    tSize: z.number().int().min(3).default(32).describe('observation times on [0, tEnd] (spec: 64)'),
    tEnd: z.number().positive().default(63).describe('final time (spec: 63)'),
    dropFraction: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.3)
      .describe('fraction of observations dropped to NaN (spec: 0.3)'),
    dataDt: z.number().positive().default(0.1).describe('Euler step of the data simulation (spec: 0.1)'),
    hiddenSize: z
      .number()
      .int()
      .positive()
      .default(16)
      .describe('hidden state of generator and discriminator (spec: 16)'),
    width: z.number().int().positive().default(16).describe('MLP width (spec: 16)'),
    depth: z.number().int().min(0).default(1).describe('MLP hidden layers (spec: 1)'),
    noiseSize: z.number().int().positive().default(3).describe('Brownian channels (spec: 3)'),
    initialNoiseSize: z.number().int().positive().default(5).describe('initial noise size (spec: 5)'),
    normalizeTime: z.boolean().default(true).describe('feed t/tEnd instead of t to the networks'),
    steps: z
      .number()
      .int()
      .nonnegative()
      .default(1000)
      .describe('training steps (spec: 10 000 at batch 1024)'),
    batchSize: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe('real and generated paths per step (spec: 1024)'),
    optimizer: z
      .enum(['adam', 'rmsprop'])
      .default('adam')
      .describe('optimiser of both players (spec: RMSprop)'),
    generatorLr: z
      .number()
      .positive()
      .default(3e-4)
      .describe('generator learning rate (spec: 2e-5 with RMSprop)'),
    discriminatorLr: z
      .number()
      .positive()
      .default(3e-4)
      .describe('discriminator learning rate (spec: 1e-4 with RMSprop)'),
    initialLrScale: z
      .number()
      .positive()
      .default(10)
      .describe('learning-rate factor of the initial-condition networks (spec: 10)'),
    evalEvery: z.number().int().positive().default(100).describe('evaluate the marginals every N steps'),
    evalTimes: z
      .number()
      .int()
      .min(2)
      .default(5)
      .describe('evaluation times (evenly spread over the grid, ends included)'),
    w1RatioTarget: z
      .number()
      .positive()
      .default(0.3)
      .describe('claimed maximum of trained / untrained marginal W1'),
    meanRatioTarget: z
      .number()
      .positive()
      .default(0.3)
      .describe('claimed maximum of trained / untrained marginal mean error'),
  })
  .strict();

export type SdeGanOuConfig = z.output<typeof configSchema>;

export const sdeGanOu = defineExperiment({
  name: 'sde-gan-ou',
  title: 'SDE-GAN on Ornstein–Uhlenbeck-like data',
  description:
    'Neural SDE generator vs neural CDE discriminator (Wasserstein loss, weight clipping + LipSwish) on irregularly observed OU paths.',
  paper: {
    title:
      'Neural SDEs as Infinite-Dimensional GANs (with the improvements of "Efficient and Accurate Gradients for Neural SDEs")',
    authors: 'P. Kidger, J. Foster, X. Li, H. Oberhauser, T. Lyons',
    year: 2021,
    spec: 'Spec §1.6 SDE-GAN and the Diffrax neural_sde example (time-dependent OU data, 30 % dropped), scaled to a CPU: Adam and fewer, smaller batches.',
  },
  configSchema,
  presets: {
    quick: {
      samples: 1024,
      evalSamples: 512,
      tSize: 16,
      steps: 40,
      batchSize: 64,
      evalEvery: 20,
      w1RatioTarget: 1,
      meanRatioTarget: 1,
    },
    full: { samples: 8192, evalSamples: 1024, tSize: 32, steps: 1000, batchSize: 64, evalEvery: 100 },
  },
  metricCharts: [
    { title: 'Wasserstein loss E[D(real)] − E[D(fake)] per step', keys: ['loss'], logY: false },
    { title: 'Mean discriminator scores', keys: ['real_score', 'fake_score'], logY: false },
    {
      title: 'Marginal errors vs held-out real paths (mean over evaluation times)',
      keys: ['marginal_w1', 'mean_err', 'std_err'],
      logY: false,
    },
  ],
  async run(config, ctx) {
    const start = performance.now();
    const T = config.tSize;
    const ts = Float64Array.from({ length: T }, (_, i) => (config.tEnd * i) / (T - 1));
    const dataRng = ctx.makeRng(ctx.seed ^ 0x5de6a7);
    const train = ouPaths(config.samples, ts, config.dataDt, dataRng);
    const nEval = config.evalSamples;
    const held = ouPaths(nEval, ts, config.dataDt, dataRng);
    // Drop observations (never the whole path's first value structure: NaNs are allowed anywhere).
    let dropped = 0;
    for (let i = 0; i < train.length; i++)
      if (dataRng.next() < config.dropFraction) {
        train[i] = Number.NaN;
        dropped++;
      }
    const ys = Tensor._fromData(Float32Array.from(train), [config.samples, T, 1], 'float32');

    const k = ctx.seed * 64;
    const timeScale = config.normalizeTime ? 1 / config.tEnd : 1;
    const generator = new SDEGenerator(1, {
      hiddenSize: config.hiddenSize,
      width: config.width,
      depth: config.depth,
      noiseSize: config.noiseSize,
      initialNoiseSize: config.initialNoiseSize,
      timeScale,
      key: randomKey(k + 1),
    });
    const discriminator = new CDEDiscriminator(1, {
      hiddenSize: config.hiddenSize,
      width: config.width,
      depth: config.depth,
      timeScale,
      key: randomKey(k + 2),
    });
    const trainer = new SDEGANTrainer(
      generator,
      discriminator,
      { ts, ys },
      {
        batchSize: config.batchSize,
        optimizer: config.optimizer,
        generatorLr: config.generatorLr,
        discriminatorLr: config.discriminatorLr,
        initialLrScale: config.initialLrScale,
        key: randomKey(k + 3),
      },
    );
    const nt = config.evalTimes;
    const evalIdx = [...new Set(Array.from({ length: nt }, (_, j) => Math.round((j * (T - 1)) / (nt - 1))))];
    const evalKey = randomKey(k + 4);
    const generate = () => noGrad(() => Float64Array.from(generator.forward(ts, nEval, evalKey).dataSync()));
    const untrained = generate();
    const stats0 = compareMarginals(untrained, held, nEval, T, evalIdx);
    ctx.log({
      step: 0,
      marginal_w1: avg(stats0.w1),
      mean_err: avg(stats0.meanErr),
      std_err: avg(stats0.stdErr),
    });

    let step = 0;
    let ema = Number.NaN;
    let last = stats0;
    while (step < config.steps) {
      if (ctx.signal.aborted) break;
      const info = trainer.step();
      step = info.step;
      ema = Number.isNaN(ema) ? info.loss : 0.95 * ema + 0.05 * info.loss;
      ctx.log({ step, loss: info.loss, real_score: info.realScore, fake_score: info.fakeScore });
      if (step % config.evalEvery === 0 || step === config.steps) {
        last = compareMarginals(generate(), held, nEval, T, evalIdx);
        ctx.log({ step, marginal_w1: avg(last.w1), mean_err: avg(last.meanErr), std_err: avg(last.stdErr) });
      }
      ctx.progress(step, config.steps, { loss: ema, w1: avg(last.w1) });
      await ctx.tick();
    }
    const trained = generate();
    const stats1 = compareMarginals(trained, held, nEval, T, evalIdx);
    // Noise floor: two independent real samples of the same size.
    const held2 = ouPaths(nEval, ts, config.dataDt, dataRng);
    const floor = compareMarginals(held2, held, nEval, T, evalIdx);
    const seconds = (performance.now() - start) / 1000;

    const w1Ratio = avg(stats1.w1) / avg(stats0.w1);
    const meanRatio = avg(stats1.meanErr) / avg(stats0.meanErr);
    const tsList = evalIdx.map((i) => ts[i]!.toFixed(1)).join(', ');
    ctx.claim('marginal W1: trained / untrained generator', w1Ratio, {
      op: '<',
      target: config.w1RatioTarget,
      description: `mean over t ∈ {${tsList}} of the 1-D Wasserstein distance to ${nEval} held-out real paths: trained ${avg(stats1.w1).toFixed(3)}, untrained ${avg(stats0.w1).toFixed(3)} (real-vs-real floor ${avg(floor.w1).toFixed(3)})`,
    });
    ctx.claim('marginal mean error: trained / untrained generator', meanRatio, {
      op: '<',
      target: config.meanRatioTarget,
      description: `mean over the same times of |mean(generated) − mean(real)|: trained ${avg(stats1.meanErr).toFixed(3)}, untrained ${avg(stats0.meanErr).toFixed(3)} (floor ${avg(floor.meanErr).toFixed(3)})`,
    });
    ctx.summary('steps', step);
    ctx.summary('wall_s', Number(seconds.toFixed(1)));
    ctx.summary('ms_per_step', Number(((seconds * 1000) / Math.max(1, step)).toFixed(1)));
    ctx.summary('dropped_fraction', Number((dropped / train.length).toFixed(3)));
    ctx.summary('w1_trained', avg(stats1.w1));
    ctx.summary('w1_untrained', avg(stats0.w1));
    ctx.summary('w1_real_floor', avg(floor.w1));
    ctx.summary('mean_err_trained', avg(stats1.meanErr));
    ctx.summary('mean_err_untrained', avg(stats0.meanErr));
    ctx.summary('std_err_trained', avg(stats1.stdErr));
    ctx.summary('std_err_untrained', avg(stats0.stdErr));
    evalIdx.forEach((i, j) => {
      ctx.summary(`w1_t${ts[i]!.toFixed(0)}`, stats1.w1[j]!);
    });

    // Charts.
    const nShow = Math.min(12, nEval);
    const pathRows: { t: number; y: number; source: string; path: string }[] = [];
    const addPaths = (src: ArrayLike<number>, name: string) => {
      for (let p = 0; p < nShow; p++)
        for (let i = 0; i < T; i++)
          pathRows.push({ t: ts[i]!, y: src[p * T + i]!, source: name, path: `${name} ${p}` });
    };
    addPaths(held, 'real');
    addPaths(trained, 'generated');
    ctx.chart('sample-paths', pathsChart(pathRows, `Sample paths: real vs generated (${nShow} each)`), {
      caption: 'Held-out real OU-like paths and paths from the trained SDE generator.',
    });
    const margRows: { t: string; x: number; density: number; source: string }[] = [];
    for (const i of evalIdx) {
      const cols: [string, Float64Array][] = [
        ['real', column(held, nEval, T, i)],
        ['generated', column(trained, nEval, T, i)],
        ['untrained', column(untrained, nEval, T, i)],
      ];
      // Range: the 1 %–99 % quantiles of real and generated pooled.
      const pooled = Float64Array.from([...cols[0]![1], ...cols[1]![1]]).sort();
      let lo = pooled[Math.floor(0.01 * pooled.length)]!;
      let hi = pooled[Math.floor(0.99 * pooled.length)]!;
      const pad = Math.max(0.05, 0.05 * (hi - lo));
      lo -= pad;
      hi += pad;
      const nb = 24;
      const w = (hi - lo) / nb;
      for (const [name, c] of cols) {
        const counts = new Array<number>(nb).fill(0);
        for (const v of c) if (v >= lo && v < hi) counts[Math.floor((v - lo) / w)]! += 1;
        counts.forEach((cnt, b) => {
          margRows.push({
            t: `t = ${ts[i]!.toFixed(1)}`,
            x: lo + (b + 0.5) * w,
            density: cnt / (c.length * w),
            source: name,
          });
        });
      }
    }
    ctx.chart('marginals', marginalsChart(margRows), {
      caption:
        'Histogram densities of the marginals at the evaluation times (x range: 1–99 % quantiles of real and generated pooled).',
    });
    const momentRows: { t: number; value: number; series: string }[] = [];
    for (let i = 0; i < T; i++) {
      for (const [name, src] of [
        ['real', held],
        ['generated', trained],
        ['untrained', untrained],
      ] as const) {
        const [m, s] = meanStd(column(src, nEval, T, i));
        momentRows.push({ t: ts[i]!, value: m, series: `${name} mean` });
        momentRows.push({ t: ts[i]!, value: s, series: `${name} std` });
      }
    }
    ctx.chart(
      'moments',
      ctx.charts.lines({
        data: momentRows,
        x: 't',
        y: 'value',
        group: 'series',
        title: 'Marginal mean and std over time',
      }),
    );
    return {};
  },
});

function pathsChart(rows: readonly Record<string, string | number>[], title: string): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 460,
    height: 260,
    background: 'white',
    data: { values: rows as Record<string, string | number>[] },
    mark: { type: 'line', strokeWidth: 1, opacity: 0.7 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 't' },
      y: { field: 'y', type: 'quantitative', title: 'y' },
      color: { field: 'source', type: 'nominal', title: 'source' },
      detail: { field: 'path', type: 'nominal' },
    },
  } as ChartSpec;
}

function marginalsChart(rows: readonly Record<string, string | number>[]): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Marginal distributions at several times',
    background: 'white',
    data: { values: rows as Record<string, string | number>[] },
    facet: { column: { field: 't', type: 'nominal', title: null, sort: null } },
    spec: {
      width: 150,
      height: 140,
      mark: { type: 'line', interpolate: 'step', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'y' },
        y: { field: 'density', type: 'quantitative', title: 'density' },
        color: { field: 'source', type: 'nominal', title: 'source' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as ChartSpec;
}
