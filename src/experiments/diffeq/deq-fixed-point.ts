/**
 * A deep equilibrium (DEQ) classifier on 2-D spirals: the hidden state is the fixed point
 * z = tanh(γ·W z / ‖W‖_F + U x + b) (a contraction, since ‖W‖₂ ≤ ‖W‖_F and tanh is
 * 1-Lipschitz), found by Anderson acceleration and differentiated implicitly; a linear head
 * maps z* to class logits.
 */
import { z } from 'zod';
import { DEQ, fixedPoint } from '../../diffeq/index.js';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import { matmul, noGrad, type Tensor, tanh, tensor, zeros } from '../../index.js';
import { crossEntropy } from '../../nn/functional/index.js';
import { Linear, Module } from '../../nn/index.js';
import { Adam } from '../../optim/index.js';
import { randomKey } from '../../random/index.js';

/** f(z, x) = tanh(γ·W z/‖W‖_F + U x + b). */
class Cell extends Module<[Tensor, Tensor], Tensor> {
  readonly W: Linear;
  readonly U: Linear;
  readonly gain: number;
  constructor(hidden: number, gain: number, key: number) {
    super();
    this.W = new Linear(hidden, hidden, { dtype: 'float64', bias: false, key: randomKey(key) });
    this.U = new Linear(2, hidden, { dtype: 'float64', key: randomKey(key + 1) });
    this.gain = gain;
  }
  forward(z: Tensor, x: Tensor): Tensor {
    const w = this.W.weight;
    const scale = w.square().sum().sqrt();
    return tanh(matmul(z, w.T).mul(this.gain).div(scale).add(this.U.forward(x)));
  }
}

/** `n` points of `classes` interleaved spiral arms: flattened `[n, 2]` inputs and labels. */
function spirals(n: number, classes: number, noise: number, rng: Rng): { x: Float64Array; y: Int32Array } {
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const r = rng.uniform(0.05, 1);
    const a = 1.5 * Math.PI * r + (2 * Math.PI * c) / classes;
    x[2 * i] = 2 * r * Math.cos(a) + rng.normal(0, noise);
    x[2 * i + 1] = 2 * r * Math.sin(a) + rng.normal(0, noise);
    y[i] = c;
  }
  return { x, y };
}

function relErr(a: Float64Array[], b: Float64Array[]): number {
  let num = 0;
  let den = 0;
  a.forEach((ai, i) => {
    for (let j = 0; j < ai.length; j++) {
      num += (ai[j]! - b[i]![j]!) ** 2;
      den += b[i]![j]! ** 2;
    }
  });
  return Math.sqrt(num / Math.max(den, 1e-300));
}

const configSchema = z
  .object({
    classes: z.number().int().min(2).max(5).default(3).describe('spiral arms (classes)'),
    trainSize: z.number().int().positive().default(1500).describe('training points'),
    testSize: z.number().int().positive().default(600).describe('test points'),
    noise: z.number().nonnegative().default(0.05).describe('input noise std'),
    hidden: z.number().int().positive().default(64).describe('DEQ state size'),
    gain: z
      .number()
      .positive()
      .max(0.99)
      .default(0.9)
      .describe('γ: the Frobenius norm of the recurrent weight'),
    iters: z.number().int().positive().default(1500).describe('Adam steps'),
    batchSize: z.number().int().positive().default(128).describe('minibatch size'),
    lr: z.number().positive().default(0.01).describe('Adam learning rate'),
    method: z.enum(['anderson', 'broyden', 'iteration']).default('anderson').describe('fixed-point solver'),
    tol: z.number().positive().default(1e-6).describe('training solver tolerance (relative residual)'),
    evalEvery: z.number().int().positive().default(50).describe('evaluate test accuracy every N steps'),
    accuracyTarget: z.number().min(0).max(1).default(0.9).describe('claimed minimum test accuracy'),
  })
  .strict();

export type DeqConfig = z.output<typeof configSchema>;

