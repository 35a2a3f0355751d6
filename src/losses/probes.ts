/**
 * The property probes of the registry's losses: each views a loss as a function of its
 * prediction argument x ∈ ℝᵈ (the network output), with the other inputs fixed, and lists the
 * candidate kinks the differentiability test must look at (documented non-smooth points and
 * the smooth joins of piecewise formulas, which must pass). Small fixed contexts keep the
 * checks fast: 2 regression targets, 2 margin labels, 2×3 logits, K = 3 energies.
 */
import { Tensor } from '../core/tensor.js';
import { logSoftmax } from '../nn/functional/activation.js';
import {
  ebmHinge,
  ebmLog,
  ebmNll,
  energyLoss,
  generalizedPerceptron,
  minimumClassificationError,
  squareExponential,
  squareSquare,
} from './energy.js';
import { diffusionSimpleLoss, minimaxDiscriminatorLoss, wassersteinCriticLoss } from './generative.js';
import {
  cosineSimilarity,
  hinge,
  modifiedHuber,
  perceptron,
  quadraticallySmoothedHinge,
  ramp,
  smoothedHinge,
  zeroOne,
} from './margin.js';
import { crossEntropy, klDivergence, negativeLogLikelihood } from './probabilistic.js';
import type { KinkCandidate, PropertyProbe } from './properties.js';
import { contrastive, triplet } from './ranking.js';
import type { LossId } from './registry.js';
import {
  huber,
  logCosh,
  meanAbsoluteError,
  meanBiasError,
  meanSquaredError,
  rootMeanSquaredError,
  rootMeanSquaredLogError,
  smoothL1,
} from './regression.js';

function f64(values: ArrayLike<number>, shape: readonly number[]): Tensor {
  return Tensor._fromData(Float64Array.from(values), shape, 'float64');
}

function i32(values: number[], shape: readonly number[]): Tensor {
  return Tensor._fromData(Int32Array.from(values), shape, 'int32');
}

const vec = (...v: number[]) => Float64Array.from(v);

function basis(dim: number, i: number): Float64Array {
  const e = new Float64Array(dim);
  e[i] = 1;
  return e;
}

function kink(label: string, point: Float64Array, direction: Float64Array): KinkCandidate {
  return { label, point, direction };
}

function probe(
  dim: number,
  description: string,
  value: (x: Float64Array) => number,
  extra: Partial<Pick<PropertyProbe, 'kinks' | 'centers' | 'transform' | 'inDomain'>> = {},
): PropertyProbe {
  return {
    dim,
    description,
    value,
    kinks: extra.kinks ?? [],
    centers: extra.centers ?? [new Float64Array(dim)],
    ...(extra.transform ? { transform: extra.transform } : {}),
    ...(extra.inDomain ? { inDomain: extra.inDomain } : {}),
  };
}

// ------------------------------------------------------------------------------- regression
const TARGET = vec(0.7, -1.3);
type RegressionFn = (p: Tensor, t: Tensor) => Tensor;

function regression(fn: RegressionFn, kinks: KinkCandidate[]): PropertyProbe {
  const t = f64(TARGET, [2]);
  return probe(2, 'predictions [2], targets [0.7, −1.3]', (x) => fn(f64(x, [2]), t).item(), {
    kinks,
    centers: [new Float64Array(2), TARGET],
  });
}

/** Kinks where the residual of element 0 equals r (element 1 off any kink). */
const residualAt = (label: string, r: number) => kink(label, vec(TARGET[0]! + r, 0.4), basis(2, 0));

const LOG_TARGET = vec(0.7, 2.5);
function rmsleProbe(): PropertyProbe {
  const t = f64(LOG_TARGET, [2]);
  return probe(
    2,
    'predictions [2] > −1, targets [0.7, 2.5]',
    (x) => rootMeanSquaredLogError(f64(x, [2]), t).item(),
    {
      kinks: [kink('pred = target', LOG_TARGET, vec(0.6, 0.8))],
      centers: [LOG_TARGET],
      // Latent log(1 + pred): every scale stays in the domain pred > −1.
      transform: (u) => u.map((v) => Math.expm1(Math.max(-30, Math.min(30, v)))),
      inDomain: (x) => x.every((v) => v > -1),
    },
  );
}

