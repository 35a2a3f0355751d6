/**
 * Symbolic regression of a learnt vector field (Kidger's thesis §6.1, Diffrax's
 * `symbolic_regression` example): trajectories of dx/dt = −x + y, dy/dt = −y are fitted by a
 * neural ODE; its vector field is sampled at the visited states; regularised evolution finds
 * one closed-form expression per component; the constants are fine-tuned through the ODE solve
 * on the original trajectories and rounded to a multiple of 0.01. The recovered ODE is then
 * compared with the truth on held-out initial conditions.
 */
import { z } from 'zod';
import { diffeqsolve, NeuralODE, ODETerm, RK4, SaveAt } from '../../diffeq/index.js';
import {
  exprString,
  exprToPolynomial,
  quantiseExpr,
  symbolicField,
  symbolicVectorField,
} from '../../diffeq/symbolic/index.js';
import { defineExperiment } from '../../experiment/define.js';
import type { Rng } from '../../experiment/rng.js';
import { noGrad, type Tensor, tensor } from '../../index.js';
import { mseLoss } from '../../nn/functional/index.js';
import { Linear, Sequential, Softplus } from '../../nn/index.js';
import { Adam } from '../../optim/index.js';
import { randomKey, splitKey } from '../../random/index.js';

const NAMES = ['x', 'y'];
/** The true field's polynomial coefficients (monomial key → coefficient). */
const TRUTH = [
  new Map([
    ['0^1', -1],
    ['1^1', 1],
  ]),
  new Map([['1^1', -1]]),
];

/** Exact solution of dx/dt = −x + y, dy/dt = −y: y = y0 e^{−t}, x = (x0 + y0 t) e^{−t}. */
function exact(x0: number, y0: number, t: number): [number, number] {
  const e = Math.exp(-t);
  return [(x0 + y0 * t) * e, y0 * e];
}

/** `[T, n, 2]` trajectories from `n` initial conditions in [−r, r]². */
function trajectories(
  n: number,
  ts: readonly number[],
  r: number,
  rng: Rng,
): { y0: Float64Array; ys: Float64Array } {
  const y0 = new Float64Array(n * 2);
  const ys = new Float64Array(ts.length * n * 2);
  for (let i = 0; i < n; i++) {
    y0[2 * i] = rng.uniform(-r, r);
    y0[2 * i + 1] = rng.uniform(-r, r);
    ts.forEach((t, k) => {
      const [a, b] = exact(y0[2 * i]!, y0[2 * i + 1]!, t);
      ys[(k * n + i) * 2] = a;
      ys[(k * n + i) * 2 + 1] = b;
    });
  }
  return { y0, ys };
}

/** Max over components and monomials of |coefficient − truth| (extra or missing monomials count fully). */
function coefficientError(exprs: Parameters<typeof exprToPolynomial>[0][]): {
  err: number;
  structure: boolean;
} {
  let err = 0;
  let structure = true;
  exprs.forEach((e, j) => {
    const p = exprToPolynomial(e);
    if (!p) {
      err = Number.POSITIVE_INFINITY;
      structure = false;
      return;
    }
    const truth = TRUTH[j]!;
    for (const k of new Set([...p.keys(), ...truth.keys()])) {
      err = Math.max(err, Math.abs((p.get(k) ?? 0) - (truth.get(k) ?? 0)));
      if (p.has(k) !== truth.has(k)) structure = false;
    }
  });
  return { err, structure };
}

