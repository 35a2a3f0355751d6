/** Result codes of a solve and the error thrown for a failed one. */
import { NablaError } from '../core/errors.js';

/**
 * How a solve ended. `successful` and `eventOccurred` are successes; the others are
 * failures (thrown as a `DiffEqError` unless `throw: false`).
 */
export type ResultCode =
  | 'successful'
  | 'eventOccurred'
  | 'maxStepsReached'
  | 'dtUnderflow'
  | 'nonFiniteState'
  | 'nonlinearSolveFailed';

/** Result codes in order of severity (index = internal code). */
export const RESULT_CODES: readonly ResultCode[] = [
  'successful',
  'eventOccurred',
  'maxStepsReached',
  'dtUnderflow',
  'nonFiniteState',
  'nonlinearSolveFailed',
];

/** Internal numeric code of a result. */
export const RESULT = {
  successful: 0,
  eventOccurred: 1,
  maxStepsReached: 2,
  dtUnderflow: 3,
  nonFiniteState: 4,
  nonlinearSolveFailed: 5,
} as const;

/** True for `successful` and `eventOccurred`. */
export function isSuccess(code: ResultCode): boolean {
  return code === 'successful' || code === 'eventOccurred';
}

/** Thrown by `diffeqsolve` when a solve fails and `throw` is true (the default). */
export class DiffEqError extends NablaError {
  /** The partial solution (states up to the failure; unreached outputs are NaN). */
  declare readonly solution: unknown;

  constructor(
    message: string,
    /** Why the solve failed. */
    readonly code: ResultCode,
    solution: unknown,
  ) {
    super(message);
    // Non-enumerable, so that test runners and loggers do not walk the tensors.
    Object.defineProperty(this, 'solution', { value: solution, enumerable: false });
  }

  /** A plain summary (serialisers would otherwise walk the tensors of the partial solution). */
  toJSON(): { name: string; message: string; code: ResultCode } {
    return { name: this.name, message: this.message, code: this.code };
  }
}
