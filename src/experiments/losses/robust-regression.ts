/**
 * Robust regression (loss survey §4, experiment A.3.1): fit y = w·x + b to y = 2x + 1 + N(0, 0.1²)
 * with 10 % outliers (large-noise or shifted) under MSE, RMSE, MAE, Huber(δ=1), Smooth L1 and
 * log-cosh, and compare the parameter errors; show that MSE and RMSE share the minimiser (the
 * closed-form least-squares fit) with different gradient-descent dynamics; and fit exponentially
 * growing targets with MSE vs RMSLE to show RMSLE's relative-error behaviour.
 */
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import type { MetricRecord } from '../../experiment/types.js';
import { noGrad, select, softplus, type Tensor, tensor, zeros } from '../../index.js';
import {
  huber,
  logCosh,
  meanAbsoluteError,
  meanSquaredError,
  rootMeanSquaredError,
  rootMeanSquaredLogError,
  smoothL1,
} from '../../losses/index.js';
import { Adam, CosineAnnealingLR, SGD } from '../../optim/index.js';
import { errorBars, meanStd } from './charts.js';

const LOSSES = ['MSE', 'RMSE', 'MAE', 'Huber', 'SmoothL1', 'LogCosh'] as const;
type LossName = (typeof LOSSES)[number];
const OUTLIERS = ['large-noise', 'shifted'] as const;
type OutlierKind = (typeof OUTLIERS)[number];
const TRUE_W = 2;
const TRUE_B = 1;

const configSchema = z
  .object({
    n: z.number().int().min(10).default(200).describe('points per data set'),
    noise: z.number().nonnegative().default(0.1).describe('inlier noise std'),
    outlierFraction: z.number().min(0).max(0.45).default(0.1).describe('fraction of outliers'),
    outlierStd: z.number().positive().default(5).describe("'large-noise' outliers: extra N(0, s²) noise"),
    outlierShift: z.number().default(10).describe("'shifted' outliers: y shifted by this amount"),
    seeds: z.number().int().positive().default(5).describe('data sets per outlier kind (error bars)'),
    steps: z.number().int().positive().default(1500).describe('full-batch Adam steps per loss'),
    lr: z.number().positive().default(0.05).describe('Adam learning rate (cosine-annealed to 0)'),
    huberDelta: z.number().positive().default(1).describe('Huber δ'),
    gdSteps: z
      .number()
      .int()
      .positive()
      .default(300)
      .describe('plain gradient-descent steps (MSE vs RMSE dynamics)'),
    gdLr: z.number().positive().default(0.2).describe('gradient-descent learning rate'),
    rmsleN: z.number().int().min(10).default(200).describe('points of the exponential-target data set'),
    rmsleSteps: z.number().int().positive().default(2000).describe('Adam steps per fit (MSE vs RMSLE)'),
    rmsleLr: z.number().positive().default(0.1).describe('Adam learning rate of the RMSLE part'),
    logEvery: z.number().int().positive().default(25).describe('log the parameter error every N steps'),
    robustRatio: z
      .number()
      .positive()
      .default(0.5)
      .describe('"much smaller": claimed bound on (robust-loss parameter error) / (MSE parameter error)'),
  })
  .strict();

export type RobustRegressionConfig = z.output<typeof configSchema>;

interface DataSet {
  x: Float64Array;
  y: Float64Array;
}

function makeData(c: RobustRegressionConfig, kind: OutlierKind, rng: Rng): DataSet {
  const x = new Float64Array(c.n);
  const y = new Float64Array(c.n);
  for (let i = 0; i < c.n; i++) {
    x[i] = rng.uniform(-1, 1);
    y[i] = TRUE_W * x[i]! + TRUE_B + rng.normal(0, c.noise);
  }
  const idx = rng.shuffle(Array.from({ length: c.n }, (_, i) => i));
  const m = Math.round(c.outlierFraction * c.n);
  for (const i of idx.slice(0, m)) y[i]! += kind === 'shifted' ? c.outlierShift : rng.normal(0, c.outlierStd);
  return { x, y };
}

/** Closed-form least squares for y ≈ w x + b. */
function ols(d: DataSet): [number, number] {
  const n = d.x.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += d.x[i]!;
    sy += d.y[i]!;
    sxx += d.x[i]! * d.x[i]!;
    sxy += d.x[i]! * d.y[i]!;
  }
  const w = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return [w, (sy - w * sx) / n];
}

