/**
 * Explicit Runge–Kutta solvers driven by a Butcher tableau: each stage state is one
 * fused weighted sum, the error estimate is accumulated on raw arrays (no graph), the
 * last stage is reused as the next step's first (FSAL) where the method allows, and the
 * dense output is the method's own interpolant or a cubic Hermite one.
 */
import type { Tensor } from '../../core/tensor.js';
import { combine } from '../kernels.js';
import type { AbstractSolver, StepContext, StepResult } from './base.js';
import { Interpolant } from './base.js';
import {
  BOSH3_TABLEAU,
  type ButcherTableau,
  DOPRI5_TABLEAU,
  DOPRI8_TABLEAU,
  EULER_TABLEAU,
  HEUN_TABLEAU,
  isFSAL,
  MIDPOINT_TABLEAU,
  RALSTON_TABLEAU,
  RK4_TABLEAU,
  RK38_TABLEAU,
  TSIT5_TABLEAU,
} from './tableaus.js';

/** Dense-output weight polynomials of a tableau, and whether they need `f(t1, y1)` as an extra vector. */
export function densePolys(tab: ButcherTableau, fsal: boolean): { polys: Float64Array[]; needsF1: boolean } {
  const s = tab.c.length;
  if (tab.dense === 'linear') {
    return { polys: tab.b.map((b) => Float64Array.from([0, b])), needsF1: false };
  }
  if (tab.dense === 'hermite') {
    // y(θ) = y0 + h[H10·f0 + H01·Σ b_j k_j + H11·f1]
    const H10 = [0, 1, -2, 1];
    const H01 = [0, 0, 3, -2];
    const H11 = [0, 0, -1, 1];
    const polys = tab.b.map((b, j) => Float64Array.from(H01.map((h, d) => b * h + (j === 0 ? H10[d]! : 0))));
    if (fsal) {
      const last = polys[s - 1]!;
      H11.forEach((h, d) => {
        last[d]! += h;
      });
      return { polys, needsF1: false };
    }
    polys.push(Float64Array.from(H11));
    return { polys, needsF1: true };
  }
  return { polys: tab.dense.map((p) => Float64Array.from(p)), needsF1: false };
}

/** Stage times `t0 + c·dt` per row. */
export function stageTimes(t0: Float64Array, dt: Float64Array, c: number): Float64Array {
  const out = new Float64Array(t0.length);
  for (let b = 0; b < t0.length; b++)
    out[b] = c === 0 ? t0[b]! : c === 1 ? t0[b]! + dt[b]! : t0[b]! + c * dt[b]!;
  return out;
}

/** `scale[b]·w[j]` laid out as `coefs[j*rows + b]`. */
export function rowCoefs(w: readonly number[], scale: Float64Array, n = w.length): Float64Array {
  const rows = scale.length;
  const out = new Float64Array(n * rows);
  for (let j = 0; j < n; j++) {
    const wj = w[j] ?? 0;
    if (wj === 0) continue;
    for (let b = 0; b < rows; b++) out[j * rows + b] = wj * scale[b]!;
  }
  return out;
}

/** Raw `Σ_j coefs[j,b]·K_j` per leaf (no graph): used for error estimates. */
export function rawCombination(
  K: readonly (readonly Tensor[])[],
  coefs: Float64Array,
  rows: number,
): Float64Array[] {
  const L = K[0]!.length;
  const out: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const n = K[0]![l]!.size;
    const acc = new Float64Array(n);
    const rs = n / rows;
    for (let j = 0; j < K.length; j++) {
      const d = K[j]![l]!._contiguousData();
      if (rows === 1) {
        const c = coefs[j]!;
        if (c === 0) continue;
        for (let i = 0; i < n; i++) acc[i]! += c * d[i]!;
      } else {
        for (let b = 0; b < rows; b++) {
          const c = coefs[j * rows + b]!;
          if (c === 0) continue;
          for (let i = b * rs; i < (b + 1) * rs; i++) acc[i]! += c * d[i]!;
        }
      }
    }
    out.push(acc);
  }
  return out;
}

/** An explicit Runge–Kutta method from a Butcher tableau. */
export class ExplicitRungeKutta implements AbstractSolver {
  readonly implicit = false;
  /** Whether the last stage is `f(t1, y1)`. */
  readonly fsal: boolean;
  private readonly dense: { polys: Float64Array[]; needsF1: boolean };

