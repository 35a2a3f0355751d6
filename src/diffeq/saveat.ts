/** What a solve saves (`SaveAt`) and when it stops early (`Event`). */
import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { TimeFunction } from './terms/base.js';
import type { Tree } from './tree.js';

/** Options of `SaveAt`. */
export interface SaveAtOptions<Y extends Tree = Tree> {
  /** Save the initial state. */
  t0?: boolean;
  /**
   * Save the final state (default true unless `ts` or `steps` is given). After an event
   * this is the state at the event; after a failure, the last state reached.
   */
  t1?: boolean;
  /**
   * Save at these times (values come from the solver's dense interpolant; steps are not
   * forced onto them). With independently stepped batches, one array per sample
   * (equal lengths) is also accepted.
   */
  ts?: ArrayLike<number> | readonly ArrayLike<number>[];
  /** Save after every accepted step (jointly stepped problems only). */
  steps?: boolean;
  /** Keep the dense solution: `solution.evaluate(t)` and `solution.derivative(t)`. */
  dense?: boolean;
  /** Save `fn(t, y, args)` instead of `y` (any tree of tensors). */
  fn?: TimeFunction<Y, Tree>;
}

/** What to save (Diffrax's `SaveAt`). Defaults to the final state only. */
export class SaveAt<Y extends Tree = Tree> {
  readonly t0: boolean;
  readonly t1: boolean;
  readonly ts: Float64Array | Float64Array[] | null;
  readonly steps: boolean;
  readonly dense: boolean;
  readonly fn: TimeFunction<Y, Tree> | null;

  constructor(opts: SaveAtOptions<Y> = {}) {
    this.t0 = opts.t0 ?? false;
    this.steps = opts.steps ?? false;
    if (opts.ts !== undefined) {
      const ts = opts.ts;
      const perRow = ts.length > 0 && typeof (ts as ArrayLike<unknown>)[0] !== 'number';
      this.ts = perRow
        ? (ts as readonly ArrayLike<number>[]).map((r) => Float64Array.from(r))
        : Float64Array.from(ts as ArrayLike<number>);
      if (Array.isArray(this.ts)) {
        const n = this.ts[0]!.length;
        if (this.ts.some((r) => r.length !== n)) {
          throw new ArgumentError('SaveAt: per-sample ts must all have the same length');
        }
      }
    } else this.ts = null;
    this.t1 = opts.t1 ?? (this.ts === null && !this.steps);
    this.dense = opts.dense ?? false;
    this.fn = opts.fn ?? null;
  }
}

/** Options of `Event`. */
export interface EventOptions<Y extends Tree = Tree> {
  /**
   * The condition. A real value (number or tensor; `[batch]` when samples step
   * independently) triggers where it changes sign, and the crossing is located on the
   * dense interpolant; a boolean triggers at the end of the step where it becomes true.
   */
  condition: TimeFunction<Y, Tensor | number | boolean>;
  /** Which sign changes count: 'up' (− to +), 'down' (+ to −) or 'both' (default). */
  direction?: 'up' | 'down' | 'both';
  /** Absolute tolerance on the event time (default 1e-12·max(1, |t|)). */
  tol?: number;
}

/** A terminating event (Diffrax's `Event`): the solve stops where the condition triggers. */
export class Event<Y extends Tree = Tree> {
  readonly condition: TimeFunction<Y, Tensor | number | boolean>;
  readonly direction: 'up' | 'down' | 'both';
  readonly tol: number | undefined;

  constructor(opts: EventOptions<Y> | TimeFunction<Y, Tensor | number | boolean>) {
    const o = typeof opts === 'function' ? { condition: opts } : opts;
    if (typeof o.condition !== 'function') throw new ArgumentError('Event: condition must be a function');
    this.condition = o.condition;
    this.direction = o.direction ?? 'both';
    this.tol = o.tol;
  }
}
