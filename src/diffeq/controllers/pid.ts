/**
 * The PID step-size controller (Söderlind; Hairer I §II.4 / II §IV.2; as in Diffrax)
 * and the standard initial-step heuristic.
 */
import type { DataArray } from '../../core/dtype.js';
import { ArgumentError } from '../../core/errors.js';
import { type ErrorNorm, scaledRowNorms } from '../norms.js';
import type { AdaptInput, AdaptOutput, StepSizeController } from './base.js';

/** Options of `PIDController`. */
export interface PIDOptions {
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Proportional coefficient (default 0). */
  pcoeff?: number;
  /** Integral coefficient (default 1: a pure I controller). */
  icoeff?: number;
  /** Derivative coefficient (default 0). */
  dcoeff?: number;
  /** Safety factor (default 0.9). */
  safety?: number;
  /** Smallest step-size factor (default 0.2). */
  factormin?: number;
  /** Largest step-size factor (default 10). */
  factormax?: number;
  /** Smallest step magnitude (default 0). */
  dtmin?: number;
  /** Largest step magnitude (default ∞). */
  dtmax?: number;
  /** At `dtmin`, accept the step regardless of its error (default true); otherwise fail with `dtUnderflow`. */
  forceDtmin?: boolean;
  /** Times to step to exactly. */
  stepTs?: readonly number[];
  /** Discontinuities of the vector field: step exactly to them and re-evaluate after. */
  jumpTs?: readonly number[];
  /** Error norm: 'rms' (default), 'max', or a function of the scaled error. */
  norm?: ErrorNorm;
  /** Override the order used in the exponents (default: the solver's error order). */
  errorOrder?: number;
}

interface PIDState {
  prev1: Float64Array;
  prev2: Float64Array;
}

const INV_CAP = 1e10;

/**
 * Adaptive step sizes: a step is accepted when the scaled error norm is ≤ 1, and the
 * next step is `dt·clip(safety·δₙ^β₁·δₙ₋₁^β₂·δₙ₋₂^β₃)` with `δ = 1/norm`,
 * `β₁ = (p+i+d)/k`, `β₂ = −(p+2d)/k`, `β₃ = d/k` and `k` the error order.
 */
export class PIDController implements StepSizeController {
  readonly adaptive = true;
  readonly rtol: number;
  readonly atol: number;
  readonly pcoeff: number;
  readonly icoeff: number;
  readonly dcoeff: number;
  readonly safety: number;
  readonly factormin: number;
  readonly factormax: number;
  readonly dtmin: number;
  readonly dtmax: number;
  readonly forceDtmin: boolean;
  readonly stepTs: readonly number[];
  readonly jumpTs: readonly number[];
  readonly norm: ErrorNorm;
  readonly errorOrder: number | undefined;

  constructor(opts: PIDOptions = {}) {
    this.rtol = opts.rtol ?? 1e-3;
    this.atol = opts.atol ?? 1e-6;
    this.pcoeff = opts.pcoeff ?? 0;
    this.icoeff = opts.icoeff ?? 1;
    this.dcoeff = opts.dcoeff ?? 0;
    this.safety = opts.safety ?? 0.9;
    this.factormin = opts.factormin ?? 0.2;
    this.factormax = opts.factormax ?? 10;
    this.dtmin = opts.dtmin ?? 0;
    this.dtmax = opts.dtmax ?? Number.POSITIVE_INFINITY;
    this.forceDtmin = opts.forceDtmin ?? true;
    this.stepTs = [...(opts.stepTs ?? [])];
    this.jumpTs = [...(opts.jumpTs ?? [])];
    this.norm = opts.norm ?? 'rms';
    this.errorOrder = opts.errorOrder;
    const check = (name: string, v: number, ok: boolean) => {
      if (!ok) throw new ArgumentError(`PIDController: invalid ${name} (${v})`);
    };
    check('rtol', this.rtol, this.rtol >= 0 && Number.isFinite(this.rtol));
    check('atol', this.atol, this.atol >= 0 && Number.isFinite(this.atol));
    check('rtol/atol', this.rtol + this.atol, this.rtol + this.atol > 0);
    check('safety', this.safety, this.safety > 0 && this.safety <= 1);
    check('factormin', this.factormin, this.factormin > 0 && this.factormin <= 1);
    check('factormax', this.factormax, this.factormax >= 1);
    check('dtmin', this.dtmin, this.dtmin >= 0 && this.dtmin <= this.dtmax);
  }

  /** The same controller with some options replaced. */
  with(opts: PIDOptions): PIDController {
    return new PIDController({
      rtol: this.rtol,
      atol: this.atol,
      pcoeff: this.pcoeff,
      icoeff: this.icoeff,
      dcoeff: this.dcoeff,
      safety: this.safety,
      factormin: this.factormin,
      factormax: this.factormax,
      dtmin: this.dtmin,
      dtmax: this.dtmax,
      forceDtmin: this.forceDtmin,
      stepTs: this.stepTs,
      jumpTs: this.jumpTs,
      norm: this.norm,
      ...(this.errorOrder !== undefined ? { errorOrder: this.errorOrder } : {}),
      ...opts,
    });
  }

