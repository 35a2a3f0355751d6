/**
 * Continuous (optimise-then-discretise) adjoints. With a(t) = ∂L/∂y(t):
 *
 *   da/dt = −aᵀ ∂f/∂y,   daθ/dt = −aᵀ ∂f/∂θ,
 *
 * solved backwards from the final time with a = ∂L/∂y(t1), adding ∂L/∂y(tᵢ) at every
 * saved time. The gradient is that of the exact ODE solution (accurate to the backward
 * solve's tolerance), not of the computed one.
 *
 * - `BacksolveAdjoint` re-integrates y backwards together with (a, aθ): O(1) memory,
 *   but reverse-time solves of dissipative or stiff systems can be inaccurate. By default
 *   y is reset to the forward value at every saved time (`restart`).
 * - `InterpolatedAdjoint` reads y(t) from the forward pass's dense interpolant and
 *   solves only (a, aθ): memory grows with the forward steps, but the backward system is
 *   as stable as the forward one and each backward evaluation skips no work.
 *
 * Both support the seminorm of Kidger, Chen & Lyons (2021): the step-size control of
 * the backward solve ignores the aθ channels, which are pure integrals.
 */
import { customFunction } from '../../autograd/function.js';
import { enableGrad, isGradEnabled, noGrad } from '../../autograd/mode.js';
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../ops/binary.js';
import { zerosLike } from '../../ops/creation.js';
import type { StepSizeController } from '../controllers/base.js';
import { PIDController } from '../controllers/pid.js';
import { DiffEqError, RESULT_CODES } from '../errors.js';
import { Engine, KIND_STEP, type Problem } from '../loop.js';
import { type ErrorNorm, groupedRmsNorm } from '../norms.js';
import { SaveAt } from '../saveat.js';
import { DenseSolution } from '../solution.js';
import type { AbstractSolver } from '../solvers/base.js';
import type { AbstractTerm, Time } from '../terms/base.js';
import { ControlTerm } from '../terms/control.js';
import { MultiTerm } from '../terms/multi.js';
import type { TreeDef } from '../tree.js';
import {
  type AbstractAdjoint,
  type AdjointResult,
  absoluteSlots,
  assemble,
  pieceCotangent,
  slotLayout,
} from './base.js';
import { checkUndeclared, collectParams, vjpList } from './params.js';

/** Options of the continuous adjoints. */
export interface ContinuousAdjointOptions {
  /** Solver of the backward pass (default: the forward solver). */
  solver?: AbstractSolver;
  /** Controller of the backward pass (default: the forward one). */
  stepsizeController?: StepSizeController;
  /** Exclude the parameter-adjoint channels from the backward error norm (default false). */
  seminorm?: boolean;
  /** Step limit of each backward segment (default: the forward maxSteps). */
  maxSteps?: number;
  /**
   * Error norm of the backward solve without seminorm: 'rms' (default; RMS over all
   * components, as Diffrax) or 'mixed' (maximum over y, a and aθ of each group's RMS, as
   * torchdiffeq). With `seminorm` the aθ group is dropped from either.
   */
  norm?: 'rms' | 'mixed';
}

/** Options of `BacksolveAdjoint`. */
export interface BacksolveOptions extends ContinuousAdjointOptions {
  /** Reset the backward y to the forward value at every saved time (default true). */
  restart?: boolean;
}

/** Statistics of the last backward pass. */
export interface BackwardStats {
  /** Backward segments (one between consecutive saved times). */
  segments: number;
  steps: number;
  accepted: number;
  rejected: number;
  /** Evaluations of the augmented vector field (each is one f evaluation plus one VJP). */
  fevals: number;
}

/** A plain ODE term over a list of leaves (used for the backward systems). */
function leafTerm(vf: (t: number, y: Tensor[]) => Tensor[]): AbstractTerm<Tensor[]> {
  return {
    isODE: true,
    params: () => [],
    vf: (t: Time, y: Tensor[]) => vf(t as number, y),
    contr: (t0: Time, t1: Time) => (t1 as number) - (t0 as number),
    prod: (v: Tensor[], c: unknown) => v.map((x) => mul(x, c as number)),
    vfProd: (t: Time, y: Tensor[], _a: unknown, c: unknown) =>
      vf(t as number, y).map((x) => mul(x, c as number)),
  };
}

function describeTerm(t: AbstractTerm): string {
  if (t instanceof MultiTerm) return `MultiTerm(${t.terms.map(describeTerm).join(', ')})`;
  if (t instanceof ControlTerm) return `ControlTerm(${t.control.constructor?.name ?? 'path'})`;
  return (t as { constructor?: { name?: string } }).constructor?.name ?? 'term';
}

