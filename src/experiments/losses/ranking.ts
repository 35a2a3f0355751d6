/**
 * Ranking losses (loss survey §7, experiment A.3.4): embedding networks trained on Fashion-MNIST
 * classes 0–4 with the pairwise (contrastive) loss or the triplet loss (m = 1, L2-normalised
 * embeddings, the same number of embeddings per step), evaluated by Recall@1 on the held-out
 * classes 5–9 of the test set (is the nearest other gallery image of the same class?).
 */
import { z } from 'zod';
import { requireFashionMnist } from '../../experiment/datasets.js';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import { matmul, noGrad, relu, type Tensor, tensor } from '../../index.js';
import { contrastive, triplet } from '../../losses/index.js';
import { Linear, Module } from '../../nn/index.js';
import { Adam } from '../../optim/index.js';
import { randomKey } from '../../random/index.js';
import { errorBars, meanStd } from './charts.js';
import { type FashionSubset, fashionSubset, gatherRows } from './fashion.js';

/** MLP embedding, L2-normalised. */
class Embedder extends Module<[Tensor], Tensor> {
  readonly l1: Linear;
  readonly l2: Linear;
  constructor(dim: number, hidden: number, emb: number, seed: number) {
    super();
    this.l1 = new Linear(dim, hidden, { key: randomKey(seed) });
    this.l2 = new Linear(hidden, emb, { key: randomKey(seed + 1) });
  }
  forward(x: Tensor): Tensor {
    const e = this.l2.forward(relu(this.l1.forward(x)));
    return e.div(e.square().sum(1, true).add(1e-12).sqrt());
  }
}

/** Recall@1 of row-normalised embeddings `[n, d]`: nearest other row (max cosine) has the same label. */
export function recallAt1(
  emb: Float32Array | Float64Array,
  n: number,
  d: number,
  labels: Int32Array,
): number {
  const chunk = 512;
  const all = tensor(emb instanceof Float64Array ? Float32Array.from(emb) : emb, { shape: [n, d] });
  let hits = 0;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const sim = matmul(all.narrow(0, s, m), all.T).dataSync();
    for (let i = 0; i < m; i++) {
      let best = Number.NEGATIVE_INFINITY;
      let arg = -1;
      for (let j = 0; j < n; j++) {
        if (j === s + i) continue;
        const v = Number(sim[i * n + j]);
        if (v > best) {
          best = v;
          arg = j;
        }
      }
      if (labels[arg] === labels[s + i]) hits++;
    }
  }
  return hits / n;
}

function normalisedRows(x: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j]! ** 2;
    const inv = 1 / Math.sqrt(s + 1e-12);
    for (let j = 0; j < d; j++) out[i * d + j] = x[i * d + j]! * inv;
  }
  return out;
}

const configSchema = z
  .object({
    trainPerClass: z
      .number()
      .int()
      .positive()
      .default(6000)
      .describe('training images per class (classes 0–4)'),
    galleryPerClass: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('test images per held-out class (5–9)'),
    hidden: z.number().int().positive().default(256).describe('embedding MLP hidden width'),
    embDim: z.number().int().positive().default(32).describe('embedding size'),
    steps: z.number().int().positive().default(3000).describe('Adam steps per loss'),
    triplets: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe('triplets per step (pairwise uses 1.5× as many pairs)'),
    lr: z.number().positive().default(1e-3).describe('Adam learning rate'),
    margin: z.number().positive().default(1).describe('margin m of both losses'),
    squared: z
      .boolean()
      .default(false)
      .describe("contrastive: Hadsell's squared distances instead of the survey's plain ones"),
    repeats: z.number().int().positive().default(3).describe('repeats (new init and sampling)'),
    evalEvery: z.number().int().positive().default(250).describe('Recall@1 every N steps'),
    surveyClaims: z
      .boolean()
      .default(true)
      .describe(
        'claim triplet ≥ pairwise (off in the quick preset: one short run is too noisy; reported in the notes)',
      ),
  })
  .strict();

export type RankingConfig = z.output<typeof configSchema>;

const TRAIN_CLASSES = [0, 1, 2, 3, 4];
const HELD_OUT = [5, 6, 7, 8, 9];

