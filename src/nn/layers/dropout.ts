/** `Dropout`. */
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { dropout } from '../functional/index.js';
import { Module } from '../module.js';

/**
 * In training mode, zeroes each element with probability `p` and scales the rest by
 * `1/(1−p)` (inverted dropout, drawing from the global generator); the identity in
 * evaluation mode.
 */
export class Dropout extends Module {
  /** Probability of an element being zeroed. */
  readonly p: number;

  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ArgumentError(`Dropout: p must be in [0, 1] (got ${p})`);
    this.p = p;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