const configSchema = z
  .object({
    trajectories: z.number().int().min(2).default(64).describe('training trajectories'),
    points: z.number().int().min(3).default(31).describe('observations per trajectory on [0, tEnd]'),
    tEnd: z.number().positive().default(3).describe('trajectory length'),
    radius: z.number().positive().default(1.5).describe('initial conditions uniform in [−r, r]²'),
    hidden: z.number().int().positive().default(32).describe('width of the neural ODE MLP'),
    iters: z.number().int().nonnegative().default(1500).describe('Adam steps fitting the neural ODE'),
    lr: z.number().positive().default(0.01).describe('Adam learning rate (cosine decay to lr/20)'),
    dt: z.number().positive().default(0.1).describe('RK4 step of the training solves'),
    samples: z
      .number()
      .int()
      .positive()
      .default(2000)
      .describe('states at which the learnt field is sampled'),
    populations: z.number().int().positive().default(8).describe('symbolic regression: populations'),
    populationSize: z
      .number()
      .int()
      .min(2)
      .default(30)
      .describe('symbolic regression: individuals per population'),
    iterations: z
      .number()
      .int()
      .positive()
      .default(8)
      .describe('symbolic regression: rounds (with migration)'),
    cycles: z
      .number()
      .int()
      .positive()
      .default(150)
      .describe('symbolic regression: mutation cycles per round'),
    parsimony: z
      .number()
      .nonnegative()
      .default(1e-3)
      .describe('complexity penalty (normalised loss per node)'),
    fineTuneSteps: z
      .number()
      .int()
      .nonnegative()
      .default(200)
      .describe('Adam steps on the constants through the ODE solve'),
    fineTuneLr: z.number().positive().default(3e-3).describe('learning rate of the constant fine-tuning'),
    quantum: z.number().positive().default(0.01).describe('round constants to a multiple of this'),
    testTrajectories: z.number().int().positive().default(32).describe('held-out initial conditions'),
    coefficientTolerance: z.number().positive().default(0.02).describe('claimed max coefficient error'),
  })
  .strict();

export type SymbolicRegressionConfig = z.output<typeof configSchema>;