/** Per-row mean loss summed over rows (rows are independent problems; Adam is elementwise). */
function rowLoss(name: LossName, pred: Tensor, target: Tensor, delta: number): Tensor {
  const none = { reduction: 'none' as const };
  switch (name) {
    case 'MSE':
      return meanSquaredError(pred, target, none).mean(1).sum();
    case 'MAE':
      return meanAbsoluteError(pred, target, none).mean(1).sum();
    case 'Huber':
      return huber(pred, target, { ...none, delta })
        .mean(1)
        .sum();
    case 'SmoothL1':
      return smoothL1(pred, target, { ...none, beta: 1 })
        .mean(1)
        .sum();
    case 'LogCosh':
      return logCosh(pred, target, none).mean(1).sum();
    case 'RMSE': {
      let total: Tensor | null = null;
      for (let r = 0; r < pred.shape[0]!; r++) {
        const l = rootMeanSquaredError(select(pred, 0, r), select(target, 0, r));
        total = total ? total.add(l) : l;
      }
      return total!;
    }
  }
}

const err = (w: number, b: number) => Math.hypot(w - TRUE_W, b - TRUE_B);

export const lossesRobustRegression = defineExperiment({
  name: 'losses-robust-regression',
  title: 'Loss survey: robust regression with outliers',
  description:
    'Linear fits under MSE, RMSE, MAE, Huber, Smooth L1 and log-cosh with 10% outliers; MSE vs RMSE dynamics; MSE vs RMSLE on exponential targets.',
  paper: {
    title: 'A survey and taxonomy of loss functions in machine learning',
    authors: 'L. Ciampiconi, A. Elwood, M. Leonardi, A. Mohamed, A. Rozza',
    year: 2023,
    spec: '§4 (regression losses #1–#8); experiment A.3.1 of the spec (y = 2x + 1 + N(0, 0.1²), 10 % outliers).',
    url: 'https://arxiv.org/abs/2301.05579v1',
  },
  configSchema,
  metricCharts: OUTLIERS.map((kind) => ({
    title: `Adam: mean parameter error, ${kind} outliers`,
    keys: LOSSES.map((l) => `err_${l}_${kind}`),
    logY: true,
  })),
  presets: {
    quick: { seeds: 3, steps: 800, gdSteps: 200, rmsleSteps: 1200, logEvery: 40 },
    full: { n: 1000, seeds: 10, steps: 2000, gdSteps: 500, rmsleN: 500, rmsleSteps: 3000 },
  },
  async run(config, ctx) {
    const t0 = performance.now();
    const c = config;
    const dataRng = ctx.makeRng(ctx.seed ^ 0x5eed);
    const sets: { kind: OutlierKind; seed: number; data: DataSet }[] = [];
    for (const kind of OUTLIERS)
      for (let s = 0; s < c.seeds; s++) sets.push({ kind, seed: s, data: makeData(c, kind, dataRng) });
    const R = sets.length;
    const X = tensor(new Float64Array(sets.flatMap((s) => [...s.data.x])), {
      dtype: 'float64',
      shape: [R, c.n],
    });
    const Y = tensor(new Float64Array(sets.flatMap((s) => [...s.data.y])), {
      dtype: 'float64',
      shape: [R, c.n],
    });

    // 1. Adam fits of (w, b) for every loss, all data sets at once.
    const fits = new Map<LossName, { w: number; b: number }[]>();
    for (const name of LOSSES) {
      const W = zeros([R, 1], { dtype: 'float64', requiresGrad: true });
      const B = zeros([R, 1], { dtype: 'float64', requiresGrad: true });
      const opt = new Adam([W, B], { lr: c.lr });
      const sched = new CosineAnnealingLR(opt, { tMax: c.steps });
      for (let step = 1; step <= c.steps; step++) {
        if (ctx.signal.aborted) return { summary: { stopped: `during ${name}` } };
        opt.zeroGrad();
        rowLoss(name, X.mul(W).add(B), Y, c.huberDelta).backward();
        opt.step();
        sched.step();
        if (step % c.logEvery === 0 || step === c.steps) {
          const w = W.dataSync();
          const b = B.dataSync();
          const rec: MetricRecord = { step };
          for (const kind of OUTLIERS) {
            const errs = sets.flatMap((s, r) => (s.kind === kind ? [err(Number(w[r]), Number(b[r]))] : []));
            rec[`err_${name}_${kind}`] = meanStd(errs).mean;
          }
          ctx.log(rec);
        }
        ctx.progress(LOSSES.indexOf(name) * c.steps + step, LOSSES.length * c.steps);
        await ctx.tick();
      }
      const w = W.dataSync();
      const b = B.dataSync();
      fits.set(
        name,
        sets.map((_, r) => ({ w: Number(w[r]), b: Number(b[r]) })),
      );
    }

    const errorRows: { x: string; c: string; y: number; lo: number; hi: number }[] = [];
    const meanErr = new Map<string, number>();
    for (const name of LOSSES) {
      for (const kind of OUTLIERS) {
        const errs = fits.get(name)!.flatMap((f, r) => (sets[r]!.kind === kind ? [err(f.w, f.b)] : []));
        const { mean, std } = meanStd(errs);
        meanErr.set(`${name}/${kind}`, mean);
        errorRows.push({ x: name, c: kind, y: mean, lo: Math.max(mean - std, 0), hi: mean + std });
        ctx.summary(`param_err_${name}_${kind}`, mean);
      }
    }
    // The MSE minimiser is the closed-form least-squares fit; RMSE has the same one.
    let mseVsOls = 0;
    let rmseVsOls = 0;
    sets.forEach((s, r) => {
      const [w, b] = ols(s.data);
      const m = fits.get('MSE')![r]!;
      const q = fits.get('RMSE')![r]!;
      mseVsOls = Math.max(mseVsOls, Math.hypot(m.w - w, m.b - b));
      rmseVsOls = Math.max(rmseVsOls, Math.hypot(q.w - w, q.b - b));
    });

    // 2. Plain gradient descent with the same learning rate: MSE vs RMSE dynamics on one data set.
    const gdSet = sets.find((s) => s.kind === 'shifted')!.data;
    const gx = tensor(gdSet.x, { dtype: 'float64', shape: [1, c.n] });
    const gy = tensor(gdSet.y, { dtype: 'float64', shape: [1, c.n] });
    const [olsW, olsB] = ols(gdSet);
    const gdRows: { step: number; distance: number; loss: string }[] = [];
    const stepsTo: Record<string, number> = {};
    let gradRatio = Number.NaN;
    let rmseAtInit = Number.NaN;
    for (const name of ['MSE', 'RMSE'] as const) {
      const W = zeros([1, 1], { dtype: 'float64', requiresGrad: true });
      const B = zeros([1, 1], { dtype: 'float64', requiresGrad: true });
      const opt = new SGD([W, B], { lr: c.gdLr });
      stepsTo[name] = Number.NaN;
      for (let step = 0; step <= c.gdSteps; step++) {
        const d = Math.hypot(W.item() - olsW, B.item() - olsB);
        gdRows.push({ step, distance: d, loss: name });
        if (Number.isNaN(stepsTo[name]!) && d < 0.01) stepsTo[name] = step;
        if (step === c.gdSteps) break;
        opt.zeroGrad();
        const l = rowLoss(name, gx.mul(W).add(B), gy, c.huberDelta);
        l.backward();
        if (step === 0) {
          const g = Math.hypot(W.grad!.item(), B.grad!.item());
          if (name === 'MSE') gradRatio = g;
          else {
            gradRatio = g / gradRatio;
            rmseAtInit = l.item();
          }
        }
        opt.step();
      }
    }

    // 3. Exponentially growing targets: MSE vs RMSLE with a misspecified model softplus(a + bx + cx²).
    const rmsleRng = ctx.makeRng(ctx.seed ^ 0xe4b);
    const ex = new Float64Array(c.rmsleN);
    const ey = new Float64Array(c.rmsleN);
    for (let i = 0; i < c.rmsleN; i++) {
      ex[i] = rmsleRng.uniform(0, 2);
      ey[i] = Math.exp(2.5 * ex[i]!) * Math.exp(rmsleRng.normal(0, 0.1));
    }
    const ET = tensor(ey, { dtype: 'float64', shape: [c.rmsleN] });
    const feats = (xs: Float64Array) =>
      tensor(
        Float64Array.from({ length: xs.length * 3 }, (_, k) => xs[Math.floor(k / 3)]! ** (k % 3)),
        { dtype: 'float64', shape: [xs.length, 3] },
      );
    const EF = feats(ex);
    const model = (theta: Tensor, f: Tensor) => softplus(f.matmul(theta));
    const expFits: Record<'MSE' | 'RMSLE', Tensor> = {} as Record<'MSE' | 'RMSLE', Tensor>;
    for (const name of ['MSE', 'RMSLE'] as const) {
      const theta = zeros([3], { dtype: 'float64', requiresGrad: true });
      const opt = new Adam([theta], { lr: c.rmsleLr });
      const sched = new CosineAnnealingLR(opt, { tMax: c.rmsleSteps });
      for (let step = 1; step <= c.rmsleSteps; step++) {
        if (ctx.signal.aborted) return { summary: { stopped: `during ${name} (exponential targets)` } };
        opt.zeroGrad();
        const pred = model(theta, EF);
        (name === 'MSE' ? meanSquaredError(pred, ET) : rootMeanSquaredLogError(pred, ET)).backward();
        opt.step();
        sched.step();
        await ctx.tick();
      }
      expFits[name] = theta.detach();
    }
    const G = 101;
    const gxs = Float64Array.from({ length: G }, (_, i) => (2 * i) / (G - 1));
    const truth = gxs.map((v) => Math.exp(2.5 * v));
    const gridPred = {
      MSE: noGrad(() => model(expFits.MSE, feats(gxs)).dataSync()),
      RMSLE: noGrad(() => model(expFits.RMSLE, feats(gxs)).dataSync()),
    };
    const relRows: { x: number; relative_error: number; fit: string }[] = [];
    const relStats: Record<string, { low: number; high: number; rmse: number }> = {};
    for (const name of ['MSE', 'RMSLE'] as const) {
      const low: number[] = [];
      const high: number[] = [];
      let se = 0;
      for (let i = 0; i < G; i++) {
        const p = Number(gridPred[name][i]);
        const rel = Math.abs(p - truth[i]!) / truth[i]!;
        relRows.push({ x: gxs[i]!, relative_error: rel, fit: name });
        (gxs[i]! < 1 ? low : high).push(rel);
        se += (p - truth[i]!) ** 2;
      }
      relStats[name] = { low: median(low), high: median(high), rmse: Math.sqrt(se / G) };
    }
    // RMSLE penalises an under-estimate more than an over-estimate of the same size.
    const hundred = tensor([100], { dtype: 'float64' });
    const under = rootMeanSquaredLogError(tensor([50], { dtype: 'float64' }), hundred).item();
    const over = rootMeanSquaredLogError(tensor([150], { dtype: 'float64' }), hundred).item();

    // Claims.
    for (const kind of OUTLIERS) {
      const mse = meanErr.get(`MSE/${kind}`)!;
      for (const name of ['Huber', 'LogCosh', 'MAE'] as const) {
        ctx.claim(`${name} / MSE parameter error (${kind} outliers)`, meanErr.get(`${name}/${kind}`)! / mse, {
          op: '<',
          target: c.robustRatio,
          description: `survey §4: ${name} is less sensitive to outliers than MSE; mean ‖(w,b) − (2,1)‖ over ${c.seeds} data sets (MSE: ${mse.toPrecision(3)})`,
        });
      }
    }
    ctx.claim('‖θ_MSE − θ_OLS‖ (max over data sets)', mseVsOls, {
      op: '<',
      target: 1e-3,
      description: 'the MSE fit reaches the closed-form least-squares solution',
    });
    ctx.claim('‖θ_RMSE − θ_OLS‖ (max over data sets)', rmseVsOls, {
      op: '<',
      target: 1e-3,
      description: 'survey §4: RMSE has the same minimiser as MSE',
    });
    ctx.claim(
      '|‖∇RMSE‖ / ‖∇MSE‖ · 2·RMSE − 1| at the initial point',
      Math.abs(gradRatio * 2 * rmseAtInit - 1),
      {
        op: '<',
        target: 1e-9,
        description:
          'different step dynamics: ∇RMSE = ∇MSE / (2·RMSE), so with one learning rate the two descend at different speeds',
      },
    );
    ctx.claim(
      'median relative error for y < e^2.5: RMSLE fit / MSE fit',
      relStats.RMSLE!.low / relStats.MSE!.low,
      {
        op: '<',
        target: 1,
        description: `survey §4: RMSLE measures relative error; medians ${relStats.RMSLE!.low.toPrecision(3)} (RMSLE) vs ${relStats.MSE!.low.toPrecision(3)} (MSE)`,
      },
    );
    ctx.claim('absolute RMSE on the grid: MSE fit / RMSLE fit', relStats.MSE!.rmse / relStats.RMSLE!.rmse, {
      op: '<',
      target: 1,
      description: 'the flip side: MSE fits the large targets better in absolute terms',
    });
    ctx.claim('RMSLE(under-estimate 50) / RMSLE(over-estimate 150) at y = 100', under / over, {
      op: '>',
      target: 1,
      description: 'survey §4: RMSLE penalises under-estimates more than over-estimates',
    });

    ctx.summary('mse_vs_ols', mseVsOls);
    ctx.summary('rmse_vs_ols', rmseVsOls);
    ctx.summary('gd_steps_to_0.01_MSE', stepsTo.MSE!);
    ctx.summary('gd_steps_to_0.01_RMSE', stepsTo.RMSE!);
    for (const name of ['MSE', 'RMSLE'] as const) {
      ctx.summary(`exp_median_rel_err_low_${name}`, relStats[name]!.low);
      ctx.summary(`exp_median_rel_err_high_${name}`, relStats[name]!.high);
      ctx.summary(`exp_abs_rmse_${name}`, relStats[name]!.rmse);
    }

    // Charts.
    ctx.chart(
      'parameter-error',
      errorBars({
        data: errorRows,
        title: `Parameter error ‖(w,b) − (2,1)‖, mean ± std over ${c.seeds} data sets`,
        xTitle: 'loss',
        yTitle: 'parameter error',
        colorTitle: 'outliers',
        logY: true,
      }),
    );
    const show = sets.find((s) => s.kind === 'shifted')!;
    const showIdx = sets.indexOf(show);
    const pts = Array.from(show.data.x, (xv, i) => ({ x: xv, y: show.data.y[i]!, kind: 'data' }));
    const lineRows: { x: number; y: number; fit: string }[] = [];
    for (const name of ['MSE', 'MAE', 'Huber', 'LogCosh'] as const) {
      const f = fits.get(name)![showIdx]!;
      for (const xv of [-1, 1]) lineRows.push({ x: xv, y: f.w * xv + f.b, fit: name });
    }
    for (const xv of [-1, 1]) lineRows.push({ x: xv, y: TRUE_W * xv + TRUE_B, fit: 'truth' });
    ctx.chart(
      'fits',
      ctx.charts.overlay(
        [
          ctx.charts.scatter({ data: pts, x: 'x', y: 'y', size: 14, opacity: 0.5 }),
          ctx.charts.lines({ data: lineRows, x: 'x', y: 'y', group: 'fit' }),
        ],
        { title: `Fitted lines, shifted outliers (+${c.outlierShift}) on one data set` },
      ),
    );
    ctx.chart(
      'mse-vs-rmse-gd',
      ctx.charts.lines({
        data: gdRows,
        x: 'step',
        y: 'distance',
        group: 'loss',
        logY: true,
        title: `Gradient descent (lr ${c.gdLr}): distance to the least-squares solution`,
        yTitle: '‖θ − θ_OLS‖',
      }),
    );
    ctx.chart(
      'convergence',
      ctx.charts.curves({
        data: ctx.metrics(),
        y: LOSSES.map((l) => `err_${l}_shifted`),
        logY: true,
        title: 'Adam: mean parameter error vs step (shifted outliers)',
      }),
    );
    const expPts = Array.from(ex, (xv, i) => ({ x: xv, y: ey[i]! }));
    const expLines = (['MSE', 'RMSLE'] as const).flatMap((name) =>
      Array.from(gxs, (xv, i) => ({ x: xv, y: Number(gridPred[name][i]), fit: name })),
    );
    ctx.chart(
      'exp-fits',
      ctx.charts.overlay(
        [
          ctx.charts.scatter({ data: expPts, x: 'x', y: 'y', size: 12, opacity: 0.4, logY: true }),
          ctx.charts.lines({ data: expLines, x: 'x', y: 'y', group: 'fit', logY: true }),
        ],
        { title: 'y = e^(2.5x)·e^N(0,0.1²): fits of softplus(a + bx + cx²) (log scale)' },
      ),
    );
    ctx.chart(
      'exp-relative-error',
      ctx.charts.lines({
        data: relRows,
        x: 'x',
        y: 'relative_error',
        group: 'fit',
        logY: true,
        title: 'Relative error |f − y|/y of the MSE and RMSLE fits',
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    ctx.summary('wall_s', wall);
    return {
      notes: [
        'Huber(δ=1) and Smooth L1(β=1) are the same loss, so their fits coincide.',
        `Gradient descent with lr ${c.gdLr}: MSE reaches distance 0.01 from the least-squares solution after ${stepsTo.MSE} steps, RMSE after ${stepsTo.RMSE} (NaN: not within ${c.gdSteps} steps).`,
        `RMSLE part: median relative error on x < 1 is ${relStats.RMSLE!.low.toPrecision(3)} (RMSLE) vs ${relStats.MSE!.low.toPrecision(3)} (MSE); on x ≥ 1 ${relStats.RMSLE!.high.toPrecision(3)} vs ${relStats.MSE!.high.toPrecision(3)}.`,
      ].join('\n'),
    };
  },
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