// ----------------------------------------------------------------------------------- margin
const LABELS = i32([1, -1], [2]);
type MarginFn = (s: Tensor, y: Tensor) => Tensor;

function margin(fn: MarginFn, kinkAt: number[]): PropertyProbe {
  return probe(2, 'scores [2], labels [1, −1]', (x) => fn(f64(x, [2]), LABELS).item(), {
    // Sample 0 has label +1, so its margin z equals its score.
    kinks: kinkAt.map((z) => kink(`z = ${z}`, vec(z, 0.37), basis(2, 0))),
  });
}

function cosineProbe(): PropertyProbe {
  const t = f64([1, -0.5, 2], [1, 3]);
  return probe(
    3,
    'prediction vector [3] ≠ 0, target [1, −0.5, 2]',
    (x) => cosineSimilarity(f64(x, [1, 3]), t).item(),
    {
      inDomain: (x) => x.some((v) => v !== 0),
    },
  );
}

// ------------------------------------------------------------------------------ probabilistic
const CLASS_LABELS = i32([0, 2], [2]);
const Q = f64([0.2, 0.5, 0.3, 0.6, 0, 0.4], [2, 3]);
const classProbe = (value: (logits: Tensor) => Tensor) =>
  probe(6, 'logits [2, 3], labels [0, 2]', (x) => value(f64(x, [2, 3])).item());

// ----------------------------------------------------------------------------------- generative
const EPS = vec(0.3, -1.1, 0.8, 0.2);
const twoBatch = (fn: (r: Tensor, f: Tensor) => Tensor) =>
  probe(4, 'real outputs [2], fake outputs [2]', (x) =>
    fn(f64(x.subarray(0, 2), [2]), f64(x.subarray(2), [2])).item(),
  );

// -------------------------------------------------------------------------------------- ranking
function contrastiveProbe(): PropertyProbe {
  const same = f64([1, 0], [2]);
  const dir = (i: number, v: number[]) => {
    const d = new Float64Array(8);
    v.forEach((x, k) => {
      d[i + k] = x;
    });
    return d;
  };
  return probe(
    8,
    'pairs a [2, 2], b [2, 2], same = [1, 0], m = 1',
    (x) => contrastive(f64(x.subarray(0, 4), [2, 2]), f64(x.subarray(4), [2, 2]), same).item(),
    {
      kinks: [
        // a₀ = b₀ (similar pair at distance 0); the dissimilar pair is beyond the margin.
        kink('d(a₀, b₀) = 0', vec(0.3, 0.1, 0, 0, 0.3, 0.1, 1.2, 1.6), dir(0, [1, 0])),
        // Dissimilar pair exactly at the margin.
        kink('d(a₁, b₁) = m', vec(0, 0, 0, 0, 0.5, 0, 0.6, 0.8), dir(6, [0.6, 0.8])),
      ],
    },
  );
}

function tripletProbe(): PropertyProbe {
  return probe(
    6,
    'anchor, positive, negative [1, 2] each, m = 1',
    (x) =>
      triplet(
        f64(x.subarray(0, 2), [1, 2]),
        f64(x.subarray(2, 4), [1, 2]),
        f64(x.subarray(4), [1, 2]),
      ).item(),
    {
      kinks: [
        kink('m + d_ap − d_an = 0', vec(0, 0, 0.5, 0, 1.5, 0), basis(6, 4)),
        kink('anchor = positive', vec(0, 0, 0, 0, 0.5, 0), basis(6, 2)),
      ],
    },
  );
}

// --------------------------------------------------------------------------------- energy-based
const EBM_LABEL = i32([0], [1]);
type EnergyFn = (e: Tensor, y: Tensor) => Tensor;
const TIE = kink('tie of the two wrong answers', vec(0.2, 0.5, 0.5), basis(3, 1));

