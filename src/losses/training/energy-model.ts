/**
 * An energy-based classifier (survey §8, LeCun et al. 2006): a scorer network gives one score per
 * answer, the energy is E(x, y) = −score_y(x) (or softplus(−score_y(x)) ≥ 0 for losses that need
 * energies bounded below), inference is argmin_y E(x, y), and ȳ is the most offending incorrect
 * answer (the lowest-energy wrong one). Any of the survey's energy losses trains it.
 *
 * @module
 */
import { noGrad } from '../../autograd/mode.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { Module } from '../../nn/module.js';
import { argmin } from '../../ops/reduce.js';
import { neg, softplus } from '../../ops/unary.js';
import type { Optimizer } from '../../optim/optimizer.js';
import {
  ebmHinge,
  ebmLog,
  ebmNll,
  energyLoss,
  generalizedPerceptron,
  minimumClassificationError,
  mostOffendingIncorrect,
  squareExponential,
  squareSquare,
} from '../index.js';

/** How scores become energies: `'negScore'` E = −s, `'softplus'` E = softplus(−s) ≥ 0. */
export type EnergyForm = 'negScore' | 'softplus';

/** The energy losses of survey §8 (#25–#33, with the generalized-margin family's members). */
export type EnergyLossName =
  | 'energyLoss'
  | 'generalizedPerceptron'
  | 'ebmNll'
  | 'ebmHinge'
  | 'ebmLog'
  | 'minimumClassificationError'
  | 'squareSquare'
  | 'squareExponential';

/** Every {@link EnergyLossName}, in the survey's order. */
export const ENERGY_LOSS_NAMES: readonly EnergyLossName[] = [
  'energyLoss',
  'generalizedPerceptron',
  'ebmNll',
  'ebmHinge',
  'ebmLog',
  'minimumClassificationError',
  'squareSquare',
  'squareExponential',
];

/** Hyper-parameters of the energy losses (library defaults: β = 1, m = 1, γ = 1). */
export interface EnergyLossParams {
  /** EBM-NLL inverse temperature β. */
  beta?: number;
  /** Margin m of the hinge and square-square losses. */
  margin?: number;
  /** Square-exponential weight γ. */
  gamma?: number;
}

/** The mean loss `name` on `energies` `[N, K]` with correct answers `labels` `[N]`. */
export function energyLossByName(
  name: EnergyLossName,
  energies: Tensor,
  labels: Tensor,
  params: EnergyLossParams = {},
): Tensor {
  switch (name) {
    case 'energyLoss':
      return energyLoss(energies, labels);
    case 'generalizedPerceptron':
      return generalizedPerceptron(energies, labels);
    case 'ebmNll':
      return ebmNll(energies, labels, params.beta === undefined ? {} : { beta: params.beta });
    case 'ebmHinge':
      return ebmHinge(energies, labels, params.margin === undefined ? {} : { margin: params.margin });
    case 'ebmLog':
      return ebmLog(energies, labels);
    case 'minimumClassificationError':
      return minimumClassificationError(energies, labels);
    case 'squareSquare':
      return squareSquare(energies, labels, params.margin === undefined ? {} : { margin: params.margin });
    case 'squareExponential':
      return squareExponential(energies, labels, params.gamma === undefined ? {} : { gamma: params.gamma });
    default:
      throw new ArgumentError(
        `energyLossByName: unknown loss '${String(name)}' (expected one of ${ENERGY_LOSS_NAMES.join(', ')})`,
      );
  }
}

/**
 * The energy form a loss needs: square-square and square-exponential assume E ≥ 0, so they use
 * `'softplus'`; the others use E = −score.
 */
export function defaultEnergyForm(name: EnergyLossName): EnergyForm {
  return name === 'squareSquare' || name === 'squareExponential' ? 'softplus' : 'negScore';
}

/** Options of {@link EnergyModel}. */
export interface EnergyModelOptions {
  /** Default `'negScore'`. */
  form?: EnergyForm;
}

/**
 * Wraps a scorer `x [N, …] → scores [N, K]` as an energy model over K discrete answers:
 * `forward(x)` returns the energies `[N, K]`.
 */
export class EnergyModel extends Module<[Tensor], Tensor> {
  readonly scorer: Module<[Tensor], Tensor>;
  readonly form: EnergyForm;

  constructor(scorer: Module<[Tensor], Tensor>, opts: EnergyModelOptions = {}) {
    super();
    const form = opts.form ?? 'negScore';
    if (form !== 'negScore' && form !== 'softplus') {
      throw new ArgumentError(`EnergyModel: form must be 'negScore' or 'softplus' (got '${form}')`);
    }
    this.scorer = scorer;
    this.form = form;
  }

  /** Energies E(x, y) for every answer y: `[N, K]`. */
  forward(x: Tensor): Tensor {
    const s = this.scorer.forward(x);
    if (s.ndim !== 2)
      throw new ShapeError(`EnergyModel: the scorer must return [N, K] scores, got ${fmtShape(s.shape)}`);
    return this.form === 'negScore' ? neg(s) : softplus(neg(s));
  }

  /** Inference ỹ = argmin_y E(x, y): an int32 tensor `[N]`. */
  infer(x: Tensor): Tensor {
    return noGrad(() => argmin(this.forward(x), 1));
  }

  /** The most offending incorrect answer ȳ = argmin_{y ≠ label} E(x, y): an int32 tensor `[N]`. */
  mostOffending(x: Tensor, labels: Tensor): Tensor {
    return noGrad(() => mostOffendingIncorrect(this.forward(x), labels));
  }

  /** Fraction of `labels` that inference gets right. */
  accuracy(x: Tensor, labels: Tensor): number {
    const pred = this.infer(x).dataSync();
    const y = labels.dataSync();
    if (pred.length !== y.length) {
      throw new ShapeError(
        `EnergyModel.accuracy: ${pred.length} predictions but labels ${fmtShape(labels.shape)}`,
      );
    }
    let ok = 0;
    for (let i = 0; i < y.length; i++) if (Number(pred[i]) === Number(y[i])) ok++;
    return y.length > 0 ? ok / y.length : 0;
  }

  /** One optimiser step on the energy loss `loss`; returns the loss value. */
  trainStep(
    x: Tensor,
    labels: Tensor,
    loss: EnergyLossName,
    optimizer: Optimizer,
    params: EnergyLossParams = {},
  ): number {
    optimizer.zeroGrad();
    const l = energyLossByName(loss, this.forward(x), labels, params);
    l.backward();
    optimizer.step();
    return l.item();
  }
}
