/**
 * ESDIRK solvers for stiff problems (ImplicitEuler, Kvaerno3, Kvaerno5).
 *
 * Each implicit stage solves `k = f(t_i, z_i + h·γ·k)` by a simplified Newton
 * iteration whose matrix `I − h·γ·J` uses the Jacobian at the start of the step
 * (formed from autograd VJPs, one per state component, per-row blocks for batches),
 * factorised once per step and shared by all stages.
 *
 * Gradients (discretise-then-optimise): the converged stage is followed by one
 * differentiable Newton correction `k = k* − M⁻¹·R(k*)` whose backward solves with
 * the exact `Mᵀ` at the converged point, which is the implicit-function-theorem
 * gradient of the stage. (First-order gradients only through implicit solvers.)
 */
import { isGradEnabled, noGrad } from '../../autograd/mode.js';
import { record } from '../../autograd/node.js';
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { sub } from '../../ops/binary.js';
import { combine } from '../kernels.js';
import type { AbstractSolver, StepContext, StepResult } from './base.js';
import { Interpolant } from './base.js';
import { luFactor, luSolve, RowPacker, rowJacobians } from './dense-linalg.js';
import { densePolys, rawCombination, rowCoefs, stageTimes } from './explicit-rk.js';
import {
  type ButcherTableau,
  IMPLICIT_EULER_TABLEAU,
  isFSAL,
  KVAERNO3_TABLEAU,
  KVAERNO5_TABLEAU,
} from './tableaus.js';

/** Options of the implicit solvers. */
export interface ImplicitSolverOptions {
  /** Maximum Newton iterations per stage before the step is rejected (default 10). */
  maxIters?: number;
  /**
   * Newton stops when the estimated remaining error is below `kappa` times the
   * tolerance (default 1e-2). The tolerance is the step-size controller's rtol/atol, or
   * `rtol`/`atol` below for constant steps.
   */
  kappa?: number;
  /** Newton tolerance with constant step sizes (default 1e-10). */
  rtol?: number;
  /** Newton tolerance with constant step sizes (default 1e-12). */
  atol?: number;
}

/** Per-row LU of `I − hγJ`. */
interface RowLU {
  lu: Float64Array;
  piv: Int32Array;
  ok: Uint8Array;
}

function factorRows(J: Float64Array, hg: Float64Array, n: number, rows: number, transpose: boolean): RowLU {
  const lu = new Float64Array(rows * n * n);
  const piv = new Int32Array(rows * n);
  const ok = new Uint8Array(rows);
  for (let b = 0; b < rows; b++) {
    const off = b * n * n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = transpose ? J[off + j * n + i]! : J[off + i * n + j]!;
        lu[off + i * n + j] = (i === j ? 1 : 0) - hg[b]! * v;
      }
    }
    ok[b] = luFactor(lu, n, piv, off, b * n) ? 1 : 0;
  }
  return { lu, piv, ok };
}

function solveRows(f: RowLU, x: Float64Array, n: number, rows: number): void {
  for (let b = 0; b < rows; b++) {
    if (f.ok[b]) luSolve(f.lu, n, f.piv, x, b * n * n, b * n, b * n);
  }
}

/**
 * The differentiable Newton correction `M⁻¹·r` (forward: chord matrix; backward: exact
 * `M⁻ᵀ` at the converged stage, computed lazily).
 */
function newtonCorrection(
  r: readonly Tensor[],
  chord: RowLU,
  exactJ: () => Float64Array,
  hg: Float64Array,
  packer: RowPacker,
): Tensor[] {
  const n = packer.n;
  const rows = packer.rows;
  const v = noGrad(() => packer.pack(r));
  solveRows(chord, v, n, rows);
  const out = packer.unpack(v);
  record('diffeq.newtonCorrection', out, r as Tensor[], (grads) => {
    const g = packer.pack(grads);
    const fT = factorRows(exactJ(), hg, n, rows, true);
    solveRows(fT, g, n, rows);
    const w = packer.unpack(g);
    return r.map((ri, l) => (ri.requiresGrad ? w[l]! : null));
  });
  return out;
}

/** An ESDIRK method (explicit first stage, equal diagonal γ) with simplified Newton iterations. */
export class ESDIRK implements AbstractSolver {
  readonly implicit = true;
  readonly fsal: boolean;
  private readonly dense: { polys: Float64Array[]; needsF1: boolean };
  private readonly maxIters: number;
  private readonly kappa: number;
  private readonly rtolFixed: number;
  private readonly atolFixed: number;

