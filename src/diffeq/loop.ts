/**
 * The integration loop. One `Engine` owns a normalised problem and runs the
 * adaptive loop (`run`), recording per iteration the decisions it made (step times,
 * accepted rows, save and event positions) so that the checkpointing adjoint can
 * replay any step exactly (`replay`).
 *
 * Batches: with `rows > 1` the leading dimension of every leaf is split into rows that
 * step independently (own t, dt, accept/reject, save positions, events, statistics);
 * all rows are still evaluated together in one vector-field call per stage.
 */
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import type { DType } from '../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { mul } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import type { StepSizeController } from './controllers/base.js';
import { initialStepSize, PIDController } from './controllers/pid.js';
import { RESULT } from './errors.js';
import { rowsFinite, rowWhereLeaves } from './kernels.js';
import type { Event, SaveAt } from './saveat.js';
import type { AbstractSolver, Interpolant, SolverCounters, StepResult } from './solvers/base.js';
import type { TermStepContext } from './solvers/sde/context.js';
import type { AbstractTerm, Time } from './terms/base.js';
import { describeTree, type Tree, type TreeDef, treeDefEqual, treeFlatten, treeUnflatten } from './tree.js';

/** Kinds of saved outputs, in slot order. */
export const KIND_T0 = 0;
export const KIND_TS = 1;
export const KIND_STEP = 2;
export const KIND_T1 = 3;

/** Saved values produced at one point of the loop. */
export interface SavePiece {
  /** Full-batch leaves of the saved tree (the state, or `fn`'s output). */
  leaves: Tensor[];
  kind: number;
  /** Per row: index within its kind, or −1 when the row saves nothing here. */
  slots: Int32Array;
  /** Per row: the time saved. */
  times: Float64Array;
  /** The tape step that produced it (−1: initial state, −2: final state). */
  iter: number;
}

/** A save inside a step: interpolate at θ (per row), or take y1 itself when `exact`. */
export interface SaveRecord {
  kind: number;
  theta: Float64Array;
  slots: Int32Array;
  times: Float64Array;
  exact: boolean;
}

/** The decisions of one loop iteration in which at least one row accepted its step. */
export interface TapeEntry {
  t0: Float64Array;
  dt: Float64Array;
  accept: Uint8Array;
  /** θ of the event per row (NaN: none), or null. */
  eventTheta: Float64Array | null;
  saves: SaveRecord[];
  needDense: boolean;
  /** Rows whose step ended on a jump time (the next step must re-evaluate f). */
  jumped: boolean;
}

/** One accepted step of the dense solution. */
export interface DenseEntry {
  interp: Interpolant;
  accept: Uint8Array;
  /** Where each accepted row's step ends (1, or θ of an event). */
  thetaEnd: Float64Array;
}

/** A normalised problem. */
export interface Problem {
  term: AbstractTerm;
  solver: AbstractSolver;
  controller: StepSizeController;
  t0: number;
  t1: number;
  dt0: number | null;
  y0: Tensor[];
  def: TreeDef;
  paths: string[];
  args: unknown;
  rows: number;
  independent: boolean;
  dtype: DType;
  saveat: SaveAt;
  /** Per-row save times (shared arrays when identical). */
  saveTs: Float64Array[];
  maxSteps: number;
  event: Event | null;
}

/** Options of a run. */
export interface RunOptions {
  /** Keep the per-step interpolants (detached when `detachDense`). */
  recordDense?: boolean;
  detachDense?: boolean;
  /** Record the tape of decisions. */
  recordTape?: boolean;
  /** Called with the state at the start of every tape step (before it is applied). */
  onTapeStep?: (index: number, y: Tensor[]) => void;
}

/** What a run produces. */
export interface RunOutput {
  yFinal: Tensor[];
  tFinal: Float64Array;
  pieces: SavePiece[];
  /** Saved-tree structure (the state's, or `fn`'s output's). */
  outDef: TreeDef;
  results: Uint8Array;
  messages: string[];
  counters: SolverCounters;
  iterations: number;
  rowSteps: Int32Array;
  rowAccepted: Int32Array;
  rowRejected: Int32Array;
  dense: DenseEntry[] | null;
  tape: TapeEntry[] | null;
  eventRows: Uint8Array;
  wallMs: number;
}

function fmtT(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toPrecision(6);
}

/** Owns a problem: builds the step context, runs the loop, replays tape steps. */
export class Engine {
  readonly ctx: TermStepContext & { differentiable: boolean };
  readonly counters: SolverCounters;
  readonly dir: number;
  private outDef: TreeDef | null = null;
  private condIsBool = false;

