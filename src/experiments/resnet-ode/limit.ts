/**
 * Fig. 1 (right) of Marion et al. (2024): the weights of depth-L networks, trained from the tied
 * initialisation, converge as L → ∞ to a limit 𝒵(s, t) (Theorem 4). All depths and a much deeper
 * reference are trained in lockstep on the same data and W₀; at each logged iteration t the
 * distance ‖𝒵^L(·, t) − 𝒵^ref(·, t)‖_{L²[0,1]} is recorded (a heatmap over t × L). With an O(1/L)
 * rate, dist(L)/dist(2L) ≈ 2 (for L well below the reference depth).
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import {
  distanceToReference,
  GradientFlowTrainer,
  initWeights,
  type ReferenceDistance,
} from '../../resnet-ode/index.js';
import { conventionFields, logLogSlope, paper, syntheticTask } from './common.js';

const configSchema = z
  .object({
    n: z.number().int().positive().default(100).describe('training samples'),
    d: z.number().int().positive().default(16).describe('q = d = d′'),
    m: z.number().int().positive().default(32).describe('residual width'),
    depths: z
      .array(z.number().int().positive())
      .min(2)
      .default([2, 4, 8, 16, 32, 64, 128, 256, 512])
      .describe('depths compared with the reference'),
    refDepth: z.number().int().positive().default(4096).describe('depth of the reference network'),
    steps: z.number().int().positive().default(100).describe('GD steps'),
    lr: z.number().positive().default(0.01).describe('η (rate L·η on V_k, W_k)'),
    evalEvery: z.number().int().positive().default(10).describe('distance logged every k steps'),
    distance: z
      .enum(['sampled', 'integral'])
      .default('sampled')
      .describe(
        "'sampled': layer i vs reference layer ⌊i·L_ref/L⌋ (code); 'integral': exact L² of the piecewise-constant 𝒵^L(s) (paper)",
      ),
    activation: z.enum(['gelu', 'relu', 'tanh', 'identity']).default('gelu'),
    ...conventionFields,
    ratioBand: z
      .tuple([z.number(), z.number()])
      .default([1.8, 2.2])
      .describe('claimed range of dist(L)/dist(2L) for 2L ≤ L_ref/8'),
  })
  .strict();

export type ResNetLimitConfig = z.output<typeof configSchema>;

export const resnetOdeLimit = defineExperiment({
  name: 'resnet-ode-limit',
  title: 'Convergence of trained weights to the large-depth limit',
  description:
    'Depths 2…512 and a reference L = 4096 trained in lockstep from the tied init: ‖𝒵^L(·,t) − 𝒵^ref(·,t)‖ over (t, L); dist(L)/dist(2L) ≈ 2.',
  paper: paper(
    'Fig. 1 (right), Thm. 4: n = 100, d = 16, m = 32, lr L·10⁻²; reference L = 4096 (paper 2¹⁴), 100 steps (code 50, paper 500)',
  ),
  configSchema,
  presets: {
    quick: { depths: [2, 4, 8, 16], refDepth: 128, steps: 50 },
    full: {},
  },
  metricCharts: [
    { title: 'distance to the reference (largest compared depth)', keys: ['dist_max_depth'], logY: 'auto' },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const task = syntheticTask(ctx.seed, config.n, config.d, config.m);
    const depths = [...new Set(config.depths)].sort((a, b) => a - b);
    if (depths[depths.length - 1]! >= config.refDepth)
      throw new Error(`resnet-ode-limit: refDepth (${config.refDepth}) must exceed every compared depth`);
    const make = (L: number) => {
      const w = initWeights(
        {
          depth: L,
          inputDim: config.d,
          width: config.m,
          activation: config.activation,
          scaling: config.scaling,
        },
        { init: { kind: 'tied', W0: task.W0 } },
      );
      return new GradientFlowTrainer(
        w,
        { X: task.X, Y: task.Y, n: task.n },
        { lr: config.lr, loss: config.loss },
      );
    };
    const ref = make(config.refDepth);
    const nets = depths.map(make);
    const heat: { t: number; L: number; dist: number; v: number; w: number }[] = [];
    const lastDist = new Map<number, ReferenceDistance>();
    const losses: { step: number; L: string; loss: number }[] = [];
    const record = (t: number) => {
      nets.forEach((tr, i) => {
        const dd = distanceToReference(tr.weights, ref.weights, config.distance);
        heat.push({ t, L: depths[i]!, dist: dd.z, v: dd.v, w: dd.w });
        lastDist.set(depths[i]!, dd);
      });
      const last = lastDist.get(depths[depths.length - 1]!)!;
      ctx.log({ step: t, dist_max_depth: last.z });
    };
    record(0);
    const work = config.refDepth + depths.reduce((a, b) => a + b, 0);
    for (let t = 0; t < config.steps; t++) {
      if (ctx.signal.aborted) {
        ctx.logger.info(`interrupted at step ${t}`);
        return { summary: { stopped_at_step: t } };
      }
      const refLoss = ref.step().loss;
      if (t % config.evalEvery === 0) losses.push({ step: t, L: `ref ${config.refDepth}`, loss: refLoss });
      nets.forEach((tr, i) => {
        const l = tr.step().loss;
        if (t % config.evalEvery === 0)
          losses.push({ step: t, L: `L = ${String(depths[i]).padStart(4)}`, loss: l });
      });
      if ((t + 1) % config.evalEvery === 0 || t + 1 === config.steps) record(t + 1);
      ctx.progress((t + 1) * work, config.steps * work, { loss: refLoss });
      await ctx.tick();
    }
    // Ratios at the final time for pairs (L, 2L) with 2L ≤ L_ref/8.
    const ratios: { L: number; ratio: number }[] = [];
    for (const L of depths) {
      const a = lastDist.get(L);
      const b = lastDist.get(2 * L);
      if (a && b && 2 * L <= config.refDepth / 8) ratios.push({ L, ratio: a.z / b.z });
    }
    if (ratios.length === 0)
      throw new Error('resnet-ode-limit: no pair (L, 2L) with 2L ≤ refDepth/8 among the depths');
    const rmin = Math.min(...ratios.map((r) => r.ratio));
    const rmax = Math.max(...ratios.map((r) => r.ratio));
    ctx.claim('min over L of dist(L)/dist(2L) at the final step', rmin, {
      op: '>=',
      target: config.ratioBand[0],
      description: `O(1/L) convergence to the limit (Thm. 4); pairs with 2L ≤ L_ref/8 = ${config.refDepth / 8}`,
    });
    ctx.claim('max over L of dist(L)/dist(2L) at the final step', rmax, {
      op: '<=',
      target: config.ratioBand[1],
      description: 'the reference’s own O(1/L_ref) error inflates ratios as L approaches L_ref',
    });
    const finalDists = depths.map((L) => lastDist.get(L)!.z);
    const slope = logLogSlope(depths, finalDists);
    const wall = (performance.now() - t0) / 1000;
    ctx.summary('slope_dist_vs_L', slope);
    ctx.summary('ratio_min', rmin);
    ctx.summary('ratio_max', rmax);
    for (const L of depths) {
      const dd = lastDist.get(L)!;
      ctx.summary(`L_dist_V_L${L}`, L * dd.v);
      ctx.summary(`L_dist_W_L${L}`, L * dd.w);
    }
    ctx.summary('ref_loss_end', ref.loss());
    ctx.summary('wall_seconds', wall);

    ctx.chart(
      'distance-heatmap',
      ctx.charts.heatmap({
        data: heat
          .filter((h) => h.dist > 0)
          .map((h) => ({ t: h.t, L: String(h.L), log10_dist: Math.log10(h.dist) })),
        x: 't',
        y: 'L',
        value: 'log10_dist',
        title: `log₁₀ ‖𝒵^L(·,t) − 𝒵^ref(·,t)‖ (reference L = ${config.refDepth})`,
        xTitle: 'training iteration t',
        yTitle: 'depth L',
      }),
    );
    ctx.chart(
      'distance-vs-depth',
      ctx.charts.lines({
        data: depths.flatMap((L) => {
          const dd = lastDist.get(L)!;
          return [
            { L, value: dd.z, part: 'Z = (V, W)' },
            { L, value: dd.v, part: 'V' },
            { L, value: dd.w, part: 'W' },
          ];
        }),
        x: 'L',
        y: 'value',
        group: 'part',
        logX: true,
        logY: true,
        points: true,
        title: `Distance to the reference at t = ${config.steps} (slope ${slope.toFixed(3)})`,
        xTitle: 'depth L',
        yTitle: 'L² distance in depth',
      }),
    );
    ctx.chart(
      'loss',
      ctx.charts.lines({
        data: losses,
        x: 'step',
        y: 'loss',
        group: 'L',
        title: 'Training loss',
        logY: true,
      }),
    );
    return {
      notes: [
        `dist(L)/dist(2L) at t = ${config.steps}: ${ratios.map((r) => `${r.L}: ${r.ratio.toFixed(3)}`).join(', ')}`,
        `L·dist_V: ${depths.map((L) => `${L}: ${(L * lastDist.get(L)!.v).toFixed(3)}`).join(', ')}`,
        `Wall time ${wall.toFixed(1)} s (reference L = ${config.refDepth}, ${config.steps} steps).`,
      ].join('\n'),
    };
  },
});
