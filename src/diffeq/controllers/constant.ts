/** Non-adaptive controllers: `ConstantStepSize` and `StepTo`. */
import { ArgumentError } from '../../core/errors.js';
import type { AdaptInput, AdaptOutput, StepSizeController } from './base.js';

function acceptAll(input: AdaptInput): AdaptOutput {
  const rows = input.dt.length;
  const accept = new Uint8Array(rows);
  for (let b = 0; b < rows; b++) accept[b] = input.active[b]!;
  return {
    accept,
    nextDt: Float64Array.from(input.proposed),
    errNorm: new Float64Array(rows).fill(Number.NaN),
    underflow: new Uint8Array(rows),
  };
}

/** Steps of the fixed size `dt0` (the last step is shortened to land on t1). */
export class ConstantStepSize implements StepSizeController {
  readonly adaptive = false;
  readonly rtol = Number.NaN;
  readonly atol = Number.NaN;
  readonly stepTs: readonly number[] = [];
  readonly jumpTs: readonly number[] = [];
  readonly dtmin = 0;
  readonly dtmax = Number.POSITIVE_INFINITY;

  init(): unknown {
    return null;
  }

  fixedStep(_t: number, dtPrev: number): number {
    return dtPrev;
  }

  adapt(_state: unknown, input: AdaptInput): AdaptOutput {
    return acceptAll(input);
  }
}

/** Steps exactly from one listed time to the next (`ts` must start at t0 and end at t1). */
export class StepTo implements StepSizeController {
  readonly adaptive = false;
  readonly rtol = Number.NaN;
  readonly atol = Number.NaN;
  readonly stepTs: readonly number[] = [];
  readonly jumpTs: readonly number[] = [];
  readonly dtmin = 0;
  readonly dtmax = Number.POSITIVE_INFINITY;
  /** The step times. */
  readonly ts: Float64Array;

  constructor(ts: ArrayLike<number>) {
    this.ts = Float64Array.from(ts);
    if (this.ts.length < 2) throw new ArgumentError('StepTo: needs at least two times');
    const dir = Math.sign(this.ts[this.ts.length - 1]! - this.ts[0]!);
    for (let i = 1; i < this.ts.length; i++) {
      if (!((this.ts[i]! - this.ts[i - 1]!) * dir > 0)) {
        throw new ArgumentError(
          `StepTo: times must be strictly monotonic (ts[${i - 1}]=${this.ts[i - 1]}, ts[${i}]=${this.ts[i]})`,
        );
      }
    }
  }

  init(): unknown {
    return null;
  }

  fixedStep(t: number, _dtPrev: number, dir: number): number {
    for (let i = 0; i < this.ts.length; i++) {
      const ti = this.ts[i]!;
      if ((ti - t) * dir > 0) return ti - t;
    }
    return 0;
  }

  adapt(_state: unknown, input: AdaptInput): AdaptOutput {
    return acceptAll(input);
  }
}
