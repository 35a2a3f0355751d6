/**
 * Neural CDE classification of clockwise vs anticlockwise spirals (Diffrax's `neural_cde`
 * example, torchcde's `time_series_classification.py`), made harder: every series is sampled
 * at its own random times (points dropped at random) and each channel has values missing at
 * random. The data are y(t) = exp(tM)y0 with M = [[−0.3, 2], [−2, −0.3]], y0 on the unit circle,
 * t ∈ [0, 4π]; half of them are mirrored (x channel negated), which reverses the direction of
 * rotation. Each series becomes a Hermite cubic path with backward differences (C¹, causal),
 * with time as a channel (and optionally observation counts); a NeuralCDE reads it out.
 */
import { z } from 'zod';
import { hermiteCubicBackwardDifferences, type InterpolatedPath, NeuralCDE } from '../../diffeq/cde/index.js';
import { PIDController, Tsit5 } from '../../diffeq/index.js';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import { noGrad, tensor } from '../../index.js';
import { binaryCrossEntropyWithLogits } from '../../nn/functional/index.js';
import { Adam } from '../../optim/index.js';
import { randomKey } from '../../random/index.js';

/** A set of irregularly sampled, partially observed spirals. */
type SpiralSet = {
  /** `[n, length, 2]` values (NaN = missing). */
  values: Float64Array;
  /** `[n, length]` observation times (NaN padding at the end). */
  times: Float64Array;
  /** Class: 1 = anticlockwise (mirrored), 0 = clockwise. */
  labels: Float64Array;
  n: number;
  length: number;
};

/** Samples `n` spirals on a `length`-point grid; keeps each grid time with probability 1 − drop. */
function makeSpirals(
  n: number,
  length: number,
  drop: number,
  missing: number,
  noise: number,
  rng: Rng,
): SpiralSet {
  const values = new Float64Array(n * length * 2).fill(Number.NaN);
  const times = new Float64Array(n * length).fill(Number.NaN);
  const labels = new Float64Array(n);
  const T = 4 * Math.PI;
  for (let s = 0; s < n; s++) {
    const a = rng.uniform(0, 2 * Math.PI);
    const y0 = [Math.cos(a), Math.sin(a)];
    const mirror = s % 2 === 1;
    labels[s] = mirror ? 1 : 0;
    let kept: number[] = [];
    for (let k = 0; k < length; k++) if (rng.next() >= drop) kept.push(k);
    if (kept.length < 2) kept = [0, length - 1];
    kept.forEach((k, j) => {
      const t = (T * k) / (length - 1);
      const e = Math.exp(-0.3 * t);
      const c = Math.cos(2 * t);
      const sn = Math.sin(2 * t);
      // exp(tM) y0 for M = [[−0.3, 2], [−2, −0.3]].
      let x = e * (c * y0[0]! + sn * y0[1]!) + rng.normal(0, noise);
      const y = e * (-sn * y0[0]! + c * y0[1]!) + rng.normal(0, noise);
      if (mirror) x = -x;
      times[s * length + j] = t;
      const base = (s * length + j) * 2;
      // The first observation is kept complete so that every channel has a start value.
      values[base] = j > 0 && rng.next() < missing ? Number.NaN : x;
      values[base + 1] = j > 0 && rng.next() < missing ? Number.NaN : y;
    });
  }
  return { values, times, labels, n, length };
}

/** The Hermite path of samples `idx`. */
function pathOf(
  set: SpiralSet,
  idx: readonly number[],
  counts: boolean,
  dtype: 'float32' | 'float64',
): InterpolatedPath {
  const L = set.length;
  const v = new Float64Array(idx.length * L * 2);
  const ts: Float64Array[] = [];
  idx.forEach((s, i) => {
    v.set(set.values.subarray(s * L * 2, (s + 1) * L * 2), i * L * 2);
    ts.push(set.times.slice(s * L, (s + 1) * L));
  });
  return hermiteCubicBackwardDifferences(tensor(v, { dtype, shape: [idx.length, L, 2] }), {
    times: ts,
    timeChannel: true,
    countChannels: counts,
  });
}

const configSchema = z
  .object({
    trainSize: z.number().int().min(2).default(256).describe('training spirals'),
    testSize: z.number().int().min(2).default(256).describe('test spirals'),
    length: z.number().int().min(4).default(100).describe('points of the full time grid on [0, 4π]'),
    drop: z.number().min(0).max(0.9).default(0.3).describe('probability that a grid time is not observed'),
    missing: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.2)
      .describe('probability that a channel value is missing (NaN)'),
    noise: z.number().nonnegative().default(0.05).describe('observation noise std'),
    countChannels: z.boolean().default(false).describe('append cumulative observation counts as channels'),
    hidden: z.number().int().positive().default(8).describe('NCDE hidden size'),
    width: z.number().int().positive().default(128).describe('vector-field MLP width'),
    depth: z.number().int().positive().default(1).describe('vector-field MLP hidden layers'),
    steps: z.number().int().positive().default(60).describe('Adam steps'),
    batchSize: z.number().int().positive().default(32).describe('minibatch size'),
    lr: z.number().positive().default(0.01).describe('Adam learning rate'),
    rtol: z.number().positive().default(1e-3).describe('solver rtol (Tsit5 + PID)'),
    atol: z.number().positive().default(1e-6).describe('solver atol'),
    evalEvery: z.number().int().positive().default(10).describe('evaluate test accuracy every N steps'),
    accuracyTarget: z.number().min(0).max(1).default(0.95).describe('claimed minimum test accuracy'),
  })
  .strict();

