/**
 * Energy-based losses (survey §8, LeCun et al. 2006) on a discrete answer set: `energies`
 * `[N, K]` holds E(x_i, y) for every answer y, `labels` `[N]` the correct answers (int32).
 * Inference is argmin_y E; the most offending incorrect answer ȳᵢ is the lowest-energy wrong
 * one. The per-sample loss has shape [N].
 */
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { checkFloat } from '../nn/functional/util.js';
import { add, mul, sub } from '../ops/binary.js';
import { gather } from '../ops/indexing.js';
import { logsumexp, min } from '../ops/reduce.js';
import { exp, relu, sigmoid, softplus, square } from '../ops/unary.js';
import { reshape } from '../ops/view.js';
import { checkClassLabels, checkPositive, type LossOptions, reduceLoss } from './types.js';

/** Checks `energies` [N, K] (float) and `labels` [N] (int32 in [0, K)). */
function checkEnergies(op: string, energies: Tensor, labels: Tensor, minK = 1): { N: number; K: number } {
  checkFloat(energies, op, 'energies');
  if (energies.ndim !== 2) {
    throw new ShapeError(`${op}: energies must have shape [N, K], got ${fmtShape(energies.shape)}`);
  }
  const [N, K] = energies.shape as [number, number];
  if (K < minK) {
    throw new ShapeError(`${op}: need at least ${minK} answers (energies ${fmtShape(energies.shape)})`);
  }
  checkClassLabels(op, labels, [N], K, energies.shape);
  return { N, K };
}

