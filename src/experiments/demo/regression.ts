/**
 * Demo experiment: fit a noisy 1-D function with a one-hidden-layer MLP trained by Adam.
 *
 * The model and optimizer live in {@link createModel} (plain Float64Array math with manual backprop)
 * so the whole pipeline is testable before the engine lands; swapping in `nn.Linear` + `optim.Adam`
 * only touches that function.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';

/** The function being fitted, on x ∈ [-1, 1]. */
export function target(x: number): number {
  return Math.sin(2 * Math.PI * x) + 0.5 * x;
}

export type Activation = 'tanh' | 'relu';

/** A type alias (not an interface) so that it is assignable to `Json` for checkpoints. */
export type ModelState = {
  params: number[];
  adamM: number[];
  adamV: number[];
  adamT: number;
};

export interface Model {
  /** Predictions for a batch of inputs. */
  predict(xs: Float64Array): Float64Array;
  /** Hidden-unit activations, one row per unit (for the heatmap). */
  hidden(xs: Float64Array): Float64Array[];
  /** One Adam step on the MSE of (xs, ys); returns the batch MSE before the update. */
  trainStep(xs: Float64Array, ys: Float64Array, lr: number): number;
  state(): ModelState;
  load(state: ModelState): void;
}

/**
 * 1 → hidden → 1 MLP with Adam (β = 0.9, 0.999). Parameters live in one Float64Array:
 * [w1 (H), b1 (H), w2 (H), b2 (1)].
 */
export function createModel(hiddenUnits: number, activation: Activation, rng: Rng): Model {
  const H = hiddenUnits;
  const n = 3 * H + 1;
  const p = new Float64Array(n);
  const w1 = p.subarray(0, H);
  const b1 = p.subarray(H, 2 * H);
  const w2 = p.subarray(2 * H, 3 * H);
  // Input weights spread the units' kinks over [-1, 1]; output weights scaled by 1/sqrt(H).
  for (let j = 0; j < H; j++) {
    w1[j] = rng.normal(0, 4);
    b1[j] = rng.uniform(-3, 3);
    w2[j] = rng.normal(0, 1 / Math.sqrt(H));
  }
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  let t = 0;
  const act = activation === 'tanh' ? Math.tanh : (z: number) => Math.max(z, 0);
  const dact = activation === 'tanh' ? (a: number) => 1 - a * a : (a: number) => (a > 0 ? 1 : 0);
  const g = new Float64Array(n);
  const a = new Float64Array(H);

  return {
    predict(xs) {
      const out = new Float64Array(xs.length);
      for (let i = 0; i < xs.length; i++) {
        let y = p[3 * H]!;
        for (let j = 0; j < H; j++) y += w2[j]! * act(w1[j]! * xs[i]! + b1[j]!);
        out[i] = y;
      }
      return out;
    },
    hidden(xs) {
      const rows: Float64Array[] = [];
      for (let j = 0; j < H; j++) rows.push(xs.map((x) => act(w1[j]! * x + b1[j]!)));
      return rows;
    },
    trainStep(xs, ys, lr) {
      g.fill(0);
      let loss = 0;
      const B = xs.length;
      for (let i = 0; i < B; i++) {
        const x = xs[i]!;
        let y = p[3 * H]!;
        for (let j = 0; j < H; j++) {
          a[j] = act(w1[j]! * x + b1[j]!);
          y += w2[j]! * a[j]!;
        }
        const err = y - ys[i]!;
        loss += err * err;
        const dy = (2 * err) / B;
        g[3 * H]! += dy;
        for (let j = 0; j < H; j++) {
          g[2 * H + j]! += dy * a[j]!;
          const dz = dy * w2[j]! * dact(a[j]!);
          g[j]! += dz * x;
          g[H + j]! += dz;
        }
      }
      t++;
      const c1 = 1 - 0.9 ** t;
      const c2 = 1 - 0.999 ** t;
      for (let k = 0; k < n; k++) {
        m[k] = 0.9 * m[k]! + 0.1 * g[k]!;
        v[k] = 0.999 * v[k]! + 0.001 * g[k]! * g[k]!;
        p[k]! -= (lr * (m[k]! / c1)) / (Math.sqrt(v[k]! / c2) + 1e-8);
      }
      return loss / B;
    },
    state: () => ({ params: Array.from(p), adamM: Array.from(m), adamV: Array.from(v), adamT: t }),
    load(s) {
      if (s.params.length !== n)
        throw new Error(`checkpoint has ${s.params.length} parameters, model has ${n}`);
      p.set(s.params);
      m.set(s.adamM);
      v.set(s.adamV);
      t = s.adamT;
    },
  };
}