  constructor(readonly tableau: ButcherTableau) {
    this.fsal = isFSAL(tableau);
    this.dense = densePolys(tableau, this.fsal);
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
    const tab = this.tableau;
    const s = tab.c.length;
    const rows = ctx.rows;
    const ode = ctx.term.isODE;
    const scale = ode ? dt : new Float64Array(rows).fill(1);
    const control = ode ? null : ctx.contr(t0, stageTimes(t0, dt, 1));
    const evalK = (c: number, y: readonly Tensor[]): Tensor[] =>
      ode ? ctx.vf(stageTimes(t0, dt, c), y) : ctx.vfProd(stageTimes(t0, dt, c), y, control);

    const K: Tensor[][] = [ode && k0 ? [...k0] : evalK(0, y0)];
    let y1: Tensor[] | null = null;
    for (let i = 1; i < s; i++) {
      const coefs = rowCoefs(tab.a[i]!, scale, i);
      const z = y0.map((y, l) =>
        combine(
          y,
          K.map((k) => k[l]!),
          coefs,
          rows,
        ),
      );
      if (this.fsal && i === s - 1) y1 = z;
      K.push(evalK(tab.c[i]!, z));
    }
    if (!y1) {
      const coefs = rowCoefs(tab.b, scale);
      y1 = y0.map((y, l) =>
        combine(
          y,
          K.map((k) => k[l]!),
          coefs,
          rows,
        ),
      );
    }
    const err = tab.bErr ? rawCombination(K, rowCoefs(tab.bErr, scale), rows) : null;
    let k1: Tensor[] | null = ode && this.fsal ? K[s - 1]! : null;
    let interp: Interpolant | null = null;
    if (needDense) {
      const vecs: Tensor[][] = [...K];
      let polys = this.dense.polys;
      if (this.dense.needsF1) {
        if (ode) {
          k1 = ctx.vf(stageTimes(t0, dt, 1), y1);
          vecs.push(k1);
        } else {
          // Without f(t1, y1) for general terms, fall back to linear interpolation.
          polys = tab.b.map((b) => Float64Array.from([0, b]));
        }
      }
      interp = new Interpolant(rows, t0, dt, y0, vecs, polys, ode);
    }
    return { y1, err, interp, k1, failed: null };
  }
}

/** Forward Euler: order 1, 1 stage, no error estimate (fixed steps only). */
export class Euler extends ExplicitRungeKutta {
  constructor() {
    super(EULER_TABLEAU);
  }
}
/** Heun's method: order 2, embedded Euler, Hermite dense output. */
export class Heun extends ExplicitRungeKutta {
  constructor() {
    super(HEUN_TABLEAU);
  }
}
/** Explicit midpoint: order 2, embedded Euler. */
export class Midpoint extends ExplicitRungeKutta {
  constructor() {
    super(MIDPOINT_TABLEAU);
  }
}
/** Ralston's method: order 2 (minimum error bound), embedded Euler. */
export class Ralston extends ExplicitRungeKutta {
  constructor() {
    super(RALSTON_TABLEAU);
  }
}
/** Classic RK4: order 4, no error estimate. */
export class RK4 extends ExplicitRungeKutta {
  constructor() {
    super(RK4_TABLEAU);
  }
}
/** Kutta's 3/8 rule: order 4, no error estimate. */
export class RK38 extends ExplicitRungeKutta {
  constructor() {
    super(RK38_TABLEAU);
  }
}
/** Bogacki–Shampine 3(2): FSAL, Hermite dense output. */
export class Bosh3 extends ExplicitRungeKutta {
  constructor() {
    super(BOSH3_TABLEAU);
  }
}
/** Dormand–Prince 5(4): FSAL, 4th-order dense output (torchdiffeq's default). */
export class Dopri5 extends ExplicitRungeKutta {
  constructor() {
    super(DOPRI5_TABLEAU);
  }
}
/** Tsitouras 5(4): FSAL, 5th-order dense output; the recommended non-stiff default. */
export class Tsit5 extends ExplicitRungeKutta {
  constructor() {
    super(TSIT5_TABLEAU);
  }
}
/** Dormand–Prince 8(7): 14 stages, FSAL, 7th-order dense output; for tight tolerances. */
export class Dopri8 extends ExplicitRungeKutta {
  constructor() {
    super(DOPRI8_TABLEAU);
  }
}