function mostOffendingRaw(energies: Tensor, labels: Tensor, N: number, K: number): Int32Array {
  const e = energies._contiguousData();
  const y = labels._contiguousData();
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let best = -1;
    let bestE = Number.POSITIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      if (k === y[i]) continue;
      const v = Number(e[i * K + k]!);
      if (best < 0 || v < bestE) {
        best = k;
        bestE = v;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * The most offending incorrect answer ȳᵢ = argmin_{y ≠ yᵢ} E(xᵢ, y) of each sample, as an
 * int32 tensor [N] (ties: the lowest index). Needs K ≥ 2.
 */
export function mostOffendingIncorrect(energies: Tensor, labels: Tensor): Tensor {
  const op = 'mostOffendingIncorrect';
  const { N, K } = checkEnergies(op, energies, labels, 2);
  return Tensor._fromData(mostOffendingRaw(energies, labels, N, K), [N], 'int32');
}

/** E(xᵢ, yᵢ) as [N] (differentiable in the energies). */
function correctEnergy(energies: Tensor, labels: Tensor, N: number): Tensor {
  return reshape(gather(energies, 1, reshape(labels, [N, 1])), [N]);
}

/** E(xᵢ, yᵢ) and E(xᵢ, ȳᵢ), both [N]. */
function pairEnergies(op: string, energies: Tensor, labels: Tensor): [Tensor, Tensor] {
  const { N, K } = checkEnergies(op, energies, labels, 2);
  const bar = Tensor._fromData(mostOffendingRaw(energies, labels, N, K), [N, 1], 'int32');
  return [correctEnergy(energies, labels, N), reshape(gather(energies, 1, bar), [N])];
}

/** Energy loss `E(xᵢ, yᵢ)`: pushes the correct energy down only, so it can collapse to a flat energy. */
export function energyLoss(energies: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'energyLoss';
  const { N } = checkEnergies(op, energies, labels);
  return reduceLoss(op, correctEnergy(energies, labels, N), opts);
}

/** Generalized perceptron loss `E(xᵢ, yᵢ) − min_y E(xᵢ, y)` (≥ 0; no margin). */
export function generalizedPerceptron(energies: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'generalizedPerceptron';
  const { N } = checkEnergies(op, energies, labels);
  return reduceLoss(op, sub(correctEnergy(energies, labels, N), min(energies, 1)), opts);
}

/** Options of `ebmNll`. */
export interface EbmNllOptions extends LossOptions {
  /** Inverse temperature β > 0 (default 1, a convention). */
  beta?: number;
}

/**
 * Negative log-likelihood loss for EBMs `E(xᵢ, yᵢ) + (1/β) log Σ_y e^{−βE(xᵢ, y)}` (stable
 * log-sum-exp; survey eq. (53) prints e^{+βE}). Tends to the generalized perceptron as
 * β → ∞; with two answers and β = 1 it equals `ebmLog`. Equal to cross-entropy on logits −βE, divided by β.
 */
export function ebmNll(energies: Tensor, labels: Tensor, opts: EbmNllOptions = {}): Tensor {
  const op = 'ebmNll';
  const beta = checkPositive(op, 'beta', opts.beta ?? 1);
  const { N } = checkEnergies(op, energies, labels);
  const free = mul(logsumexp(mul(energies, -beta), 1), 1 / beta);
  return reduceLoss(op, add(correctEnergy(energies, labels, N), free), opts);
}

/**
 * Generalized margin loss `Q(E(xᵢ, yᵢ), E(xᵢ, ȳᵢ))` for a user margin function Q (convex and
 * increasing in its first argument, decreasing in its second, in LeCun et al.'s conditions);
 * Q receives two [N] tensors and must return [N]. `ebmHinge`, `ebmLog`,
 * `minimumClassificationError`, `squareSquare` and `squareExponential` are members.
 */
export function generalizedMargin(
  energies: Tensor,
  labels: Tensor,
  Q: (eCorrect: Tensor, eWrong: Tensor) => Tensor,
  opts: LossOptions = {},
): Tensor {
  const op = 'generalizedMargin';
  if (typeof Q !== 'function')
    throw new ArgumentError(`${op}: Q must be a function (eCorrect, eWrong) => Tensor`);
  const [ec, ew] = pairEnergies(op, energies, labels);
  const q = Q(ec, ew);
  if (!(q instanceof Tensor)) throw new DTypeError(`${op}: Q must return a tensor`);
  if (q.ndim !== 1 || q.shape[0] !== ec.shape[0]) {
    throw new ShapeError(
      `${op}: Q must return a per-sample tensor ${fmtShape(ec.shape)} (got ${fmtShape(q.shape)})`,
    );
  }
  return reduceLoss(op, q, opts);
}

/** Options of the margin losses with a margin m. */
export interface EnergyMarginOptions extends LossOptions {
  /** Margin m > 0 (default 1, a convention). */
  margin?: number;
}

/** EBM hinge loss `max(0, m + E(xᵢ, yᵢ) − E(xᵢ, ȳᵢ))`. */
export function ebmHinge(energies: Tensor, labels: Tensor, opts: EnergyMarginOptions = {}): Tensor {
  const op = 'ebmHinge';
  const m = checkPositive(op, 'margin', opts.margin ?? 1);
  const [ec, ew] = pairEnergies(op, energies, labels);
  return reduceLoss(op, relu(add(sub(ec, ew), m)), opts);
}

/** EBM log loss ("soft hinge") `log(1 + e^{E(xᵢ, yᵢ) − E(xᵢ, ȳᵢ)})`, as a softplus. */
export function ebmLog(energies: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'ebmLog';
  const [ec, ew] = pairEnergies(op, energies, labels);
  return reduceLoss(op, softplus(sub(ec, ew)), opts);
}

/** Minimum classification error loss `σ(E(xᵢ, yᵢ) − E(xᵢ, ȳᵢ))`: a smooth error count, not convex. */
export function minimumClassificationError(energies: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'minimumClassificationError';
  const [ec, ew] = pairEnergies(op, energies, labels);
  return reduceLoss(op, sigmoid(sub(ec, ew)), opts);
}

/** Square-square loss `E(xᵢ, yᵢ)² + max(0, m − E(xᵢ, ȳᵢ))²` (for energies bounded below, e.g. E ≥ 0). */
export function squareSquare(energies: Tensor, labels: Tensor, opts: EnergyMarginOptions = {}): Tensor {
  const op = 'squareSquare';
  const m = checkPositive(op, 'margin', opts.margin ?? 1);
  const [ec, ew] = pairEnergies(op, energies, labels);
  return reduceLoss(op, add(square(ec), square(relu(sub(m, ew)))), opts);
}

/** Options of `squareExponential`. */
export interface SquareExponentialOptions extends LossOptions {
  /** Weight γ > 0 of the exponential term (default 1, a convention). */
  gamma?: number;
}

/** Square-exponential loss `E(xᵢ, yᵢ)² + γ·e^{−E(xᵢ, ȳᵢ)}` (for energies bounded below). */
export function squareExponential(
  energies: Tensor,
  labels: Tensor,
  opts: SquareExponentialOptions = {},
): Tensor {
  const op = 'squareExponential';
  const gamma = checkPositive(op, 'gamma', opts.gamma ?? 1);
  const [ec, ew] = pairEnergies(op, energies, labels);
  return reduceLoss(op, add(square(ec), mul(exp(mul(ew, -1)), gamma)), opts);
}