export const symbolicRegressionExperiment = defineExperiment({
  name: 'symbolic-regression',
  title: 'Symbolic regression of a learnt vector field',
  description:
    'Fits a neural ODE to trajectories of dx/dt = −x + y, dy/dt = −y, then recovers the closed form by regularised evolution.',
  paper: {
    title: 'On Neural Differential Equations (§6.1, symbolic regression)',
    authors: 'P. Kidger',
    year: 2022,
    spec: 'Spec §1.9: neural ODE → samples of the learnt field → regularised evolution (tournament, aging, Pareto front, score selection) → constants fine-tuned through the solve → quantised to 0.01; on a linear system instead of the example oscillator.',
  },
  configSchema,
  presets: {
    quick: {
      trajectories: 24,
      points: 11,
      iters: 200,
      lr: 0.03,
      dt: 0.3,
      samples: 400,
      populations: 4,
      iterations: 4,
      cycles: 50,
      fineTuneSteps: 40,
      fineTuneLr: 0.01,
      testTrajectories: 16,
    },
    full: {},
  },
  metricCharts: [{ title: 'Neural ODE training loss', keys: ['loss'], logY: true }],
  async run(config, ctx) {
    const start = performance.now();
    const rng = ctx.makeRng(ctx.seed ^ 0x5b0);
    const P = config.points;
    const ts = Array.from({ length: P }, (_, k) => (config.tEnd * k) / (P - 1));
    const N = config.trajectories;
    const data = trajectories(N, ts, config.radius, rng);
    const y0 = tensor(data.y0, { dtype: 'float64', shape: [N, 2] });
    const ys = tensor(data.ys, { dtype: 'float64', shape: [P, N, 2] });

    // 1. Fit a neural ODE (MLP field, fixed-step RK4, discretise-then-optimise gradients).
    const [k1, k2] = splitKey(randomKey(ctx.seed * 13 + 5), 2);
    const field = new Sequential(
      new Linear(2, config.hidden, { dtype: 'float64', key: k1 }),
      new Softplus(),
      new Linear(config.hidden, 2, { dtype: 'float64', key: k2 }),
    );
    const node = new NeuralODE(field, { solver: new RK4(), dt0: config.dt, t0: 0, t1: config.tEnd, ts });
    const opt = new Adam(field.parameters(), { lr: config.lr });
    let loss = Number.NaN;
    for (let it = 0; it < config.iters; it++) {
      if (ctx.signal.aborted) break;
      const cos = 0.5 * (1 + Math.cos((Math.PI * it) / config.iters));
      opt.paramGroups[0]!.lr = config.lr * (0.05 + 0.95 * cos);
      opt.zeroGrad();
      const l = mseLoss(node.forward(y0), ys);
      l.backward();
      opt.step();
      loss = l.item();
      ctx.log({ step: it + 1, loss });
      ctx.progress(it + 1, config.iters, { loss });
      await ctx.tick();
    }
    if (ctx.signal.aborted) return { summary: { stopped: 1 } };

    // 2. Sample the learnt field at visited states.
    const visited = data.ys;
    const M = Math.min(config.samples, P * N);
    const X: number[][] = [];
    for (let i = 0; i < M; i++) {
      const j = rng.int(P * N);
      X.push([visited[2 * j]!, visited[2 * j + 1]!]);
    }
    const Xt = tensor(X, { dtype: 'float64' });
    const Y = noGrad(() => field.forward(Xt));
    const fieldErr = (() => {
      const y = Y.dataSync();
      let num = 0;
      let den = 0;
      X.forEach(([a, b], i) => {
        const t = [-a! + b!, -b!];
        for (let c = 0; c < 2; c++) {
          num += (Number(y[2 * i + c]) - t[c]!) ** 2;
          den += t[c]! ** 2;
        }
      });
      return Math.sqrt(num / den);
    })();

    // 3. Regularised evolution, one expression per component.
    const srStart = performance.now();
    const sr = symbolicVectorField(X, Y, {
      names: NAMES,
      populations: config.populations,
      populationSize: config.populationSize,
      iterations: config.iterations,
      cyclesPerIteration: config.cycles,
      parsimony: config.parsimony,
      seed: ctx.seed * 101 + 7,
    });
    const srSeconds = (performance.now() - srStart) / 1000;
    const found = sr.strings.slice();

    // 4. Fine-tune the constants through the ODE solve on the training trajectories.
    const sym = symbolicField(sr.exprs, 'float64');
    for (const p of sym.params) p.requiresGrad_(true);
    const live = sym.params.filter((p) => p.size > 0);
    const solveSym = (init: Tensor, times: readonly number[]) =>
      diffeqsolve(
        new ODETerm((_t, y: Tensor) => sym.field(y)),
        new RK4(),
        0,
        times[times.length - 1]!,
        config.dt,
        init,
        {
          saveat: new SaveAt({ ts: times }),
        },
      ).ys!;
    if (live.length > 0 && config.fineTuneSteps > 0) {
      const fopt = new Adam(live, { lr: config.fineTuneLr });
      for (let it = 0; it < config.fineTuneSteps; it++) {
        fopt.zeroGrad();
        const l = mseLoss(solveSym(y0, ts), ys);
        l.backward();
        fopt.step();
        ctx.log({ step: config.iters + it + 1, finetune_loss: l.item() });
        await ctx.tick();
      }
    }
    // Write the tuned constants back and quantise.
    sr.exprs.forEach((e, j) => {
      const vals = sym.params[j]!.dataSync();
      let k = 0;
      const walk = (n: typeof e): void => {
        if (n.kind === 'const') n.value = Number(vals[k++]);
        else if (n.kind === 'op') {
          walk(n.left);
          walk(n.right);
        }
      };
      walk(e);
    });
    const tuned = sr.exprs.map((e) => exprString(e, NAMES));
    const recovered = sr.exprs.map((e) => quantiseExpr(e, config.quantum));
    const recoveredStrings = recovered.map((e) => exprString(e, NAMES));
    const unrounded = coefficientError(sr.exprs);
    const rounded = coefficientError(recovered);

    // 5. Held-out trajectories: truth vs recovered ODE vs neural ODE.
    const Nt = config.testTrajectories;
    const testTs = Array.from({ length: 41 }, (_, k) => (config.tEnd * k) / 40);
    const test = trajectories(Nt, testTs, config.radius, rng);
    const ty0 = tensor(test.y0, { dtype: 'float64', shape: [Nt, 2] });
    const final = symbolicField(recovered, 'float64');
    const recTraj = noGrad(() =>
      diffeqsolve(
        new ODETerm((_t, y: Tensor) => final.field(y)),
        new RK4(),
        0,
        config.tEnd,
        config.dt / 4,
        ty0,
        {
          saveat: new SaveAt({ ts: testTs }),
        },
      ).ys!.dataSync(),
    );
    const nodeTraj = noGrad(() => node.solve(ty0, { ts: testTs }).ys!.dataSync());
    const relErr = (pred: ArrayLike<number>) => {
      let num = 0;
      let den = 0;
      for (let i = 0; i < test.ys.length; i++) {
        num += (Number(pred[i]) - test.ys[i]!) ** 2;
        den += test.ys[i]! ** 2;
      }
      return Math.sqrt(num / den);
    };
    const recErr = relErr(recTraj);
    const nodeErr = relErr(nodeTraj);
    const wallS = (performance.now() - start) / 1000;

    ctx.claim('recovered structure matches dx/dt = −x + y, dy/dt = −y', rounded.structure ? 1 : 0, {
      op: '>=',
      target: 1,
      description: `found ${JSON.stringify(found)}; after fine-tuning and rounding to ${config.quantum}: ${JSON.stringify(recoveredStrings)}`,
    });
    ctx.claim('max |coefficient − truth| (before rounding)', unrounded.err, {
      op: '<',
      target: config.coefficientTolerance,
      description: `fine-tuned constants: ${JSON.stringify(tuned)}; extra or missing terms count fully`,
    });
    ctx.claim('relative trajectory error of the recovered ODE', recErr, {
      op: '<',
      target: 1e-3,
      description: `${Nt} held-out initial conditions in [−${config.radius}, ${config.radius}]², 41 times on [0, ${config.tEnd}] (neural ODE: ${nodeErr.toExponential(2)})`,
    });
    ctx.summary('node_final_loss', loss);
    ctx.summary('learnt_field_rel_err', fieldErr);
    ctx.summary('max_coef_err', unrounded.err);
    ctx.summary('max_coef_err_rounded', rounded.err);
    ctx.summary('recovered_traj_rel_err', recErr);
    ctx.summary('node_traj_rel_err', nodeErr);
    ctx.summary('sr_seconds', srSeconds);
    ctx.summary(
      'sr_evaluations',
      sr.components.reduce((s, c) => s + c.evaluations, 0),
    );
    ctx.summary('wall_s', wallS);

    // Charts.
    const metrics = ctx.metrics();
    ctx.chart(
      'loss',
      ctx.charts.curves({ data: metrics, y: 'loss', title: 'Neural ODE training loss (MSE)' }),
    );
    const front: Record<string, number | string>[] = [];
    sr.components.forEach((c, j) => {
      for (const f of c.front)
        front.push({ complexity: f.complexity, loss: f.loss, component: `d${NAMES[j]}/dt` });
    });
    ctx.chart(
      'pareto-front',
      ctx.charts.lines({
        data: front,
        x: 'complexity',
        y: 'loss',
        group: 'component',
        points: true,
        logY: true,
        title: 'Pareto front: normalised loss vs expression size',
      }),
    );
    const rows: Record<string, number | string>[] = [];
    for (const s of [0, 1].filter((i) => i < Nt))
      testTs.forEach((t, k) => {
        for (let c = 0; c < 2; c++) {
          const at = (k * Nt + s) * 2 + c;
          const lab = `#${s} ${NAMES[c]}`;
          rows.push({ t, value: test.ys[at]!, series: `${lab} truth` });
          rows.push({ t, value: Number(recTraj[at]), series: `${lab} recovered` });
          rows.push({ t, value: Number(nodeTraj[at]), series: `${lab} neural ODE` });
        }
      });
    ctx.chart(
      'trajectories',
      ctx.charts.lines({
        data: rows,
        x: 't',
        y: 'value',
        group: 'series',
        title: 'Held-out trajectories: truth, recovered ODE, neural ODE',
        width: 560,
      }),
    );
    return {};
  },
});
