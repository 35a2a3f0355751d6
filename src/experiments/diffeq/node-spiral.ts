/**
 * Neural ODE on torchdiffeq's spiral demo: the true dynamics are dy/dt = y³·A with
 * A = [[-0.1, 2.0], [-2.0, -0.1]] (y a row vector), y0 = [2, 0], t ∈ [0, 25]. A small MLP
 * vector field (applied to y³, as in the demo) is fitted to random sub-trajectories, and the
 * discretise-then-optimise gradient (DirectAdjoint) is compared with the continuous adjoint
 * (BacksolveAdjoint) on the same model and batch.
 */
import { z } from 'zod';
import {
  BacksolveAdjoint,
  DirectAdjoint,
  Dopri5,
  diffeqsolve,
  NeuralODE,
  ODETerm,
  PIDController,
  SaveAt,
  Tsit5,
} from '../../diffeq/index.js';
import { defineExperiment } from '../../experiment/define.js';
import { copy_, matmul, noGrad, type Tensor, tensor } from '../../index.js';
import { Linear, Module, Sequential, Tanh } from '../../nn/index.js';
import { Adam } from '../../optim/index.js';
import { randomKey } from '../../random/index.js';

/** x ↦ x³ elementwise (the demo's feature map). */
class Cube extends Module {
  forward(x: Tensor): Tensor {
    return x.mul(x).mul(x);
  }
}