  constructor(readonly p: Problem) {
    this.dir = p.t1 >= p.t0 ? 1 : -1;
    this.counters = { fevals: 0, jacobianEvals: 0, newtonIters: 0, newtonFailures: 0, vfTimeMs: 0 };
    const leafShapes = p.y0.map((l) => l.shape);
    const leafRowSizes = p.y0.map((l) => l.size / p.rows);
    const tol = p.controller.adaptive;
    this.ctx = {
      rows: p.rows,
      independent: p.independent,
      dtype: p.dtype,
      term: p.term,
      leafRowSizes,
      leafShapes,
      rtol: tol ? p.controller.rtol : Number.NaN,
      atol: tol ? p.controller.atol : Number.NaN,
      counters: this.counters,
      differentiable: true,
      vf: (t, y) => this.callVF(t, y, null),
      vfProd: (t, y, control) => this.callVF(t, y, { control }),
      contr: (t0, t1) => p.term.contr(this.timeArg(t0), this.timeArg(t1)),
      t0: p.t0,
      callTerm: (t, y, fn) => this.callTerm(t, y, fn),
      stateLeaves: (out) => this.stateLeaves(out),
      stateTree: (leaves) => treeUnflatten<Tree>(p.def, leaves),
    };
  }

  /** The time argument for user functions: a number, or a `[rows]` tensor for independent rows. */
  timeArg(t: Float64Array): Time {
    if (!this.p.independent) return t[0]!;
    const d = this.p.dtype === 'float32' ? Float32Array.from(t) : Float64Array.from(t);
    return Tensor._fromData(d, [t.length], this.p.dtype);
  }

  /** Evaluates the vector field (or `vf·control`), checking structure and shapes. */
  callVF(t: Float64Array, y: readonly Tensor[], prod: { control: unknown } | null): Tensor[] {
    const p = this.p;
    const out = this.callTerm(t, y, (tt, tree, args) =>
      prod ? p.term.vfProd(tt, tree, args, prod.control) : p.term.vf(tt, tree, args),
    );
    // The raw vector field of a non-ODE term (e.g. a MultiTerm's array, general-noise
    // diffusions) is not state-shaped: return its leaves unchecked (used by adjoint checks).
    if (!prod && !p.term.isODE)
      return treeFlatten(out, 'diffeqsolve: vector field output', 'vf(t, y)').leaves;
    return this.stateLeaves(out);
  }

  /** Calls `fn(t, y, args)` on the state tree (counted as one evaluation and timed). */
  callTerm<R>(t: Float64Array, y: readonly Tensor[], fn: (t: Time, y: Tree, args: unknown) => R): R {
    const p = this.p;
    const tree = treeUnflatten<Tree>(p.def, y);
    const start = performance.now();
    const out = fn(this.timeArg(t), tree, p.args);
    this.counters.vfTimeMs += performance.now() - start;
    this.counters.fevals++;
    return out;
  }

  /** The leaves of a state-shaped tree returned by a term, checked and cast to the solve dtype. */
  stateLeaves(out: unknown): Tensor[] {
    const p = this.p;
    const y = p.y0;
    if (out instanceof Tensor && y.length === 1 && p.def.kind === 'leaf') {
      return [this.checkLeaf(out, 0, out)];
    }
    const flat = treeFlatten(out, 'diffeqsolve: vector field output', 'f(t, y)');
    if (!treeDefEqual(flat.def, p.def)) {
      throw new ShapeError(
        `diffeqsolve: the vector field returned ${describeTree(flat.def, flat.leaves)} for a state ${describeTree(p.def, p.y0)}; ` +
          'f(t, y) must return a tree with the structure and shapes of y',
      );
    }
    return flat.leaves.map((l, i) => this.checkLeaf(l, i, out));
  }

  private checkLeaf(l: Tensor, i: number, out: unknown): Tensor {
    const ref = this.p.y0[i]!;
    if (l.shape.length !== ref.shape.length || l.shape.some((s, k) => s !== ref.shape[k])) {
      const flat = treeFlatten(out, 'diffeqsolve', 'f(t, y)');
      throw new ShapeError(
        `diffeqsolve: the vector field returned shape ${fmtShape(l.shape)} for the state leaf ${this.p.paths[i]} of shape ` +
          `${fmtShape(ref.shape)} (f returned ${describeTree(flat.def, flat.leaves)}, y is ${describeTree(this.p.def, this.p.y0)}); ` +
          'f(t, y) must return a tree with the structure and shapes of y',
      );
    }
    return l.dtype === this.p.dtype ? l : cast(l, this.p.dtype);
  }

  /** Applies `saveat.fn` (if any) to a state; returns the saved leaves. */
  saveLeaves(y: Tensor[], times: Float64Array): Tensor[] {
    const fn = this.p.saveat.fn;
    if (!fn) {
      this.outDef ??= this.p.def;
      return y;
    }
    const out = fn(this.timeArg(times), treeUnflatten(this.p.def, y), this.p.args);
    const flat = treeFlatten(out, 'SaveAt.fn', 'fn(t, y)');
    if (!this.outDef) this.outDef = flat.def;
    else if (!treeDefEqual(this.outDef, flat.def))
      throw new ShapeError('SaveAt.fn: returned trees of different structures');
    return flat.leaves;
  }

