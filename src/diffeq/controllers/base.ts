/** The step-size controller interface. Controllers work on raw per-row numbers, never on the graph. */
import type { DataArray } from '../../core/dtype.js';

/** What the loop passes to `adapt` after a step attempt. */
export interface AdaptInput {
  /** Rows stepping in this iteration. */
  readonly active: Uint8Array;
  /** Signed step taken by each row. */
  readonly dt: Float64Array;
  /** Whether each row's step was shortened to hit t1 or a step/jump time. */
  readonly clipped: Uint8Array;
  /** The controller's proposal before clipping, per row. */
  readonly proposed: Float64Array;
  /** Local error estimates per leaf (raw), or null. */
  readonly err: readonly Float64Array[] | null;
  /** State before and after the step, per leaf (raw). */
  readonly y0: readonly DataArray[];
  readonly y1: readonly DataArray[];
  /** Rows whose implicit solve failed (treated as infinite error), or null. */
  readonly failed: Uint8Array | null;
  /** The solver's error order. */
  readonly errorOrder: number;
}

/** What `adapt` decides per row. */
export interface AdaptOutput {
  /** 1 where the step is accepted. */
  accept: Uint8Array;
  /** The next (signed) step size. */
  nextDt: Float64Array;
  /** The scaled error norm (NaN where not computed). */
  errNorm: Float64Array;
  /** 1 where the step size fell below `dtmin` without `forceDtmin`. */
  underflow: Uint8Array;
}

/** A step-size controller (Diffrax's `AbstractStepSizeController`). */
export interface StepSizeController {
  /** Whether steps are chosen from error estimates. */
  readonly adaptive: boolean;
  /** Tolerances (NaN for non-adaptive controllers). */
  readonly rtol: number;
  readonly atol: number;
  /** Times to step to exactly (the vector field is smooth there; FSAL is kept). */
  readonly stepTs: readonly number[];
  /** Discontinuities: steps end exactly there and the vector field is re-evaluated after. */
  readonly jumpTs: readonly number[];
  /** Smallest and largest step magnitudes. */
  readonly dtmin: number;
  readonly dtmax: number;
  /** Per-row controller state. */
  init(rows: number): unknown;
  /**
   * For non-adaptive controllers: the step to take from time `t` (signed, in the
   * integration direction), given the previous step.
   */
  fixedStep?(t: number, dtPrev: number, dir: number, t1: number): number;
  /** Accept/reject and the next step size, per row. */
  adapt(state: unknown, input: AdaptInput): AdaptOutput;
}
