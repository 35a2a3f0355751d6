/** RMSprop (Hinton, lecture 6e) with optional momentum and centring. */
import type { DataArray } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import {
  bufData,
  checkNonNeg,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
  zerosBuffer,
} from './optimizer.js';

/** Hyper-parameters of `RMSprop` (PyTorch names in camelCase, same defaults). */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalise by the estimated variance instead of the raw second moment (default false). */
  centered: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * RMSprop exactly as `torch.optim.RMSprop`:
 * ```
 * g ← ∇ (negated if maximize) + weightDecay·θ
 * s ← αs + (1−α)g²;   ḡ ← αḡ + (1−α)g and s̃ = s − ḡ² if centered, else s̃ = s
 * d ← √s̃ + eps
 * b ← momentum·b + g/d;  θ ← θ − lr·b      (momentum > 0)
 * θ ← θ − lr·g/d                            (otherwise)
 * ```
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  protected readonly name = 'RMSprop';

  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    const d: RMSpropOptions = {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    };
    checkNonNeg('RMSprop', 'learning rate', d.lr);
    checkNonNeg('RMSprop', 'epsilon value', d.eps);
    checkNonNeg('RMSprop', 'momentum value', d.momentum);
    checkNonNeg('RMSprop', 'weightDecay value', d.weightDecay);
    checkNonNeg('RMSprop', 'alpha value', d.alpha);
    super(params, d);
  }

  protected override initState(group: ParamGroup<RMSpropOptions>, p: Tensor): ParamState {
    const st: ParamState = { step: 0, squareAvg: zerosBuffer(p) };
    if (group.momentum > 0) st.momentumBuffer = zerosBuffer(p);
    if (group.centered) st.gradAvg = zerosBuffer(p);
    return st;
  }

  protected override updateParam(
    group: ParamGroup<RMSpropOptions>,
    p: Tensor,
    param: FloatArray,
    off: number,
    grad: DataArray,
    n: number,
    state: ParamState,
  ): void {
    const { lr, alpha, eps, weightDecay: wd, momentum, centered, maximize } = group;
    state.step = (state.step as number) + 1;
    if (momentum > 0 && state.momentumBuffer === undefined) state.momentumBuffer = zerosBuffer(p);
    if (centered && state.gradAvg === undefined) state.gradAvg = zerosBuffer(p);
    const sq = bufData(state.squareAvg);
    const ga = centered ? bufData(state.gradAvg) : sq;
    const buf = momentum > 0 ? bufData(state.momentumBuffer) : sq;
    const sign = maximize ? -1 : 1;
    const a1 = 1 - alpha;
    for (let i = 0; i < n; i++) {
      const x = param[off + i]!;
      let g = sign * grad[i]!;
      if (wd !== 0) g = g + wd * x;
      sq[i] = sq[i]! * alpha + a1 * g * g;
      let avg: number;
      if (centered) {
        ga[i] = ga[i]! * alpha + a1 * g;
        avg = Math.sqrt(sq[i]! + -1 * ga[i]! * ga[i]!) + eps;
      } else {
        avg = Math.sqrt(sq[i]!) + eps;
      }
      if (momentum > 0) {
        buf[i] = buf[i]! * momentum + g / avg;
        param[off + i] = x + -lr * buf[i]!;
      } else {
        param[off + i] = x + (-lr * g) / avg;
      }
    }
  }
}