  /** The event condition per row. */
  conditionValues(t: Float64Array, y: Tensor[]): Float64Array {
    const ev = this.p.event!;
    const rows = this.p.rows;
    const v = noGrad(() => ev.condition(this.timeArg(t), treeUnflatten(this.p.def, y), this.p.args));
    const out = new Float64Array(rows);
    if (typeof v === 'boolean') {
      this.condIsBool = true;
      out.fill(v ? 1 : 0);
    } else if (typeof v === 'number') out.fill(v);
    else if (v instanceof Tensor) {
      if (v.dtype === 'bool') this.condIsBool = true;
      const d = v._contiguousData();
      if (d.length === rows) for (let b = 0; b < rows; b++) out[b] = d[b]!;
      else if (d.length === 1) out.fill(d[0]!);
      else {
        throw new ShapeError(
          `Event: condition returned shape ${fmtShape(v.shape)}; expected a scalar${rows > 1 ? ` or [${rows}] (one value per sample)` : ''}`,
        );
      }
    } else throw new ArgumentError('Event: condition must return a number, boolean or tensor');
    return out;
  }

  /** @internal whether the condition triggered between two values. */
  crossed(prev: number, next: number): boolean {
    if (this.condIsBool) return next !== 0;
    const d = this.p.event!.direction;
    const up = prev < 0 && next >= 0;
    const down = prev > 0 && next <= 0;
    return d === 'up' ? up : d === 'down' ? down : up || down;
  }

  /** @internal Locates the event on the interpolant (Illinois method), per triggered row. */
  locateEvent(
    interp: Interpolant,
    t: Float64Array,
    dt: Float64Array,
    trig: Uint8Array,
    gLo: Float64Array,
    gHi: Float64Array,
  ): Float64Array {
    const rows = this.p.rows;
    const lo = new Float64Array(rows);
    const hi = new Float64Array(rows).fill(1);
    const flo = Float64Array.from(gLo);
    const fhi = Float64Array.from(gHi);
    if (this.condIsBool) return hi;
    const side = new Int8Array(rows);
    const tolOf = (b: number) => this.p.event!.tol ?? 1e-12 * Math.max(1, Math.abs(t[b]!));
    for (let it = 0; it < 200; it++) {
      const theta = new Float64Array(rows).fill(1);
      let any = false;
      for (let b = 0; b < rows; b++) {
        if (!trig[b]) continue;
        if ((hi[b]! - lo[b]!) * Math.abs(dt[b]!) <= tolOf(b) || fhi[b] === 0) continue;
        any = true;
        let th = hi[b]! - (fhi[b]! * (hi[b]! - lo[b]!)) / (fhi[b]! - flo[b]!);
        const w = hi[b]! - lo[b]!;
        if (!(th > lo[b]! + 1e-3 * w && th < hi[b]! - 1e-3 * w) || it % 8 === 7) th = 0.5 * (lo[b]! + hi[b]!);
        theta[b] = th;
      }
      if (!any) break;
      const ty = new Float64Array(rows);
      for (let b = 0; b < rows; b++) ty[b] = t[b]! + theta[b]! * dt[b]!;
      const yth = noGrad(() => interp.evaluate(theta));
      const g = this.conditionValues(ty, yth);
      for (let b = 0; b < rows; b++) {
        if (!trig[b] || theta[b] === 1) continue;
        const gb = g[b]!;
        if (gb === 0 || Math.sign(gb) === Math.sign(fhi[b]!)) {
          hi[b] = theta[b]!;
          fhi[b] = gb;
          if (side[b] === 1) flo[b]! /= 2;
          side[b] = 1;
        } else {
          lo[b] = theta[b]!;
          flo[b] = gb;
          if (side[b] === -1) fhi[b]! /= 2;
          side[b] = -1;
        }
      }
    }
    return hi;
  }

  /** Pieces saved from the initial state. */
  initialPieces(y0: Tensor[]): SavePiece[] {
    const p = this.p;
    const rows = p.rows;
    const out: SavePiece[] = [];
    const times = new Float64Array(rows).fill(p.t0);
    if (p.saveat.t0) {
      out.push({
        leaves: this.saveLeaves(y0, times),
        kind: KIND_T0,
        slots: new Int32Array(rows),
        times,
        iter: -1,
      });
    }
    // ts entries equal to t0.
    for (let k = 0; ; k++) {
      const slots = new Int32Array(rows).fill(-1);
      let any = false;
      for (let b = 0; b < rows; b++) {
        const ts = p.saveTs[b]!;
        if (k < ts.length && ts[k] === p.t0) {
          slots[b] = k;
          any = true;
        }
      }
      if (!any) break;
      out.push({ leaves: this.saveLeaves(y0, times), kind: KIND_TS, slots, times, iter: -1 });
    }
    return out;
  }