  constructor(
    readonly tableau: ButcherTableau,
    opts: ImplicitSolverOptions = {},
  ) {
    if (tableau.gamma === undefined) throw new ArgumentError(`ESDIRK: tableau ${tableau.name} has no gamma`);
    this.fsal = isFSAL(tableau);
    this.dense = densePolys(tableau, this.fsal);
    this.maxIters = opts.maxIters ?? 10;
    this.kappa = opts.kappa ?? 1e-2;
    this.rtolFixed = opts.rtol ?? 1e-10;
    this.atolFixed = opts.atol ?? 1e-12;
  }

  get name(): string {
    return this.tableau.name;
  }
  get order(): number {
    return this.tableau.order;
  }
  get errorOrder(): number | null {
    return this.tableau.errorOrder;
  }

  step(
    ctx: StepContext,
    t0: Float64Array,
    dt: Float64Array,
    y0: readonly Tensor[],
    k0: readonly Tensor[] | null,
    needDense: boolean,
  ): StepResult {
    if (!ctx.term.isODE) throw new ArgumentError(`${this.name}: implicit solvers support ODE terms only`);
    const tab = this.tableau;
    const s = tab.c.length;
    const rows = ctx.rows;
    const gamma = tab.gamma!;
    const packer = new RowPacker(rows, ctx.leafRowSizes, ctx.leafShapes, ctx.dtype);
    const n = packer.n;
    const rtol = Number.isFinite(ctx.rtol) ? ctx.rtol : this.rtolFixed;
    const atol = Number.isFinite(ctx.atol) ? ctx.atol : this.atolFixed;
    const differentiable = isGradEnabled() && ctx.differentiable;

    const hg = new Float64Array(rows);
    for (let b = 0; b < rows; b++) hg[b] = dt[b]! * gamma;
    const K: Tensor[][] = [k0 ? [...k0] : ctx.vf(t0, y0)];

    // Jacobian at the start of the step, shared by all stages (chord iteration).
    const J = rowJacobians((y) => ctx.vf(t0, y), y0, packer);
    ctx.counters.jacobianEvals++;
    const chord = factorRows(J, hg, n, rows, false);
    const failed = new Uint8Array(rows);
    for (let b = 0; b < rows; b++) if (!chord.ok[b] && dt[b] !== 0) failed[b] = 1;

    const Kp: Float64Array[] = [noGrad(() => packer.pack(K[0]!))];
    for (let i = 1; i < s; i++) {
      const ti = stageTimes(t0, dt, tab.c[i]!);
      const zb = y0.map((y, l) =>
        combine(
          y,
          K.map((k) => k[l]!),
          rowCoefs(tab.a[i]!, dt, i),
          rows,
        ),
      );
      const zbP = noGrad(() => packer.pack(zb));
      // Initial guess from the predictor.
      const kP = new Float64Array(rows * n);
      const pred = tab.predictor?.[i] ?? [1];
      pred.forEach((w, j) => {
        if (w === 0) return;
        const kj = Kp[j]!;
        for (let q = 0; q < kP.length; q++) kP[q]! += w * kj[q]!;
      });
      this.newton(ctx, ti, zbP, kP, hg, chord, packer, rtol, atol, failed);
      Kp.push(kP);
      let Ki = packer.unpack(kP);
      if (differentiable) {
        // One differentiable Newton correction: exact IFT gradient of the stage.
        const kStar = Ki;
        const zStar = zb.map((z, l) => combine(z, [kStar[l]!], rowCoefs([1], hg), rows));
        const fz = ctx.vf(ti, zStar);
        if (fz.some((t) => t.requiresGrad) || zb.some((t) => t.requiresGrad)) {
          const R = kStar.map((k, l) => sub(k, fz[l]!));
          const zDet = zStar.map((z) => z.detach());
          let Jx: Float64Array | null = null;
          const corr = newtonCorrection(
            R,
            chord,
            () => {
              Jx ??= rowJacobians((y) => ctx.vf(ti, y), zDet, packer);
              return Jx;
            },
            hg,
            packer,
          );
          Ki = kStar.map((k, l) => sub(k, corr[l]!));
        }
      }
      K.push(Ki);
    }
    const y1 = y0.map((y, l) =>
      combine(
        y,
        K.map((k) => k[l]!),
        rowCoefs(tab.b, dt),
        rows,
      ),
    );
    const err = tab.bErr ? rawCombination(K, rowCoefs(tab.bErr, dt), rows) : null;
    let k1: Tensor[] | null = this.fsal ? K[s - 1]! : null;
    let interp: Interpolant | null = null;
    if (needDense) {
      const vecs = [...K];
      if (this.dense.needsF1) {
        k1 = ctx.vf(stageTimes(t0, dt, 1), y1);
        vecs.push(k1);
      }
      interp = new Interpolant(rows, t0, dt, y0, vecs, this.dense.polys, true);
    }
    let anyFailed = false;
    for (let b = 0; b < rows; b++) if (failed[b]) anyFailed = true;
    return { y1, err, interp, k1, failed: anyFailed ? failed : null };
  }

