/**
 * Proposition 2 of Marion et al. (2024): a residual network whose weights sample Lipschitz
 * functions, V_k = 𝒱(k/L) and W_k = 𝒲(k/L), is the explicit-Euler discretisation of the neural
 * ODE dH/ds = c_m 𝒱(s) σ(c_q 𝒲(s) H), so sup_x ‖F^L(x) − F(x)‖ ≤ C/L. F is computed with an
 * adaptive Dopri5 solve (nabla/diffeq) at tight tolerance; L·error should be constant as L doubles.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import { randn, randomKey, splitKey } from '../../random/index.js';
import {
  embeddingA,
  forwardError,
  initWeights,
  neuralOdeLimit,
  projectionB,
  randomSmoothFunctions,
  resolveSpec,
} from '../../resnet-ode/index.js';
import { logLogSlope, paper } from './common.js';

const configSchema = z
  .object({
    n: z.number().int().positive().default(64).describe('test inputs x ~ N(0, I)'),
    d: z.number().int().positive().default(8).describe('q = d = d′'),
    m: z.number().int().positive().default(16).describe('residual width'),
    depths: z
      .array(z.number().int().positive())
      .min(3)
      .default([8, 16, 32, 64, 128, 256, 512, 1024])
      .describe('depths L'),
    modes: z
      .number()
      .int()
      .nonnegative()
      .default(3)
      .describe('cosine modes of the random smooth weight functions'),
    vScale: z.number().positive().default(1).describe('scale of 𝒱'),
    wScale: z.number().positive().default(1).describe('scale of 𝒲'),
    activation: z.enum(['gelu', 'relu', 'tanh', 'identity']).default('gelu'),
    scaling: z.enum(['paper', 'code']).default('paper').describe("'paper': 1/√m, 1/√q factors; 'code': none"),
    grid: z
      .enum(['right', 'left'])
      .default('right')
      .describe("'right': V_k = 𝒱(k/L), k = 1..L (Prop. 2); 'left': 𝒱((k−1)/L) (explicit Euler)"),
    rtol: z.number().positive().default(1e-10).describe('tolerance of the adaptive solve of the limit'),
    minDepthForClaims: z.number().int().positive().default(32).describe('claims use depths ≥ this'),
  })
  .strict();

export type EulerConsistencyConfig = z.output<typeof configSchema>;

export const resnetOdeEulerConsistency = defineExperiment({
  name: 'resnet-ode-euler-consistency',
  title: 'Euler consistency: ‖F^L − F‖ = O(1/L)',
  description:
    'Weights sampled from fixed smooth functions of depth: the forward error against an adaptive Dopri5 solve of the neural ODE times L is constant as L doubles (Prop. 2).',
  paper: paper('Prop. 2 (Euler consistency of the residual network with its neural-ODE limit)'),
  configSchema,
  presets: {
    quick: { depths: [8, 16, 32, 64, 128], n: 32 },
    full: {},
  },
  metricCharts: [
    { title: 'sup_x and RMS ‖F^L − F‖ (x = depth L)', keys: ['err', 'rms'], logX: true, logY: true },
    { title: 'L · sup_x ‖F^L − F‖ (x = depth L)', keys: ['L_err'], logX: true, logY: false },
  ],
  async run(config, ctx) {
    const t0 = performance.now();
    const spec = resolveSpec({
      depth: 1,
      inputDim: config.d,
      width: config.m,
      activation: config.activation,
      scaling: config.scaling,
    });
    const [kf, kx] = splitKey(randomKey(ctx.seed), 2);
    const fns = randomSmoothFunctions(spec, {
      key: kf!,
      modes: config.modes,
      vScale: config.vScale,
      wScale: config.wScale,
    });
    const X = randn([config.n * config.d], { dtype: 'float64', key: kx! })._contiguousData() as Float64Array;
    const A = embeddingA(config.d, config.d);
    const B = projectionB(config.d, config.d);
    const tl = performance.now();
    const limit = neuralOdeLimit(spec, fns, A, B, X, { rtol: config.rtol, atol: config.rtol * 1e-2 });
    const limitSeconds = (performance.now() - tl) / 1000;
    const depths = [...new Set(config.depths)].sort((a, b) => a - b);
    const rows: { L: number; err: number; rms: number }[] = [];
    for (const [i, L] of depths.entries()) {
      if (ctx.signal.aborted) return { summary: { depths_done: rows.length } };
      const w = initWeights({ ...spec, depth: L }, { init: { kind: 'functions', fns, grid: config.grid } });
      const e = forwardError(w, X, limit.out);
      rows.push({ L, err: e.max, rms: e.rms });
      ctx.log({ step: L, err: e.max, rms: e.rms, L_err: L * e.max });
      ctx.progress(i + 1, depths.length);
      await ctx.tick();
    }
    const big = rows.filter((r) => r.L >= config.minDepthForClaims);
    if (big.length < 2) throw new Error('resnet-ode-euler-consistency: need ≥ 2 depths ≥ minDepthForClaims');
    const slope = logLogSlope(
      big.map((r) => r.L),
      big.map((r) => r.err),
    );
    const LE = big.map((r) => r.L * r.err);
    const spread = Math.max(...LE) / Math.min(...LE);
    const ratios: number[] = [];
    for (const r of big) {
      const next = big.find((s) => s.L === 2 * r.L);
      if (next) ratios.push(r.err / next.err);
    }
    ctx.claim('log-log slope of sup_x ‖F^L(x) − F(x)‖ vs L', slope, {
      op: 'in',
      target: [-1.05, -0.95],
      description: `Prop. 2: error ≤ C/L (depths ≥ ${config.minDepthForClaims})`,
    });
    ctx.claim('max/min of L·‖F^L − F‖', spread, {
      op: '<=',
      target: 1.1,
      description: 'L·error ≈ constant as L doubles',
    });
    if (ratios.length > 0)
      ctx.claim('min over L of err(L)/err(2L)', Math.min(...ratios), {
        op: '>=',
        target: 1.9,
        description: 'halving the step halves the error',
      });
    const wall = (performance.now() - t0) / 1000;
    ctx.summary('slope', slope);
    ctx.summary('L_err_last', LE[LE.length - 1]!);
    ctx.summary('limit_solver_steps', limit.steps);
    ctx.summary('limit_solver_fevals', limit.fevals);
    ctx.summary('limit_seconds', limitSeconds);
    for (const r of rows) ctx.summary(`err_L${r.L}`, r.err);
    ctx.summary('wall_seconds', wall);
    ctx.chart(
      'error-vs-depth',
      ctx.charts.lines({
        data: rows.flatMap((r) => [
          { L: r.L, value: r.err, kind: 'sup_x ‖F^L − F‖' },
          { L: r.L, value: r.rms, kind: 'RMS over x' },
        ]),
        x: 'L',
        y: 'value',
        group: 'kind',
        logX: true,
        logY: true,
        points: true,
        title: `Forward error vs depth (slope ${slope.toFixed(3)}, limit by Dopri5 at rtol ${config.rtol})`,
        xTitle: 'depth L',
        yTitle: 'error',
      }),
    );
    ctx.chart(
      'L-times-error',
      ctx.charts.lines({
        data: rows.map((r) => ({ L: r.L, L_err: r.L * r.err })),
        x: 'L',
        y: 'L_err',
        logX: true,
        logY: false,
        points: true,
        title: 'L · sup_x ‖F^L − F‖ (constant for an O(1/L) error)',
        xTitle: 'depth L',
      }),
    );
    return {
      notes: `L·err: ${rows.map((r) => `${r.L}: ${(r.L * r.err).toFixed(4)}`).join(', ')}; limit solve ${limit.steps} Dopri5 steps (${limitSeconds.toFixed(2)} s).`,
    };
  },
});
