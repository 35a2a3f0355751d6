/**
 * Experiment 7 of the resnet-ode issue (the paper's Table 1 and Fig. 3, scaled to a CPU): the
 * convolutional residual network h_{k+1} = h_k + (1/L)·bn₂(conv₂(σ(bn₁(conv₁(h_k))))) trained on a
 * Fashion-MNIST subset for σ ∈ {identity, GELU, ReLU} × {weight-tied, i.i.d.} initialisation;
 * reports train/test accuracy and the smoothness in depth mean_k ‖conv_{k+1} − conv_k‖_F, and
 * charts a few conv entries against the layer index.
 */
import { z } from 'zod';
import { noGrad } from '../../autograd/mode.js';
import type { Tensor } from '../../core/tensor.js';
import { loadFashionMnist } from '../../data/formats/fashion-mnist.js';
import { requireFashionMnist } from '../../experiment/datasets.js';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import { crossEntropy } from '../../nn/functional/index.js';
import { tensor } from '../../ops/creation.js';
import { CosineAnnealingLR, SGD } from '../../optim/index.js';
import { randomKey } from '../../random/key.js';
import { type ConvActivation, type ConvInit, ConvResNet } from '../../resnet-ode/conv-net.js';
import { convEntryProfile, convLayerDistances, convSmoothness } from '../../resnet-ode/conv-smoothness.js';

/** Fashion-MNIST pixel mean and standard deviation (of x/255 over the training set). */
const FMNIST_MEAN = 0.286;
const FMNIST_STD = 0.353;

const ACTIVATION_LABEL: Record<ConvActivation, string> = { identity: 'Identity', gelu: 'GELU', relu: 'ReLU' };
const INIT_LABEL: Record<ConvInit, string> = { tied: 'weight-tied', iid: 'i.i.d.' };

const configSchema = z
  .object({
    trainSize: z
      .number()
      .int()
      .positive()
      .max(60_000)
      .default(4000)
      .describe('training images (random subset)'),
    testSize: z.number().int().positive().max(10_000).default(2000).describe('test images (random subset)'),
    evalTrainSize: z
      .number()
      .int()
      .positive()
      .default(2000)
      .describe('training images on which train accuracy is measured (eval mode, after training)'),
    depth: z.number().int().min(2).default(16).describe('residual blocks L'),
    channels: z.number().int().positive().default(16).describe('channels of the residual stream'),
    epochs: z.number().int().positive().default(3).describe('passes over the training subset'),
    batchSize: z.number().int().positive().default(64).describe('minibatch size (code: 64)'),
    lr: z.number().positive().default(0.04).describe('SGD learning rate (paper/code: 4e-2)'),
    momentum: z.number().min(0).max(1).default(0.9).describe('SGD momentum (code: 0.9)'),
    weightDecay: z.number().min(0).default(5e-4).describe('weight decay (code: 5e-4)'),
    cosine: z
      .boolean()
      .default(true)
      .describe('cosine annealing of the rate per epoch (T_max = epochs, code)'),
    residualRate: z
      .enum(['depth-scaled', 'same'])
      .default('depth-scaled')
      .describe(
        "rate on the residual blocks: L·lr (the paper's gradient flow dZ_k/dt = −L·∂ℓ/∂Z_k) or lr (the authors' CIFAR code)",
      ),
    activations: z
      .array(z.enum(['identity', 'gelu', 'relu']))
      .min(1)
      .default(['identity', 'gelu', 'relu'])
      .describe('σ values to train'),
    inits: z
      .array(z.enum(['tied', 'iid']))
      .min(1)
      .default(['tied', 'iid'])
      .describe('initialisations to train'),
    scaling: z.enum(['1/L', '1/sqrt(L)', '1']).default('1/L').describe('residual scaling s_L'),
    weightDist: z
      .enum(['uniform', 'gaussian'])
      .default('uniform')
      .describe("conv weight draw: PyTorch's default uniform (code) or a Gaussian of the same variance"),
    entries: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(3)
      .describe('conv entries per slot in the entry-vs-layer charts'),
    logEvery: z.number().int().positive().default(10).describe('log the training loss every N steps'),
    smoothRatioTarget: z
      .number()
      .positive()
      .default(3)
      .describe('claimed minimum of smoothness(i.i.d.)/smoothness(tied) for smooth σ ("several times")'),
    accuracyTarget: z
      .number()
      .min(0)
      .max(1)
      .default(0.6)
      .describe('claimed minimum test accuracy of every trained network (a sanity check: chance is 0.1)'),
  })
  .strict();

