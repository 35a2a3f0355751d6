/**
 * Multi-class cross-entropy vs Kullback–Leibler divergence (loss survey §5.3, experiment A.3.3) on
 * Fashion-MNIST: an MLP teacher and a linear softmax student trained on hard labels with CE, then
 * linear students distilled from the teacher's soft labels (temperature τ) with KL(q ‖ p) and with
 * soft-label CE from the same initialisation and batch order. Since KL(q ‖ p) = CE(q, p) − H(q)
 * and H(q) does not depend on the model, both have the same gradients and training trajectories.
 */
import { z } from 'zod';
import { requireFashionMnist } from '../../experiment/datasets.js';
import { defineExperiment } from '../../experiment/define.js';
import { argmax, noGrad, relu, type Tensor, tensor } from '../../index.js';
import { crossEntropy, klDivergence } from '../../losses/index.js';
import { softmax } from '../../nn/functional/index.js';
import { Linear, Module } from '../../nn/index.js';
import { Adam } from '../../optim/index.js';
import { randomKey } from '../../random/index.js';
import { type FashionSubset, fashionSubset, gatherRows } from './fashion.js';

class Mlp extends Module<[Tensor], Tensor> {
  readonly l1: Linear;
  readonly l2: Linear;
  constructor(dim: number, hidden: number, seed: number) {
    super();
    this.l1 = new Linear(dim, hidden, { key: randomKey(seed) });
    this.l2 = new Linear(hidden, 10, { key: randomKey(seed + 1) });
  }
  forward(x: Tensor): Tensor {
    return this.l2.forward(relu(this.l1.forward(x)));
  }
}

const configSchema = z
  .object({
    trainPerClass: z.number().int().positive().default(6000).describe('training images per class'),
    testPerClass: z.number().int().positive().default(1000).describe('test images per class'),
    hidden: z.number().int().positive().default(256).describe('teacher MLP hidden width'),
    teacherEpochs: z.number().int().positive().default(10).describe('teacher (and hard-label MLP) epochs'),
    studentEpochs: z.number().int().positive().default(10).describe('linear-student epochs'),
    batchSize: z.number().int().positive().default(128).describe('minibatch size'),
    lr: z.number().positive().default(1e-3).describe('Adam learning rate'),
    temperature: z.number().positive().default(2).describe('distillation temperature τ'),
    timingReps: z.number().int().positive().default(200).describe('repetitions of the loss-cost timing'),
    linearAccuracyTarget: z
      .number()
      .min(0)
      .max(1)
      .default(0.82)
      .describe('claimed minimum test accuracy of the hard-label linear softmax (spec [M]: ≈ 0.84)'),
    mlpAccuracyTarget: z
      .number()
      .min(0)
      .max(1)
      .default(0.86)
      .describe('claimed minimum test accuracy of the MLP (spec [M]: ≈ 0.87–0.89)'),
  })
  .strict();

export type CeVsKlConfig = z.output<typeof configSchema>;

function accuracy(net: Module<[Tensor], Tensor>, x: Tensor, y: Int32Array): number {
  return noGrad(() => {
    const pred = argmax(net.forward(x), 1).dataSync();
    let ok = 0;
    for (let i = 0; i < y.length; i++) if (Number(pred[i]) === y[i]) ok++;
    return ok / y.length;
  });
}

function flatParams(net: Module<[Tensor], Tensor>): Float64Array {
  const parts = net.parameters().map((p) => p.dataSync());
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let k = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) out[k++] = Number(p[i]);
  return out;
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(a[i]!));
  }
  return num / Math.max(den, 1e-300);
}