  /** The piece saved from the final state. */
  finalPieces(y: Tensor[], tFinal: Float64Array): SavePiece[] {
    const rows = this.p.rows;
    if (!this.p.saveat.t1) return [];
    return [
      {
        leaves: this.saveLeaves(y, tFinal),
        kind: KIND_T1,
        slots: new Int32Array(rows),
        times: tFinal,
        iter: -2,
      },
    ];
  }

  /** Applies the decisions of a tape entry to a step result: the next state and the saved pieces. */
  applyStep(
    rec: TapeEntry,
    y: Tensor[],
    step: StepResult,
    iter: number,
  ): { yNext: Tensor[]; pieces: SavePiece[] } {
    const pieces: SavePiece[] = [];
    for (const s of rec.saves) {
      const ys = s.exact ? step.y1 : step.interp!.evaluate(s.theta, this.p.independent ? s.slots : undefined);
      pieces.push({
        leaves: this.saveLeaves(ys, s.times),
        kind: s.kind,
        slots: s.slots,
        times: s.times,
        iter,
      });
    }
    let yNext = rowWhereLeaves(rec.accept, step.y1, y);
    if (rec.eventTheta) {
      const rows = this.p.rows;
      const mask = new Uint8Array(rows);
      const th = new Float64Array(rows).fill(1);
      for (let b = 0; b < rows; b++) {
        if (!Number.isNaN(rec.eventTheta[b]!)) {
          mask[b] = 1;
          th[b] = rec.eventTheta[b]!;
        }
      }
      const exact = !this.p.independent && th[0] === 1;
      const yEv = exact ? step.y1 : step.interp!.evaluate(th);
      yNext = rowWhereLeaves(mask, yEv, yNext);
    }
    return { yNext, pieces };
  }

  /** Re-runs tape step `index` from state `y` (FSAL off): the next state and its saved pieces. */
  replay(rec: TapeEntry, y: Tensor[], index: number): { yNext: Tensor[]; pieces: SavePiece[] } {
    const step = this.p.solver.step(this.ctx, rec.t0, rec.dt, y, null, rec.needDense);
    return this.applyStep(rec, y, step, index);
  }

  /** Runs the loop. */
  run(opts: RunOptions = {}): RunOutput {
    const wall0 = performance.now();
    const p = this.p;
    const st = new RunState(this, opts);
    let k = st.init();
    while (st.chooseSteps()) {
      st.iterations++;
      const needDense = st.needsDense();
      const step = p.solver.step(this.ctx, st.t, st.dt, st.y, k, needDense);
      const accept = st.decide(step);
      if (!st.count(accept)) continue;
      const { eventTheta, thetaEnd } = st.events(step, accept);
      const saves = st.saves(accept, thetaEnd);
      const jumped = st.jumped(accept, eventTheta);
      const rec: TapeEntry = {
        t0: Float64Array.from(st.t),
        dt: Float64Array.from(st.dt),
        accept: Uint8Array.from(accept),
        eventTheta,
        saves,
        needDense,
        jumped,
      };
      const index = st.tape ? st.tape.length : 0;
      opts.onTapeStep?.(index, st.y);
      st.tape?.push(rec);
      const res = this.applyStep(rec, st.y, step, index);
      for (const piece of res.pieces) st.pieces.push(piece);
      if (st.dense) {
        st.dense.push({
          interp: opts.detachDense ? step.interp!.detach() : step.interp!,
          accept: rec.accept,
          thetaEnd: Float64Array.from(thetaEnd),
        });
      }
      // FSAL: carry f(t1, y1) for the rows that moved, keep f(t0, y0) for the others.
      const allAccepted = st.allAccepted(accept);
      if (jumped || !step.k1) k = null;
      else if (allAccepted) k = step.k1;
      else k = k ? rowWhereLeaves(accept, step.k1, k) : null;
      st.y = res.yNext;
      st.advance(accept, eventTheta, thetaEnd);
    }
    for (const piece of this.finalPieces(st.y, st.t)) st.pieces.push(piece);
    if (!this.outDef) this.outDef = p.def;
    return {
      yFinal: st.y,
      tFinal: st.t,
      pieces: st.pieces,
      outDef: this.outDef,
      results: st.results,
      messages: st.messages,
      counters: this.counters,
      iterations: st.iterations,
      rowSteps: st.rowSteps,
      rowAccepted: st.rowAccepted,
      rowRejected: st.rowRejected,
      dense: st.dense,
      tape: st.tape,
      eventRows: st.eventRows,
      wallMs: performance.now() - wall0,
    };
  }
}

/**
 * The per-row state of one run, with the loop's phases as small methods (small
 * functions get optimised early by the JIT; one huge loop body did not).
 */