  /** Simplified Newton on `k = f(t, zb + hγk)` in place on `kP`; marks rows that fail. */
  private newton(
    ctx: StepContext,
    t: Float64Array,
    zbP: Float64Array,
    kP: Float64Array,
    hg: Float64Array,
    chord: RowLU,
    packer: RowPacker,
    rtol: number,
    atol: number,
    failed: Uint8Array,
  ): void {
    const n = packer.n;
    const rows = packer.rows;
    const done = new Uint8Array(rows);
    const prevNorm = new Float64Array(rows).fill(Number.NaN);
    for (let b = 0; b < rows; b++) if (failed[b] || hg[b] === 0) done[b] = 1;
    const z = new Float64Array(rows * n);
    for (let it = 0; it < this.maxIters; it++) {
      let allDone = true;
      for (let b = 0; b < rows; b++) if (!done[b]) allDone = false;
      if (allDone) return;
      for (let b = 0; b < rows; b++) {
        for (let q = b * n; q < (b + 1) * n; q++) z[q] = zbP[q]! + hg[b]! * kP[q]!;
      }
      const fz = noGrad(() => ctx.vf(t, packer.unpack(z)));
      const delta = noGrad(() => packer.pack(fz));
      for (let q = 0; q < delta.length; q++) delta[q] = delta[q]! - kP[q]!; // −R = f(z) − k
      solveRows(chord, delta, n, rows);
      ctx.counters.newtonIters++;
      for (let b = 0; b < rows; b++) {
        if (done[b]) continue;
        let ss = 0;
        for (let q = b * n; q < (b + 1) * n; q++) {
          kP[q]! += delta[q]!;
          const e = (hg[b]! * delta[q]!) / (atol + rtol * Math.abs(z[q]!));
          ss += e * e;
        }
        const norm = Math.sqrt(ss / n);
        if (!Number.isFinite(norm)) {
          failed[b] = 1;
          done[b] = 1;
          continue;
        }
        if (norm < 1e-3 * this.kappa) {
          done[b] = 1;
          continue;
        }
        if (it > 0) {
          const rate = norm / prevNorm[b]!;
          if (rate >= 1) {
            failed[b] = 1;
            done[b] = 1;
            continue;
          }
          if ((rate / (1 - rate)) * norm <= this.kappa) {
            done[b] = 1;
            continue;
          }
        }
        prevNorm[b] = norm;
      }
    }
    for (let b = 0; b < rows; b++) {
      if (!done[b]) failed[b] = 1;
    }
    if (rows > 0) {
      let f = false;
      for (let b = 0; b < rows; b++) if (failed[b]) f = true;
      if (f) ctx.counters.newtonFailures++;
    }
  }
}

/** Implicit (backward) Euler: order 1, L-stable, trapezoidal error estimate, linear dense output. */
export class ImplicitEuler extends ESDIRK {
  constructor(opts: ImplicitSolverOptions = {}) {
    super(IMPLICIT_EULER_TABLEAU, opts);
  }
}

/** Kværnø 3(2): 4-stage ESDIRK, A-L stable, stiffly accurate, Hermite dense output. */
export class Kvaerno3 extends ESDIRK {
  constructor(opts: ImplicitSolverOptions = {}) {
    super(KVAERNO3_TABLEAU, opts);
  }
}

/** Kværnø 5(4): 7-stage ESDIRK, A-L stable, stiffly accurate; the stiff default at tight tolerances. */
export class Kvaerno5 extends ESDIRK {
  constructor(opts: ImplicitSolverOptions = {}) {
    super(KVAERNO5_TABLEAU, opts);
  }
}