function mse(pred: Float64Array, ys: Float64Array): number {
  let s = 0;
  for (let i = 0; i < ys.length; i++) s += (pred[i]! - ys[i]!) ** 2;
  return s / ys.length;
}

const configSchema = z
  .object({
    steps: z.number().int().positive().default(8000).describe('Adam steps'),
    hidden: z.number().int().positive().default(64).describe('hidden units'),
    activation: z.enum(['tanh', 'relu']).default('tanh').describe('hidden nonlinearity'),
    lr: z.number().positive().default(0.01).describe('peak learning rate (cosine decay to lr/20)'),
    batchSize: z.number().int().positive().default(64).describe('minibatch size'),
    trainSize: z.number().int().positive().default(1024).describe('noisy training points, x ~ U(-1, 1)'),
    testSize: z.number().int().min(2).default(256).describe('noise-free test points on a grid over [-1, 1]'),
    noise: z.number().nonnegative().default(0.1).describe('std of the Gaussian label noise'),
    logEvery: z.number().int().positive().default(10).describe('log the batch loss every N steps'),
    evalEvery: z.number().int().positive().default(100).describe('evaluate train/test MSE every N steps'),
    checkpointEvery: z.number().int().positive().default(500).describe('checkpoint every N steps'),
  })
  .strict();

export type RegressionConfig = z.output<typeof configSchema>;

const checkpointSchema = z.object({
  step: z.number().int().nonnegative(),
  initialMse: z.number(),
  model: z.object({
    params: z.array(z.number()),
    adamM: z.array(z.number()),
    adamV: z.array(z.number()),
    adamT: z.number(),
  }),
  batchRng: z.array(z.number()),
});