export const lossesCeVsKl = defineExperiment({
  name: 'losses-ce-vs-kl',
  title: 'Loss survey: cross-entropy vs KL divergence (soft labels)',
  description:
    'Fashion-MNIST linear softmax and MLP with CE; linear students distilled with KL vs soft-label CE follow the same trajectory.',
  paper: {
    title: 'A survey and taxonomy of loss functions in machine learning',
    authors: 'L. Ciampiconi, A. Elwood, M. Leonardi, A. Mohamed, A. Rozza',
    year: 2023,
    spec: '§5.3 (probabilistic losses #17–#19); experiment A.3.3 of the spec.',
    url: 'https://arxiv.org/abs/2301.05579v1',
  },
  configSchema,
  presets: {
    quick: {
      trainPerClass: 1000,
      testPerClass: 300,
      hidden: 128,
      teacherEpochs: 5,
      studentEpochs: 5,
      timingReps: 50,
      linearAccuracyTarget: 0.75,
      mlpAccuracyTarget: 0.78,
    },
    full: { trainPerClass: 6000, testPerClass: 1000, teacherEpochs: 10, studentEpochs: 10 },
  },
  requires: () => requireFashionMnist(),
  metricCharts: [
    {
      title: 'Test accuracy (x: epoch)',
      keys: ['acc_teacher', 'acc_hard', 'acc_kl', 'acc_soft_ce'],
      logY: false,
    },
    {
      title: 'KL vs soft-CE students: relative parameter difference',
      keys: ['kl_vs_ce_param_diff'],
      logY: true,
    },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const c = config;
    const classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const dataRng = ctx.makeRng(ctx.seed ^ 0xce);
    const train: FashionSubset = fashionSubset('train', classes, c.trainPerClass, dataRng);
    const test: FashionSubset = fashionSubset('test', classes, c.testPerClass, dataRng);
    const D = train.dim;
    const xTest = tensor(test.x, { shape: [test.n, D] });
    const B = c.batchSize;
    const xb = new Float32Array(B * D);
    const yb = new Int32Array(B);
    const steps = (epochs: number) => epochs * Math.floor(train.n / B);
    const totalSteps = steps(c.teacherEpochs) + 3 * steps(c.studentEpochs);
    let progress = 0;
    const accRows: { epoch: number; accuracy: number; model: string }[] = [];

    /** Trains `net` for `epochs` with `loss(logits, rows)`, logging test accuracy each epoch. */
    const train_ = async (
      label: string,
      net: Module<[Tensor], Tensor>,
      epochs: number,
      orderSeed: number,
      loss: (logits: Tensor, rows: number[]) => Tensor,
    ): Promise<boolean> => {
      const opt = new Adam(net.parameters(), { lr: c.lr });
      const rng = ctx.makeRng(orderSeed);
      const idx = Array.from({ length: train.n }, (_, i) => i);
      for (let epoch = 1; epoch <= epochs; epoch++) {
        rng.shuffle(idx);
        for (let start = 0; start + B <= train.n; start += B) {
          if (ctx.signal.aborted) return false;
          const rows = idx.slice(start, start + B);
          gatherRows(train.x, D, rows, xb);
          opt.zeroGrad();
          loss(net.forward(tensor(xb, { shape: [B, D] })), rows).backward();
          opt.step();
          ctx.progress(++progress, totalSteps);
          await ctx.tick();
        }
        const a = accuracy(net, xTest, test.y);
        accRows.push({ epoch, accuracy: a, model: label });
        ctx.log({ step: epoch, [`acc_${label}`]: a });
      }
      return true;
    };
    const hard = (logits: Tensor, rows: number[]) => {
      rows.forEach((r, i) => {
        yb[i] = train.y[r]!;
      });
      return crossEntropy(logits, tensor(yb, { dtype: 'int32' }));
    };

    // Teacher: MLP with hard-label CE.
    const teacher = new Mlp(D, c.hidden, ctx.seed * 100 + 1);
    if (!(await train_('teacher', teacher, c.teacherEpochs, ctx.seed + 11, hard))) return {};
    const teacherAcc = accuracy(teacher, xTest, test.y);
    const tau = c.temperature;
    const soft = noGrad(() =>
      softmax(teacher.forward(tensor(train.x, { shape: [train.n, D] })).div(tau), 1).dataSync(),
    ) as Float32Array;
    const qb = new Float32Array(B * 10);
    const softBatch = (rows: number[]) => tensor(gatherRows(soft, 10, rows, qb), { shape: [B, 10] });

    // Linear students from the same initialisation and batch order.
    const studentSeed = ctx.seed * 100 + 7;
    const hardStudent = new Linear(D, 10, { key: randomKey(studentSeed) });
    const klStudent = new Linear(D, 10, { key: randomKey(studentSeed) });
    const ceStudent = new Linear(D, 10, { key: randomKey(studentSeed) });
    if (!(await train_('hard', hardStudent, c.studentEpochs, ctx.seed + 13, hard))) return {};
    const kl = (logits: Tensor, rows: number[]) =>
      klDivergence(logits.div(tau), softBatch(rows)).mul(tau * tau);
    const softCe = (logits: Tensor, rows: number[]) =>
      crossEntropy(logits.div(tau), softBatch(rows)).mul(tau * tau);
    // KL and soft-label CE students in lockstep: same start, same batches.
    const optKl = new Adam(klStudent.parameters(), { lr: c.lr });
    const optCe = new Adam(ceStudent.parameters(), { lr: c.lr });
    {
      const rng = ctx.makeRng(ctx.seed + 17);
      const idx = Array.from({ length: train.n }, (_, i) => i);
      let step = 0;
      for (let epoch = 1; epoch <= c.studentEpochs; epoch++) {
        rng.shuffle(idx);
        for (let start = 0; start + B <= train.n; start += B) {
          if (ctx.signal.aborted) return {};
          const rows = idx.slice(start, start + B);
          gatherRows(train.x, D, rows, xb);
          const x = tensor(xb, { shape: [B, D] });
          optKl.zeroGrad();
          kl(klStudent.forward(x), rows).backward();
          optKl.step();
          optCe.zeroGrad();
          softCe(ceStudent.forward(x), rows).backward();
          optCe.step();
          step++;
          if (step % 10 === 0)
            ctx.log({ step, kl_vs_ce_param_diff: maxRelDiff(flatParams(klStudent), flatParams(ceStudent)) });
          progress += 2;
          ctx.progress(progress, totalSteps);
          await ctx.tick();
        }
        for (const [label, net] of [
          ['kl', klStudent],
          ['soft_ce', ceStudent],
        ] as const) {
          const a = accuracy(net, xTest, test.y);
          accRows.push({ epoch, accuracy: a, model: label });
          ctx.log({ step: epoch, [`acc_${label}`]: a });
        }
      }
    }
    const paramDiff = maxRelDiff(flatParams(klStudent), flatParams(ceStudent));

    // A hard-label MLP of the teacher's size is the teacher itself; report its accuracy.
    const hardAcc = accuracy(hardStudent, xTest, test.y);
    const klAcc = accuracy(klStudent, xTest, test.y);
    const ceAcc = accuracy(ceStudent, xTest, test.y);

    // KL = CE − H(q) on the test set (student logits, teacher soft labels).
    const { klVal, ceVal, hVal } = noGrad(() => {
      const logits = klStudent.forward(xTest).div(tau);
      const q = softmax(teacher.forward(xTest).div(tau), 1);
      const qd = q.dataSync();
      let h = 0;
      for (let i = 0; i < qd.length; i++) {
        const v = Number(qd[i]);
        if (v > 0) h -= v * Math.log(v);
      }
      return {
        klVal: klDivergence(logits, q).item(),
        ceVal: crossEntropy(logits, q).item(),
        hVal: h / test.n,
      };
    });

    // Cost of one loss evaluation with its backward pass, interleaved to share machine load.
    const tl = tensor(xb.subarray(0, B * 10), { shape: [B, 10] });
    const tq = softBatch(Array.from({ length: B }, (_, i) => i));
    let tKl = 0;
    let tCe = 0;
    for (let r = 0; r < c.timingReps; r++) {
      for (const which of ['kl', 'ce'] as const) {
        const logits = tl.detach().requiresGrad_(true);
        const s = performance.now();
        (which === 'kl' ? klDivergence(logits, tq) : crossEntropy(logits, tq)).backward();
        const dt = performance.now() - s;
        if (which === 'kl') tKl += dt;
        else tCe += dt;
      }
    }

    ctx.claim('KL vs soft-label CE student: max |Δθ| / max |θ| after training', paramDiff, {
      op: '<',
      target: 1e-3,
      description:
        'survey §5.3: minimising KL(q‖p) over the model is minimising CE(q,p), since H(q) is constant — same gradients, same trajectory (float32)',
    });
    ctx.claim('|KL − (CE − H(q))| on the test set', Math.abs(klVal - (ceVal - hVal)), {
      op: '<',
      target: 1e-4,
      description: `KL ${klVal.toFixed(5)}, CE ${ceVal.toFixed(5)}, H(q) ${hVal.toFixed(5)} (τ = ${tau}, per sample)`,
    });
    ctx.claim('linear softmax (hard-label CE) test accuracy', hardAcc, {
      op: '>=',
      target: c.linearAccuracyTarget,
      description: `spec [M]: a linear softmax typically gets ≈ 84 % on full Fashion-MNIST; here ${train.n} training images`,
    });
    ctx.claim('MLP (hard-label CE) test accuracy', teacherAcc, {
      op: '>=',
      target: c.mlpAccuracyTarget,
      description: `spec [M]: a small MLP gets ≈ 87–89 %; 784-${c.hidden}-10, ${train.n} training images`,
    });

    ctx.summary('acc_mlp_teacher', teacherAcc);
    ctx.summary('acc_linear_hard', hardAcc);
    ctx.summary('acc_linear_kl', klAcc);
    ctx.summary('acc_linear_soft_ce', ceAcc);
    ctx.summary('kl_vs_soft_ce_param_diff', paramDiff);
    ctx.summary('ms_per_kl_loss', tKl / c.timingReps);
    ctx.summary('ms_per_ce_loss', tCe / c.timingReps);

    ctx.chart(
      'accuracy',
      ctx.charts.lines({
        data: accRows,
        x: 'epoch',
        y: 'accuracy',
        group: 'model',
        points: true,
        title: 'Test accuracy per epoch: MLP teacher, linear students (hard CE, KL, soft-label CE)',
      }),
    );
    ctx.chart(
      'kl-vs-ce-trajectory',
      ctx.charts.curves({
        data: ctx.metrics().filter((m) => m.kl_vs_ce_param_diff !== undefined),
        y: 'kl_vs_ce_param_diff',
        logY: true,
        title: 'max |θ_KL − θ_softCE| / max |θ_KL| during training (float32 rounding only)',
      }),
    );
    ctx.chart(
      'final-accuracy',
      ctx.charts.bar({
        data: [
          { model: `MLP teacher (CE)`, accuracy: teacherAcc },
          { model: 'linear, hard CE', accuracy: hardAcc },
          { model: `linear, KL (τ=${tau})`, accuracy: klAcc },
          { model: `linear, soft CE (τ=${tau})`, accuracy: ceAcc },
        ],
        x: 'model',
        y: 'accuracy',
        title: 'Final test accuracy',
      }),
    );
    ctx.summary('wall_s', (performance.now() - t0) / 1000);
    return {
      notes: [
        `Distillation: the KL student reaches ${(klAcc * 100).toFixed(2)} % vs ${(hardAcc * 100).toFixed(2)} % for the hard-label student (the survey makes no claim here).`,
        `Cost of one loss + backward on a [${B}, 10] batch: KL ${(tKl / c.timingReps).toFixed(3)} ms, soft-label CE ${(tCe / c.timingReps).toFixed(3)} ms (survey: CE is usually preferred because it is cheaper; timings on a shared machine are noisy, so this is not a claim).`,
      ].join('\n'),
    };
  },
});
