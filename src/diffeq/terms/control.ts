/**
 * `ControlTerm`: `dy = g(t, y, args) · dX(t)` for a control path X — a Brownian motion
 * (SDE diffusion) or an interpolated data path (neural CDE).
 */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { mul } from '../../ops/binary.js';
import { stack } from '../../ops/join.js';
import { matmul } from '../../ops/matmul.js';
import { reshape, select } from '../../ops/view.js';
import { type AbstractPath, isPath } from '../path.js';
import { type Tree, treeMap } from '../tree.js';
import type { AbstractTerm, HasParameters, Time, VectorField } from './base.js';

/**
 * Structure of the vector field `g` relative to the control:
 * - `'general'`: `g(t, y)` has shape `[...y.shape, ...channels]`; `g·dX` contracts the
 *   channel axes (batched over the control's leading batch dims, shared with `y`).
 * - `'diagonal'`: `g(t, y)` has the shape of `y`; `g·dX` is elementwise (the control has
 *   the shape of `y`, or one broadcastable to it). Needed by Milstein.
 * - `'scalar'`: one control channel; `g(t, y)` has the shape of `y`; `g·dX` scales it.
 * - `'additive'`: like `'general'`, but `g` does not depend on `y` (needed by SRA1; the
 *   term does not check this, the user asserts it).
 */
export type NoiseType = 'general' | 'diagonal' | 'scalar' | 'additive';

/** Options of `ControlTerm`. */
export interface ControlTermOptions {
  /** Noise structure (default `'general'`). */
  noise?: NoiseType;
  /**
   * How many trailing axes of the control are channels (the rest are batch axes shared
   * with the leading axes of `y`). Default: 1 for `'general'`/`'additive'` (0 for a
   * 0-d control); for `'scalar'` 1 when the last axis has size 1, else 0; for
   * `'diagonal'` it is not used (the product is elementwise).
   */
  channelDims?: number;
  /**
   * Asserts that `g` does not depend on `y` (additive noise) with the `'diagonal'` or
   * `'scalar'` layout; `noise: 'additive'` implies it (with the general layout).
   */
  additive?: boolean;
  /** Tensors `g` depends on (for the continuous adjoints), as in `ODETerm`. */
  params?: readonly Tensor[] | HasParameters;
}

/**
 * A control term: `dy = g(t, y, args) · dX(t)`.
 *
 * @example
 * // Diagonal-noise SDE diffusion driven by a Brownian tree of shape [batch, d]:
 * const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [batch, d], key: randomKey(0) });
 * const diffusion = new ControlTerm((t, y) => y.mul(0.5), bm, { noise: 'diagonal' });
 * const term = new MultiTerm(new ODETerm((t, y) => y.mul(0.1)), diffusion);
 */
export class ControlTerm<Y extends Tree = Tensor, Args = unknown> implements AbstractTerm<Y, Args, Tensor> {
  readonly isODE = false;
  /** The noise structure. */
  readonly noise: NoiseType;
  /** Number of trailing channel axes of the control. */
  readonly channelDims: number;
  /** Whether `g` is declared independent of `y` (additive noise). */
  readonly additive: boolean;
  private readonly paramSource: readonly Tensor[] | HasParameters | undefined;

  constructor(
    /** The vector field `g(t, y, args)`. */
    readonly g: VectorField<Y, Args>,
    /** The control path X. */
    readonly control: AbstractPath,
    opts: ControlTermOptions = {},
  ) {
    if (typeof g !== 'function')
      throw new ArgumentError('ControlTerm: the vector field must be a function (t, y, args) => g');
    if (!isPath(control))
      throw new ArgumentError(
        'ControlTerm: control must be an AbstractPath (t0, t1, shape, dtype, evaluate(ta, tb)), e.g. a VirtualBrownianTree',
      );
    const noise = opts.noise ?? 'general';
    if (!['general', 'diagonal', 'scalar', 'additive'].includes(noise))
      throw new ArgumentError(
        `ControlTerm: noise must be 'general', 'diagonal', 'scalar' or 'additive' (got ${String(noise)})`,
      );
    this.noise = noise;
    const cs = control.shape;
    let cd: number;
    if (opts.channelDims !== undefined) cd = opts.channelDims;
    else if (noise === 'scalar') cd = cs.length > 0 && cs[cs.length - 1] === 1 ? 1 : 0;
    else if (noise === 'diagonal') cd = 0;
    else cd = cs.length > 0 ? 1 : 0;
    if (!Number.isInteger(cd) || cd < 0 || cd > cs.length)
      throw new ArgumentError(
        `ControlTerm: channelDims must be an integer in [0, ${cs.length}] for a control of shape ${fmtShape(cs)} (got ${cd})`,
      );
    if (noise === 'scalar') {
      const ch = cs.slice(cs.length - cd).reduce((a, b) => a * b, 1);
      if (ch !== 1)
        throw new ShapeError(
          `ControlTerm: scalar noise needs a single control channel; the control has shape ${fmtShape(cs)} with channel axes ${fmtShape(cs.slice(cs.length - cd))}`,
        );
    }
    this.channelDims = cd;
    if (opts.additive !== undefined && typeof opts.additive !== 'boolean')
      throw new ArgumentError(`ControlTerm: additive must be a boolean (got ${String(opts.additive)})`);
    if (opts.additive === false && noise === 'additive')
      throw new ArgumentError("ControlTerm: noise: 'additive' contradicts additive: false");
    this.additive = noise === 'additive' || opts.additive === true;
    this.paramSource = opts.params;
  }