class RunState {
  readonly p: Problem;
  readonly rows: number;
  readonly dir: number;
  readonly ctrl: StepSizeController;
  readonly t: Float64Array;
  readonly active: Uint8Array;
  readonly results: Uint8Array;
  readonly messages: string[];
  readonly rowSteps: Int32Array;
  readonly rowAccepted: Int32Array;
  readonly rowRejected: Int32Array;
  readonly eventRows: Uint8Array;
  readonly lastNonFinite: Uint8Array;
  /** Next save-time index per row. */
  readonly sp: Int32Array;
  readonly tape: TapeEntry[] | null;
  readonly dense: DenseEntry[] | null;
  readonly pieces: SavePiece[];
  readonly dt: Float64Array;
  readonly target: Float64Array;
  readonly clipped: Uint8Array;
  readonly hitsEnd: Uint8Array;
  readonly jumpEnd: Uint8Array;
  readonly proposed: Float64Array;
  readonly dtProp: Float64Array;
  readonly cnt: Int32Array;
  readonly marks: { t: number; jump: boolean }[];
  y: Tensor[];
  iterations = 0;
  errorOrder = 1;
  cstate: unknown = null;
  prevCond: Float64Array | null = null;

  constructor(
    readonly engine: Engine,
    opts: RunOptions,
  ) {
    const p = engine.p;
    const rows = p.rows;
    this.p = p;
    this.rows = rows;
    this.dir = engine.dir;
    this.ctrl = p.controller;
    this.t = new Float64Array(rows).fill(p.t0);
    this.active = new Uint8Array(rows).fill(1);
    this.results = new Uint8Array(rows);
    this.messages = new Array<string>(rows).fill('');
    this.rowSteps = new Int32Array(rows);
    this.rowAccepted = new Int32Array(rows);
    this.rowRejected = new Int32Array(rows);
    this.eventRows = new Uint8Array(rows);
    this.lastNonFinite = new Uint8Array(rows);
    this.sp = new Int32Array(rows);
    this.tape = opts.recordTape ? [] : null;
    this.dense = opts.recordDense ? [] : null;
    this.dt = new Float64Array(rows);
    this.target = new Float64Array(rows);
    this.clipped = new Uint8Array(rows);
    this.hitsEnd = new Uint8Array(rows);
    this.jumpEnd = new Uint8Array(rows);
    this.proposed = new Float64Array(rows);
    this.dtProp = new Float64Array(rows);
    this.cnt = new Int32Array(rows);
    const dir = this.dir;
    this.marks = [
      ...this.ctrl.stepTs.map((v) => ({ t: v, jump: false })),
      ...this.ctrl.jumpTs.map((v) => ({ t: v, jump: true })),
    ].sort((a, b) => dir * (a.t - b.t));
    this.y = p.y0;
    this.pieces = engine.initialPieces(this.y);
    for (const piece of this.pieces) {
      if (piece.kind === KIND_TS) {
        for (let b = 0; b < rows; b++) if (piece.slots[b]! >= 0) this.sp[b] = piece.slots[b]! + 1;
      }
    }
  }

  fail(b: number, code: number, msg: string): void {
    this.results[b] = code;
    this.messages[b] = msg;
    this.active[b] = 0;
  }

  rowName(b: number): string {
    return this.p.independent ? ` (sample ${b})` : '';
  }

  /** Initial checks, f(t0, y0), the differentiability flag and the first step sizes. */
  init(): Tensor[] | null {
    const { p, rows, dir, ctrl, t, active } = this;
    const ctx = this.engine.ctx;
    const y = this.y;
    if (p.t0 === p.t1) active.fill(0);
    const finite = new Uint8Array(rows).fill(1);
    for (const l of y) rowsFinite(l._contiguousData(), rows, finite);
    for (let b = 0; b < rows; b++) {
      if (active[b] && !finite[b]) {
        this.fail(
          b,
          RESULT.nonFiniteState,
          `diffeqsolve: the initial state y0${this.rowName(b)} contains NaN or Inf`,
        );
      }
    }
    let k: Tensor[] | null = null;
    const anyActive = active.some((a) => a === 1);
    if (anyActive) {
      k = this.slope(t, y);
      ctx.differentiable =
        isGradEnabled() &&
        (y.some((l) => l.requiresGrad) ||
          k.some((l) => l.requiresGrad) ||
          p.term.params().some((q) => q.requiresGrad));
      const kf = new Uint8Array(rows).fill(1);
      for (const l of k) rowsFinite(l._contiguousData(), rows, kf);
      for (let b = 0; b < rows; b++) {
        if (active[b] && !kf[b]) {
          this.fail(
            b,
            RESULT.nonFiniteState,
            `diffeqsolve: the vector field returned NaN or Inf at t0 = ${fmtT(p.t0)}${this.rowName(b)}`,
          );
        }
      }
    } else ctx.differentiable = isGradEnabled() && y.some((l) => l.requiresGrad);

    this.errorOrder =
      ctrl instanceof PIDController && ctrl.errorOrder !== undefined
        ? ctrl.errorOrder
        : (p.solver.errorOrder ?? p.solver.order);
    if (p.dt0 !== null) this.dtProp.fill(p.dt0);
    else if (ctrl.adaptive && k && active.some((a) => a === 1)) {
      const k0 = k;
      const h = noGrad(() =>
        initialStepSize(
          rows,
          y.map((l) => l._contiguousData()),
          k0.map((l) => l._contiguousData()),
          (h0) => {
            const dth = Float64Array.from(h0, (v) => v * dir);
            const y1 = y.map((l, i) => {
              const d = l._contiguousData();
              const kd = k0[i]!._contiguousData();
              const o = new Float64Array(d.length);
              const rs = d.length / rows;
              for (let q = 0; q < d.length; q++) o[q] = d[q]! + dth[Math.floor(q / rs)]! * kd[q]!;
              return Tensor._fromData(p.dtype === 'float32' ? Float32Array.from(o) : o, l.shape, p.dtype);
            });
            const tt = Float64Array.from(t, (v, b) => v + dth[b]!);
            return this.slope(tt, y1).map((l) => l._contiguousData());
          },
          this.errorOrder,
          ctrl.rtol,
          ctrl.atol,
          ctrl instanceof PIDController ? ctrl.norm : 'rms',
        ),
      );
      for (let b = 0; b < rows; b++)
        this.dtProp[b] = dir * Math.min(h[b]!, Math.abs(p.t1 - p.t0), ctrl.dtmax);
    }
    this.cstate = ctrl.init(rows);
    this.prevCond = p.event && anyActive ? this.engine.conditionValues(t, y) : null;
    return k;
  }