/** Copies a float64 tensor's data. */
function data(t: Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

function relDiff(a: Float64Array[], b: Float64Array[]): number {
  let num = 0;
  let den = 0;
  a.forEach((ai, i) => {
    const bi = b[i]!;
    for (let j = 0; j < ai.length; j++) {
      num += (ai[j]! - bi[j]!) ** 2;
      den += bi[j]! ** 2;
    }
  });
  return Math.sqrt(num / Math.max(den, 1e-300));
}

const configSchema = z
  .object({
    iters: z.number().int().positive().default(2000).describe('optimizer steps'),
    dataSize: z.number().int().min(20).default(1000).describe('points on the true trajectory over [0, 25]'),
    batchTime: z.number().int().min(2).default(10).describe('length of each sub-trajectory (points)'),
    batchSize: z.number().int().positive().default(20).describe('sub-trajectories per batch'),
    hidden: z.number().int().positive().default(50).describe('hidden units of the MLP vector field'),
    features: z.enum(['cube', 'identity']).default('cube').describe('MLP input: y³ (as in the demo) or y'),
    lr: z.number().positive().default(0.003).describe('peak Adam learning rate (cosine decay to lr/20)'),
    rtol: z.number().positive().default(1e-5).describe('training solver rtol'),
    atol: z.number().positive().default(1e-6).describe('training solver atol'),
    evalEvery: z
      .number()
      .int()
      .positive()
      .default(50)
      .describe('evaluate the full-trajectory loss every N steps'),
    gradRtol: z.number().positive().default(1e-8).describe('tolerance of the adjoint comparison solves'),
    gradRepeats: z.number().int().positive().default(3).describe('timed gradients per adjoint'),
  })
  .strict();

export type NodeSpiralConfig = z.output<typeof configSchema>;

const A = [
  [-0.1, 2.0],
  [-2.0, -0.1],
];

/** The true trajectory at `n` evenly spaced times on [0, 25] (Dopri5, rtol 1e-10). */
function trueTrajectory(n: number): { ts: number[]; ys: Float64Array } {
  const ts = Array.from({ length: n }, (_, i) => (25 * i) / (n - 1));
  const At = tensor(A, { dtype: 'float64' });
  const term = new ODETerm<Tensor>((_t, y) => matmul(y.mul(y).mul(y), At));
  const sol = noGrad(() =>
    diffeqsolve(term, new Dopri5(), 0, 25, null, tensor([[2, 0]], { dtype: 'float64' }), {
      saveat: new SaveAt({ ts }),
      stepsizeController: new PIDController({ rtol: 1e-10, atol: 1e-12 }),
      maxSteps: 100_000,
    }),
  );
  return { ts, ys: data(sol.ys!) }; // [n, 1, 2] flattened
}

export const nodeSpiral = defineExperiment({
  name: 'node-spiral',
  title: 'Neural ODE: fitting a spiral (torchdiffeq demo)',
  description:
    'Fits an MLP vector field to the cubic spiral dy/dt = y³A by backpropagating through the solver; compares DirectAdjoint with BacksolveAdjoint gradients.',
  paper: {
    title: 'Neural Ordinary Differential Equations',
    authors: 'R. T. Q. Chen, Y. Rubanova, J. Bettencourt, D. Duvenaud',
    year: 2018,
    spec: "torchdiffeq's examples/ode_demo.py (spiral y' = y³A, y0 = [2, 0], t ∈ [0, 25], MLP on y³, random sub-trajectory batches); §2 adjoint method vs discretise-then-optimise.",
  },
  configSchema,
  presets: {
    quick: {
      iters: 1000,
      dataSize: 400,
      batchTime: 10,
      batchSize: 16,
      hidden: 32,
      evalEvery: 25,
      gradRepeats: 2,
    },
    full: { iters: 2000, dataSize: 1000, batchTime: 10, batchSize: 20, hidden: 50, evalEvery: 50 },
  },
  metricCharts: [
    { title: 'Loss (mean |error|)', keys: ['loss', 'eval_loss'], logY: true },
    { title: 'Function evaluations per forward solve', keys: ['nfe'], logY: false },
  ],
  async run(config, ctx) {
    const { ts, ys: trueYs } = trueTrajectory(config.dataSize);
    const n = config.dataSize;
    const T = config.batchTime;
    const dt = ts[1]! - ts[0]!;
    const batchTs = Array.from({ length: T }, (_, i) => i * dt);
    const keyBase = ctx.seed * 16;
    const net = new Sequential(
      ...(config.features === 'cube' ? [new Cube()] : []),
      new Linear(2, config.hidden, { dtype: 'float64', key: randomKey(keyBase + 1) }),
      new Tanh(),
      new Linear(config.hidden, 2, { dtype: 'float64', key: randomKey(keyBase + 2) }),
    );
    // Small initial output weights (as the demo's N(0, 0.1) init): a slow initial field.
    noGrad(() => {
      for (const p of net.parameters()) copy_(p, p.mul(0.5));
    });
    const opt = new Adam(net.parameters(), { lr: config.lr });
    const group = opt.paramGroups[0]!;
    const train = new NeuralODE(net, {
      ts: batchTs,
      t1: batchTs[T - 1]!,
      rtol: config.rtol,
      atol: config.atol,
      solver: new Tsit5(),
    });
    const full = new NeuralODE(net, {
      ts,
      t1: 25,
      rtol: config.rtol,
      atol: config.atol,
      solver: new Tsit5(),
    });
    const y0 = tensor([[2, 0]], { dtype: 'float64' });
    const trueFull = tensor(trueYs, { dtype: 'float64', shape: [n, 1, 2] });
    const evalLoss = (): { loss: number; pred: Float64Array } =>
      noGrad(() => {
        const pred = full.forward(y0);
        return { loss: pred.sub(trueFull).abs().mean().item(), pred: data(pred) };
      });

    const makeBatch = (): { y0: Tensor; y: Tensor } => {
      const B = config.batchSize;
      const b0 = new Float64Array(B * 2);
      const by = new Float64Array(T * B * 2);
      for (let b = 0; b < B; b++) {
        const s = ctx.rng.int(n - T);
        b0[2 * b] = trueYs[2 * s]!;
        b0[2 * b + 1] = trueYs[2 * s + 1]!;
        for (let k = 0; k < T; k++) {
          by[(k * B + b) * 2] = trueYs[2 * (s + k)]!;
          by[(k * B + b) * 2 + 1] = trueYs[2 * (s + k) + 1]!;
        }
      }
      return {
        y0: tensor(b0, { dtype: 'float64', shape: [B, 2] }),
        y: tensor(by, { dtype: 'float64', shape: [T, B, 2] }),
      };
    };

    const initial = evalLoss();
    const initialLoss = initial.loss;
    ctx.log({ step: 0, eval_loss: initialLoss });
    let step = 0;
    let ema = Number.NaN;
    let lastEval = initialLoss;
    while (step < config.iters) {
      if (ctx.signal.aborted) break;
      const batch = makeBatch();
      // Cosine decay to lr/20: the late steps settle instead of hopping between fits.
      group.lr = config.lr * (0.05 + 0.475 * (1 + Math.cos((Math.PI * step) / config.iters)));
      opt.zeroGrad();
      const pred = train.forward(batch.y0);
      const loss = pred.sub(batch.y).abs().mean();
      loss.backward();
      opt.step();
      step++;
      const lv = loss.item();
      ema = Number.isNaN(ema) ? lv : 0.9 * ema + 0.1 * lv;
      const nfe = train.lastSolution?.stats.fevals ?? 0;
      ctx.log({ step, loss: lv, nfe });
      if (step % config.evalEvery === 0 || step === config.iters) {
        lastEval = evalLoss().loss;
        ctx.log({ step, eval_loss: lastEval });
      }
      ctx.progress(step, config.iters, { loss: ema });
      await ctx.tick();
    }
    if (step < config.iters) {
      ctx.logger.info(`stopped at step ${step}`);
      return { summary: { stoppedAtStep: step } };
    }
    const final = evalLoss();

    // Adjoint comparison on one batch, same model, tight tolerances.
    const batch = makeBatch();
    const gradWith = (adjoint: DirectAdjoint | BacksolveAdjoint) => {
      const node = new NeuralODE(net, {
        ts: batchTs,
        t1: batchTs[T - 1]!,
        rtol: config.gradRtol,
        atol: config.gradRtol * 1e-2,
        solver: new Tsit5(),
        adjoint,
        maxSteps: 100_000,
      });
      let g: Float64Array[] = [];
      let fwd = 0;
      const t0 = performance.now();
      for (let r = 0; r < config.gradRepeats; r++) {
        net.zeroGrad();
        node.forward(batch.y0).sub(batch.y).square().mean().backward();
        fwd = node.lastSolution?.stats.fevals ?? 0;
        g = net.parameters().map((p) => data(p.grad!));
      }
      const ms = (performance.now() - t0) / config.gradRepeats;
      return { g, ms, fwd };
    };
    const direct = gradWith(new DirectAdjoint());
    const backsolve = new BacksolveAdjoint();
    const back = gradWith(backsolve);
    const backFevals = backsolve.lastBackward?.fevals ?? Number.NaN;
    const diff = relDiff(back.g, direct.g);
    net.zeroGrad();

    ctx.claim('final / initial trajectory loss', final.loss / initialLoss, {
      op: '<',
      target: 0.25,
      description: `mean |y_pred − y_true| over the whole trajectory: ${initialLoss.toFixed(3)} → ${final.loss.toFixed(3)}`,
    });
    ctx.claim('BacksolveAdjoint vs DirectAdjoint relative gradient difference', diff, {
      op: '<',
      target: 1e-3,
      description: `rtol ${config.gradRtol}: the continuous adjoint converges to the discrete gradient as the tolerance shrinks`,
    });
    ctx.summary('initial_loss', initialLoss);
    ctx.summary('final_loss', final.loss);
    ctx.summary('grad_rel_diff', diff);
    ctx.summary('direct_ms_per_grad', direct.ms);
    ctx.summary('backsolve_ms_per_grad', back.ms);
    ctx.summary('direct_forward_fevals', direct.fwd);
    ctx.summary('backsolve_forward_fevals', back.fwd);
    ctx.summary('backsolve_backward_fevals', backFevals);
    ctx.logger.info(
      `gradients: direct ${direct.ms.toFixed(0)} ms (forward ${direct.fwd} f-evals), backsolve ${back.ms.toFixed(0)} ms ` +
        `(forward ${back.fwd}, backward ${backFevals} augmented evals), relative difference ${diff.toExponential(2)}`,
    );

    // Charts.
    const rows: { x: number; y: number; trajectory: string }[] = [];
    for (let i = 0; i < n; i++) rows.push({ x: trueYs[2 * i]!, y: trueYs[2 * i + 1]!, trajectory: 'true' });
    for (let i = 0; i < n; i++)
      rows.push({ x: final.pred[2 * i]!, y: final.pred[2 * i + 1]!, trajectory: 'learned' });
    const traj = ctx.charts.lines({
      data: rows,
      x: 'x',
      y: 'y',
      group: 'trajectory',
      logY: false,
      title: 'Spiral: true vs learned trajectory from y0 = [2, 0]',
      width: 360,
      height: 360,
    }) as unknown as { encoding: Record<string, unknown> };
    // Keep the data order along each line (a spiral is not a function of x).
    traj.encoding = { ...traj.encoding, order: { value: null } };
    ctx.chart('trajectory', traj as unknown as Parameters<typeof ctx.chart>[1], {
      caption: `x–y plane, t ∈ [0, 25]; full-trajectory loss ${final.loss.toFixed(4)}`,
    });
    ctx.chart(
      'loss',
      ctx.charts.curves({
        data: ctx.metrics(),
        y: ['loss', 'eval_loss'],
        logY: true,
        title: 'Training loss (batch) and full-trajectory loss',
      }),
    );
    ctx.chart(
      'adjoint-timing',
      ctx.charts.bar({
        data: [
          { adjoint: 'DirectAdjoint', ms: direct.ms },
          { adjoint: 'BacksolveAdjoint', ms: back.ms },
        ],
        x: 'adjoint',
        y: 'ms',
        title: 'Wall time per gradient (ms)',
      }),
      { caption: `rtol ${config.gradRtol}; relative gradient difference ${diff.toExponential(2)}` },
    );
    return {};
  },
});