function controlTerms(t: AbstractTerm, out: ControlTerm[] = []): ControlTerm[] {
  if (t instanceof MultiTerm) for (const s of t.terms) controlTerms(s, out);
  else if (t instanceof ControlTerm) out.push(t);
  return out;
}

/**
 * The continuous adjoints integrate the adjoint ODE of dy/dt = f(t, y): terms whose control
 * is not time (SDEs, CDE `ControlTerm`s, `MultiTerm`s) are rejected with the alternatives.
 */
function checkODETerm(term: AbstractTerm, op: string): void {
  if (term.isODE) return;
  const got = describeTerm(term);
  const controls = controlTerms(term);
  const brownian = controls.some((c) => typeof c.control.derivative !== 'function');
  if (brownian)
    throw new ArgumentError(
      `${op}: SDE/control terms with a Brownian control are not supported (got ${got}); there is no continuous ` +
        'SDE adjoint. Use ReversibleAdjoint with ReversibleHeun (exact, O(1) memory), or DirectAdjoint/RecursiveCheckpointAdjoint',
    );
  if (controls.length > 0)
    throw new ArgumentError(
      `${op}: ControlTerms are not supported (got ${got}); the continuous adjoints differentiate dy/dt = f(t, y). For a CDE ` +
        "on a differentiable path integrate dz/dt = f(z)·dX/dt as an ODETerm (NeuralCDE mode 'ode'), or use " +
        'DirectAdjoint/RecursiveCheckpointAdjoint (or ReversibleAdjoint with ReversibleHeun)',
    );
  throw new ArgumentError(
    `${op}: needs an ODE term (isODE, control = time; got ${got}); use DirectAdjoint or RecursiveCheckpointAdjoint`,
  );
}

abstract class ContinuousAdjoint implements AbstractAdjoint {
  abstract readonly name: string;
  /** Statistics of the last backward pass (null before any). */
  lastBackward: BackwardStats | null = null;

  constructor(protected readonly opts: ContinuousAdjointOptions) {}

  /** Whether the forward pass must keep its dense interpolant. */
  protected abstract readonly needsDense: boolean;

  /**
   * Integrates the backward system from `tStart` to `tEnd`; `state` is
   * [y…, a…, aθ…] (backsolve) or [a…, aθ…] (interpolated).
   */
  protected integrate(
    engine: Engine,
    vf: (t: number, y: Tensor[]) => Tensor[],
    groups: number[],
    tStart: number,
    tEnd: number,
    state: Tensor[],
    stats: BackwardStats,
  ): Tensor[] {
    const p = engine.p;
    const base = this.opts.stepsizeController ?? p.controller;
    let norm: ErrorNorm = groupedRmsNorm(groups);
    if ((this.opts.norm ?? 'rms') === 'rms') {
      // Plain RMS over the components that count (all of them without seminorm).
      const keep = groups.map((g) => g >= 0);
      norm = keep.every(Boolean)
        ? 'rms'
        : (scaled) => {
            let ss = 0;
            let n = 0;
            scaled.forEach((x, l) => {
              if (!keep[l]) return;
              for (let i = 0; i < x.length; i++) ss += x[i]! * x[i]!;
              n += x.length;
            });
            return n ? Math.sqrt(ss / n) : 0;
          };
    }
    const controller = base instanceof PIDController ? base.with({ norm }) : base;
    const dir = Math.sign(tEnd - tStart);
    const dt0 = controller.adaptive ? null : p.dt0 === null ? null : dir * Math.abs(p.dt0);
    const def: TreeDef = { kind: 'array', children: state.map(() => ({ kind: 'leaf' as const })) };
    const prob: Problem = {
      term: leafTerm(vf) as AbstractTerm,
      solver: this.opts.solver ?? p.solver,
      controller,
      t0: tStart,
      t1: tEnd,
      dt0,
      y0: state.map((s) => s.detach()),
      def,
      paths: state.map((_, i) => `adjoint[${i}]`),
      args: undefined,
      rows: 1,
      independent: false,
      dtype: p.dtype,
      saveat: new SaveAt(),
      saveTs: [new Float64Array(0)],
      maxSteps: this.opts.maxSteps ?? p.maxSteps,
      event: null,
    };
    const eng = new Engine(prob);
    const out = noGrad(() => eng.run());
    stats.segments++;
    stats.fevals += out.counters.fevals;
    stats.steps += out.rowSteps[0]!;
    stats.accepted += out.rowAccepted[0]!;
    stats.rejected += out.rowRejected[0]!;
    const code = out.results[0]!;
    if (code !== 0) {
      throw new DiffEqError(
        `${this.name} (backward solve from t = ${tStart} to ${tEnd}): ${out.messages[0]}`,
        RESULT_CODES[code]!,
        null,
      );
    }
    return out.yFinal;
  }

