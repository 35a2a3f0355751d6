/**
 * Energy-based losses (loss survey §8, experiment A.3.6): a small Fashion-MNIST classifier read as
 * an energy model E(x, y) = −score_y(x) (softplus(−score) ≥ 0 for square-square and
 * square-exponential), trained from one initialisation with each of the survey's energy losses:
 * energy loss, generalized perceptron, EBM-NLL (β = 1), hinge (m = 1), log, MCE, square-square
 * (m = 1) and square-exponential (γ = 1). Inference is argmin_y E(x, y).
 */
import { z } from 'zod';
import { requireFashionMnist } from '../../experiment/datasets.js';
import { defineExperiment } from '../../experiment/define.js';
import { noGrad, relu, type Tensor, tensor } from '../../index.js';
import { mostOffendingIncorrect } from '../../losses/index.js';
import {
  defaultEnergyForm,
  ENERGY_LOSS_NAMES,
  type EnergyLossName,
  EnergyModel,
} from '../../losses/training/index.js';
import { Linear, Module } from '../../nn/index.js';
import { Adam } from '../../optim/index.js';
import { randomKey } from '../../random/index.js';
import { overlaidHistograms } from './charts.js';
import { fashionSubset, gatherRows } from './fashion.js';

class Scorer extends Module<[Tensor], Tensor> {
  readonly l1: Linear;
  readonly l2: Linear | null;
  constructor(dim: number, hidden: number, seed: number) {
    super();
    if (hidden > 0) {
      this.l1 = new Linear(dim, hidden, { key: randomKey(seed) });
      this.l2 = new Linear(hidden, 10, { key: randomKey(seed + 1) });
    } else {
      this.l1 = new Linear(dim, 10, { key: randomKey(seed) });
      this.l2 = null;
    }
  }
  forward(x: Tensor): Tensor {
    const h = this.l1.forward(x);
    return this.l2 ? this.l2.forward(relu(h)) : h;
  }
}

const LABELS: Record<EnergyLossName, string> = {
  energyLoss: 'energy',
  generalizedPerceptron: 'perceptron',
  ebmNll: 'NLL (β=1)',
  ebmHinge: 'hinge (m=1)',
  ebmLog: 'log',
  minimumClassificationError: 'MCE',
  squareSquare: 'square-square',
  squareExponential: 'square-exp',
};

const configSchema = z
  .object({
    trainPerClass: z.number().int().positive().default(6000).describe('training images per class'),
    testPerClass: z.number().int().positive().default(1000).describe('test images per class'),
    model: z.enum(['linear', 'mlp']).default('mlp').describe('scorer: linear or one-hidden-layer MLP'),
    hidden: z.number().int().positive().default(128).describe('MLP hidden width'),
    epochs: z.number().int().positive().default(5).describe('training epochs per loss'),
    batchSize: z.number().int().positive().default(64).describe('minibatch size'),
    lr: z.number().positive().default(1e-3).describe('Adam learning rate'),
    beta: z.number().positive().default(1).describe('EBM-NLL β'),
    margin: z.number().positive().default(1).describe('hinge and square-square margin m'),
    gamma: z.number().positive().default(1).describe('square-exponential γ'),
    perceptronTarget: z
      .number()
      .min(0)
      .max(1)
      .default(0.8)
      .describe('claimed minimum test accuracy of the generalized perceptron'),
    surveyClaims: z
      .boolean()
      .default(true)
      .describe(
        'claim that a margin/NLL loss gives the best accuracy (off in the quick preset; reported in the notes)',
      ),
  })
  .strict();

export type EnergyConfig = z.output<typeof configSchema>;