export type ResnetOdeImagesConfig = z.output<typeof configSchema>;

/** The images of a subset, normalised, as a flat `[n, 1, 28, 28]` float32 array, with labels. */
interface Subset {
  x: Float32Array;
  y: Int32Array;
  n: number;
  side: number;
}

function subset(split: 'train' | 'test', n: number, rng: Rng): Subset {
  const raw = loadFashionMnist(split);
  const idx = rng.shuffle(Array.from({ length: raw.n }, (_, i) => i)).slice(0, n);
  const px = raw.rows * raw.cols;
  const x = new Float32Array(n * px);
  const y = new Int32Array(n);
  idx.forEach((j, i) => {
    y[i] = raw.labels[j]!;
    for (let p = 0; p < px; p++) x[i * px + p] = (raw.images[j * px + p]! / 255 - FMNIST_MEAN) / FMNIST_STD;
  });
  return { x, y, n, side: raw.rows };
}

function batchTensors(data: Subset, idx: readonly number[]): { x: Tensor; y: Tensor } {
  const px = data.side * data.side;
  const xb = new Float32Array(idx.length * px);
  const yb = new Int32Array(idx.length);
  idx.forEach((j, i) => {
    xb.set(data.x.subarray(j * px, (j + 1) * px), i * px);
    yb[i] = data.y[j]!;
  });
  return {
    x: tensor(xb, { dtype: 'float32', shape: [idx.length, 1, data.side, data.side] }),
    y: tensor(yb, { dtype: 'int32' }),
  };
}

function accuracy(net: ConvResNet, data: Subset, n: number): number {
  const m = Math.min(n, data.n);
  let ok = 0;
  net.eval();
  noGrad(() => {
    for (let s = 0; s < m; s += 500) {
      const idx = Array.from({ length: Math.min(500, m - s) }, (_, i) => s + i);
      const { x } = batchTensors(data, idx);
      const pred = net.forward(x).argmax(-1).dataSync();
      idx.forEach((j, i) => {
        if (Number(pred[i]) === data.y[j]) ok++;
      });
    }
  });
  net.train();
  return ok / m;
}

/** One trained configuration's results. */
interface RunResult {
  activation: ConvActivation;
  init: ConvInit;
  tag: string;
  trainAcc: number;
  testAcc: number;
  smoothInit: number;
  smooth: number;
  smoothConv1: number;
  smoothConv2: number;
  distances: number[];
  /** Conv entries vs layer after training, and the same entries at initialisation. */
  entries: { slot: 'conv1' | 'conv2'; index: number; values: number[]; initial: number[] }[];
  steps: number;
  seconds: number;
}

function fmt(v: number, digits = 3): string {
  if (v === 0) return '0';
  return Math.abs(v) < 1e-2 || Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toFixed(digits);
}