  /** Backward pass: returns ∂L/∂y0 and ∂L/∂θ. */
  protected abstract backward(
    engine: Engine,
    params: Tensor[],
    schedule: { time: number; cot: Tensor[] | null; value: Tensor[] }[],
    initialCot: Tensor[] | null,
    yFinal: Tensor[],
    tFinal: number,
    dense: DenseSolution | null,
    stats: BackwardStats,
  ): Tensor[];

  solve(engine: Engine): AdjointResult {
    const p = engine.p;
    const sa = p.saveat;
    checkODETerm(p.term, this.name);
    if (sa.steps || sa.fn) {
      throw new ArgumentError(
        `${this.name}: SaveAt steps/fn are not supported (save t0, t1 and ts only, or use a DTO adjoint)`,
      );
    }
    if (p.independent && (Array.isArray(sa.ts) || p.event)) {
      throw new ArgumentError(
        `${this.name}: per-sample save times and events are not supported with batch: 'independent' ` +
          '(the backward pass is solved jointly); use RecursiveCheckpointAdjoint or DirectAdjoint',
      );
    }
    const params = collectParams(engine);
    checkUndeclared(engine, params, this.name);
    const needsGrad =
      isGradEnabled() && (p.y0.some((l) => l.requiresGrad) || params.some((q) => q.requiresGrad));
    const run = noGrad(() => engine.run({ recordDense: this.needsDense || sa.dense, detachDense: true }));
    const layout = slotLayout(engine, run.pieces);
    const plain = noGrad(() => assemble(engine, run, layout));
    if (!needsGrad || !plain.ys) return { run, ...plain };

    const rows = p.rows;
    const slots = run.pieces.map((pc) => absoluteSlots(pc, layout));
    const outputs = plain.ys;
    const yFinal = run.yFinal.map((l) => l.detach());
    const tFinal = run.tFinal[0]!;
    const dense =
      run.dense && this.needsDense
        ? new DenseSolution(run.dense, rows, p.t0, p.t1, run.tFinal, p.independent)
        : null;
    const fn = customFunction({
      name: `diffeq.${this.name}`,
      forward: (..._inputs: Tensor[]) => ({
        output: outputs,
        backward: (grads: Tensor[]) => {
          const gdata = grads.map((g) => g._contiguousData());
          const cotOf = (k: number): Tensor[] | null =>
            pieceCotangent(gdata, slots[k]!, rows, run.pieces[k]!.leaves);
          const sum = (a: Tensor[] | null, b: Tensor[] | null): Tensor[] | null =>
            a && b ? a.map((x, i) => add(x, b[i]!)) : (a ?? b);
          // Group the saved pieces by time (descending in the integration direction).
          const byTime = new Map<number, { cot: Tensor[] | null; value: Tensor[] }>();
          let initialCot: Tensor[] | null = null;
          run.pieces.forEach((pc, k) => {
            if (pc.kind === KIND_STEP) return;
            const c = cotOf(k);
            if (pc.iter === -1) {
              initialCot = sum(initialCot, c);
              return;
            }
            const time = pc.times[0]!;
            const entry = byTime.get(time);
            if (entry) entry.cot = sum(entry.cot, c);
            else byTime.set(time, { cot: c, value: pc.leaves.map((l) => l.detach()) });
          });
          const dir = p.t1 >= p.t0 ? 1 : -1;
          const schedule = [...byTime.entries()]
            .sort((x, y) => dir * (y[0] - x[0]))
            .map(([time, v]) => ({ time, cot: v.cot, value: v.value }));
          const stats: BackwardStats = { segments: 0, steps: 0, accepted: 0, rejected: 0, fevals: 0 };
          this.lastBackward = stats;
          return this.backward(engine, params, schedule, initialCot, yFinal, tFinal, dense, stats);
        },
      }),
    });
    const ys = fn(...p.y0, ...params);
    return { run, ys, ts: plain.ts, T: plain.T };
  }
}

/** The augmented dynamics (−aᵀ∂f/∂y, −aᵀ∂f/∂θ) at (t, y). */
function adjointDynamics(
  engine: Engine,
  params: Tensor[],
  t: number,
  y: Tensor[],
  a: Tensor[],
): { fy: Tensor[]; gy: Tensor[]; gp: Tensor[] } {
  const tArr = new Float64Array(engine.p.rows).fill(t);
  return enableGrad(() => {
    const yt = y.map((l) => l.detach().requiresGrad_(true));
    const fy = engine.callVF(tArr, yt, null);
    const gs = vjpList(fy, a, [...yt, ...params]);
    const n = y.length;
    return {
      fy: fy.map((f) => f.detach()),
      gy: gs.slice(0, n).map((g) => mul(g.detach(), -1)),
      gp: gs.slice(n).map((g) => mul(g.detach(), -1)),
    };
  });
}