export const deqFixedPointExperiment = defineExperiment({
  name: 'deq-fixed-point',
  title: 'Deep equilibrium layer on 2-D spirals',
  description:
    'Trains an implicit (DEQ) layer with Anderson acceleration and implicit gradients; checks them against unrolled iteration.',
  paper: {
    title: 'Deep Equilibrium Models',
    authors: 'S. Bai, J. Z. Kolter, V. Koltun',
    year: 2019,
    spec: '§3 (implicit backward pass, Thm. 1) and the Anderson/Broyden forward solvers, on a synthetic 2-D classification task scaled to a CPU.',
  },
  configSchema,
  presets: {
    quick: {
      trainSize: 900,
      testSize: 600,
      hidden: 32,
      iters: 200,
      batchSize: 128,
      evalEvery: 40,
      accuracyTarget: 0.85,
    },
    full: { trainSize: 3000, testSize: 1500, hidden: 64, iters: 2000, batchSize: 128, evalEvery: 100 },
  },
  metricCharts: [
    { title: 'Loss', keys: ['loss'], logY: true },
    { title: 'Accuracy', keys: ['train_acc', 'test_acc'], logY: false },
    { title: 'Solver iterations per step', keys: ['fwd_iters', 'bwd_iters'], logY: false },
  ],
  async run(config, ctx) {
    const dataRng = ctx.makeRng(ctx.seed ^ 0xdec0de);
    const train = spirals(config.trainSize, config.classes, config.noise, dataRng);
    const test = spirals(config.testSize, config.classes, config.noise, dataRng);
    const H = config.hidden;
    const k = ctx.seed * 16;
    const cell = new Cell(H, config.gain, k + 1);
    const head = new Linear(H, config.classes, { dtype: 'float64', key: randomKey(k + 3) });
    const z0 = (x: Tensor) => zeros([x.shape[0]!, H], { dtype: 'float64' });
    const deq = new DEQ(cell, { method: config.method, tol: config.tol, maxIters: 200, z0 });
    const params = [...cell.parameters(), ...head.parameters()];
    const opt = new Adam(params, { lr: config.lr });
    const xTest = tensor(test.x, { dtype: 'float64', shape: [config.testSize, 2] });
    const xTrain = tensor(train.x, { dtype: 'float64', shape: [config.trainSize, 2] });
    const accuracy = (x: Tensor, y: Int32Array): number =>
      noGrad(() => {
        const pred = head.forward(deq.forward(x)).argmax(-1).dataSync();
        let ok = 0;
        for (let i = 0; i < y.length; i++) if (Number(pred[i]) === y[i]) ok++;
        return ok / y.length;
      });

    const B = config.batchSize;
    const xb = new Float64Array(2 * B);
    const yb = new Int32Array(B);
    let step = 0;
    let ema = Number.NaN;
    let testAcc = accuracy(xTest, test.y);
    ctx.log({ step: 0, test_acc: testAcc });
    while (step < config.iters) {
      if (ctx.signal.aborted) break;
      for (let i = 0; i < B; i++) {
        const j = ctx.rng.int(config.trainSize);
        xb[2 * i] = train.x[2 * j]!;
        xb[2 * i + 1] = train.x[2 * j + 1]!;
        yb[i] = train.y[j]!;
      }
      opt.zeroGrad();
      const logits = head.forward(deq.forward(tensor(xb, { dtype: 'float64', shape: [B, 2] })));
      const loss = crossEntropy(logits, tensor(yb, { dtype: 'int32' }));
      loss.backward();
      opt.step();
      step++;
      const lv = loss.item();
      ema = Number.isNaN(ema) ? lv : 0.9 * ema + 0.1 * lv;
      ctx.log({
        step,
        loss: lv,
        fwd_iters: deq.stats.forward?.iters ?? 0,
        bwd_iters: deq.stats.backward?.iters ?? 0,
      });
      if (step % config.evalEvery === 0 || step === config.iters) {
        testAcc = accuracy(xTest, test.y);
        ctx.log({ step, test_acc: testAcc, train_acc: accuracy(xTrain, train.y) });
      }
      ctx.progress(step, config.iters, { loss: ema, acc: testAcc });
      await ctx.tick();
    }
    if (step < config.iters) {
      ctx.logger.info(`stopped at step ${step}`);
      return { summary: { stoppedAtStep: step } };
    }

    // Implicit vs unrolled gradients on one batch, tight tolerances.
    const xg = tensor(train.x.slice(0, 2 * Math.min(64, config.trainSize)), {
      dtype: 'float64',
      shape: [Math.min(64, config.trainSize), 2],
    });
    const yg = tensor(train.y.slice(0, Math.min(64, config.trainSize)), { dtype: 'int32' });
    const gradOf = (gradient: 'implicit' | 'unrolled') => {
      const d = new DEQ(cell, {
        method: gradient === 'implicit' ? 'anderson' : 'iteration',
        gradient,
        tol: 1e-13,
        maxIters: 1000,
        z0,
      });
      for (const p of params) p.grad = null;
      crossEntropy(head.forward(d.forward(xg)), yg).backward();
      return params.map((p) => Float64Array.from(p.grad!.dataSync()));
    };
    const gImplicit = gradOf('implicit');
    const gUnrolled = gradOf('unrolled');
    const gradErr = relErr(gImplicit, gUnrolled);
    for (const p of params) p.grad = null;

    // Iterations to the same tolerance: Anderson vs plain iteration, on the test inputs.
    const f = (zz: Tensor) => noGrad(() => cell.forward(zz, xTest));
    const start = zeros([config.testSize, H], { dtype: 'float64' });
    const tolCmp = 1e-8;
    const anderson = fixedPoint(f, start, { method: 'anderson', tol: tolCmp, maxIters: 1000 });
    const plain = fixedPoint(f, start, { method: 'iteration', tol: tolCmp, maxIters: 1000 });
    const broyden = fixedPoint(f, start, { method: 'broyden', tol: tolCmp, maxIters: 1000 });

    ctx.claim('test accuracy', testAcc, {
      op: '>=',
      target: config.accuracyTarget,
      description: `${config.classes}-class spirals, ${config.testSize} test points (chance ${(1 / config.classes).toFixed(2)})`,
    });
    ctx.claim('implicit vs unrolled gradient relative error', gradErr, {
      op: '<',
      target: 1e-4,
      description:
        'implicit-function-theorem gradient vs backprop through plain iteration to tol 1e-13, 64-point batch',
    });
    ctx.claim('Anderson / plain-iteration iterations', anderson.iters / plain.iters, {
      op: '<',
      target: 1,
      description: `to relative residual ${tolCmp} on the test set: Anderson ${anderson.iters}, iteration ${plain.iters}, Broyden ${broyden.iters}`,
    });
    ctx.summary('test_acc', testAcc);
    ctx.summary('grad_rel_err', gradErr);
    ctx.summary('anderson_iters', anderson.iters);
    ctx.summary('iteration_iters', plain.iters);
    ctx.summary('broyden_iters', broyden.iters);

    const metrics = ctx.metrics();
    ctx.chart(
      'loss',
      ctx.charts.curves({ data: metrics, y: 'loss', logY: true, title: 'Training loss (cross-entropy)' }),
    );
    ctx.chart(
      'accuracy',
      ctx.charts.curves({ data: metrics, y: ['train_acc', 'test_acc'], logY: false, title: 'Accuracy' }),
    );
    ctx.chart(
      'solver-iterations',
      ctx.charts.curves({
        data: metrics,
        y: ['fwd_iters', 'bwd_iters'],
        logY: false,
        title: `Fixed-point iterations per training step (${config.method})`,
      }),
    );
    const conv: { iteration: number; residual: number; solver: string }[] = [];
    for (const [name, r] of [
      ['anderson', anderson],
      ['iteration', plain],
      ['broyden', broyden],
    ] as const) {
      r.history.forEach((v, i) => {
        conv.push({ iteration: i + 1, residual: v, solver: name });
      });
    }
    ctx.chart(
      'convergence',
      ctx.charts.lines({
        data: conv,
        x: 'iteration',
        y: 'residual',
        group: 'solver',
        logY: true,
        title: 'Relative residual vs iteration (trained layer, test inputs)',
      }),
    );
    // Decision regions on a grid.
    const G = 50;
    const pts = new Float64Array(2 * G * G);
    for (let r = 0; r < G; r++) {
      for (let c = 0; c < G; c++) {
        pts[2 * (r * G + c)] = -2.2 + (4.4 * c) / (G - 1);
        pts[2 * (r * G + c) + 1] = 2.2 - (4.4 * r) / (G - 1);
      }
    }
    const cls = noGrad(() =>
      head
        .forward(deq.forward(tensor(pts, { dtype: 'float64', shape: [G * G, 2] })))
        .argmax(-1)
        .dataSync(),
    );
    const rows = Array.from({ length: G * G }, (_, i) => ({
      x1: pts[2 * i]!,
      x2: pts[2 * i + 1]!,
      class: `predicted ${Number(cls[i])}`,
    }));
    ctx.chart(
      'decision-regions',
      ctx.charts.scatter({
        data: rows,
        x: 'x1',
        y: 'x2',
        color: 'class',
        size: 20,
        opacity: 0.6,
        title: 'Predicted class on a grid',
        width: 360,
        height: 360,
      }),
    );
    return {};
  },
});
