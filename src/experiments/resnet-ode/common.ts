/** Shared pieces of the resnet-ode experiments: the paper reference, synthetic data, fits, sweeps. */
import { z } from 'zod';
import type { PaperRef, RunContext } from '../../experiment/types.js';
import { randn, randomKey, splitKey } from '../../random/index.js';
import {
  type Activation,
  GradientFlowTrainer,
  initWeights,
  type LossNorm,
  type ResNetInit,
  type Scaling,
  SuccessiveDistanceTracker,
} from '../../resnet-ode/index.js';

/** The paper every resnet-ode experiment reproduces (with the figure/table in `spec`). */
export function paper(spec: string): PaperRef {
  return {
    title: 'Implicit regularization of deep residual networks towards neural ODEs',
    authors: 'P. Marion, Y.-H. Wu, M. E. Sander, G. Biau',
    year: 2024,
    spec,
    url: 'https://arxiv.org/abs/2309.01213',
  };
}

/** Config fields for the conventions that differ between the paper and the authors' code. */
export const conventionFields = {
  scaling: z
    .enum(['paper', 'code'])
    .default('code')
    .describe("'paper': 1/√m and 1/√q factors; 'code': none (the authors' synthetic scripts)"),
  loss: z
    .enum(['paper', 'code'])
    .default('code')
    .describe("'paper': (1/n)Σ‖F−y‖²; 'code': mean over all n·d′ entries (d′× smaller)"),
};

/** The synthetic task of App. E: x_i, y_i independent N(0, I_d), and the shared tied matrix W₀ (m×d). */
export interface SyntheticTask {
  X: Float64Array;
  Y: Float64Array;
  W0: Float64Array;
  n: number;
  d: number;
  m: number;
}

/** Draws W₀, X and Y from the engine's counter-based generator (keys split from `seed`). */
export function syntheticTask(seed: number, n: number, d: number, m: number): SyntheticTask {
  const [kw, kx, ky] = splitKey(randomKey(seed), 3);
  const draw = (len: number, key: typeof kw) =>
    randn([len], { dtype: 'float64', key: key! })._contiguousData() as Float64Array;
  return { W0: draw(m * d, kw), X: draw(n * d, kx), Y: draw(n * d, ky), n, d, m };
}

/** Least-squares fit y ≈ a + b·x: slope b, intercept a and R². */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Slope of log y against log x. */
export function logLogSlope(xs: readonly number[], ys: readonly number[]): number {
  return linearFit(
    xs.map((x) => Math.log(x)),
    ys.map((y) => Math.log(y)),
  ).slope;
}

/** One depth of a smoothness sweep. */
export type DepthResult = {
  L: number;
  /** max_{k,t} ‖Z_{k+1}(t) − Z_k(t)‖ (paper metric). */
  dMax: number;
  /** The code's root-sum-square metric. */
  rss: number;
  lossStart: number;
  lossEnd: number;
  seconds: number;
  /** (step, max_k ‖Z_{k+1} − Z_k‖) along training, thinned. */
  curve: [number, number][];
};

/** Options of {@link trainDepth}. */
export interface TrainDepthOptions {
  L: number;
  task: SyntheticTask;
  activation: Activation;
  scaling: Scaling;
  loss: LossNorm;
  init: ResNetInit;
  /** Key seed for random inits (ignored by the tied init with W₀). */
  initSeed: number;
  lr: number;
  steps: number;
  /** Keep every `curveEvery`-th point of the D(t) curve. */
  curveEvery: number;
  ctx: RunContext;
  /** Work units already done (Σ L·steps), for the progress bar. */
  workDone: number;
  workTotal: number;
}

/** Trains one depth with GD on the depth-scaled flow, tracking successive distances at every iterate. */
export async function trainDepth(o: TrainDepthOptions): Promise<DepthResult | undefined> {
  const t0 = performance.now();
  const { task } = o;
  const w = initWeights(
    { depth: o.L, inputDim: task.d, width: task.m, activation: o.activation, scaling: o.scaling },
    { init: o.init, key: randomKey(o.initSeed) },
  );
  const trainer = new GradientFlowTrainer(w, { X: task.X, Y: task.Y, n: task.n }, { lr: o.lr, loss: o.loss });
  const tracker = new SuccessiveDistanceTracker();
  const curve: [number, number][] = [[0, tracker.record(w)]];
  let lossStart = Number.NaN;
  for (let t = 0; t < o.steps; t++) {
    if (o.ctx.signal.aborted) return undefined;
    const info = trainer.step();
    if (t === 0) lossStart = info.loss;
    const d = tracker.record(w);
    if ((t + 1) % o.curveEvery === 0 || t + 1 === o.steps) curve.push([t + 1, d]);
    o.ctx.progress(o.workDone + o.L * (t + 1), o.workTotal, { loss: info.loss });
    await o.ctx.tick();
  }
  return {
    L: o.L,
    dMax: tracker.paperMax,
    rss: tracker.codeRss,
    lossStart,
    lossEnd: trainer.loss(),
    seconds: (performance.now() - t0) / 1000,
    curve,
  };
}

/** A zod schema for {@link DepthResult} (checkpoints). */
export const depthResultSchema = z.object({
  L: z.number(),
  dMax: z.number(),
  rss: z.number(),
  lossStart: z.number(),
  lossEnd: z.number(),
  seconds: z.number(),
  curve: z.array(z.tuple([z.number(), z.number()])),
});