  /**
   * `f(t, y)` for ODE terms. For other terms (SDEs, CDEs) the average slope
   * `vf·(X(t1) − X(t)) / (t1 − t)` over the rest of the interval, used only for the
   * finiteness check at t0 and the initial step-size heuristic.
   */
  private slope(t: Float64Array, y: readonly Tensor[]): Tensor[] {
    const ctx = this.engine.ctx;
    const p = this.p;
    if (p.term.isODE) return ctx.vf(t, y);
    const tEnd = new Float64Array(t.length).fill(p.t1);
    const k = ctx.vfProd(t, y, ctx.contr(t, tEnd));
    const h = p.t1 - t[0]!;
    return h === 0 ? k : k.map((l) => mul(l, 1 / h));
  }

  /** Picks each active row's step (clipped to t1 and step/jump times); false when all rows are done. */
  chooseSteps(): boolean {
    const { p, rows, dir, ctrl, t, active, dt, target, clipped, hitsEnd, jumpEnd } = this;
    let anyActive = false;
    for (let b = 0; b < rows; b++) {
      dt[b] = 0;
      clipped[b] = 0;
      hitsEnd[b] = 0;
      jumpEnd[b] = 0;
      if (!active[b]) continue;
      const tb = t[b]!;
      if (Math.abs(p.t1 - tb) <= 4 * Number.EPSILON * Math.max(Math.abs(tb), Math.abs(p.t1))) {
        active[b] = 0;
        continue;
      }
      if (this.rowSteps[b]! >= p.maxSteps) {
        this.failMaxSteps(b);
        continue;
      }
      let h = ctrl.fixedStep ? ctrl.fixedStep(tb, this.dtProp[b]!, dir, p.t1) : this.dtProp[b]!;
      this.proposed[b] = h;
      if (Math.abs(h) > ctrl.dtmax) h = dir * ctrl.dtmax;
      let tg = tb + h;
      for (const m of this.marks) {
        const ahead = (m.t - tb) * dir;
        if (ahead > 0 && ahead < Math.abs(h) * (1 + 1e-10)) {
          h = m.t - tb;
          tg = m.t;
          clipped[b] = 1;
          jumpEnd[b] = m.jump ? 1 : 0;
          break;
        }
      }
      const rem = p.t1 - tb;
      if (Math.abs(rem) <= Math.abs(h) * (1 + 1e-10)) {
        h = rem;
        tg = p.t1;
        clipped[b] = 1;
        hitsEnd[b] = 1;
        jumpEnd[b] = 0;
      }
      if (!(Math.abs(h) > 0) || tb + h === tb) {
        this.failUnderflow(b, h);
        continue;
      }
      dt[b] = h;
      target[b] = tg;
      anyActive = true;
    }
    return anyActive;
  }

  failMaxSteps(b: number): void {
    const p = this.p;
    this.fail(
      b,
      RESULT.maxStepsReached,
      `diffeqsolve: the maximum number of steps (maxSteps = ${p.maxSteps}) was reached at t = ${fmtT(this.t[b]!)} of ` +
        `[${fmtT(p.t0)}, ${fmtT(p.t1)}]${this.rowName(b)} (accepted ${this.rowAccepted[b]}, rejected ${this.rowRejected[b]}). ` +
        'Increase maxSteps, loosen rtol/atol, use float64, or try a stiff solver (Kvaerno5) if the problem is stiff',
    );
  }