function energy(fn: EnergyFn, kinks: KinkCandidate[]): PropertyProbe {
  return probe(3, 'energies [1, 3], label 0', (x) => fn(f64(x, [1, 3]), EBM_LABEL).item(), { kinks });
}

const factories: Record<LossId, (() => PropertyProbe) | null> = {
  'mean-bias-error': () => regression(meanBiasError, []),
  'mean-absolute-error': () => regression(meanAbsoluteError, [residualAt('r = 0', 0)]),
  'mean-squared-error': () => regression(meanSquaredError, []),
  'root-mean-squared-error': () =>
    regression(rootMeanSquaredError, [kink('pred = target', TARGET, vec(0.6, 0.8)), residualAt('r₀ = 0', 0)]),
  huber: () => regression(huber, [residualAt('r = δ', 1), residualAt('r = −δ', -1), residualAt('r = 0', 0)]),
  'smooth-l1': () =>
    regression(smoothL1, [residualAt('r = β', 1), residualAt('r = −β', -1), residualAt('r = 0', 0)]),
  'log-cosh': () => regression(logCosh, [residualAt('r = 0', 0)]),
  'root-mean-squared-log-error': rmsleProbe,
  'zero-one': () => margin(zeroOne, [0]),
  hinge: () => margin(hinge, [1]),
  perceptron: () => margin(perceptron, [0]),
  'smoothed-hinge': () => margin(smoothedHinge, [0, 1]),
  'quadratically-smoothed-hinge': () =>
    margin((s, y) => quadraticallySmoothedHinge(s, y, { gamma: 2 }), [-1, 1]),
  'modified-huber': () => margin(modifiedHuber, [-1, 1]),
  ramp: () => margin(ramp, [0, 1]),
  'cosine-similarity': cosineProbe,
  'cross-entropy': () => classProbe((s) => crossEntropy(s, CLASS_LABELS)),
  'negative-log-likelihood': () => classProbe((s) => negativeLogLikelihood(logSoftmax(s, 1), CLASS_LABELS)),
  'kl-divergence': () => classProbe((s) => klDivergence(s, Q)),
  minimax: () => twoBatch(minimaxDiscriminatorLoss),
  wasserstein: () => twoBatch(wassersteinCriticLoss),
  diffusion: () => {
    const eps = f64(EPS, [2, 2]);
    return probe(
      4,
      'noise prediction [2, 2], noise fixed',
      (x) => diffusionSimpleLoss(f64(x, [2, 2]), eps).item(),
      {
        centers: [new Float64Array(4), EPS],
      },
    );
  },
  contrastive: contrastiveProbe,
  triplet: tripletProbe,
  energy: () => energy(energyLoss, []),
  'generalized-perceptron': () =>
    energy(generalizedPerceptron, [
      kink('tie of the two lowest (wrong) answers', vec(0.8, 0.3, 0.3), basis(3, 1)),
      kink('tie of the correct and the lowest answer', vec(0.3, 0.3, 0.9), basis(3, 0)),
    ]),
  'ebm-nll': () => energy(ebmNll, [TIE]),
  'generalized-margin': null,
  'ebm-hinge': () => energy(ebmHinge, [TIE, kink('m + E_y − E_ȳ = 0', vec(0, 1, 2), basis(3, 0))]),
  'ebm-log': () => energy(ebmLog, [TIE]),
  'minimum-classification-error': () => energy(minimumClassificationError, [TIE]),
  'square-square': () => energy(squareSquare, [TIE, kink('E_ȳ = m', vec(0.2, 1, 2), basis(3, 1))]),
  'square-exponential': () => energy(squareExponential, [TIE]),
};

/** The property probe of a registry loss (null for the generalized margin family). */
export function lossProbe(id: LossId): PropertyProbe | null {
  const make = factories[id];
  return make ? make() : null;
}
