/** Adagrad (Duchi et al., 2011). */
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

/** Hyper-parameters of `Adagrad` (PyTorch names in camelCase, same defaults). */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: step t uses lr / (1 + (t−1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Initial value of the squared-gradient sum (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * Adagrad exactly as `torch.optim.Adagrad`:
 * ```
 * g ← ∇ (negated if maximize) + weightDecay·θ
 * clr ← lr / (1 + (t−1)·lrDecay);   s ← s + g²;   θ ← θ − clr·g / (√s + eps)
 * ```
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  protected readonly name = 'Adagrad';

  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    const d: AdagradOptions = {
      lr: options.lr ?? 1e-2,
      lrDecay: options.lrDecay ?? 0,
      weightDecay: options.weightDecay ?? 0,
      initialAccumulatorValue: options.initialAccumulatorValue ?? 0,
      eps: options.eps ?? 1e-10,
      maximize: options.maximize ?? false,
    };
    checkNonNeg('Adagrad', 'learning rate', d.lr);
    checkNonNeg('Adagrad', 'lrDecay value', d.lrDecay);
    checkNonNeg('Adagrad', 'weightDecay value', d.weightDecay);
    checkNonNeg('Adagrad', 'initialAccumulatorValue value', d.initialAccumulatorValue);
    checkNonNeg('Adagrad', 'epsilon value', d.eps);
    super(params, d);
  }

  protected override initState(group: ParamGroup<AdagradOptions>, p: Tensor): ParamState {
    // PyTorch creates this state eagerly in the constructor; creating it at the first step is equivalent.
    return { step: 0, sum: zerosBuffer(p, group.initialAccumulatorValue) };
  }

  protected override updateParam(
    group: ParamGroup<AdagradOptions>,
    _p: Tensor,
    param: FloatArray,
    off: number,
    grad: DataArray,
    n: number,
    state: ParamState,
  ): void {
    const { lr, lrDecay, weightDecay: wd, eps, maximize } = group;
    const step = (state.step as number) + 1;
    state.step = step;
    const sum = bufData(state.sum);
    const sign = maximize ? -1 : 1;
    const clr = lr / (1 + (step - 1) * lrDecay);
    for (let i = 0; i < n; i++) {
      const x = param[off + i]!;
      let g = sign * grad[i]!;
      if (wd !== 0) g = g + wd * x;
      sum[i] = sum[i]! + 1 * g * g;
      const std = Math.sqrt(sum[i]!) + eps;
      param[off + i] = x + (-clr * g) / std;
    }
  }
}