export type NcdeSpiralsConfig = z.output<typeof configSchema>;

export const ncdeSpirals = defineExperiment({
  name: 'ncde-spirals',
  title: 'Neural CDE: spiral direction from irregular, partially observed series',
  description:
    'Classifies clockwise vs anticlockwise spirals sampled at random times with missing values, via Hermite backward-difference paths and a NeuralCDE.',
  paper: {
    title: 'Neural Controlled Differential Equations for Irregular Time Series',
    authors: 'P. Kidger, J. Morrill, J. Foster, T. Lyons',
    year: 2020,
    spec: 'Spec §1.5 and §4.4 (Diffrax neural_cde example: 256 spirals, hidden 8, width 128, Adam 1e-2, batch 32), with irregular sampling and missing values added.',
  },
  configSchema,
  presets: {
    quick: {
      trainSize: 96,
      testSize: 96,
      length: 40,
      width: 128,
      steps: 40,
      rtol: 1e-2,
      evalEvery: 10,
      accuracyTarget: 0.9,
    },
    full: { trainSize: 256, testSize: 256, length: 100, width: 128, steps: 200, evalEvery: 10 },
  },
  metricCharts: [
    { title: 'Loss', keys: ['loss'], logY: true },
    { title: 'Accuracy', keys: ['train_acc', 'test_acc'], logY: false },
  ],
  async run(config, ctx) {
    const start = performance.now();
    const rng = ctx.makeRng(ctx.seed ^ 0x5e1a1);
    const train = makeSpirals(
      config.trainSize,
      config.length,
      config.drop,
      config.missing,
      config.noise,
      rng,
    );
    const test = makeSpirals(config.testSize, config.length, config.drop, config.missing, config.noise, rng);
    const channels = 3 + (config.countChannels ? 2 : 0);
    const model = new NeuralCDE(channels, config.hidden, 1, {
      width: config.width,
      depth: config.depth,
      key: randomKey(ctx.seed * 7 + 1),
      solver: new Tsit5(),
      stepsizeController: new PIDController({ rtol: config.rtol, atol: config.atol }),
    });
    const opt = new Adam(model.parameters(), { lr: config.lr });
    const all = (n: number) => Array.from({ length: n }, (_, i) => i);
    const testPath = pathOf(test, all(test.n), config.countChannels, 'float32');
    const trainPath = pathOf(train, all(train.n), config.countChannels, 'float32');
    const accuracy = (path: InterpolatedPath, labels: Float64Array): number =>
      noGrad(() => {
        const logits = model.forward(path).dataSync();
        let ok = 0;
        for (let i = 0; i < labels.length; i++) if (Number(logits[i]! > 0) === labels[i]) ok++;
        return ok / labels.length;
      });

    let testAcc = accuracy(testPath, test.labels);
    ctx.log({ step: 0, test_acc: testAcc });
    let step = 0;
    let fevals = 0;
    const B = Math.min(config.batchSize, train.n);
    while (step < config.steps) {
      if (ctx.signal.aborted) break;
      const idx = Array.from({ length: B }, () => ctx.rng.int(train.n));
      const path = pathOf(train, idx, config.countChannels, 'float32');
      const y = tensor(
        idx.map((i) => [train.labels[i]!]),
        { dtype: 'float32' },
      );
      opt.zeroGrad();
      const loss = binaryCrossEntropyWithLogits(model.forward(path), y);
      loss.backward();
      opt.step();
      step++;
      const nfe = model.lastSolution?.stats.fevals ?? 0;
      fevals += nfe;
      const rec: Record<string, number> = { step, loss: loss.item(), fevals: nfe };
      if (step % config.evalEvery === 0 || step === config.steps) {
        testAcc = accuracy(testPath, test.labels);
        rec.test_acc = testAcc;
        rec.train_acc = accuracy(trainPath, train.labels);
      }
      ctx.log({ step, ...rec });
      ctx.progress(step, config.steps, { loss: rec.loss!, acc: testAcc });
      await ctx.tick();
    }
    if (step < config.steps) {
      ctx.logger.info(`stopped at step ${step}`);
      return { summary: { stoppedAtStep: step } };
    }

    // The interpolation reproduces every observation (float32 data → float32 path).
    let interpErr = 0;
    const L = test.length;
    for (let s = 0; s < Math.min(test.n, 16); s++) {
      for (let j = 0; j < L; j++) {
        const t = test.times[s * L + j]!;
        if (Number.isNaN(t)) break;
        const v = testPath.evaluate(t).dataSync();
        for (let c = 0; c < 2; c++) {
          const obs = test.values[(s * L + j) * 2 + c]!;
          if (!Number.isNaN(obs))
            interpErr = Math.max(interpErr, Math.abs(Number(v[s * channels + 1 + c]) - obs));
        }
      }
    }
    let observedFrac = 0;
    let obsCount = 0;
    for (let i = 0; i < test.times.length; i++) {
      if (Number.isNaN(test.times[i]!)) continue;
      obsCount++;
      observedFrac +=
        (Number.isNaN(test.values[2 * i]!) ? 0 : 0.5) + (Number.isNaN(test.values[2 * i + 1]!) ? 0 : 0.5);
    }
    const wallS = (performance.now() - start) / 1000;

    ctx.claim('test accuracy', testAcc, {
      op: '>=',
      target: config.accuracyTarget,
      description: `${config.testSize} held-out spirals, ${((1 - config.drop) * 100).toFixed(0)}% of times kept, ${(config.missing * 100).toFixed(0)}% of values missing (chance 0.5)`,
    });
    ctx.claim('max |X(t_i) − x_i| at observed points', interpErr, {
      op: '<',
      target: 1e-5,
      description: 'the Hermite path interpolates every observation (16 test series, float32)',
    });
    ctx.summary('test_acc', testAcc);
    ctx.summary('train_acc', accuracy(trainPath, train.labels));
    ctx.summary('mean_fevals_per_forward', fevals / step);
    ctx.summary('observed_value_fraction', observedFrac / Math.max(obsCount, 1));
    ctx.summary('mean_observation_times', obsCount / test.n);
    ctx.summary('wall_s', wallS);

    // Charts: two example series (one per class) — observations and the interpolated path.
    const examples = [0, 1].filter((s) => s < test.n);
    const dense: Record<string, number | string>[] = [];
    const observed: Record<string, number | string>[] = [];
    const phase: Record<string, number | string>[] = [];
    for (const s of examples) {
      const name = test.labels[s] ? 'anticlockwise' : 'clockwise';
      for (let k = 0; k <= 300; k++) {
        const t = (4 * Math.PI * k) / 300;
        const v = testPath.evaluate(t).dataSync();
        const x = Number(v[s * channels + 1]);
        const y = Number(v[s * channels + 2]);
        dense.push({ t, value: x, series: `${name}: x` }, { t, value: y, series: `${name}: y` });
        phase.push({ x, y, series: `${name} (path)` });
      }
      for (let j = 0; j < L; j++) {
        const t = test.times[s * L + j]!;
        if (Number.isNaN(t)) break;
        const x = test.values[(s * L + j) * 2]!;
        const y = test.values[(s * L + j) * 2 + 1]!;
        if (!Number.isNaN(x)) observed.push({ t, value: x, series: `${name}: x` });
        if (!Number.isNaN(y)) observed.push({ t, value: y, series: `${name}: y` });
        if (!Number.isNaN(x) && !Number.isNaN(y)) phase.push({ x, y, series: `${name} (observed)` });
      }
    }
    ctx.chart(
      'example-paths',
      ctx.charts.overlay(
        [
          ctx.charts.lines({ data: dense, x: 't', y: 'value', group: 'series' }),
          ctx.charts.scatter({ data: observed, x: 't', y: 'value', color: 'series', size: 25 }),
        ],
        { title: 'Two test series: Hermite path (lines) through the observed values (points)', width: 560 },
      ),
    );
    ctx.chart(
      'phase-plane',
      ctx.charts.overlay(
        [
          ctx.charts.scatter({
            data: phase.filter((r) => String(r.series).endsWith('(path)')),
            x: 'x',
            y: 'y',
            color: 'series',
            size: 8,
          }),
          ctx.charts.scatter({
            data: phase.filter((r) => String(r.series).endsWith('(observed)')),
            x: 'x',
            y: 'y',
            color: 'series',
            size: 45,
            opacity: 0.9,
          }),
        ],
        {
          title: 'Phase plane: interpolated paths (small) and complete observations (large)',
          width: 360,
          height: 360,
        },
      ),
    );
    const metrics = ctx.metrics();
    ctx.chart(
      'loss',
      ctx.charts.curves({ data: metrics, y: 'loss', title: 'Training loss (binary cross-entropy)' }),
    );
    ctx.chart(
      'accuracy',
      ctx.charts.curves({ data: metrics, y: ['train_acc', 'test_acc'], logY: false, title: 'Accuracy' }),
    );
    ctx.chart(
      'fevals',
      ctx.charts.curves({
        data: metrics,
        y: 'fevals',
        logY: false,
        title: 'Vector-field evaluations per forward solve',
      }),
    );
    return {};
  },
});
