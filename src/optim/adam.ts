/** Adam and AdamW (Kingma & Ba, 2015; Loshchilov & Hutter, 2019). */
import type { DataArray } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import {
  bufData,
  checkNonNeg,
  checkUnit,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
  zerosBuffer,
} from './optimizer.js';

/** Hyper-parameters of `Adam` / `AdamW` (PyTorch names in camelCase). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Weight decay: L2 penalty for Adam (default 0), decoupled decay for AdamW (default 0.01). */
  weightDecay: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

function adamDefaults(op: string, options: Partial<AdamOptions>, weightDecay: number): AdamOptions {
  const d: AdamOptions = {
    lr: options.lr ?? 1e-3,
    betas: options.betas ? [options.betas[0], options.betas[1]] : [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    amsgrad: options.amsgrad ?? false,
    maximize: options.maximize ?? false,
  };
  checkNonNeg(op, 'learning rate', d.lr);
  checkNonNeg(op, 'epsilon value', d.eps);
  checkUnit(op, 'beta parameter at index 0', d.betas[0]);
  checkUnit(op, 'beta parameter at index 1', d.betas[1]);
  checkNonNeg(op, 'weightDecay value', d.weightDecay);
  return d;
}

/** Shared implementation; `decoupled` selects AdamW's weight decay. */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected override initState(group: ParamGroup<AdamOptions>, p: Tensor): ParamState {
    const st: ParamState = { step: 0, expAvg: zerosBuffer(p), expAvgSq: zerosBuffer(p) };
    if (group.amsgrad) st.maxExpAvgSq = zerosBuffer(p);
    return st;
  }

  protected override updateParam(
    group: ParamGroup<AdamOptions>,
    p: Tensor,
    param: FloatArray,
    off: number,
    grad: DataArray,
    n: number,
    state: ParamState,
  ): void {
    const { lr, eps, weightDecay: wd, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    const step = (state.step as number) + 1;
    state.step = step;
    const m = bufData(state.expAvg);
    const v = bufData(state.expAvgSq);
    if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = zerosBuffer(p);
    const vmax = amsgrad ? bufData(state.maxExpAvgSq) : v;
    const sign = maximize ? -1 : 1;
    const decay = this.decoupled && wd !== 0 ? 1 - lr * wd : 1;
    const l2 = this.decoupled ? 0 : wd;
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const stepSize = lr / bc1;
    const bc2Sqrt = Math.sqrt(bc2);
    const b1c = 1 - beta1;
    const b2c = 1 - beta2;
    for (let i = 0; i < n; i++) {
      let x = param[off + i]!;
      if (decay !== 1) x = param[off + i] = x * decay;
      let g = sign * grad[i]!;
      if (l2 !== 0) g = g + l2 * x;
      m[i] = m[i]! * beta1 + b1c * g;
      let vi = (v[i] = v[i]! * beta2 + b2c * g * g);
      if (amsgrad) {
        if (vmax[i]! < vi) vmax[i] = vi;
        vi = vmax[i]!;
      }
      const denom = Math.sqrt(vi) / bc2Sqrt + eps;
      param[off + i] = x + (-stepSize * m[i]!) / denom;
    }
  }
}

/**
 * Adam exactly as `torch.optim.Adam` (weight decay is an L2 term added to the gradient):
 * ```
 * g ← ∇ (negated if maximize) + weightDecay·θ
 * m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²;   v̂ ← max(v̂, v) if amsgrad
 * θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + eps)
 * ```
 */
export class Adam extends AdamBase {
  protected readonly name = 'Adam';
  protected readonly decoupled = false;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults('Adam', options, 0));
  }
}

/**
 * AdamW exactly as `torch.optim.AdamW`: decoupled weight decay `θ ← θ(1 − lr·weightDecay)`
 * (default weightDecay 0.01) before the Adam update.
 */
export class AdamW extends AdamBase {
  protected readonly name = 'AdamW';
  protected readonly decoupled = true;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults('AdamW', options, 1e-2));
  }
}