export const lossesEnergy = defineExperiment({
  name: 'losses-energy',
  title: 'Loss survey: energy-based losses and the energy-loss collapse',
  description:
    'A Fashion-MNIST classifier as an energy model trained with each of the 8 energy losses; the plain energy loss collapses.',
  paper: {
    title: 'A survey and taxonomy of loss functions in machine learning',
    authors: 'L. Ciampiconi, A. Elwood, M. Leonardi, A. Mohamed, A. Rozza',
    year: 2023,
    spec: '§8 (energy-based losses #25–#33); experiment A.3.6 of the spec.',
    url: 'https://arxiv.org/abs/2301.05579v1',
  },
  configSchema,
  presets: {
    quick: {
      trainPerClass: 250,
      testPerClass: 100,
      hidden: 64,
      epochs: 3,
      perceptronTarget: 0.6,
      surveyClaims: false,
    },
    full: { trainPerClass: 6000, testPerClass: 1000, epochs: 5 },
  },
  requires: () => requireFashionMnist(),
  metricCharts: [
    { title: 'Training loss (every 50 steps)', keys: ENERGY_LOSS_NAMES.map((n) => `loss_${n}`), logY: false },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const c = config;
    const classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const dataRng = ctx.makeRng(ctx.seed ^ 0xeb);
    const train = fashionSubset('train', classes, c.trainPerClass, dataRng);
    const test = fashionSubset('test', classes, c.testPerClass, dataRng);
    const D = train.dim;
    const xTest = tensor(test.x, { shape: [test.n, D] });
    const yTest = tensor(test.y, { dtype: 'int32' });
    const B = c.batchSize;
    const xb = new Float32Array(B * D);
    const yb = new Int32Array(B);
    const hidden = c.model === 'mlp' ? c.hidden : 0;
    const stepsPer = c.epochs * Math.floor(train.n / B);
    const total = stepsPer * ENERGY_LOSS_NAMES.length;
    let progress = 0;
    const stats = new Map<
      EnergyLossName,
      {
        acc: number;
        correct: Float64Array;
        offending: Float64Array;
        gap: number;
        spread: number;
        scale: number;
      }
    >();
    const epochRows: { epoch: number; accuracy: number; loss: string }[] = [];
    for (const name of ENERGY_LOSS_NAMES) {
      const model = new EnergyModel(new Scorer(D, hidden, ctx.seed * 100 + 1), {
        form: defaultEnergyForm(name),
      });
      const opt = new Adam(model.parameters(), { lr: c.lr });
      const rng = ctx.makeRng(ctx.seed + 23);
      const idx = Array.from({ length: train.n }, (_, i) => i);
      let step = 0;
      for (let epoch = 0; epoch < c.epochs; epoch++) {
        rng.shuffle(idx);
        for (let start = 0; start + B <= train.n; start += B) {
          if (ctx.signal.aborted) return { summary: { stopped: `${name}, step ${step}` } };
          const rows = idx.slice(start, start + B);
          gatherRows(train.x, D, rows, xb);
          rows.forEach((r, i) => {
            yb[i] = train.y[r]!;
          });
          const l = model.trainStep(
            tensor(xb, { shape: [B, D] }),
            tensor(yb, { dtype: 'int32' }),
            name,
            opt,
            {
              beta: c.beta,
              margin: c.margin,
              gamma: c.gamma,
            },
          );
          step++;
          if (step % 50 === 0) ctx.log({ step, [`loss_${name}`]: l });
          ctx.progress(++progress, total);
          await ctx.tick();
        }
        const a = model.accuracy(xTest, yTest);
        epochRows.push({ epoch: epoch + 1, accuracy: a, loss: LABELS[name] });
        ctx.log({ step, [`acc_${name}`]: a });
      }
      // Energies of the correct and the most offending incorrect answers on the test set.
      const e = noGrad(() => model.forward(xTest));
      const ed = e.dataSync();
      const bar = mostOffendingIncorrect(e, yTest).dataSync();
      const correct = new Float64Array(test.n);
      const offending = new Float64Array(test.n);
      let gap = 0;
      let spread = 0;
      let scale = 0;
      for (let i = 0; i < test.n; i++) {
        correct[i] = Number(ed[i * 10 + test.y[i]!]);
        offending[i] = Number(ed[i * 10 + Number(bar[i])]);
        gap += offending[i]! - correct[i]!;
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < 10; k++) {
          const v = Number(ed[i * 10 + k]);
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
          scale += Math.abs(v);
        }
        spread += hi - lo;
      }
      stats.set(name, {
        acc: model.accuracy(xTest, yTest),
        correct,
        offending,
        gap: gap / test.n,
        spread: spread / test.n,
        scale: scale / (10 * test.n),
      });
    }

    const s = (n: EnergyLossName) => stats.get(n)!;
    const others = ENERGY_LOSS_NAMES.filter((n) => n !== 'energyLoss');
    const bestOther = Math.min(...others.map((n) => s(n).acc));
    const relSpread = (n: EnergyLossName) => s(n).spread / s(n).scale;
    const marginNll: EnergyLossName[] = ['ebmNll', 'ebmHinge', 'ebmLog', 'squareSquare', 'squareExponential'];
    const noMargin: EnergyLossName[] = ['energyLoss', 'generalizedPerceptron', 'minimumClassificationError'];
    const bestMargin = Math.max(...marginNll.map((n) => s(n).acc));
    const bestNoMargin = Math.max(...noMargin.map((n) => s(n).acc));
    ctx.claim(
      'energy-loss accuracy − lowest accuracy of the other 7 losses',
      s('energyLoss').acc - bestOther,
      {
        op: '<',
        target: 0,
        description: `survey §8: the energy loss only pushes the correct energy down and collapses (energy ${s('energyLoss').acc.toFixed(3)}, chance 0.1)`,
      },
    );
    ctx.claim('energy loss: mean (max_y E − min_y E) / mean |E| on the test set', relSpread('energyLoss'), {
      op: '<',
      target: 0.1 * relSpread('ebmNll'),
      description: `flat energies: the spread across answers is small relative to the energy scale (target: 0.1 × NLL's ${relSpread('ebmNll').toFixed(3)})`,
    });
    ctx.claim(
      'generalized perceptron / hinge: mean test gap E(x, ȳ) − E(x, y)',
      s('generalizedPerceptron').gap / s('ebmHinge').gap,
      {
        op: '<',
        target: 0.1,
        description: `survey §8 (#26): the perceptron loss has no margin — it is 0 as soon as E(y) ties the lowest energy (gaps: perceptron ${s('generalizedPerceptron').gap.toFixed(4)}, hinge ${s('ebmHinge').gap.toFixed(4)})`,
      },
    );
    ctx.claim('generalized perceptron test accuracy', s('generalizedPerceptron').acc, {
      op: '>=',
      target: c.perceptronTarget,
      description: 'survey §8: the perceptron loss works without a margin',
    });
    if (c.surveyClaims) {
      ctx.claim('best accuracy: margin/NLL losses − energy, perceptron and MCE', bestMargin - bestNoMargin, {
        op: '>=',
        target: 0,
        description: `survey §8: the margin losses and the NLL give the best accuracy (best margin/NLL ${bestMargin.toFixed(4)}, best other ${bestNoMargin.toFixed(4)})`,
      });
    }
    for (const n of ENERGY_LOSS_NAMES) {
      ctx.summary(`acc_${n}`, s(n).acc);
      ctx.summary(`gap_${n}`, s(n).gap);
      ctx.summary(`rel_spread_${n}`, relSpread(n));
    }

    ctx.chart(
      'accuracy',
      ctx.charts.bar({
        data: ENERGY_LOSS_NAMES.map((n) => ({ loss: LABELS[n], accuracy: s(n).acc })),
        x: 'loss',
        y: 'accuracy',
        title: `Test accuracy (argmin_y E) by energy loss, ${c.model} scorer, ${train.n} training images`,
      }),
    );
    ctx.chart(
      'accuracy-per-epoch',
      ctx.charts.lines({
        data: epochRows,
        x: 'epoch',
        y: 'accuracy',
        group: 'loss',
        points: true,
        title: 'Test accuracy after each epoch',
      }),
    );
    ctx.chart(
      'energy-gap',
      ctx.charts.bar({
        data: ENERGY_LOSS_NAMES.map((n) => ({ loss: LABELS[n], gap: s(n).gap })),
        x: 'loss',
        y: 'gap',
        title: 'Mean E(x, ȳ) − E(x, y) on the test set (negative: the wrong answer wins)',
      }),
    );
    for (const n of ['energyLoss', 'generalizedPerceptron', 'ebmHinge', 'ebmNll'] as const) {
      ctx.chart(
        `energies-${n}`,
        overlaidHistograms({
          groups: [
            { name: 'correct answer y', values: s(n).correct },
            { name: 'most offending incorrect ȳ', values: s(n).offending },
          ],
          title: `${LABELS[n]}: test energies (accuracy ${s(n).acc.toFixed(3)})`,
          xTitle: 'energy',
        }),
      );
    }
    ctx.summary('wall_s', (performance.now() - t0) / 1000);
    return {
      notes: [
        `Accuracy: ${ENERGY_LOSS_NAMES.map((n) => `${LABELS[n]} ${s(n).acc.toFixed(4)}`).join(', ')}; best margin/NLL − best of (energy, perceptron, MCE) = ${(bestMargin - bestNoMargin).toFixed(4)}${c.surveyClaims ? '' : ' (not claimed in this run)'}.`,
        `Energies: E = −score for all losses except square-square and square-exponential, which use E = softplus(−score) ≥ 0.`,
        `Relative spread (max_y E − min_y E)/mean|E|: ${ENERGY_LOSS_NAMES.map((n) => `${LABELS[n]} ${relSpread(n).toFixed(3)}`).join(', ')}.`,
      ].join('\n'),
    };
  },
});