/**
 * Backsolve adjoint (torchdiffeq's `odeint_adjoint`, Diffrax's `BacksolveAdjoint`): O(1)
 * memory in the number of steps; y is re-integrated backwards with (a, aθ).
 */
export class BacksolveAdjoint extends ContinuousAdjoint {
  readonly name = 'BacksolveAdjoint';
  protected readonly needsDense = false;
  private readonly restart: boolean;

  constructor(opts: BacksolveOptions = {}) {
    super(opts);
    this.restart = opts.restart ?? true;
  }

  protected backward(
    engine: Engine,
    params: Tensor[],
    schedule: { time: number; cot: Tensor[] | null; value: Tensor[] }[],
    initialCot: Tensor[] | null,
    yFinal: Tensor[],
    tFinal: number,
    _dense: DenseSolution | null,
    stats: BackwardStats,
  ): Tensor[] {
    const p = engine.p;
    const nY = p.y0.length;
    const nP = params.length;
    const groups = [
      ...new Array<number>(nY).fill(0),
      ...new Array<number>(nY).fill(1),
      ...new Array<number>(nP).fill(this.opts.seminorm ? -1 : 2),
    ];
    const vf = (t: number, s: Tensor[]): Tensor[] => {
      const { fy, gy, gp } = adjointDynamics(engine, params, t, s.slice(0, nY), s.slice(nY, 2 * nY));
      return [...fy, ...gy, ...gp];
    };
    let y = yFinal;
    let a = y.map((l) => zerosLike(l));
    let ap = params.map((q) => zerosLike(q, { dtype: p.dtype }));
    let tCur = tFinal;
    const step = (tEnd: number) => {
      if (tEnd === tCur) return;
      const out = this.integrate(engine, vf, groups, tCur, tEnd, [...y, ...a, ...ap], stats);
      y = out.slice(0, nY);
      a = out.slice(nY, 2 * nY);
      ap = out.slice(2 * nY);
      tCur = tEnd;
    };
    for (const s of schedule) {
      step(s.time);
      if (this.restart) y = s.value;
      if (s.cot) a = a.map((x, i) => add(x, s.cot![i]!));
    }
    step(p.t0);
    if (initialCot) a = a.map((x, i) => add(x, initialCot![i]!));
    return [...a, ...ap.map((g, i) => (g.dtype === params[i]!.dtype ? g : g.to(params[i]!.dtype)))];
  }
}

/**
 * Interpolated adjoint (SciML's `InterpolatingAdjoint` without checkpointing): the
 * backward pass reads y(t) from the forward dense interpolant and solves only (a, aθ).
 */
export class InterpolatedAdjoint extends ContinuousAdjoint {
  readonly name = 'InterpolatedAdjoint';
  protected readonly needsDense = true;

  constructor(opts: ContinuousAdjointOptions = {}) {
    super(opts);
  }

  protected backward(
    engine: Engine,
    params: Tensor[],
    schedule: { time: number; cot: Tensor[] | null; value: Tensor[] }[],
    initialCot: Tensor[] | null,
    yFinal: Tensor[],
    tFinal: number,
    dense: DenseSolution | null,
    stats: BackwardStats,
  ): Tensor[] {
    const p = engine.p;
    const nY = p.y0.length;
    const nP = params.length;
    const groups = [
      ...new Array<number>(nY).fill(0),
      ...new Array<number>(nP).fill(this.opts.seminorm ? -1 : 1),
    ];
    const yAt = (t: number): Tensor[] => {
      if (t === tFinal || !dense) return yFinal;
      return noGrad(() => dense.evaluate(t));
    };
    const vf = (t: number, s: Tensor[]): Tensor[] => {
      const { gy, gp } = adjointDynamics(engine, params, t, yAt(t), s.slice(0, nY));
      return [...gy, ...gp];
    };
    let a = yFinal.map((l) => zerosLike(l));
    let ap = params.map((q) => zerosLike(q, { dtype: p.dtype }));
    let tCur = tFinal;
    const step = (tEnd: number) => {
      if (tEnd === tCur) return;
      const out = this.integrate(engine, vf, groups, tCur, tEnd, [...a, ...ap], stats);
      a = out.slice(0, nY);
      ap = out.slice(nY);
      tCur = tEnd;
    };
    for (const s of schedule) {
      step(s.time);
      if (s.cot) a = a.map((x, i) => add(x, s.cot![i]!));
    }
    step(p.t0);
    if (initialCot) a = a.map((x, i) => add(x, initialCot![i]!));
    return [...a, ...ap.map((g, i) => (g.dtype === params[i]!.dtype ? g : g.to(params[i]!.dtype)))];
  }
}
