/**
 * Fig. 2 of Marion et al. (2024): long training of a depth-64 residual MLP from the tied
 * initialisation. The loss converges to 0 at a linear rate (Theorem 6, under the local PL
 * condition of Proposition 5, m ≳ n) while the weights stay smooth functions of the layer index.
 * The PL ratio (‖∂A‖² + L Σ‖∂Z_k‖² + ‖∂B‖²)/ℓ is the instantaneous rate of the flow
 * (dℓ/dt = −ratio·ℓ), so the fitted log-loss slope of the tail should match −η·ratio.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import {
  featureSingularValues,
  GradientFlowTrainer,
  initWeights,
  maxSuccessiveDistance,
  plRatio,
} from '../../resnet-ode/index.js';
import { conventionFields, linearFit, paper, syntheticTask } from './common.js';

const configSchema = z
  .object({
    n: z.number().int().positive().default(50).describe('training samples'),
    d: z.number().int().positive().default(16).describe('q = d = d′'),
    m: z.number().int().positive().default(64).describe('residual width (m ≥ n for the PL condition)'),
    L: z.number().int().positive().default(64).describe('depth'),
    lr: z.number().positive().default(5e-3).describe('η: the residual weights use 5L·10⁻³ (paper)'),
    steps: z.number().int().positive().default(80_000).describe('GD steps (paper 80,000; code 10,000)'),
    logEvery: z.number().int().positive().default(50).describe('log loss and PL ratio every k steps'),
    snapshots: z
      .array(z.number().int().nonnegative())
      .default([0, 1000, 5000, 20_000, 80_000])
      .describe('steps at which V_k[i,j], W_k[i,j] vs k are recorded (clipped to steps)'),
    entry: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).default([0, 0]),
    decadesWithin: z.number().int().positive().default(20_000).describe('horizon of the loss-decrease claim'),
    decadesTarget: z
      .number()
      .positive()
      .default(3)
      .describe('claimed decades of loss decrease within the horizon'),
    tailFraction: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.25)
      .describe('fraction of the run fitted as the linear-rate tail'),
    svdEvery: z.number().int().positive().default(5000).describe('feature σ_min computed every k steps'),
    ...conventionFields,
  })
  .strict();

export type ResNetLongConfig = z.output<typeof configSchema>;

const stateSchema = z.object({
  step: z.number().int(),
  V: z.array(z.number()),
  W: z.number().array(),
  curves: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])),
  snaps: z.array(z.object({ step: z.number(), v: z.array(z.number()), w: z.array(z.number()) })),
  svd: z.array(z.tuple([z.number(), z.number()])),
  seconds: z.number(),
});
type State = z.output<typeof stateSchema>;

export const resnetOdeLong = defineExperiment({
  name: 'resnet-ode-long',
  title: 'Long training: linear convergence with smooth weights',
  description:
    'n = 50, d = 16, m = 64, L = 64, lr 5L·10⁻³: loss falls to ~0 at a linear rate, the PL ratio stays away from 0 and the weights stay smooth in k.',
  paper: paper('Fig. 2, Thm. 6 / Prop. 5: n = 50, d = 16, m = 64, L = 64, lr 5L·10⁻³, 80,000 steps'),
  configSchema,
  presets: {
    quick: {
      steps: 1500,
      snapshots: [0, 150, 500, 1500],
      decadesWithin: 1500,
      decadesTarget: 0.5,
      svdEvery: 500,
    },
    full: {},
  },
  metricCharts: [
    { title: 'Loss', keys: ['loss'], logY: true },
    { title: 'PL ratio (‖∂A‖² + LΣ‖∂Z_k‖² + ‖∂B‖²)/ℓ', keys: ['pl_ratio'], logY: 'auto' },
    { title: 'L · max_k ‖Z_{k+1} − Z_k‖', keys: ['L_d'], logY: 'auto' },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const { L, d, m, n } = config;
    const task = syntheticTask(ctx.seed, n, d, m);
    const w = initWeights(
      { depth: L, inputDim: d, width: m, scaling: config.scaling },
      { init: { kind: 'tied', W0: task.W0 } },
    );
    const trainer = new GradientFlowTrainer(
      w,
      { X: task.X, Y: task.Y, n },
      { lr: config.lr, loss: config.loss },
    );
    const qm = d * m;
    const [ei, ej] = config.entry;
    if (ei >= d || ej >= m)
      throw new Error(`resnet-ode-long: entry (${ei}, ${ej}) outside V_k ∈ R^{${d}×${m}}`);
    // V_k[i, j] (q×m) and W_k[j, i] (m×q): the same index pair for both.
    const entryOf = () => ({
      v: Array.from({ length: L }, (_, k) => w.V[k * qm + ei * m + ej]!),
      w: Array.from({ length: L }, (_, k) => w.W[k * qm + ej * d + ei]!),
    });
    const snapSteps = new Set(config.snapshots.map((s) => Math.min(s, config.steps)));
    let state: State = { step: 0, V: [], W: [], curves: [], snaps: [], svd: [], seconds: 0 };
    const resumed = ctx.resumeState ? stateSchema.safeParse(ctx.resumeState.data) : undefined;
    if (resumed?.success) {
      state = resumed.data;
      w.V.set(state.V);
      w.W.set(state.W);
      ctx.logger.info(`resumed at step ${state.step}`);
    }
    const elapsed = () => state.seconds + (performance.now() - t0) / 1000;
    const save = async (step: number) => {
      state.step = step;
      state.V = Array.from(w.V);
      state.W = Array.from(w.W);
      const snapshot = { ...state, seconds: elapsed() };
      await ctx.checkpoint.save('state', snapshot, { step });
    };
    const recordSvd = (step: number) => {
      const s = featureSingularValues(w, task.X);
      state.svd.push([step, Math.min(...s)]);
    };
    for (let t = state.step; t <= config.steps; t++) {
      if (snapSteps.has(t) && !state.snaps.some((s) => s.step === t))
        state.snaps.push({ step: t, ...entryOf() });
      if (t % config.svdEvery === 0 || t === config.steps) recordSvd(t);
      const logNow = t % config.logEvery === 0 || t === config.steps;
      if (t === config.steps) {
        const info = trainer.evaluate();
        state.curves.push([t, info.loss, plRatio(info, L), L * maxSuccessiveDistance(w)]);
        break;
      }
      if (ctx.signal.aborted) {
        await save(t);
        ctx.logger.info(`interrupted at step ${t}; checkpoint saved`);
        return { summary: { stopped_at_step: t } };
      }
      const info = trainer.step();
      if (logNow) {
        const pl = plRatio(info, L);
        const Ld = L * maxSuccessiveDistance(w);
        state.curves.push([t, info.loss, pl, Ld]);
        ctx.log({ step: t, loss: info.loss, pl_ratio: pl, L_d: Ld });
        ctx.progress(t, config.steps, { loss: info.loss });
      }
      if (t > 0 && t % 20_000 === 0) await save(t + 1);
      await ctx.tick();
    }
    const curves = state.curves;
    const loss0 = curves[0]![1];
    const lossEnd = curves[curves.length - 1]![1];
    const within = curves.filter((c) => c[0] <= config.decadesWithin);
    const lossAtHorizon = within[within.length - 1]![1];
    const decades = Math.log10(loss0 / lossAtHorizon);
    const tailStart = config.steps * (1 - config.tailFraction);
    const tail = curves.filter((c) => c[0] >= tailStart);
    const fit = linearFit(
      tail.map((c) => c[0]),
      tail.map((c) => Math.log(c[1])),
    );
    const plTail = tail.reduce((a, c) => a + c[2], 0) / tail.length;
    const plMin = Math.min(...curves.map((c) => c[2]));
    const predictedRate = -config.lr * plTail;
    ctx.claim(`decades of loss decrease within ${config.decadesWithin} steps`, decades, {
      op: '>=',
      target: config.decadesTarget,
      description: `loss ${loss0.toExponential(3)} → ${lossAtHorizon.toExponential(3)} (paper Fig. 2: ~0 by 80k steps)`,
    });
    ctx.claim('R² of the linear fit of log-loss on the tail', fit.r2, {
      op: '>=',
      target: 0.98,
      description: `linear convergence (Thm. 6) over the last ${Math.round(config.tailFraction * 100)} % of steps; slope ${fit.slope.toExponential(3)} per step`,
    });
    ctx.claim('tail slope of log-loss / (−η · mean PL ratio)', fit.slope / predictedRate, {
      op: 'in',
      target: [0.8, 1.25],
      description: 'under the flow dℓ/dt = −(PL ratio)·ℓ: the measured rate matches the PL ratio',
    });
    // A linear rate keeps the PL ratio from decaying in the second half; ℓ ∝ 1/t would give ratio 0.5.
    const mid = curves.reduce((best, c) =>
      Math.abs(c[0] - config.steps / 2) < Math.abs(best[0] - config.steps / 2) ? c : best,
    );
    const plSecondHalfMin = Math.min(...curves.filter((c) => c[0] >= mid[0]).map((c) => c[2]));
    ctx.claim('min_{t ≥ T/2} PL ratio / PL ratio at T/2', plSecondHalfMin / mid[2], {
      op: '>',
      target: 0.5,
      description: `the PL ratio stays bounded away from 0 (min over the run ${plMin.toExponential(3)}, at t = 0 ${curves[0]![2].toExponential(3)}); a sublinear ℓ ∝ 1/t would give ≤ 0.5`,
    });
    const wall = elapsed();
    ctx.summary('loss_start', loss0);
    ctx.summary('loss_end', lossEnd);
    ctx.summary(`loss_at_${config.decadesWithin}`, lossAtHorizon);
    ctx.summary('tail_log_loss_slope_per_1000', 1000 * fit.slope);
    ctx.summary('pl_ratio_start', curves[0]![2]);
    ctx.summary('pl_ratio_min', plMin);
    ctx.summary('pl_ratio_tail_mean', plTail);
    ctx.summary('L_dmax_end', curves[curves.length - 1]![3]);
    ctx.summary('feature_sigma_min_start', state.svd[0]?.[1] ?? Number.NaN);
    ctx.summary('feature_sigma_min_end', state.svd[state.svd.length - 1]?.[1] ?? Number.NaN);
    ctx.summary('seconds_per_step', wall / config.steps);
    ctx.summary('wall_seconds', wall);
    const snaps = state.snaps.sort((a, b) => a.step - b.step);
    for (const part of ['v', 'w'] as const) {
      ctx.chart(
        `entry-${part}-vs-layer`,
        ctx.charts.lines({
          data: snaps.flatMap((s) =>
            s[part].map((value, k) => ({ k: k + 1, value, t: `t = ${String(s.step).padStart(5)}` })),
          ),
          x: 'k',
          y: 'value',
          group: 't',
          logY: false,
          title: `${part === 'v' ? `V_k[${ei},${ej}]` : `W_k[${ej},${ei}]`} vs layer k at several training times`,
          xTitle: 'layer k',
          yTitle: part === 'v' ? 'V entry' : 'W entry',
        }),
      );
    }
    ctx.chart(
      'loss',
      ctx.charts.lines({
        data: curves.map((c) => ({ step: c[0], loss: c[1] })),
        x: 'step',
        y: 'loss',
        logY: true,
        title: `Training loss (tail rate ${(1000 * fit.slope).toFixed(3)} per 1000 steps)`,
      }),
    );
    ctx.chart(
      'pl-ratio',
      ctx.charts.lines({
        data: curves.map((c) => ({ step: c[0], pl: c[2] })),
        x: 'step',
        y: 'pl',
        title: 'PL ratio L·Σ_k‖∂ℓ/∂Z_k‖²/ℓ along training',
      }),
    );
    ctx.chart(
      'feature-sigma-min',
      ctx.charts.lines({
        data: state.svd.map(([step, s]) => ({ step, sigma_min: s })),
        x: 'step',
        y: 'sigma_min',
        points: true,
        title: `min_k σ_min(σ(H_k W_kᵀ)) (Prop. 5 lower-bounds it by ¼√m·η_r(σ); √m = ${Math.sqrt(m).toFixed(1)})`,
      }),
    );
    return {
      notes: `Wall time ${wall.toFixed(1)} s (${((1000 * wall) / config.steps).toFixed(2)} ms/step). Conventions: scaling '${config.scaling}', loss '${config.loss}'.`,
    };
  },
});