export const lossesRanking = defineExperiment({
  name: 'losses-ranking',
  title: 'Loss survey: pairwise vs triplet ranking losses',
  description:
    'Embedding MLPs trained on Fashion-MNIST classes 0–4 with the contrastive or the triplet loss; Recall@1 on held-out classes 5–9.',
  paper: {
    title: 'A survey and taxonomy of loss functions in machine learning',
    authors: 'L. Ciampiconi, A. Elwood, M. Leonardi, A. Mohamed, A. Rozza',
    year: 2023,
    spec: '§7 (ranking losses #23–#24); experiment A.3.4 of the spec.',
    url: 'https://arxiv.org/abs/2301.05579v1',
  },
  configSchema,
  presets: {
    quick: {
      trainPerClass: 600,
      galleryPerClass: 200,
      hidden: 128,
      steps: 300,
      repeats: 1,
      evalEvery: 100,
      surveyClaims: false,
    },
    full: { trainPerClass: 6000, galleryPerClass: 1000, steps: 3000, repeats: 3 },
  },
  requires: () => requireFashionMnist(),
  metricCharts: [
    { title: 'Recall@1 on held-out classes 5–9', keys: ['r1_pairwise', 'r1_triplet'], logY: false },
    { title: 'Training loss (first repeat)', keys: ['loss_pairwise', 'loss_triplet'], logY: false },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const c = config;
    const dataRng = ctx.makeRng(ctx.seed ^ 0x7a4);
    const train: FashionSubset = fashionSubset('train', TRAIN_CLASSES, c.trainPerClass, dataRng);
    const gallery: FashionSubset = fashionSubset('test', HELD_OUT, c.galleryPerClass, dataRng);
    const seen: FashionSubset = fashionSubset('test', TRAIN_CLASSES, c.galleryPerClass, dataRng);
    const D = train.dim;
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < train.n; i++) byClass.set(train.y[i]!, [...(byClass.get(train.y[i]!) ?? []), i]);
    const pick = (rng: Rng, xs: number[]) => xs[rng.int(xs.length)]!;
    const otherClass = (rng: Rng, cls: number) => {
      const k = rng.int(TRAIN_CLASSES.length - 1);
      const o = TRAIN_CLASSES.filter((v) => v !== cls);
      return o[k]!;
    };
    const galleryX = tensor(gallery.x, { shape: [gallery.n, D] });
    const seenX = tensor(seen.x, { shape: [seen.n, D] });
    const r1 = (net: Embedder, x: Tensor, s: FashionSubset) =>
      recallAt1(noGrad(() => net.forward(x).dataSync()) as Float32Array, s.n, c.embDim, s.y);

    const pixelR1 = recallAt1(normalisedRows(gallery.x, gallery.n, D), gallery.n, D, gallery.y);
    const T = c.triplets;
    const P = Math.round(1.5 * T); // same number of embeddings per step: 2P = 3T
    const results = {
      pairwise: [] as number[],
      triplet: [] as number[],
      untrained: [] as number[],
      pairwiseSeen: [] as number[],
      tripletSeen: [] as number[],
      untrainedSeen: [] as number[],
    };
    const curve: { step: number; recall: number; loss: string }[] = [];
    const total = c.repeats * 2 * c.steps;
    let progress = 0;
    for (let rep = 0; rep < c.repeats; rep++) {
      const initSeed = ctx.seed * 1000 + rep * 17 + 3;
      const untrained = new Embedder(D, c.hidden, c.embDim, initSeed);
      results.untrained.push(r1(untrained, galleryX, gallery));
      results.untrainedSeen.push(r1(untrained, seenX, seen));
      for (const kind of ['pairwise', 'triplet'] as const) {
        const net = new Embedder(D, c.hidden, c.embDim, initSeed);
        const opt = new Adam(net.parameters(), { lr: c.lr });
        const rng = ctx.makeRng(initSeed + (kind === 'pairwise' ? 1 : 2));
        const rows = kind === 'pairwise' ? 2 * P : 3 * T;
        const xb = new Float32Array(rows * D);
        const idx = new Array<number>(rows);
        const same = new Float32Array(P);
        for (let step = 1; step <= c.steps; step++) {
          if (ctx.signal.aborted) return { summary: { stopped: `rep ${rep}, ${kind}, step ${step}` } };
          if (kind === 'pairwise') {
            for (let i = 0; i < P; i++) {
              const a = rng.int(train.n);
              const cls = train.y[a]!;
              const positive = i % 2 === 0;
              idx[i] = a;
              idx[P + i] = pick(rng, byClass.get(positive ? cls : otherClass(rng, cls))!);
              same[i] = positive ? 1 : 0;
            }
          } else {
            for (let i = 0; i < T; i++) {
              const a = rng.int(train.n);
              const cls = train.y[a]!;
              idx[i] = a;
              idx[T + i] = pick(rng, byClass.get(cls)!);
              idx[2 * T + i] = pick(rng, byClass.get(otherClass(rng, cls))!);
            }
          }
          gatherRows(train.x, D, idx, xb);
          opt.zeroGrad();
          const e = net.forward(tensor(xb, { shape: [rows, D] }));
          const loss =
            kind === 'pairwise'
              ? contrastive(e.narrow(0, 0, P), e.narrow(0, P, P), tensor(same, { shape: [P] }), {
                  margin: c.margin,
                  squared: c.squared,
                })
              : triplet(e.narrow(0, 0, T), e.narrow(0, T, T), e.narrow(0, 2 * T, T), { margin: c.margin });
          loss.backward();
          opt.step();
          if (rep === 0 && (step % c.evalEvery === 0 || step === c.steps)) {
            const r = r1(net, galleryX, gallery);
            curve.push({ step, recall: r, loss: kind });
            ctx.log({ step, [`r1_${kind}`]: r, [`loss_${kind}`]: loss.item() });
          }
          ctx.progress(++progress, total);
          await ctx.tick();
        }
        results[kind].push(r1(net, galleryX, gallery));
        results[kind === 'pairwise' ? 'pairwiseSeen' : 'tripletSeen'].push(r1(net, seenX, seen));
      }
    }

    const m = (xs: number[]) => meanStd(xs);
    const trip = m(results.triplet);
    const pair = m(results.pairwise);
    const untr = m(results.untrained);
    if (c.surveyClaims) {
      ctx.claim('Recall@1 held-out classes 5–9: triplet − pairwise', trip.mean - pair.mean, {
        op: '>=',
        target: 0,
        description: `survey §7: the triplet loss usually beats the pairwise one (triplet ${trip.mean.toFixed(4)}, pairwise ${pair.mean.toFixed(4)}, mean of ${c.repeats})`,
      });
    }
    const tripSeen = m(results.tripletSeen).mean;
    const untrSeen = m(results.untrainedSeen).mean;
    ctx.claim(
      'Recall@1 training classes 0–4 (test images): triplet − untrained network',
      tripSeen - untrSeen,
      {
        op: '>',
        target: 0,
        description: `the triplet training improves retrieval on the classes it was trained on (${tripSeen.toFixed(4)} vs ${untrSeen.toFixed(4)})`,
      },
    );
    ctx.summary('r1_heldout_triplet', trip.mean);
    ctx.summary('r1_heldout_pairwise', pair.mean);
    ctx.summary('r1_heldout_untrained', untr.mean);
    ctx.summary('r1_heldout_pixels', pixelR1);
    ctx.summary('r1_seen_triplet', tripSeen);
    ctx.summary('r1_seen_pairwise', m(results.pairwiseSeen).mean);
    ctx.summary('r1_seen_untrained', untrSeen);

    const bars = [
      { x: 'pixels (no training)', ...spread([pixelR1]) },
      { x: 'untrained MLP', ...spread(results.untrained) },
      { x: 'pairwise (contrastive)', ...spread(results.pairwise) },
      { x: 'triplet', ...spread(results.triplet) },
    ];
    ctx.chart(
      'recall-at-1',
      errorBars({
        data: bars,
        title: `Recall@1 on held-out classes 5–9 (${gallery.n} test images; mean ± std over ${c.repeats})`,
        xTitle: 'embedding',
        yTitle: 'Recall@1',
      }),
    );
    ctx.chart(
      'recall-during-training',
      ctx.charts.lines({
        data: curve,
        x: 'step',
        y: 'recall',
        group: 'loss',
        points: true,
        title: 'Held-out Recall@1 during training (first repeat)',
      }),
    );
    ctx.summary('wall_s', (performance.now() - t0) / 1000);
    return {
      notes: [
        `Held-out Recall@1: triplet ${trip.mean.toFixed(4)} ± ${trip.std.toFixed(4)}, pairwise ${pair.mean.toFixed(4)} ± ${pair.std.toFixed(4)}, untrained network ${untr.mean.toFixed(4)}, raw pixels ${pixelR1.toFixed(4)}${c.surveyClaims ? '' : ' (triplet ≥ pairwise not claimed in this run)'}.`,
        `Each step sees ${3 * T} embeddings: ${T} triplets or ${P} pairs (half positive).`,
        `Recall@1 on the seen classes 0–4: triplet ${tripSeen.toFixed(4)}, pairwise ${m(results.pairwiseSeen).mean.toFixed(4)}, untrained ${untrSeen.toFixed(4)}.`,
      ].join('\n'),
    };
  },
});

function spread(xs: number[]): { y: number; lo: number; hi: number } {
  const { mean, std } = meanStd(xs);
  return { y: mean, lo: mean - std, hi: mean + std };
}
