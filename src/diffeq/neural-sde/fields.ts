/**
 * Vector fields of the neural SDEs: MLPs on `[t, y]` (Diffrax's `neural_sde` example),
 * optionally with a learnt per-channel output scale, and a matrix-valued variant for
 * diffusions and CDE control terms.
 */
import { ArgumentError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { mul } from '../../ops/binary.js';
import { full } from '../../ops/creation.js';
import { concat } from '../../ops/join.js';
import { reshape } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import { splitKey } from '../../random/key.js';
import { uniform } from '../../random/sample.js';
import type { Time } from '../terms/base.js';
import { MLP, type MLPOptions } from './mlp.js';

/** `[…, 1 + n]`: the time `t·timeScale` as a first feature before `y` `[…, n]`. */
export function withTime(op: string, t: Time, y: Tensor, timeScale = 1): Tensor {
  if (t instanceof Tensor)
    throw new ArgumentError(`${op}: per-sample (independent) time stepping is not supported; solve jointly`);
  return concat([full([...y.shape.slice(0, -1), 1], t * timeScale, { dtype: y.dtype }), y], -1);
}

/** Options of `TimeField`. */
export interface TimeFieldOptions extends MLPOptions {
  /** Multiply the output by a learnt per-channel scale initialised in U(0.9, 1.1) (default false). */
  scale?: boolean;
  /** Multiply t by this before feeding it to the MLP (default 1). */
  timeScale?: number;
}

/**
 * `f(t, y) = s ⊙ mlp([t·timeScale, y])` with `y: […, inFeatures]` and output `[…, outFeatures]`
 * (`s` a learnt per-channel scale when `scale`, else 1).
 */
export class TimeField extends Module<[Time, Tensor], Tensor> {
  readonly mlp: MLP;
  /** The per-channel scale, or null. */
  readonly scale: Parameter | null;
  readonly timeScale: number;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: TimeFieldOptions = {},
  ) {
    super();
    const [k0, k1] = opts.key ? splitKey(opts.key, 2) : [undefined, undefined];
    this.mlp = new MLP(inFeatures + 1, outFeatures, { ...opts, key: k0 });
    this.scale = opts.scale
      ? new Parameter(uniform([outFeatures], 0.9, 1.1, { dtype: opts.dtype ?? 'float32', key: k1 }))
      : null;
    const ts = opts.timeScale ?? 1;
    if (!Number.isFinite(ts)) throw new ArgumentError(`TimeField: timeScale must be finite (got ${ts})`);
    this.timeScale = ts;
  }

  forward(t: Time, y: Tensor): Tensor {
    const out = this.mlp.forward(withTime('TimeField', t, y, this.timeScale));
    return this.scale ? mul(out, this.scale) : out;
  }
}

/**
 * A matrix-valued `TimeField`: `g(t, y)` of shape `[…, rows, cols]` (e.g. a diffusion
 * `[batch, hidden, noise]` for general noise, or a CDE field `[batch, hidden, channels]`).
 */
export class MatrixField extends Module<[Time, Tensor], Tensor> {
  readonly field: TimeField;

  constructor(
    readonly inFeatures: number,
    readonly rows: number,
    readonly cols: number,
    opts: TimeFieldOptions = {},
  ) {
    super();
    this.field = new TimeField(inFeatures, rows * cols, opts);
  }

  forward(t: Time, y: Tensor): Tensor {
    const out = this.field.forward(t, y);
    return reshape(out, [...y.shape.slice(0, -1), this.rows, this.cols]);
  }
}

/** Keys for `n` submodules (undefined entries without a key). */
export function subKeysOf(key: PRNGKey | undefined, n: number): (PRNGKey | undefined)[] {
  return key ? splitKey(key, n) : new Array<undefined>(n).fill(undefined);
}
