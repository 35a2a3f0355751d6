/**
 * Negative controls for Fig. 1 (left) of Marion et al. (2024): the same depth sweep with i.i.d.
 * initialisation (W_k independent across layers) keeps successive-layer distances O(1) — they do
 * not shrink with L — while the weight-tied and the smooth Gaussian-process initialisations give
 * O(1/L). ReLU with the tied initialisation is run too and reported as measured.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import type { ResNetInit } from '../../resnet-ode/index.js';
import {
  conventionFields,
  type DepthResult,
  depthResultSchema,
  logLogSlope,
  paper,
  syntheticTask,
  trainDepth,
} from './common.js';

const variantSchema = z.enum(['tied-gelu', 'tied-relu', 'gp-gelu', 'iid-gelu', 'iid-relu']);
type Variant = z.output<typeof variantSchema>;

const configSchema = z
  .object({
    n: z.number().int().positive().default(100),
    d: z.number().int().positive().default(16).describe('q = d = d′'),
    m: z.number().int().positive().default(32),
    depths: z.array(z.number().int().positive()).min(2).default([4, 16, 64, 256]).describe('depths L'),
    steps: z.number().int().positive().default(500),
    lr: z.number().positive().default(0.01).describe('η (rate L·η on V_k, W_k)'),
    variants: z
      .array(variantSchema)
      .min(1)
      .default(['tied-gelu', 'tied-relu', 'gp-gelu', 'iid-gelu', 'iid-relu'])
      .describe('initialisation-activation pairs'),
    gpLengthScale: z.number().positive().default(0.1).describe('ℓ of the GP initialisation'),
    ...conventionFields,
    curveEvery: z.number().int().positive().default(10),
  })
  .strict();

export type ResNetControlsConfig = z.output<typeof configSchema>;

function initOf(v: Variant, W0: Float64Array, ell: number): ResNetInit {
  if (v.startsWith('tied')) return { kind: 'tied', W0 };
  if (v.startsWith('gp')) return { kind: 'gp', lengthScale: ell };
  return { kind: 'iid' };
}

const stateSchema = z.object({
  done: z.array(z.object({ variant: variantSchema, result: depthResultSchema })),
});

export const resnetOdeControls = defineExperiment({
  name: 'resnet-ode-controls',
  title: 'Controls: i.i.d. initialisation keeps successive distances O(1)',
  description:
    'Depth sweep for tied/GP/i.i.d. initialisations with GELU or ReLU: i.i.d. weights stay O(1) apart at every depth, tied and GP ones shrink like 1/L.',
  paper: paper(
    'Fig. 1 (left) negative control (spec §7); §4.3 smooth (GP) initialisation; Table 1 tied vs i.i.d.',
  ),
  configSchema,
  presets: {
    quick: { depths: [4, 16, 64], steps: 100 },
    full: {},
  },
  metricCharts: [
    {
      title: 'max successive distance by variant (x = depth L)',
      keys: variantSchema.options.map((v) => `d_max_${v}`),
      logX: true,
      logY: true,
    },
    {
      title: 'seconds per run (x = depth L)',
      keys: variantSchema.options.map((v) => `seconds_${v}`),
      logX: true,
      logY: true,
    },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const task = syntheticTask(ctx.seed, config.n, config.d, config.m);
    const depths = [...new Set(config.depths)].sort((a, b) => a - b);
    const resumed = ctx.resumeState ? stateSchema.safeParse(ctx.resumeState.data) : undefined;
    const done: { variant: Variant; result: DepthResult }[] = resumed?.success ? resumed.data.done : [];
    const sumL = depths.reduce((a, b) => a + b, 0);
    const workTotal = config.variants.length * sumL * config.steps;
    let workDone = done.reduce((a, r) => a + r.result.L * config.steps, 0);
    for (const [vi, variant] of config.variants.entries()) {
      for (const L of depths) {
        if (done.some((r) => r.variant === variant && r.result.L === L)) continue;
        const r = await trainDepth({
          L,
          task,
          activation: variant.endsWith('relu') ? 'relu' : 'gelu',
          scaling: config.scaling,
          loss: config.loss,
          init: initOf(variant, task.W0, config.gpLengthScale),
          initSeed: ctx.seed * 1000 + vi * 100 + L,
          lr: config.lr,
          steps: config.steps,
          curveEvery: config.curveEvery,
          ctx,
          workDone,
          workTotal,
        });
        if (!r) {
          await ctx.checkpoint.save('state', { done });
          return { summary: { runs_done: done.length } };
        }
        done.push({ variant, result: r });
        workDone += L * config.steps;
        ctx.log({ step: L, [`d_max_${variant}`]: r.dMax, [`seconds_${variant}`]: r.seconds });
        ctx.logger.info(
          `${variant} L = ${L}: D_max = ${r.dMax.toExponential(3)} (${r.seconds.toFixed(1)} s)`,
        );
        await ctx.checkpoint.save('state', { done });
      }
    }
    const byVariant = new Map<Variant, DepthResult[]>();
    for (const { variant, result } of done) {
      if (!byVariant.has(variant)) byVariant.set(variant, []);
      byVariant.get(variant)!.push(result);
    }
    const slopes = new Map<Variant, number>();
    for (const [v, rs] of byVariant) {
      rs.sort((a, b) => a.L - b.L);
      slopes.set(
        v,
        logLogSlope(
          rs.map((r) => r.L),
          rs.map((r) => r.dMax),
        ),
      );
      ctx.summary(`slope_${v}`, slopes.get(v)!);
      for (const r of rs) ctx.summary(`d_max_${v}_L${r.L}`, r.dMax);
    }
    const Lmax = depths[depths.length - 1]!;
    const dAt = (v: Variant) => byVariant.get(v)?.find((r) => r.L === Lmax)?.dMax;
    for (const v of ['iid-gelu', 'iid-relu'] as const) {
      const s = slopes.get(v);
      if (s === undefined) continue;
      ctx.claim(`${v}: log-log slope of max_{k,t} ‖ΔZ_k‖ vs L`, s, {
        op: '>',
        target: -0.2,
        description: 'negative control: i.i.d. layers stay O(1) apart whatever the depth (no shrinkage)',
      });
      const tied = dAt('tied-gelu');
      const iid = dAt(v);
      if (tied !== undefined && iid !== undefined)
        ctx.claim(`${v} / tied-gelu distance at L = ${Lmax}`, iid / tied, {
          op: '>=',
          target: 10,
          description: 'i.i.d. weights are far rougher than tied ones at the largest depth',
        });
    }
    const tiedSlope = slopes.get('tied-gelu');
    if (tiedSlope !== undefined)
      ctx.claim('tied-gelu: log-log slope of max_{k,t} ‖ΔZ_k‖ vs L', tiedSlope, {
        op: '<',
        target: -0.8,
        description: 'the tied initialisation stays O(1/L) (Prop. 3)',
      });
    // A GP path with length-scale ℓ is resolved by the grid only once L·ℓ ≳ 1; fit those depths.
    const gp = (byVariant.get('gp-gelu') ?? []).filter((r) => r.L * config.gpLengthScale >= 1);
    if (gp.length >= 2) {
      const gpSlope = logLogSlope(
        gp.map((r) => r.L),
        gp.map((r) => r.dMax),
      );
      ctx.summary('slope_gp-gelu_resolved', gpSlope);
      ctx.claim('gp-gelu: log-log slope of max_{k,t} ‖ΔZ_k‖ vs L (depths with L·ℓ ≥ 1)', gpSlope, {
        op: '<',
        target: -0.8,
        description: `a smooth (Lipschitz) Gaussian-process initialisation, ℓ = ${config.gpLengthScale}, also stays O(1/L) (§4.3)`,
      });
    }
    const wall = (performance.now() - t0) / 1000;
    ctx.summary('wall_seconds', wall);
    const rows = done.map(({ variant, result }) => ({ L: result.L, d_max: result.dMax, variant }));
    ctx.chart(
      'dmax-vs-depth',
      ctx.charts.lines({
        data: rows,
        x: 'L',
        y: 'd_max',
        group: 'variant',
        logX: true,
        logY: true,
        points: true,
        title: `max_{k,t} ‖Z_{k+1} − Z_k‖ vs depth by initialisation and σ (${config.steps} steps)`,
        xTitle: 'depth L',
        yTitle: 'max successive distance',
      }),
    );
    ctx.chart(
      'L-times-dmax',
      ctx.charts.lines({
        data: rows.map((r) => ({ ...r, L_d_max: r.L * r.d_max })),
        x: 'L',
        y: 'L_d_max',
        group: 'variant',
        logX: true,
        logY: true,
        points: true,
        title: 'L · max successive distance (flat ⇔ O(1/L); growing like L ⇔ O(1))',
        xTitle: 'depth L',
      }),
    );
    return {
      notes: [
        `Slopes: ${[...slopes].map(([v, s]) => `${v}: ${s.toFixed(3)}`).join(', ')}.`,
        'tied-relu is reported, not claimed: with the tied initialisation every layer starts identical and the ReLU',
        'network keeps nearly 1/L smoothness over this horizon; the App. D counterexample needs an alternating init.',
        `Wall time ${wall.toFixed(1)} s.`,
      ].join('\n'),
    };
  },
});