  init(rows: number): PIDState {
    return { prev1: new Float64Array(rows).fill(1), prev2: new Float64Array(rows).fill(1) };
  }

  adapt(state: unknown, input: AdaptInput): AdaptOutput {
    const st = state as PIDState;
    const rows = input.dt.length;
    const k = this.errorOrder ?? input.errorOrder;
    const b1 = (this.pcoeff + this.icoeff + this.dcoeff) / k;
    const b2 = -(this.pcoeff + 2 * this.dcoeff) / k;
    const b3 = this.dcoeff / k;
    const errNorm = input.err
      ? scaledRowNorms(input.err, input.y0, input.y1, rows, this.rtol, this.atol, this.norm)
      : new Float64Array(rows).fill(Number.POSITIVE_INFINITY);
    const accept = new Uint8Array(rows);
    const nextDt = new Float64Array(rows);
    const underflow = new Uint8Array(rows);
    for (let b = 0; b < rows; b++) {
      if (!input.active[b]) {
        nextDt[b] = input.proposed[b]!;
        continue;
      }
      let q = errNorm[b]!;
      if (input.failed?.[b]) q = Number.POSITIVE_INFINITY;
      if (!(q >= 0)) q = Number.POSITIVE_INFINITY; // NaN error: reject
      errNorm[b] = q;
      const dt = input.dt[b]!;
      const adt = Math.abs(dt);
      const atMin = this.dtmin > 0 && adt <= this.dtmin * (1 + 1e-12);
      const ok = q <= 1 || (atMin && this.forceDtmin && Number.isFinite(q));
      accept[b] = ok ? 1 : 0;
      const inv = q === 0 ? INV_CAP : Math.min(INV_CAP, 1 / q);
      let factor: number;
      if (!Number.isFinite(q)) factor = this.factormin;
      else {
        factor = this.safety * inv ** b1;
        if (b2 !== 0) factor *= st.prev1[b]! ** b2;
        if (b3 !== 0) factor *= st.prev2[b]! ** b3;
        const lo = ok ? 1 : this.factormin;
        const hi = ok ? this.factormax : this.safety;
        factor = Math.min(hi, Math.max(lo, factor));
        if (!Number.isFinite(factor)) factor = lo;
      }
      if (ok) {
        st.prev2[b] = st.prev1[b]!;
        st.prev1[b] = inv;
      }
      // A clipped accepted step says nothing about larger steps: keep the pre-clip proposal.
      let next = ok && input.clipped[b] ? Math.max(adt * factor, Math.abs(input.proposed[b]!)) : adt * factor;
      next = Math.min(next, this.dtmax);
      if (next < this.dtmin) {
        if (this.forceDtmin) next = this.dtmin;
        else underflow[b] = 1;
      }
      nextDt[b] = Math.sign(dt) * next;
    }
    return { accept, nextDt, errNorm, underflow };
  }
}

/**
 * Hairer's initial step (as in Diffrax): from `‖y0‖`, `‖f0‖` and a trial Euler step.
 * `f0`, `y0` per leaf raw; `fAt(h)` evaluates the vector field at `t0 + dir·h` after an
 * Euler step of size `h` (per row). Returns per-row step magnitudes.
 */
export function initialStepSize(
  rows: number,
  y0: readonly DataArray[],
  f0: readonly DataArray[],
  fAt: (h: Float64Array) => DataArray[],
  errorOrder: number,
  rtol: number,
  atol: number,
  norm: ErrorNorm,
): Float64Array {
  const d0 = scaledRowNorms(y0, y0, null, rows, rtol, atol, norm);
  const d1 = scaledRowNorms(f0, y0, null, rows, rtol, atol, norm);
  const h0 = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    h0[b] =
      d0[b]! < 1e-5 || d1[b]! < 1e-5 || !Number.isFinite(d0[b]! / d1[b]!) ? 1e-6 : (0.01 * d0[b]!) / d1[b]!;
  }
  const f1 = fAt(h0);
  const diff = f1.map((f, l) => {
    const o = new Float64Array(f.length);
    const g = f0[l]!;
    for (let i = 0; i < f.length; i++) o[i] = f[i]! - g[i]!;
    return o;
  });
  const d2 = scaledRowNorms(diff, y0, null, rows, rtol, atol, norm);
  const out = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    const d2b = d2[b]! / h0[b]!;
    const m = Math.max(d1[b]!, d2b);
    const h1 =
      m <= 1e-15 || !Number.isFinite(m) ? Math.max(1e-6, h0[b]! * 1e-3) : (0.01 / m) ** (1 / errorOrder);
    out[b] = Math.min(100 * h0[b]!, h1);
  }
  return out;
}
