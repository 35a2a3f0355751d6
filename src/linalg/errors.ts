/** The error raised when a linear-algebra routine cannot proceed on its input. */
import { NablaError } from '../core/errors.js';

/**
 * A matrix does not satisfy a routine's numerical requirement (not positive-definite,
 * singular, no convergence), like `torch.linalg.LinAlgError`. The message names the
 * op, the input's shape and, for batches, the offending batch element.
 */
export class LinAlgError extends NablaError {}
