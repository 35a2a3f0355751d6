/**
 * Fig. 1 (left) of Marion et al. (2024): a residual MLP initialised weight-tied (a discretisation
 * of dH/ds = 0) and trained by gradient descent on the depth-scaled flow keeps its weights
 * smooth across depth: the largest successive-layer distance over training, max_{k,t≤T}
 * ‖Z_{k+1}(t) − Z_k(t)‖, scales like 1/L (Proposition 3). The authors' code plots a root-sum-square
 * over layers and times instead, which scales like L^{−1/2}; both are measured.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import {
  conventionFields,
  type DepthResult,
  depthResultSchema,
  linearFit,
  logLogSlope,
  paper,
  syntheticTask,
  trainDepth,
} from './common.js';

const configSchema = z
  .object({
    n: z.number().int().positive().default(100).describe('training samples'),
    d: z.number().int().positive().default(16).describe('input = hidden = output dimension (q = d = d′)'),
    m: z.number().int().positive().default(32).describe('width of the residual MLPs'),
    depths: z
      .array(z.number().int().positive())
      .min(2)
      .default([2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
      .describe('depths L of the sweep'),
    steps: z.number().int().positive().default(500).describe('full-batch GD steps (T)'),
    lr: z.number().positive().default(0.01).describe('η: residual weights use the rate L·η'),
    activation: z.enum(['gelu', 'relu', 'tanh', 'identity']).default('gelu').describe('σ'),
    ...conventionFields,
    curveEvery: z.number().int().positive().default(5).describe('keep every k-th point of the D(t) curves'),
    slopeTolerance: z.number().positive().default(0.1).describe('claimed |slope + 1| for the paper metric'),
  })
  .strict();

export type ResNetDepthConfig = z.output<typeof configSchema>;

const stateSchema = z.object({ done: z.array(depthResultSchema) });

export const resnetOdeDepth = defineExperiment({
  name: 'resnet-ode-depth',
  title: 'ResNets stay neural ODEs: successive-layer distance vs depth',
  description:
    'Weight-tied init + GELU, GD with rate L·η: max_{k,t} ‖Z_{k+1}−Z_k‖ ∝ 1/L (paper metric) and the code’s rss metric ∝ L^{-1/2}.',
  paper: paper(
    'Fig. 1 (left), Prop. 3: n = 100, d = 16, m = 32, GELU, lr L·10⁻², 500 steps, depths 2…1024 (App. E, code conventions)',
  ),
  configSchema,
  presets: {
    quick: { depths: [4, 8, 16, 32, 64], steps: 100 },
    full: {},
  },
  metricCharts: [
    { title: 'max successive distance (x = depth L)', keys: ['d_max'], logX: true, logY: true },
    { title: 'code rss metric (x = depth L)', keys: ['rss'], logX: true, logY: true },
    {
      title: 'L · D_max and √L · rss (x = depth L)',
      keys: ['L_d_max', 'sqrtL_rss'],
      logX: true,
      logY: 'auto',
    },
    { title: 'final loss (x = depth L)', keys: ['loss_end'], logX: true, logY: false },
    { title: 'seconds per depth (x = depth L)', keys: ['seconds'], logX: true, logY: true },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const task = syntheticTask(ctx.seed, config.n, config.d, config.m);
    const depths = [...config.depths].sort((a, b) => a - b);
    const resumed = ctx.resumeState ? stateSchema.safeParse(ctx.resumeState.data) : undefined;
    const done: DepthResult[] = resumed?.success ? resumed.data.done : [];
    const workTotal = depths.reduce((a, L) => a + L * config.steps, 0);
    let workDone = done.reduce((a, r) => a + r.L * config.steps, 0);
    for (const L of depths) {
      if (done.some((r) => r.L === L)) continue;
      const r = await trainDepth({
        L,
        task,
        activation: config.activation,
        scaling: config.scaling,
        loss: config.loss,
        init: { kind: 'tied', W0: task.W0 },
        initSeed: ctx.seed,
        lr: config.lr,
        steps: config.steps,
        curveEvery: config.curveEvery,
        ctx,
        workDone,
        workTotal,
      });
      if (!r) {
        await ctx.checkpoint.save('state', { done });
        ctx.logger.info(`interrupted; ${done.length} depths done and checkpointed`);
        return { summary: { depths_done: done.length } };
      }
      done.push(r);
      workDone += L * config.steps;
      ctx.log({
        step: L,
        d_max: r.dMax,
        rss: r.rss,
        L_d_max: L * r.dMax,
        sqrtL_rss: Math.sqrt(L) * r.rss,
        loss_end: r.lossEnd,
        seconds: r.seconds,
      });
      ctx.logger.info(
        `L = ${L}: D_max = ${r.dMax.toExponential(3)}, L·D_max = ${(L * r.dMax).toFixed(3)}, rss = ${r.rss.toFixed(3)}, loss ${r.lossStart.toFixed(3)} → ${r.lossEnd.toFixed(3)} (${r.seconds.toFixed(1)} s)`,
      );
      await ctx.checkpoint.save('state', { done });
    }
    done.sort((a, b) => a.L - b.L);
    const Ls = done.map((r) => r.L);
    const slope = logLogSlope(
      Ls,
      done.map((r) => r.dMax),
    );
    const rssSlope = logLogSlope(
      Ls,
      done.map((r) => r.rss),
    );
    const LD = done.map((r) => r.L * r.dMax);
    const spread = Math.max(...LD) / Math.min(...LD);
    const tol = config.slopeTolerance;
    ctx.claim('log-log slope of max_{k,t} ‖Z_{k+1}−Z_k‖ vs L (paper metric)', slope, {
      op: 'in',
      target: [-1 - tol, -1 + tol],
      description: 'Prop. 3: successive distances are K/L; paper Fig. 1 left shows slope −1',
    });
    ctx.claim('log-log slope of the code’s rss metric vs L', rssSlope, {
      op: 'in',
      target: [-0.6, -0.4],
      description: 'the authors’ code plots √(Σ_t Σ_k ‖ΔV_k‖²) (max with W), which scales as L^{−1/2}',
    });
    ctx.claim('max/min over depths of L·D_max', spread, {
      op: '<=',
      target: 1.5,
      description: 'L·D_max roughly constant (the K of Prop. 3 does not depend on L)',
    });
    const wall = (performance.now() - t0) / 1000;
    ctx.summary('slope_paper_metric', slope);
    ctx.summary('slope_code_rss', rssSlope);
    ctx.summary('L_dmax_min', Math.min(...LD));
    ctx.summary('L_dmax_max', Math.max(...LD));
    for (const r of done) {
      ctx.summary(`d_max_L${r.L}`, r.dMax);
      ctx.summary(`loss_end_L${r.L}`, r.lossEnd);
      ctx.summary(`seconds_L${r.L}`, r.seconds);
    }
    ctx.summary('wall_seconds', wall);

    // Charts: the sweep with its fitted line, the rss metric, and D(t) curves.
    const fit = linearFit(
      Ls.map(Math.log),
      done.map((r) => Math.log(r.dMax)),
    );
    const rows = done.flatMap((r) => [
      { L: r.L, value: r.dMax, series: 'max_{k,t} ‖ΔZ‖ (paper)' },
      {
        L: r.L,
        value: Math.exp(fit.intercept + fit.slope * Math.log(r.L)),
        series: `fit: slope ${slope.toFixed(3)}`,
      },
    ]);
    ctx.chart(
      'dmax-vs-depth',
      ctx.charts.lines({
        data: rows,
        x: 'L',
        y: 'value',
        group: 'series',
        logX: true,
        logY: true,
        points: true,
        title: `Max successive-layer distance vs depth (slope ${slope.toFixed(3)}; ${config.steps} steps)`,
        xTitle: 'depth L',
        yTitle: 'max_{k,t} ‖Z_{k+1} − Z_k‖',
      }),
    );
    ctx.chart(
      'rss-vs-depth',
      ctx.charts.lines({
        data: done.map((r) => ({ L: r.L, rss: r.rss })),
        x: 'L',
        y: 'rss',
        logX: true,
        logY: true,
        points: true,
        title: `Code metric √(Σ_t Σ_k ‖ΔV_k‖²) vs depth (slope ${rssSlope.toFixed(3)})`,
        xTitle: 'depth L',
      }),
    );
    ctx.chart(
      'distance-over-training',
      ctx.charts.lines({
        data: done.flatMap((r) =>
          r.curve.map(([step, d]) => ({ step, d, L: `L = ${String(r.L).padStart(4)}` })),
        ),
        x: 'step',
        y: 'd',
        group: 'L',
        logY: true,
        title: 'max_k ‖Z_{k+1}(t) − Z_k(t)‖ along training',
        yTitle: 'max_k ‖ΔZ_k‖',
      }),
    );
    return {
      notes: [
        `Conventions: scaling '${config.scaling}', loss '${config.loss}', lr = L·${config.lr} on V_k, W_k (A, B fixed), data and W₀ shared by all depths.`,
        `L·D_max: ${done.map((r) => `${r.L}: ${(r.L * r.dMax).toFixed(3)}`).join(', ')}`,
        `Seconds per depth: ${done.map((r) => `${r.L}: ${r.seconds.toFixed(1)}`).join(', ')}; total ${wall.toFixed(1)} s.`,
      ].join('\n'),
    };
  },
});
