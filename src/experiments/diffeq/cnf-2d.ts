/**
 * A continuous normalising flow (FFJORD with the exact trace, which is cheap in 2-D) fitted
 * by maximum likelihood to a 2-D toy density (two moons or concentric rings), generated from
 * the run's seeded RNG and standardised.
 */
import { z } from 'zod';
import { CNF } from '../../diffeq/index.js';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import { noGrad, type Tensor, tensor } from '../../index.js';
import { Linear, Sequential, Tanh } from '../../nn/index.js';
import { Adam } from '../../optim/index.js';
import { randomKey } from '../../random/index.js';

/** `n` points of a toy density, flattened `[n, 2]`. */
function sampleToy(kind: 'moons' | 'rings', n: number, noise: number, rng: Rng): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let x: number;
    let y: number;
    if (kind === 'moons') {
      const a = Math.PI * rng.uniform();
      if (rng.uniform() < 0.5) {
        x = Math.cos(a);
        y = Math.sin(a);
      } else {
        x = 1 - Math.cos(a);
        y = 0.5 - Math.sin(a);
      }
    } else {
      const a = 2 * Math.PI * rng.uniform();
      const r = rng.uniform() < 0.5 ? 1 : 2;
      x = r * Math.cos(a);
      y = r * Math.sin(a);
    }
    out[2 * i] = x + rng.normal(0, noise);
    out[2 * i + 1] = y + rng.normal(0, noise);
  }
  return out;
}

/** Standardises columns of `[n, 2]` data in place with the given mean and std. */
function standardise(d: Float64Array, mean: number[], std: number[]): void {
  for (let i = 0; i < d.length; i++) d[i] = (d[i]! - mean[i % 2]!) / std[i % 2]!;
}

function stats(d: Float64Array): { mean: number[]; std: number[] } {
  const n = d.length / 2;
  const mean = [0, 0];
  const std = [0, 0];
  for (let i = 0; i < d.length; i++) mean[i % 2]! += d[i]! / n;
  for (let i = 0; i < d.length; i++) std[i % 2]! += (d[i]! - mean[i % 2]!) ** 2 / n;
  return { mean, std: std.map(Math.sqrt) };
}

const LOG2PI = Math.log(2 * Math.PI);

const configSchema = z
  .object({
    dataset: z.enum(['moons', 'rings']).default('moons').describe('toy density'),
    noise: z.number().nonnegative().default(0.08).describe('Gaussian noise added to the toy points'),
    iters: z.number().int().positive().default(1500).describe('Adam steps'),
    batchSize: z.number().int().positive().default(256).describe('samples per step (fresh draws)'),
    testSize: z
      .number()
      .int()
      .positive()
      .default(2000)
      .describe('held-out samples for the test log-likelihood'),
    hidden: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe('hidden units of the vector-field MLP (2 hidden layers)'),
    lr: z.number().positive().default(5e-3).describe('Adam learning rate'),
    t1: z.number().positive().default(1).describe('flow time'),
    rtol: z.number().positive().default(1e-4).describe('solver rtol (training and evaluation)'),
    atol: z.number().positive().default(1e-5).describe('solver atol'),
    grid: z.number().int().min(8).default(60).describe('density grid points per axis'),
    gridExtent: z
      .number()
      .positive()
      .default(4)
      .describe('density grid covers [-e, e]² (standardised units)'),
    evalEvery: z
      .number()
      .int()
      .positive()
      .default(100)
      .describe('evaluate the test log-likelihood every N steps'),
  })
  .strict();

export type Cnf2dConfig = z.output<typeof configSchema>;