export const demoRegression = defineExperiment({
  name: 'demo-regression',
  title: 'Demo: 1-D regression with an MLP',
  description:
    'Fits y = sin(2πx) + x/2 + noise with a one-hidden-layer MLP and Adam; exercises the whole pipeline.',
  paper: {
    title: 'Approximation by superpositions of a sigmoidal function',
    authors: 'G. Cybenko',
    year: 1989,
    spec: 'Theorem 1 (universal approximation), illustrated: a one-hidden-layer network fitted with Adam (Kingma & Ba, 2015) approximates a smooth 1-D function to within the label noise.',
  },
  configSchema,
  presets: {
    quick: { steps: 2500, hidden: 32, trainSize: 256, batchSize: 32, evalEvery: 50, checkpointEvery: 250 },
    full: {
      steps: 20000,
      hidden: 64,
      trainSize: 4096,
      batchSize: 128,
      evalEvery: 200,
      checkpointEvery: 1000,
    },
  },
  metricCharts: [
    { title: 'Mean squared error', keys: ['loss', 'train_mse', 'test_mse'], logY: true },
    { title: 'Learning rate', keys: ['lr'], logY: false },
  ],
  async run(config, ctx) {
    // Data depends only on the seed, so a resumed run regenerates exactly the same points.
    const dataRng = ctx.makeRng(ctx.seed ^ 0x2545f491);
    const xTrain = new Float64Array(config.trainSize).map(() => dataRng.uniform(-1, 1));
    const yTrain = xTrain.map((x) => target(x) + dataRng.normal(0, config.noise));
    const xTest = new Float64Array(config.testSize).map((_, i) => -1 + (2 * i) / (config.testSize - 1));
    const yTest = xTest.map(target);

    const model = createModel(config.hidden, config.activation, ctx.rng);
    const batchRng = ctx.rng.split();
    let start = 0;
    let initialMse = mse(model.predict(xTrain), yTrain);
    if (ctx.resumeState) {
      const parsed = checkpointSchema.safeParse(ctx.resumeState.data);
      if (!parsed.success) throw new Error(`unusable checkpoint: ${parsed.error.issues[0]?.message}`);
      const s = parsed.data;
      model.load(s.model);
      batchRng.setState(s.batchRng);
      start = s.step;
      initialMse = s.initialMse;
      ctx.logger.info(`continuing at step ${start}/${config.steps}`);
    }
    const save = (step: number) =>
      ctx.checkpoint.save(
        'state',
        { step, initialMse, model: model.state(), batchRng: batchRng.getState() },
        { step },
      );

    const lrAt = (step: number) => {
      const floor = config.lr / 20;
      return floor + 0.5 * (config.lr - floor) * (1 + Math.cos((Math.PI * step) / config.steps));
    };
    const xb = new Float64Array(config.batchSize);
    const yb = new Float64Array(config.batchSize);
    let ema = Number.NaN;
    let step = start;
    while (step < config.steps) {
      if (ctx.signal.aborted) break;
      for (let i = 0; i < config.batchSize; i++) {
        const k = batchRng.int(config.trainSize);
        xb[i] = xTrain[k]!;
        yb[i] = yTrain[k]!;
      }
      const lr = lrAt(step);
      const loss = model.trainStep(xb, yb, lr);
      step++;
      ema = Number.isNaN(ema) ? loss : 0.95 * ema + 0.05 * loss;
      if (step % config.logEvery === 0) ctx.log({ step, loss, lr });
      if (step % config.evalEvery === 0 || step === config.steps) {
        ctx.log({
          step,
          train_mse: mse(model.predict(xTrain), yTrain),
          test_mse: mse(model.predict(xTest), yTest),
        });
      }
      if (step % config.checkpointEvery === 0) await save(step);
      ctx.progress(step, config.steps, { loss: ema });
      await ctx.tick();
    }
    if (step < config.steps) {
      await save(step);
      ctx.logger.info(`stopped at step ${step}; checkpoint saved`);
      return { summary: { stoppedAtStep: step } };
    }

    const predTrain = model.predict(xTrain);
    const trainMse = mse(predTrain, yTrain);
    const testMse = mse(model.predict(xTest), yTest);
    const noiseVar = config.noise ** 2;
    ctx.claim('final train MSE', trainMse, {
      op: '<',
      target: noiseVar + 0.02,
      description: 'close to the label-noise floor σ² (+0.02); predicting the mean gives ≈ 0.6',
    });
    ctx.claim('test MSE vs the noise-free function', testMse, {
      op: '<',
      target: 0.02,
      description: 'the fit recovers the underlying function, not the noise',
    });
    ctx.claim('train MSE reduction from initialization', initialMse / trainMse, {
      op: '>=',
      target: 10,
      description: 'initial MSE / final MSE',
    });
    ctx.summary('train_mse', trainMse);
    ctx.summary('test_mse', testMse);
    ctx.summary('noise_variance', noiseVar);
    ctx.summary('steps', step);

    // Figures.
    const grid = new Float64Array(200).map((_, i) => -1 + (2 * i) / 199);
    const predGrid = model.predict(grid);
    const shown = Math.min(config.trainSize, 300);
    const points = Array.from({ length: shown }, (_, i) => ({ x: xTrain[i]!, y: yTrain[i]! }));
    const curveRows = [
      ...Array.from(grid, (x) => ({ x, y: target(x), curve: 'target' })),
      ...Array.from(grid, (x, i) => ({ x, y: predGrid[i]!, curve: 'MLP' })),
    ];
    ctx.chart(
      'fit',
      ctx.charts.overlay(
        [
          ctx.charts.scatter({ data: points, x: 'x', y: 'y', size: 14, opacity: 0.35 }),
          ctx.charts.lines({ data: curveRows, x: 'x', y: 'y', group: 'curve', logY: false }),
        ],
        { title: 'Fit: training points, target and MLP' },
      ),
      { caption: `${shown} of ${config.trainSize} training points, the target function and the fitted MLP` },
    );
    const residuals = predTrain.map((p, i) => p - yTrain[i]!);
    ctx.chart(
      'residuals',
      ctx.charts.histogram({
        values: residuals,
        bins: 30,
        title: 'Residuals on the training set',
        xTitle: 'prediction − label',
      }),
      {
        caption: `should look like N(0, ${config.noise}²)`,
      },
    );
    const gridSmall = new Float64Array(32).map((_, i) => -1 + (2 * i) / 31);
    const units = model.hidden(gridSmall).slice(0, 16);
    ctx.chart(
      'hidden-units',
      ctx.charts.heatmap({
        matrix: units,
        xLabels: Array.from(gridSmall, (x) => x.toFixed(2)),
        title: 'Hidden-unit activations',
        xTitle: 'x',
        yTitle: 'unit',
        valueTitle: 'activation',
        height: 200,
      }),
      { caption: `first ${units.length} hidden units over x ∈ [-1, 1]` },
    );
    return {};
  },
});