  /** The control's batch shape (its leading, non-channel axes). */
  get batchShape(): readonly number[] {
    return this.control.shape.slice(0, this.control.shape.length - this.channelDims);
  }

  /** The control's channel shape. */
  get channelShape(): readonly number[] {
    return this.control.shape.slice(this.control.shape.length - this.channelDims);
  }

  params(): Tensor[] {
    const p = this.paramSource;
    if (!p) return [];
    if (Array.isArray(p)) return [...(p as readonly Tensor[])];
    if (typeof (p as HasParameters).parameters === 'function') return (p as HasParameters).parameters();
    throw new ArgumentError('ControlTerm: params must be an array of tensors or an object with parameters()');
  }

  vf(t: Time, y: Y, args: Args): Y {
    return this.g(t, y, args);
  }

  /**
   * `X(t1) − X(t0)`. With per-row time tensors (`[rows]`, independently stepped
   * samples) the control's leading axis must be the rows; row b is `X_b(t1_b) − X_b(t0_b)`.
   */
  contr(t0: Time, t1: Time): Tensor {
    if (typeof t0 === 'number' && typeof t1 === 'number') return this.control.evaluate(t0, t1);
    const a = t0 instanceof Tensor ? t0._contiguousData() : null;
    const b = t1 instanceof Tensor ? t1._contiguousData() : null;
    const rows = (a ?? b)!.length;
    if (this.control.shape[0] !== rows)
      throw new ShapeError(
        `ControlTerm: per-sample time stepping with ${rows} rows needs a control with leading axis ${rows} (got ${fmtShape(this.control.shape)})`,
      );
    const out: Tensor[] = [];
    for (let r = 0; r < rows; r++) {
      const ta = a ? a[r]! : (t0 as number);
      const tb = b ? b[r]! : (t1 as number);
      out.push(select(this.control.evaluate(ta, tb), 0, r));
    }
    return stack(out, 0);
  }

  prod(vf: Y, control: Tensor): Y {
    return treeMap<Y>(vf, (v) => this.prodLeaf(v, control));
  }

  vfProd(t: Time, y: Y, args: Args, control: Tensor): Y {
    return this.prod(this.vf(t, y, args), control);
  }

  /** `g·dX` for one leaf of `g`. */
  prodLeaf(v: Tensor, dX: Tensor): Tensor {
    if (this.noise === 'diagonal') {
      try {
        return mul(v, dX);
      } catch {
        throw new ShapeError(
          `ControlTerm: diagonal noise needs g(t, y) ${fmtShape(v.shape)} and the control increment ${fmtShape(dX.shape)} to broadcast elementwise`,
        );
      }
    }
    const cd = this.channelDims;
    const nb = dX.ndim - cd;
    const batch = dX.shape.slice(0, nb);
    const ch = dX.shape.slice(nb);
    if (this.noise === 'scalar') {
      if (v.ndim < nb || batch.some((s, i) => s !== v.shape[i]))
        throw new ShapeError(
          `ControlTerm: scalar noise: g(t, y) has shape ${fmtShape(v.shape)}, whose leading axes must be the control's batch axes ${fmtShape(batch)}`,
        );
      if (dX.size === 1 && nb === 0) return mul(v, reshape(dX, []));
      return mul(v, reshape(dX, [...batch, ...new Array<number>(v.ndim - nb).fill(1)]));
    }
    // general / additive: v is [...batch, ...s, ...ch]
    const ok =
      v.ndim >= nb + cd &&
      batch.every((s, i) => s === v.shape[i]) &&
      ch.every((s, i) => s === v.shape[v.ndim - cd + i]);
    if (!ok)
      throw new ShapeError(
        `ControlTerm: g(t, y) has shape ${fmtShape(v.shape)}; with a control of shape ${fmtShape(dX.shape)} ` +
          `(batch ${fmtShape(batch)}, channels ${fmtShape(ch)}) it must be [...batch, ...state, ...channels] = [${[...batch, '…', ...ch].join(',')}]`,
      );
    const B = batch.reduce((x, y) => x * y, 1);
    const C = ch.reduce((x, y) => x * y, 1);
    const outShape = v.shape.slice(0, v.ndim - cd);
    const S = v.size / Math.max(1, B * C);
    if (nb === 0) return reshape(matmul(reshape(v, [S, C]), reshape(dX, [C])), outShape);
    return reshape(matmul(reshape(v, [B, S, C]), reshape(dX, [B, C, 1])), outShape);
  }
}