export const cnf2d = defineExperiment({
  name: 'cnf-2d',
  title: 'Continuous normalising flow on a 2-D toy density',
  description:
    'Maximum-likelihood training of a CNF (exact trace) on two moons or rings; learned density on a grid and samples.',
  paper: {
    title: 'FFJORD: Free-form Continuous Dynamics for Scalable Reversible Generative Models',
    authors: 'W. Grathwohl, R. T. Q. Chen, J. Bettencourt, I. Sutskever, D. Duvenaud',
    year: 2019,
    spec: 'Figure 2 / §5.1 toy 2-D densities; continuous change of variables (Chen et al. 2018, Thm. 1) with the exact trace in 2-D, scaled to a CPU.',
  },
  configSchema,
  presets: {
    quick: {
      iters: 300,
      batchSize: 128,
      testSize: 1000,
      hidden: 32,
      grid: 40,
      evalEvery: 100,
      rtol: 1e-3,
      atol: 1e-4,
    },
    full: { iters: 1500, batchSize: 256, testSize: 2000, hidden: 64, grid: 60 },
  },
  metricCharts: [
    { title: 'Negative log-likelihood (nats)', keys: ['nll', 'test_nll'], logY: false },
    { title: 'Function evaluations per forward solve', keys: ['nfe'], logY: false },
  ],
  async run(config, ctx) {
    const dataRng = ctx.makeRng(ctx.seed ^ 0x5eed5);
    const ref = sampleToy(config.dataset, 5000, config.noise, dataRng);
    const { mean, std } = stats(ref);
    const testData = sampleToy(config.dataset, config.testSize, config.noise, dataRng);
    standardise(testData, mean, std);
    const xTest = tensor(testData, { dtype: 'float64', shape: [config.testSize, 2] });

    const H = config.hidden;
    const k = ctx.seed * 16;
    const field = new Sequential(
      new Linear(3, H, { dtype: 'float64', key: randomKey(k + 1) }),
      new Tanh(),
      new Linear(H, H, { dtype: 'float64', key: randomKey(k + 2) }),
      new Tanh(),
      new Linear(H, 2, { dtype: 'float64', key: randomKey(k + 3) }),
    );
    const cnf = new CNF(field, {
      trace: 'exact',
      time: 'concat',
      t1: config.t1,
      rtol: config.rtol,
      atol: config.atol,
      maxSteps: 10_000,
    });
    const opt = new Adam(field.parameters(), { lr: config.lr });
    const meanLogProb = (x: Tensor): number => noGrad(() => cnf.logProb(x).mean().item());
    // The standard-normal base density as a model of the (standardised) data.
    let baseLL = 0;
    for (let i = 0; i < config.testSize; i++) {
      baseLL += -0.5 * (testData[2 * i]! ** 2 + testData[2 * i + 1]! ** 2) - LOG2PI;
    }
    baseLL /= config.testSize;
    const initialTestLL = meanLogProb(xTest);
    ctx.log({ step: 0, test_nll: -initialTestLL });

    const batch = new Float64Array(2 * config.batchSize);
    let ema = Number.NaN;
    let step = 0;
    while (step < config.iters) {
      if (ctx.signal.aborted) break;
      batch.set(sampleToy(config.dataset, config.batchSize, config.noise, ctx.rng));
      standardise(batch, mean, std);
      opt.zeroGrad();
      const nll = cnf
        .logProb(tensor(batch, { dtype: 'float64', shape: [config.batchSize, 2] }))
        .mean()
        .neg();
      nll.backward();
      opt.step();
      step++;
      const v = nll.item();
      ema = Number.isNaN(ema) ? v : 0.9 * ema + 0.1 * v;
      ctx.log({ step, nll: v, nfe: cnf.lastSolution?.stats.fevals ?? 0 });
      if (step % config.evalEvery === 0 && step < config.iters) {
        ctx.log({ step, test_nll: -meanLogProb(xTest) });
      }
      ctx.progress(step, config.iters, { nll: ema });
      await ctx.tick();
    }
    if (step < config.iters) {
      ctx.logger.info(`stopped at step ${step}`);
      return { summary: { stoppedAtStep: step } };
    }
    const testLL = meanLogProb(xTest);
    ctx.log({ step, test_nll: -testLL });

    // Density on a grid (cell centres) and its integral.
    const G = config.grid;
    const e = config.gridExtent;
    const h = (2 * e) / G;
    const centres = Array.from({ length: G }, (_, i) => -e + (i + 0.5) * h);
    const pts = new Float64Array(2 * G * G);
    for (let r = 0; r < G; r++) {
      for (let c = 0; c < G; c++) {
        pts[2 * (r * G + c)] = centres[c]!;
        pts[2 * (r * G + c) + 1] = centres[G - 1 - r]!; // top row = largest y
      }
    }
    const logp = noGrad(() =>
      Float64Array.from(cnf.logProb(tensor(pts, { dtype: 'float64', shape: [G * G, 2] })).dataSync()),
    );
    let mass = 0;
    const matrix: number[][] = [];
    for (let r = 0; r < G; r++) {
      const row: number[] = [];
      for (let c = 0; c < G; c++) {
        const p = Math.exp(logp[r * G + c]!);
        mass += p * h * h;
        row.push(p);
      }
      matrix.push(row);
    }

    ctx.claim('test log-likelihood gain over the N(0, I) base (nats)', testLL - baseLL, {
      op: '>',
      target: 0.25,
      description: `mean log p on ${config.testSize} held-out points: flow ${testLL.toFixed(3)}, base ${baseLL.toFixed(3)}`,
    });
    ctx.claim('|∫ p(x) dx − 1| on the grid', Math.abs(mass - 1), {
      op: '<',
      target: 0.05,
      description: `midpoint rule on a ${G}×${G} grid over [-${e}, ${e}]²: mass ${mass.toFixed(4)}`,
    });
    ctx.summary('test_ll', testLL);
    ctx.summary('base_ll', baseLL);
    ctx.summary('initial_test_ll', initialTestLL);
    ctx.summary('grid_mass', mass);

    const labels = centres.map((v) => v.toFixed(2));
    ctx.chart(
      'density',
      ctx.charts.heatmap({
        matrix,
        xLabels: labels,
        yLabels: [...labels].reverse(),
        title: `Learned density p(x) (${config.dataset})`,
        xTitle: 'x₁',
        yTitle: 'x₂',
        valueTitle: 'p(x)',
        width: 360,
        height: 360,
      }),
      { caption: `exp(log p) from the CNF on a ${G}×${G} grid; integrates to ${mass.toFixed(4)}` },
    );

    const nShow = 500;
    const zs = new Float64Array(2 * nShow).map(() => ctx.rng.normal());
    const samples = noGrad(() =>
      Float64Array.from(cnf.sample(tensor(zs, { dtype: 'float64', shape: [nShow, 2] })).dataSync()),
    );
    const rows: { x1: number; x2: number; source: string }[] = [];
    for (let i = 0; i < Math.min(nShow, config.testSize); i++)
      rows.push({ x1: testData[2 * i]!, x2: testData[2 * i + 1]!, source: 'data' });
    for (let i = 0; i < nShow; i++)
      rows.push({ x1: samples[2 * i]!, x2: samples[2 * i + 1]!, source: 'CNF samples' });
    ctx.chart(
      'samples',
      ctx.charts.scatter({
        data: rows,
        x: 'x1',
        y: 'x2',
        color: 'source',
        size: 12,
        opacity: 0.5,
        title: 'Samples from the flow vs data',
        width: 360,
        height: 360,
      }),
      { caption: `${nShow} base samples z ~ N(0, I) pushed back through the flow (t1 → 0)` },
    );
    ctx.chart(
      'nll',
      ctx.charts.curves({
        data: ctx.metrics(),
        y: ['nll', 'test_nll'],
        logY: false,
        title: 'Negative log-likelihood',
      }),
    );
    return {};
  },
});