  failUnderflow(b: number, h: number): void {
    const tb = this.t[b]!;
    const nonFinite = this.lastNonFinite[b] === 1;
    this.fail(
      b,
      nonFinite ? RESULT.nonFiniteState : RESULT.dtUnderflow,
      nonFinite
        ? `diffeqsolve: the solution became NaN/Inf at t = ${fmtT(tb)}${this.rowName(b)} and shrinking the step did not help ` +
            '(the vector field returns non-finite values there, or the solution blows up)'
        : `diffeqsolve: the step size underflowed (dt = ${h}) at t = ${fmtT(tb)}${this.rowName(b)}. The problem may be stiff ` +
            '(use Kvaerno5 or ImplicitEuler), blow up in finite time, or need float64',
    );
  }

  /** Whether this step needs the dense interpolant (saves inside it, dense output, events). */
  needsDense(): boolean {
    const { p, rows, dir, active, target, sp } = this;
    if (p.saveat.dense || p.event !== null || this.dense !== null) return true;
    for (let b = 0; b < rows; b++) {
      if (!active[b]) continue;
      const ts = p.saveTs[b]!;
      const s = sp[b]!;
      if (s < ts.length && (ts[s]! - target[b]!) * dir <= 0) {
        // Saving exactly at the step end of a joint problem needs no interpolation.
        if (
          p.independent ||
          ts[s] !== target[b] ||
          (s + 1 < ts.length && (ts[s + 1]! - target[b]!) * dir <= 0)
        ) {
          return true;
        }
      }
    }
    return false;
  }

  /** Accept/reject per row (and the next step sizes). */
  decide(step: StepResult): Uint8Array {
    const { p, rows, ctrl, active, dt } = this;
    const y0raw = this.y.map((l) => l._contiguousData());
    const y1raw = step.y1.map((l) => l._contiguousData());
    const fin = new Uint8Array(rows).fill(1);
    for (const d of y1raw) rowsFinite(d, rows, fin);
    if (!ctrl.adaptive) return this.decideFixed(step, fin);
    if (p.solver.errorOrder === null) {
      throw new ArgumentError(
        `diffeqsolve: ${p.solver.name} has no error estimate, so it cannot be used with an adaptive controller; ` +
          'use ConstantStepSize (with dt0) or an adaptive solver (Heun, Bosh3, Tsit5, Dopri5, Dopri8, Kvaerno5)',
      );
    }
    const out = ctrl.adapt(this.cstate, {
      active,
      dt,
      clipped: this.clipped,
      proposed: this.proposed,
      err: step.err,
      y0: y0raw,
      y1: y1raw,
      failed: step.failed,
      errorOrder: this.errorOrder,
    });
    const accept = out.accept;
    for (let b = 0; b < rows; b++) {
      if (!active[b]) continue;
      this.lastNonFinite[b] = fin[b] ? 0 : 1;
      if (accept[b] && !fin[b]) {
        accept[b] = 0;
        out.nextDt[b] = dt[b]! * 0.2;
      }
      this.dtProp[b] = out.nextDt[b]!;
      if (out.underflow[b] && !accept[b]) {
        this.fail(
          b,
          RESULT.dtUnderflow,
          `diffeqsolve: the step size fell below dtmin = ${ctrl.dtmin} at t = ${fmtT(this.t[b]!)}${this.rowName(b)} ` +
            `(scaled error ${out.errNorm[b]!.toPrecision(3)}); the problem may be stiff (use Kvaerno5)`,
        );
        this.rowSteps[b]!++;
        this.rowRejected[b]!++;
      }
    }
    return accept;
  }

  decideFixed(step: StepResult, fin: Uint8Array): Uint8Array {
    const { p, rows, active, dt, t } = this;
    const accept = new Uint8Array(rows);
    for (let b = 0; b < rows; b++) {
      if (!active[b]) continue;
      if (step.failed?.[b]) {
        this.fail(
          b,
          RESULT.nonlinearSolveFailed,
          `diffeqsolve: the Newton iteration of ${p.solver.name} did not converge at t = ${fmtT(t[b]!)} with the ` +
            `constant step dt = ${dt[b]}${this.rowName(b)}; reduce dt0 or use an adaptive controller`,
        );
        this.rowSteps[b]!++;
        this.rowRejected[b]!++;
      } else if (!fin[b]) {
        this.fail(
          b,
          RESULT.nonFiniteState,
          `diffeqsolve: the state became NaN/Inf in the step from t = ${fmtT(t[b]!)} to ${fmtT(this.target[b]!)}${this.rowName(b)} ` +
            `(constant step dt = ${dt[b]}); the solution blows up or the step is too large for stability`,
        );
        this.rowSteps[b]!++;
        this.rowRejected[b]!++;
      } else accept[b] = 1;
    }
    return accept;
  }

  /** Updates the step counters; false when no row accepted. */
  count(accept: Uint8Array): boolean {
    let anyAccepted = false;
    for (let b = 0; b < this.rows; b++) {
      if (!this.active[b]) continue;
      this.rowSteps[b]!++;
      if (accept[b]) {
        this.rowAccepted[b]!++;
        anyAccepted = true;
      } else this.rowRejected[b]!++;
    }
    return anyAccepted;
  }

