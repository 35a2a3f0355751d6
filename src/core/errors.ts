/**
 * Typed errors thrown by nabla. Every message names the op and the offending
 * shapes, dtypes or values, e.g. `matmul: shapes [3,4] and [5,6] are not aligned (4 != 5)`.
 */

/** Base class of every error nabla throws on purpose. */
export class NablaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Incompatible or invalid shapes (broadcasting, matmul alignment, reshape sizes…). */
export class ShapeError extends NablaError {}

/** An operation received a dtype it does not support, or dtypes that cannot be combined. */
export class DTypeError extends NablaError {}

/** An axis or index is out of range. */
export class AxisError extends NablaError {}

/** Any other invalid argument (negative sizes, unknown options…). */
export class ArgumentError extends NablaError {}

/** Autograd misuse: backward through a freed graph, in-place modification of a saved tensor, … */
export class AutogradError extends NablaError {}

/** Raised in anomaly mode when an op produces NaN or Inf. */
export class AnomalyError extends NablaError {}

/** Formats a shape for error messages: `[3,4]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
