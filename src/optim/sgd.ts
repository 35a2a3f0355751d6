/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay. */
import { getBackend, getNativeAddon } from '../backend/index.js';
import type { DataArray } from '../core/dtype.js';
import { ArgumentError } from '../core/errors.js';
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

/** Hyper-parameters of `SGD` (PyTorch names in camelCase, same defaults). */
export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening = 0). */
  nesterov: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * SGD exactly as `torch.optim.SGD`:
 * ```
 * g ← ∇ (negated if maximize) + weightDecay·θ
 * b ← g at the first step, else momentum·b + (1 − dampening)·g
 * g ← g + momentum·b if nesterov, else b            (when momentum ≠ 0)
 * θ ← θ − lr·g
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  protected readonly name = 'SGD';

  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    const defaults: SGDOptions = {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    };
    checkNonNeg('SGD', 'learning rate', defaults.lr);
    checkNonNeg('SGD', 'momentum value', defaults.momentum);
    checkNonNeg('SGD', 'weightDecay value', defaults.weightDecay);
    if (defaults.nesterov && (defaults.momentum <= 0 || defaults.dampening !== 0)) {
      throw new ArgumentError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
    super(params, defaults);
  }

  protected override initState(): ParamState {
    return {};
  }

  protected override updateParam(
    group: ParamGroup<SGDOptions>,
    p: Tensor,
    param: FloatArray,
    off: number,
    grad: DataArray,
    n: number,
    state: ParamState,
  ): void {
    const { lr, momentum, dampening, weightDecay: wd, nesterov, maximize } = group;
    const sign = maximize ? -1 : 1;
    if (momentum === 0) {
      if (wd === 0 && sign === 1 && nativeAxpy(-lr, grad, param, off, n)) return;
      for (let i = 0; i < n; i++) {
        let d = sign * grad[i]!;
        if (wd !== 0) d = d + wd * param[off + i]!;
        param[off + i] = param[off + i]! + -lr * d;
      }
      return;
    }
    let first = false;
    if (state.momentumBuffer === undefined) {
      state.momentumBuffer = zerosBuffer(p);
      first = true;
    }
    const buf = bufData(state.momentumBuffer);
    const damp = 1 - dampening;
    for (let i = 0; i < n; i++) {
      let d = sign * grad[i]!;
      if (wd !== 0) d = d + wd * param[off + i]!;
      const b = first ? d : buf[i]! * momentum + damp * d;
      buf[i] = b;
      const bb = buf[i]!; // rounded to the storage precision, as PyTorch keeps it
      d = nesterov ? d + momentum * bb : bb;
      param[off + i] = param[off + i]! + -lr * d;
    }
  }
}

/** `param[off:off+n] += alpha·grad` with the native addon's vectorised axpy, when it is active; false otherwise. */
function nativeAxpy(alpha: number, grad: DataArray, param: FloatArray, off: number, n: number): boolean {
  const addon = getNativeAddon();
  if (!addon || getBackend().name !== 'native' || n < 64) return false;
  const same =
    (grad instanceof Float32Array && param instanceof Float32Array) ||
    (grad instanceof Float64Array && param instanceof Float64Array);
  if (!same) return false;
  addon.axpy(alpha, grad.subarray(0, n) as FloatArray, param.subarray(off, off + n) as FloatArray, n);
  return true;
}