  allAccepted(accept: Uint8Array): boolean {
    for (let b = 0; b < this.rows; b++) if (this.active[b] && !accept[b]) return false;
    return true;
  }

  /** Event detection and location for the accepted rows. */
  events(step: StepResult, accept: Uint8Array): { eventTheta: Float64Array | null; thetaEnd: Float64Array } {
    const { rows, prevCond } = this;
    const thetaEnd = new Float64Array(rows).fill(1);
    if (!this.p.event || !prevCond) return { eventTheta: null, thetaEnd };
    const next = this.engine.conditionValues(this.target, step.y1);
    const trig = new Uint8Array(rows);
    let anyTrig = false;
    for (let b = 0; b < rows; b++) {
      if (accept[b] && this.engine.crossed(prevCond[b]!, next[b]!)) {
        trig[b] = 1;
        anyTrig = true;
      }
    }
    let eventTheta: Float64Array | null = null;
    if (anyTrig) {
      const th = this.engine.locateEvent(step.interp!, this.t, this.dt, trig, prevCond, next);
      eventTheta = new Float64Array(rows).fill(Number.NaN);
      for (let b = 0; b < rows; b++) {
        if (trig[b]) {
          eventTheta[b] = th[b]!;
          thetaEnd[b] = th[b]!;
        }
      }
    }
    for (let b = 0; b < rows; b++) if (accept[b]) prevCond[b] = next[b]!;
    return { eventTheta, thetaEnd };
  }

  /** Saves inside the step: row b saves its next cnt[b] pending times. */
  saves(accept: Uint8Array, thetaEnd: Float64Array): SaveRecord[] {
    const { p, rows, dir, t, dt, target, sp, cnt } = this;
    const saves: SaveRecord[] = [];
    let maxCnt = 0;
    for (let b = 0; b < rows; b++) {
      cnt[b] = 0;
      if (!accept[b]) continue;
      const ts = p.saveTs[b]!;
      const s0 = sp[b]!;
      if (s0 >= ts.length) continue;
      const tEnd = thetaEnd[b] === 1 ? target[b]! : t[b]! + thetaEnd[b]! * dt[b]!;
      let s = s0;
      while (s < ts.length && (ts[s]! - tEnd) * dir <= 0) s++;
      cnt[b] = s - s0;
      if (s - s0 > maxCnt) maxCnt = s - s0;
    }
    for (let q = 0; q < maxCnt; q++) {
      const theta = new Float64Array(rows).fill(1);
      const slots = new Int32Array(rows).fill(-1);
      const times = new Float64Array(rows);
      let exact = !p.independent;
      for (let b = 0; b < rows; b++) {
        if (q >= cnt[b]!) continue;
        const s = sp[b]! + q;
        const tq = p.saveTs[b]![s]!;
        slots[b] = s;
        times[b] = tq;
        const th = tq === target[b] ? 1 : (tq - t[b]!) / dt[b]!;
        theta[b] = th;
        if (th !== 1) exact = false;
      }
      saves.push({ kind: KIND_TS, theta, slots, times, exact });
    }
    if (maxCnt > 0) for (let b = 0; b < rows; b++) sp[b]! += cnt[b]!;
    if (p.saveat.steps) {
      saves.push({
        kind: KIND_STEP,
        theta: thetaEnd,
        slots: Int32Array.from([this.rowAccepted[0]! - 1]),
        times: Float64Array.from(thetaEnd, (th, b) => (th === 1 ? target[b]! : t[b]! + th * dt[b]!)),
        exact: thetaEnd[0] === 1,
      });
    }
    return saves;
  }

  /** Whether an accepted row (not stopped by an event) ended on a jump time. */
  jumped(accept: Uint8Array, eventTheta: Float64Array | null): boolean {
    for (let b = 0; b < this.rows; b++) {
      if (accept[b] && this.jumpEnd[b] && !(eventTheta && !Number.isNaN(eventTheta[b]!))) return true;
    }
    return false;
  }

  /** Moves the accepted rows' times forward and retires finished rows. */
  advance(accept: Uint8Array, eventTheta: Float64Array | null, thetaEnd: Float64Array): void {
    const { rows, t, dt, target, active } = this;
    for (let b = 0; b < rows; b++) {
      if (!accept[b]) continue;
      if (eventTheta && !Number.isNaN(eventTheta[b]!)) {
        t[b] = thetaEnd[b] === 1 ? target[b]! : t[b]! + thetaEnd[b]! * dt[b]!;
        this.results[b] = RESULT.eventOccurred;
        this.eventRows[b] = 1;
        active[b] = 0;
        continue;
      }
      t[b] = target[b]!;
      if (this.hitsEnd[b]) active[b] = 0;
    }
  }
}