export const resnetOdeImages = defineExperiment({
  name: 'resnet-ode-images',
  title: 'Convolutional ResNet on Fashion-MNIST: weight-tied vs i.i.d. initialisation',
  description:
    'Trains the paper’s conv residual net (σ ∈ {identity, GELU, ReLU} × {tied, i.i.d.}) and measures how smooth the conv weights are across depth.',
  paper: {
    title: 'Implicit regularization of deep residual networks towards neural ODEs',
    authors: 'P. Marion, Y.-H. Wu, M. E. Sander, G. Biau',
    year: 2024,
    spec: 'Table 1 and Fig. 3 (CIFAR-10, L = 256, 180 epochs), scaled to a CPU: a Fashion-MNIST subset, L = 16, a few epochs; geometry and optimiser from the authors’ code (stem stride 3, SGD momentum 0.9, weight decay 5e-4, cosine schedule), except that the residual blocks get the paper’s depth-scaled rate L·lr by default (residualRate=same for the code’s).',
    url: 'https://arxiv.org/abs/2309.01213',
  },
  configSchema,
  presets: {
    quick: {
      trainSize: 1024,
      testSize: 256,
      evalTrainSize: 256,
      depth: 8,
      channels: 8,
      epochs: 1,
      batchSize: 32,
      entries: 2,
      logEvery: 1,
      accuracyTarget: 0.2, // 32 steps: a check that every net learns (chance 0.1)
    },
    full: { trainSize: 4000, testSize: 2000, evalTrainSize: 2000, depth: 16, channels: 16, epochs: 3 },
  },
  requires: () => requireFashionMnist(),
  metricCharts: [
    {
      title: 'Training loss (running mean)',
      keys: ['identity', 'gelu', 'relu'].flatMap((a) => [`loss_${a}_tied`, `loss_${a}_iid`]),
      logY: false,
    },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const dataRng = ctx.makeRng(ctx.seed ^ 0xf45e);
    const train = subset('train', config.trainSize, dataRng);
    const test = subset('test', config.testSize, dataRng);
    const loadSeconds = (performance.now() - t0) / 1000;
    const combos = config.activations.flatMap((activation) =>
      config.inits.map((init) => ({ activation, init, tag: `${activation}_${init}` })),
    );
    const stepsPerEpoch = Math.ceil(train.n / config.batchSize);
    const totalSteps = combos.length * config.epochs * stepsPerEpoch;
    // The same conv entries in every chart: random flat indices into a [C, C, 3, 3] weight.
    const entryRng = ctx.makeRng(ctx.seed ^ 0xe47);
    const entryIdx = Array.from({ length: config.entries }, () => entryRng.int(config.channels ** 2 * 9));
    const results: RunResult[] = [];
    let done = 0;
    let trainSeconds = 0;

    for (const { activation, init, tag } of combos) {
      const tStart = performance.now();
      // The same key for every configuration: tied and i.i.d. nets share block 0, stem and head.
      const net = new ConvResNet({
        depth: config.depth,
        channels: config.channels,
        activation,
        init,
        scaling: config.scaling,
        weightDist: config.weightDist,
        key: randomKey(ctx.seed * 7919 + 11),
      });
      const smoothInit = convSmoothness(net);
      const initialEntries = (['conv1', 'conv2'] as const).flatMap((slot) =>
        entryIdx.map((index) => ({ slot, index, initial: convEntryProfile(net, slot, index) })),
      );
      const residual = net.blocks.flatMap((b) => b.parameters());
      const other = [...net.stemConv.parameters(), ...net.stemBn.parameters(), ...net.head.parameters()];
      const residualLr = config.residualRate === 'depth-scaled' ? config.depth * config.lr : config.lr;
      const opt = new SGD(
        [
          { params: other, lr: config.lr },
          { params: residual, lr: residualLr },
        ],
        { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay },
      );
      const sched = config.cosine ? new CosineAnnealingLR(opt, { tMax: config.epochs }) : null;
      const orderRng = ctx.makeRng(ctx.seed ^ 0x0bd3); // the same batch order for every configuration
      let step = 0;
      let ema = Number.NaN;
      for (let epoch = 0; epoch < config.epochs && !ctx.signal.aborted; epoch++) {
        const order = orderRng.shuffle(Array.from({ length: train.n }, (_, i) => i));
        for (let s = 0; s < train.n && !ctx.signal.aborted; s += config.batchSize) {
          const { x, y } = batchTensors(train, order.slice(s, s + config.batchSize));
          opt.zeroGrad();
          const loss = crossEntropy(net.forward(x), y);
          loss.backward();
          opt.step();
          const lv = loss.item();
          ema = Number.isNaN(ema) ? lv : 0.9 * ema + 0.1 * lv;
          step++;
          done++;
          if (step % config.logEvery === 0) ctx.log({ step, [`loss_${tag}`]: ema });
          ctx.progress(done, totalSteps, { loss: ema });
          await ctx.tick();
        }
        sched?.step();
      }
      trainSeconds += (performance.now() - tStart) / 1000;
      if (ctx.signal.aborted) break;
      const r: RunResult = {
        activation,
        init,
        tag,
        trainAcc: accuracy(net, train, config.evalTrainSize),
        testAcc: accuracy(net, test, config.testSize),
        smoothInit,
        smooth: convSmoothness(net),
        smoothConv1: convSmoothness(net, { slot: 'conv1' }),
        smoothConv2: convSmoothness(net, { slot: 'conv2' }),
        distances: convLayerDistances(net),
        entries: initialEntries.map((e) => ({ ...e, values: convEntryProfile(net, e.slot, e.index) })),
        steps: step,
        seconds: (performance.now() - tStart) / 1000,
      };
      results.push(r);
      ctx.logger.info(
        `${tag}: train ${fmt(r.trainAcc)} test ${fmt(r.testAcc)} smoothness ${fmt(r.smooth)} (${r.seconds.toFixed(1)} s)`,
      );
    }
    const wall = (performance.now() - t0) / 1000;
    if (results.length < combos.length) {
      ctx.logger.info(`stopped after ${results.length} of ${combos.length} configurations`);
      return { summary: { configurationsDone: results.length, wall_s: wall } };
    }

    // ---- summary, claims, table
    const find = (a: ConvActivation, i: ConvInit) => results.find((r) => r.activation === a && r.init === i);
    for (const r of results) {
      ctx.summary(`train_acc_${r.tag}`, r.trainAcc);
      ctx.summary(`test_acc_${r.tag}`, r.testAcc);
      ctx.summary(`smoothness_${r.tag}`, r.smooth);
    }
    const ratios: { activation: ConvActivation; ratio: number }[] = [];
    for (const a of config.activations) {
      const tied = find(a, 'tied');
      const iid = find(a, 'iid');
      if (!tied || !iid) continue;
      // A tied net whose blocks never separated would give 0; report a huge (finite) ratio then.
      const ratio = iid.smooth / Math.max(tied.smooth, 1e-300);
      ratios.push({ activation: a, ratio });
      ctx.summary(`smoothness_ratio_${a}`, ratio);
      if (a !== 'relu') {
        ctx.claim(`smoothness ratio i.i.d./tied, ${ACTIVATION_LABEL[a]}`, ratio, {
          op: '>=',
          target: config.smoothRatioTarget,
          description: `mean_k ‖conv_{k+1}−conv_k‖_F (conv₁+conv₂): i.i.d. ${fmt(iid.smooth)} vs tied ${fmt(tied.smooth)} after ${config.epochs} epoch(s) at L = ${config.depth}; paper (CIFAR-10, L = 256, 180 epochs): tied + smooth σ ≈ 10× smoother`,
        });
      }
    }
    const minAcc = Math.min(...results.map((r) => r.testAcc));
    ctx.claim('lowest test accuracy over the trained networks', minAcc, {
      op: '>=',
      target: config.accuracyTarget,
      description: `every configuration actually trains (${config.testSize} test images, chance 0.1)`,
    });
    const stepMs = (trainSeconds * 1000) / Math.max(1, done);
    ctx.summary('min_test_acc', minAcc);
    ctx.summary('train_steps', done);
    ctx.summary('step_ms', stepMs);
    ctx.summary('load_s', loadSeconds);
    ctx.summary('wall_s', wall);

    const header =
      '| σ | init | train acc | test acc | mean_k ‖Δconv‖_F (conv₁+conv₂) | conv₁ | conv₂ | at init |';
    const rows = results.map(
      (r) =>
        `| ${ACTIVATION_LABEL[r.activation]} | ${INIT_LABEL[r.init]} | ${(100 * r.trainAcc).toFixed(1)} | ${(100 * r.testAcc).toFixed(1)} | ${fmt(r.smooth)} | ${fmt(r.smoothConv1)} | ${fmt(r.smoothConv2)} | ${fmt(r.smoothInit)} |`,
    );
    const notes = [
      `Fashion-MNIST, ${config.trainSize} training / ${config.testSize} test images, L = ${config.depth}, ${config.channels} channels, ${config.epochs} epoch(s), batch ${config.batchSize}, SGD lr ${config.lr} (residual blocks: ${config.residualRate === 'depth-scaled' ? `L·lr = ${config.depth * config.lr}` : 'lr'}), momentum ${config.momentum}, weight decay ${config.weightDecay}${config.cosine ? ', cosine schedule' : ''}, scaling ${config.scaling}.`,
      `Train accuracy on ${Math.min(config.evalTrainSize, config.trainSize)} training images in evaluation mode after training.`,
      '',
      header,
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      ...ratios.map(
        (r) => `i.i.d./tied smoothness ratio, ${ACTIVATION_LABEL[r.activation]}: ${fmt(r.ratio, 1)}`,
      ),
      '',
      `${done} training steps, ${stepMs.toFixed(0)} ms per step; data loading ${loadSeconds.toFixed(1)} s; wall time ${wall.toFixed(1)} s.`,
    ].join('\n');

    // ---- charts
    const label = (r: RunResult) => `${ACTIVATION_LABEL[r.activation]}, ${INIT_LABEL[r.init]}`;
    ctx.chart(
      'smoothness',
      ctx.charts.lines({
        data: results.flatMap((r) =>
          r.distances.map((d, k) => ({ k: k + 1, d: Math.max(d, 1e-12), net: label(r) })),
        ),
        x: 'k',
        y: 'd',
        group: 'net',
        logY: true,
        title: 'Successive-layer distance ‖conv_{k+1} − conv_k‖_F (conv₁ + conv₂) after training',
        xTitle: 'layer k',
        yTitle: 'distance',
      }),
      { caption: 'Weight-tied nets start at distance 0; i.i.d. nets start at O(1).' },
    );
    ctx.chart(
      'accuracy',
      ctx.charts.bar({
        data: results.flatMap((r) => [
          { net: label(r), split: 'train', accuracy: r.trainAcc },
          { net: label(r), split: 'test', accuracy: r.testAcc },
        ]),
        x: 'net',
        y: 'accuracy',
        color: 'split',
        title: 'Accuracy after training',
      }),
    );
    for (const r of results) {
      ctx.chart(
        `conv-entries-${r.activation}-${r.init}`,
        ctx.charts.lines({
          data: r.entries.flatMap((e) =>
            e.values.map((v, k) => ({ k: k + 1, w: v, entry: `${e.slot}[${e.index}]` })),
          ),
          x: 'k',
          y: 'w',
          group: 'entry',
          points: true,
          title: `Conv entries vs layer: ${label(r)}`,
          xTitle: 'layer k',
          yTitle: 'weight',
        }),
      );
    }
    // What training changed: w_k(T) − w_k(0) for the first entry of each slot, per σ.
    for (const init of config.inits) {
      const rs = results.filter((r) => r.init === init);
      ctx.chart(
        `conv-drift-${init}`,
        ctx.charts.lines({
          data: rs.flatMap((r) =>
            r.entries
              .filter((e) => e.index === entryIdx[0])
              .flatMap((e) =>
                e.values.map((v, k) => ({
                  k: k + 1,
                  dw: v - e.initial[k]!,
                  entry: `${ACTIVATION_LABEL[r.activation]} ${e.slot}[${e.index}]`,
                })),
              ),
          ),
          x: 'k',
          y: 'dw',
          group: 'entry',
          points: true,
          title: `Change of a conv entry during training vs layer (${INIT_LABEL[init]} init)`,
          xTitle: 'layer k',
          yTitle: 'w_k(end) − w_k(0)',
        }),
      );
    }
    return { notes };
  },
});
