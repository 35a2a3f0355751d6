/**
 * App. D of Marion et al. (2024): with ReLU and an alternating initialisation, gradient descent
 * converges but the weights do not become smooth. Odd layers receive zero gradient and stay at
 * −1/(2L); even layers converge to w⋆ = 2L(C^{1/L} − 1), so successive weights end Ω(1) apart.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import {
  GradientFlowTrainer,
  reluCounterexampleData,
  reluCounterexampleLimit,
  reluCounterexampleOddValue,
  reluCounterexampleWeights,
} from '../../resnet-ode/index.js';
import { paper } from './common.js';

const configSchema = z
  .object({
    L: z.number().int().positive().default(50).describe('half the depth (the network has 2L layers)'),
    C: z.number().gt(1).default(2).describe('target ratio: the sample is (x, Cx)'),
    x: z.number().positive().default(1).describe('the input'),
    eta: z
      .number()
      .positive()
      .default(5e-4)
      .describe('η of the depth-scaled flow (each weight moves by 2L·η·(−∂ℓ/∂w); 2L·η = 0.05 at L = 50)'),
    steps: z.number().int().positive().default(20_000).describe('GD steps'),
    logEvery: z.number().int().positive().default(100).describe('log every k steps'),
  })
  .strict();

export type ReluCounterexampleConfig = z.output<typeof configSchema>;

export const resnetOdeReluCounterexample = defineExperiment({
  name: 'resnet-ode-relu-counterexample',
  title: 'ReLU counterexample: trained weights stay Ω(1) apart',
  description:
    'The exact 1-D construction of App. D: odd layers stay at −1/(2L), even layers → 2L(C^{1/L} − 1), so max |w_{k+1} − w_k| = Ω(1).',
  paper: paper('App. D (ReLU counterexample): L = 50, x = 1, C = 2, GD with 2L·η = 0.05, 20,000 steps'),
  configSchema,
  presets: {
    quick: { steps: 10_000 },
    full: {},
  },
  metricCharts: [
    { title: 'Loss', keys: ['loss'], logY: true },
    { title: 'Even-layer error |w − w⋆|', keys: ['even_err'], logY: true },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const o = { L: config.L, C: config.C, x: config.x };
    const w = reluCounterexampleWeights(o);
    const init = Array.from(w.W);
    const trainer = new GradientFlowTrainer(w, reluCounterexampleData(o), {
      lr: config.eta,
      loss: 'paper',
      train: { V: false, W: true },
    });
    const wStar = reluCounterexampleLimit(o);
    const odd = reluCounterexampleOddValue(config.L);
    const depth = 2 * config.L;
    const evenErr = () => {
      let e = 0;
      for (let k = 1; k < depth; k += 2) e = Math.max(e, Math.abs(w.W[k]! - wStar));
      return e;
    };
    for (let t = 0; t < config.steps; t++) {
      if (ctx.signal.aborted) return { summary: { stopped_at_step: t } };
      const { loss } = trainer.step();
      if (t % config.logEvery === 0) {
        ctx.log({ step: t, loss, even_err: evenErr() });
        ctx.progress(t, config.steps, { loss });
        await ctx.tick();
      }
    }
    const loss = trainer.loss();
    let oddDev = 0;
    for (let k = 0; k < depth; k += 2) oddDev = Math.max(oddDev, Math.abs(w.W[k]! - odd));
    let maxJump = 0;
    for (let k = 0; k + 1 < depth; k++) maxJump = Math.max(maxJump, Math.abs(w.W[k + 1]! - w.W[k]!));
    const err = evenErr();
    ctx.log({ step: config.steps, loss, even_err: err });
    ctx.claim('max over odd layers |w_k − (−1/(2L))|', oddDev, {
      op: '<=',
      target: 0,
      description: 'odd layers receive exactly zero gradient (ReLU is off on them) and never move',
    });
    ctx.claim('max over even layers |w_k − 2L(C^{1/L} − 1)|', err, {
      op: '<',
      target: 1e-6,
      description: `even layers converge to w⋆ = ${wStar.toFixed(7)} (≥ 2 log C = ${(2 * Math.log(config.C)).toFixed(4)})`,
    });
    ctx.claim('max_k |w_{k+1} − w_k| at the end', maxJump, {
      op: '>=',
      target: 2 * Math.log(config.C),
      description: 'successive weights stay Ω(1) apart: no neural-ODE limit (≥ 2 log C)',
    });
    ctx.claim('final loss', loss, { op: '<', target: 1e-12, description: 'GD reaches the global minimum' });
    const wall = (performance.now() - t0) / 1000;
    ctx.summary('w_star', wStar);
    ctx.summary('even_weight_mean', w.W.filter((_, k) => k % 2 === 1).reduce((a, b) => a + b, 0) / config.L);
    ctx.summary('odd_weight', w.W[0]!);
    ctx.summary('max_successive_jump', maxJump);
    ctx.summary('final_loss', loss);
    ctx.summary('wall_seconds', wall);
    const rows = Array.from({ length: depth }, (_, k) => [
      { layer: k + 1, w: init[k]!, time: 't = 0' },
      { layer: k + 1, w: w.W[k]!, time: `t = ${config.steps}` },
    ]).flat();
    ctx.chart(
      'weights-vs-layer',
      ctx.charts.lines({
        data: rows,
        x: 'layer',
        y: 'w',
        group: 'time',
        points: true,
        logY: false,
        title: `Weights w_k vs layer k (2L = ${depth}): odd layers fixed, even layers → ${wStar.toFixed(4)}`,
        xTitle: 'layer k',
        yTitle: 'w_k',
      }),
    );
    ctx.chart(
      'loss',
      ctx.charts.curves({ data: ctx.metrics(), y: 'loss', logY: true, title: 'Loss (h_{2L} − Cx)²' }),
    );
    return {};
  },
});
