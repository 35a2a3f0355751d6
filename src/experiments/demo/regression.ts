/**
 * Demo experiment: fit a noisy 1-D function with a one-hidden-layer MLP trained by Adam.
 *
 * The model is built from the library itself ({@link createModel}: `nn.Linear`, `nn.Sequential`,
 * `optim.Adam`, `F.mseLoss`, float64 parameters), so the demo exercises the engine end to end.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import type { Json } from '../../experiment/fs.js';
import type { Rng } from '../../experiment/rng.js';
import { copy_, fromTypedArray, noGrad, type Tensor, tensor } from '../../index.js';
import { mseLoss } from '../../nn/functional/index.js';
import { init, Linear, ReLU, Sequential, Tanh } from '../../nn/index.js';
import { Adam, type OptimizerStateDict } from '../../optim/index.js';

/** The function being fitted, on x ∈ [-1, 1]. */
export function target(x: number): number {
  return Math.sin(2 * Math.PI * x) + 0.5 * x;
}

export type Activation = 'tanh' | 'relu';

/**
 * What a checkpoint stores of the model. A type alias (not an interface) so that it is
 * assignable to `Json`.
 */
export type ModelState = {
  /** Parameter values by name (`net.namedParameters()`), flattened row-major. */
  params: { [name: string]: number[] };
  /** `optimizer.stateDict()` with its tensors flattened to number arrays. */
  optimizer: {
    state: { [param: string]: { [key: string]: number | number[] } };
    paramGroups: Array<{ [key: string]: Json; params: number[] }>;
  };
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

/** The elements of a float64 tensor as a fresh Float64Array. */
function toFloat64(t: Tensor): Float64Array {
  const d = t.dataSync();
  return d instanceof Float64Array ? d : Float64Array.from(d);
}

/** A column `[n, 1]` tensor sharing memory with `xs`. */
function column(xs: Float64Array): Tensor {
  return fromTypedArray(xs, [xs.length, 1]);
}

/**
 * 1 → hidden → 1 MLP (`Linear`, tanh/ReLU, `Linear`; float64) trained by `Adam`
 * (β = 0.9, 0.999, eps 1e-8) on `mseLoss`.
 */
export function createModel(hiddenUnits: number, activation: Activation, rng: Rng): Model {
  const H = hiddenUnits;
  const fc1 = new Linear(1, H, { dtype: 'float64' });
  const act = activation === 'tanh' ? new Tanh() : new ReLU();
  const fc2 = new Linear(H, 1, { dtype: 'float64' });
  const net = new Sequential(fc1, act, fc2);
  // Input weights spread the units' kinks over [-1, 1]; output weights scaled by 1/sqrt(H).
  // Drawn from the experiment's rng (in this order), then copied into the parameters.
  const w1 = new Float64Array(H);
  const b1 = new Float64Array(H);
  const w2 = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    w1[j] = rng.normal(0, 4);
    b1[j] = rng.uniform(-3, 3);
    w2[j] = rng.normal(0, 1 / Math.sqrt(H));
  }
  noGrad(() => {
    copy_(fc1.weight, tensor(w1, { dtype: 'float64', shape: [H, 1] }));
    copy_(fc1.bias!, tensor(b1, { dtype: 'float64' }));
    copy_(fc2.weight, tensor(w2, { dtype: 'float64', shape: [1, H] }));
  });
  init.zeros_(fc2.bias!);
  const optimizer = new Adam(net.parameters(), { betas: [0.9, 0.999], eps: 1e-8 });
  const group = optimizer.paramGroups[0]!;

  return {
    predict(xs) {
      return noGrad(() => toFloat64(net.forward(column(xs))));
    },
    hidden(xs) {
      // [n, H] activations, transposed to one row of n values per unit.
      const a = noGrad(() => toFloat64(act.forward(fc1.forward(column(xs))).T));
      const n = xs.length;
      return Array.from({ length: H }, (_, j) => a.slice(j * n, (j + 1) * n));
    },
    trainStep(xs, ys, lr) {
      group.lr = lr;
      optimizer.zeroGrad();
      const loss = mseLoss(net.forward(column(xs)), column(ys));
      loss.backward();
      optimizer.step();
      return loss.item();
    },
    state() {
      const params: ModelState['params'] = {};
      for (const [name, p] of net.namedParameters()) params[name] = Array.from(p.dataSync());
      const sd = optimizer.stateDict();
      const state: ModelState['optimizer']['state'] = {};
      for (const [id, st] of Object.entries(sd.state)) {
        const out: (typeof state)[string] = {};
        for (const [k, v] of Object.entries(st))
          out[k] = typeof v === 'number' ? v : Array.from(v.dataSync());
        state[id] = out;
      }
      // The group hyper-parameters are plain numbers, booleans and arrays of numbers.
      const paramGroups = JSON.parse(
        JSON.stringify(sd.paramGroups),
      ) as ModelState['optimizer']['paramGroups'];
      return { params, optimizer: { state, paramGroups } };
    },
    load(s) {
      const params: Record<string, Tensor> = {};
      for (const [name, p] of net.namedParameters()) {
        const v = s.params[name];
        if (v?.length !== p.size) {
          throw new Error(
            `checkpoint has ${v?.length ?? 'no'} values for parameter '${name}', the model has ${p.size}`,
          );
        }
        params[name] = tensor(v, { dtype: 'float64', shape: p.shape });
      }
      net.loadStateDict(params);
      const state: OptimizerStateDict['state'] = {};
      for (const [id, st] of Object.entries(s.optimizer.state)) {
        const out: (typeof state)[string] = {};
        for (const [k, v] of Object.entries(st)) {
          out[k] = typeof v === 'number' ? v : tensor(v, { dtype: 'float64' });
        }
        state[id] = out;
      }
      optimizer.loadStateDict({ state, paramGroups: s.optimizer.paramGroups });
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
    params: z.record(z.string(), z.array(z.number())),
    optimizer: z.object({
      state: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.array(z.number())]))),
      paramGroups: z.array(z.object({ params: z.array(z.number().int().nonnegative()) }).catchall(z.json())),
    }),
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
