/**
 * The taxonomy registry: one `LossInfo` per loss of the survey (33 entries), with its place
 * in the taxonomy (task, strategy, paradigm — Fig. 1), the survey's property tags next to the
 * properties verified numerically by `properties.ts` (`surveyTags` vs `verified`), its
 * hyper-parameters, formula, section, Fig. 1 parent links, notes and the implementing function.
 */
import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import {
  ebmHinge,
  ebmLog,
  ebmNll,
  energyLoss,
  generalizedMargin,
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
import { contrastive, triplet } from './ranking.js';
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

/** The task axis of the taxonomy. */
export type LossTask = 'regression' | 'classification' | 'generative' | 'ranking' | 'energy-based';
/** The underlying-strategy axis (the bars under Fig. 1). */
export type LossStrategy = 'error-based' | 'probabilistic' | 'margin-based';
/** The learning paradigm (box colour in Fig. 1). */
export type LossParadigm = 'supervised' | 'semi-supervised' | 'unsupervised';
/** The survey's property tags: CONT, DIFF, L-CONT, CONV, S-CONV. */
export type LossProperty = 'continuous' | 'differentiable' | 'lipschitz' | 'convex' | 'strictlyConvex';
/** The properties the checker verifies: the survey's five and non-negativity. */
export type CheckedProperty = LossProperty | 'nonNegative';

/** The survey's five property tags, in its order. */
export const LOSS_PROPERTIES: readonly LossProperty[] = [
  'continuous',
  'differentiable',
  'lipschitz',
  'convex',
  'strictlyConvex',
];
/** Every property the checker verifies. */
export const CHECKED_PROPERTIES: readonly CheckedProperty[] = [...LOSS_PROPERTIES, 'nonNegative'];

/** The ids of the 33 losses, in the survey's order. */
export const LOSS_IDS = [
  'mean-bias-error',
  'mean-absolute-error',
  'mean-squared-error',
  'root-mean-squared-error',
  'huber',
  'smooth-l1',
  'log-cosh',
  'root-mean-squared-log-error',
  'zero-one',
  'hinge',
  'perceptron',
  'smoothed-hinge',
  'quadratically-smoothed-hinge',
  'modified-huber',
  'ramp',
  'cosine-similarity',
  'cross-entropy',
  'negative-log-likelihood',
  'kl-divergence',
  'minimax',
  'wasserstein',
  'diffusion',
  'contrastive',
  'triplet',
  'energy',
  'generalized-perceptron',
  'ebm-nll',
  'generalized-margin',
  'ebm-hinge',
  'ebm-log',
  'minimum-classification-error',
  'square-square',
  'square-exponential',
] as const;
/** A loss id. */
export type LossId = (typeof LOSS_IDS)[number];

/** A hyper-parameter of a loss. */
export interface HyperParameter {
  /** The option name in the function's options. */
  readonly name: string;
  /** Its symbol in the formula (LaTeX). */
  readonly symbol: string;
  readonly default: number | boolean | string;
  /** True when the default is a library convention: the survey gives no value. */
  readonly convention: boolean;
  readonly description: string;
}

/** Any loss function of the library (see the named export for its exact signature). */
export type LossFunction = (...args: never[]) => Tensor;

/** One loss of the survey. */
export interface LossInfo {
  readonly id: LossId;
  readonly name: string;
  /** Its number in the survey's list of 33 (see docs/losses.md for the counting). */
  readonly index: number;
  readonly task: LossTask;
  readonly strategy: LossStrategy;
  readonly paradigm: LossParadigm;
  /** The tags the survey attaches (Fig. 1 / its text). */
  readonly surveyTags: readonly LossProperty[];
  /**
   * The properties as verified by `checkLossProperties` in the argument described by
   * `argument`; null for the generalized margin loss, a family whose properties depend on Q.
   */
  readonly verified: Readonly<Record<CheckedProperty, boolean>> | null;
  /** The argument the properties are about (the network output, other inputs fixed). */
  readonly argument: string;
  readonly hyperParameters: readonly HyperParameter[];
  /** The formula implemented (LaTeX), with the corrections noted in `notes`. */
  readonly formula: string;
  /** Where the survey defines it. */
  readonly section: string;
  /** Incoming edges of Fig. 1 (ids); undirected links are listed on the later loss. */
  readonly parents: readonly LossId[];
  readonly notes: readonly string[];
  /** The PyTorch counterpart and the difference, if any. */
  readonly pytorch: string | null;
  /** The name of the implementing function exported from `nabla/losses`. */
  readonly functionName: string;
  readonly fn: LossFunction;
}

/** A `verified` record with the listed properties true and the others false. */
function holds(...ps: CheckedProperty[]): Readonly<Record<CheckedProperty, boolean>> {
  const r = {} as Record<CheckedProperty, boolean>;
  for (const p of CHECKED_PROPERTIES) r[p] = ps.includes(p);
  return r;
}

function hp(
  name: string,
  symbol: string,
  def: number | boolean | string,
  convention: boolean,
  description: string,
): HyperParameter {
  return { name, symbol, default: def, convention, description };
}

const REG = 'the predictions f(x), targets fixed';
const MARGIN = 'the scores f(x), labels y ∈ {−1, +1} fixed';
const CLASS = 'the logits, labels fixed';
const EBM = 'the energies E(x, ·) over K = 3 answers, label fixed';
const DELTA = hp(
  'delta',
  '\\delta',
  1,
  true,
  'Quadratic-to-linear transition (the survey gives no default).',
);
const MARGIN_M = hp('margin', 'm', 1, true, 'Margin (the survey gives no default).');

type Entry = Omit<LossInfo, 'index'>;

const entries: Entry[] = [
  // ---------------------------------------------------------------------------- regression (§4)
  {
    id: 'mean-bias-error',
    name: 'Mean Bias Error',
    task: 'regression',
    strategy: 'error-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex'),
    argument: REG,
    hyperParameters: [],
    formula: String.raw`\frac1N\sum_i \big(y_i - f(x_i)\big)`,
    section: '§4',
    parents: [],
    notes: [
      'Signed errors cancel, so it measures bias (an evaluation metric) rather than training a model; the "base pillar" of the regression family.',
      'Linear in the prediction, hence convex and Lipschitz but unbounded below (not non-negative).',
    ],
    pytorch: null,
    functionName: 'meanBiasError',
    fn: meanBiasError,
  },
  {
    id: 'mean-absolute-error',
    name: 'Mean Absolute Error (L1)',
    task: 'regression',
    strategy: 'error-based',
    paradigm: 'supervised',
    surveyTags: ['lipschitz', 'convex'],
    verified: holds('continuous', 'lipschitz', 'convex', 'nonNegative'),
    argument: REG,
    hyperParameters: [],
    formula: String.raw`\frac1N\sum_i \lvert y_i - f(x_i)\rvert`,
    section: '§4',
    parents: ['mean-bias-error'],
    notes: ['Kink at r = 0; gradient magnitude independent of the error size; robust to outliers.'],
    pytorch: 'L1Loss (same).',
    functionName: 'meanAbsoluteError',
    fn: meanAbsoluteError,
  },
  {
    id: 'mean-squared-error',
    name: 'Mean Squared Error (L2)',
    task: 'regression',
    strategy: 'error-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable', 'convex'],
    verified: holds('continuous', 'differentiable', 'convex', 'strictlyConvex', 'nonNegative'),
    argument: REG,
    hyperParameters: [],
    formula: String.raw`\frac1N\sum_i \big(y_i - f(x_i)\big)^2`,
    section: '§4',
    parents: ['mean-bias-error'],
    notes: [
      'Optimal for Gaussian noise; sensitive to outliers. Strictly convex and not Lipschitz (quadratic growth), which the survey does not list.',
      'The regularisers Ridge (λ‖Θ‖₂²) and Lasso (λ‖Θ‖₁) are drawn attached to MSE in Fig. 1; they are not losses and not counted.',
    ],
    pytorch: 'MSELoss (same).',
    functionName: 'meanSquaredError',
    fn: meanSquaredError,
  },
  {
    id: 'root-mean-squared-error',
    name: 'Root Mean Squared Error',
    task: 'regression',
    strategy: 'error-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable', 'convex'],
    verified: holds('continuous', 'lipschitz', 'convex', 'nonNegative'),
    argument: REG,
    hyperParameters: [],
    formula: String.raw`\sqrt{\frac1N\sum_i \big(y_i - f(x_i)\big)^2}`,
    section: '§4',
    parents: ['mean-squared-error'],
    notes: [
      '⚠ Tagged DIFF, but √(mean r²) is a scaled Euclidean norm of the residual: not differentiable where all residuals vanish (at the perfect fit). The implementation uses the subgradient 0 there.',
      'Same minimiser as MSE, different gradient scale; Lipschitz with constant 1/√N (not listed by the survey); not strictly convex (linear along rays from the target).',
    ],
    pytorch: 'None (sqrt of MSELoss).',
    functionName: 'rootMeanSquaredError',
    fn: rootMeanSquaredError,
  },
  {
    id: 'huber',
    name: 'Huber',
    task: 'regression',
    strategy: 'error-based',
    paradigm: 'supervised',
    surveyTags: ['lipschitz', 'differentiable', 'strictlyConvex'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: REG,
    hyperParameters: [DELTA],
    formula: String.raw`\begin{cases}\tfrac12 r^2 & \lvert r\rvert\le\delta\\ \delta\big(\lvert r\rvert-\tfrac12\delta\big) & \text{otherwise}\end{cases}`,
    section: '§4',
    parents: ['mean-absolute-error', 'mean-squared-error'],
    notes: [
      '⚠ Tagged S-CONV, but the loss is linear for |r| > δ, so it is convex and not strictly convex.',
      'Quadratic near 0, linear in the tails: less sensitive to outliers than MSE at the cost of a hyper-parameter.',
    ],
    pytorch: 'HuberLoss(delta) (same).',
    functionName: 'huber',
    fn: huber,
  },
  {
    id: 'smooth-l1',
    name: 'Smooth L1',
    task: 'regression',
    strategy: 'error-based',
    paradigm: 'supervised',
    surveyTags: [],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: REG,
    hyperParameters: [
      hp(
        'beta',
        '\\beta',
        1,
        false,
        'Transition point; the survey defines Smooth L1 as Huber with δ = 1, i.e. β = 1.',
      ),
    ],
    formula: String.raw`\begin{cases}\tfrac{1}{2\beta} r^2 & \lvert r\rvert<\beta\\ \lvert r\rvert-\tfrac12\beta & \text{otherwise}\end{cases}`,
    section: '§4',
    parents: ['huber'],
    notes: [
      'The survey: Huber with δ = 1. PyTorch generalises it to SmoothL1Loss(β) = HuberLoss(δ = β)/β; the two agree at β = 1 only.',
      'Common in object detection (box regression). Not tagged by the survey.',
    ],
    pytorch: 'SmoothL1Loss(beta) (same; = Huber/β).',
    functionName: 'smoothL1',
    fn: smoothL1,
  },
  {
    id: 'log-cosh',
    name: 'Log-cosh',
    task: 'regression',
    strategy: 'error-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'strictlyConvex', 'nonNegative'),
    argument: REG,
    hyperParameters: [],
    formula: String.raw`\frac1N\sum_i \log\cosh\big(f(x_i)-y_i\big)`,
    section: '§4',
    parents: ['mean-bias-error'],
    notes: [
      '≈ r²/2 for small r, ≈ |r| − log 2 for large r; twice differentiable. Computed as |r| + log1p(e^{−2|r|}) − log 2 with gradient tanh(r).',
      'Also convex, strictly convex (second derivative sech² r > 0) and 1-Lipschitz, none of which the survey lists.',
    ],
    pytorch: null,
    functionName: 'logCosh',
    fn: logCosh,
  },
  {
    id: 'root-mean-squared-log-error',
    name: 'Root Mean Squared Log Error',
    task: 'regression',
    strategy: 'error-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable', 'convex'],
    verified: holds('continuous', 'nonNegative'),
    argument: 'the predictions f(x) > −1, non-negative targets fixed',
    hyperParameters: [],
    formula: String.raw`\sqrt{\frac1N\sum_i\big(\log(1+y_i)-\log(1+f(x_i))\big)^2}`,
    section: '§4',
    parents: ['root-mean-squared-error'],
    notes: [
      '⚠ Tagged CONV, but it is not convex in the prediction: for one sample it is |log(1+y) − log(1+f)|, concave in f for f > y. (It is convex in log(1 + f).) The squared log error (log(1+y) − log(1+f))² is not convex either, for f > e(1 + y) − 1.',
      '⚠ Tagged DIFF, but like RMSE it is not differentiable where all log-residuals vanish (subgradient 0 used there).',
      'Not Lipschitz: the slope 1/(1 + f) is unbounded as f → −1. Relative-error measure; penalises under-estimates more than over-estimates.',
    ],
    pytorch: null,
    functionName: 'rootMeanSquaredLogError',
    fn: rootMeanSquaredLogError,
  },
  // ------------------------------------------------------------------ margin classification (§5.2)
  {
    id: 'zero-one',
    name: 'Zero-One',
    task: 'classification',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: [],
    verified: holds('nonNegative'),
    argument: MARGIN,
    hyperParameters: [],
    formula: String.raw`\mathbb 1\big[y\,f(x) < 0\big]`,
    section: '§5.2',
    parents: [],
    notes: [
      'The misclassification count: not continuous, not convex; its gradient is 0 almost everywhere, which is why every loss below is a (classification-calibrated) surrogate.',
    ],
    pytorch: null,
    functionName: 'zeroOne',
    fn: zeroOne,
  },
  {
    id: 'hinge',
    name: 'Hinge',
    task: 'classification',
    strategy: 'margin-based',
    paradigm: 'semi-supervised',
    surveyTags: ['lipschitz', 'convex'],
    verified: holds('continuous', 'lipschitz', 'convex', 'nonNegative'),
    argument: MARGIN,
    hyperParameters: [],
    formula: String.raw`\max\big(0,\ 1 - y\,f(x)\big)`,
    section: '§5.2',
    parents: ['zero-one'],
    notes: [
      'SVMs; kink at z = 1, not strictly convex; sensitive to outliers. Drawn semi-supervised (blue) in Fig. 1.',
    ],
    pytorch: 'No direct counterpart (HingeEmbeddingLoss takes distances; MultiMarginLoss is multi-class).',
    functionName: 'hinge',
    fn: hinge,
  },
  {
    id: 'perceptron',
    name: 'Perceptron',
    task: 'classification',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: [],
    verified: holds('continuous', 'lipschitz', 'convex', 'nonNegative'),
    argument: MARGIN,
    hyperParameters: [],
    formula: String.raw`\max\big(0,\ -y\,f(x)\big)`,
    section: '§5.2.2',
    parents: [],
    notes: ['Defined in §5.2.2 but not drawn in Fig. 1. No penalty for correct answers, so no margin.'],
    pytorch: null,
    functionName: 'perceptron',
    fn: perceptron,
  },
  {
    id: 'smoothed-hinge',
    name: 'Smoothed Hinge',
    task: 'classification',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['lipschitz', 'convex'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: MARGIN,
    hyperParameters: [],
    formula: String.raw`\begin{cases}\tfrac12 - z & z\le 0\\ \tfrac12(1-z)^2 & 0<z<1\\ 0 & z\ge1\end{cases},\quad z = y\,f(x)`,
    section: '§5.2, eq. (18)',
    parents: ['hinge'],
    notes: [
      '⚠ v1 eq. (18) writes f(x)·t for f(x)·y (typo).',
      'Continuously differentiable (not listed by the survey).',
    ],
    pytorch: null,
    functionName: 'smoothedHinge',
    fn: smoothedHinge,
  },
  {
    id: 'quadratically-smoothed-hinge',
    name: 'Quadratically Smoothed Hinge',
    task: 'classification',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['lipschitz', 'convex', 'differentiable'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: MARGIN,
    hyperParameters: [
      hp(
        'gamma',
        '\\gamma',
        2,
        true,
        'Width of the quadratic piece, γ > 0; γ = 2 gives the modified Huber loss, γ → 0 the hinge.',
      ),
    ],
    formula: String.raw`\begin{cases}\frac{1}{2\gamma}\max(0,1-z)^2 & z\ge 1-\gamma\\ 1-\frac\gamma2-z & \text{otherwise}\end{cases}`,
    section: '§5.2, eq. (19)',
    parents: ['smoothed-hinge'],
    notes: [
      '⚠ v1 eq. (19) prints max(0, −z)²; the continuous (C¹) form uses max(0, 1 − z)². The v1 text calls it "not differentiable in the whole domain", contradicting its own DIFF tag: with the correct formula it is C¹.',
    ],
    pytorch: null,
    functionName: 'quadraticallySmoothedHinge',
    fn: quadraticallySmoothedHinge,
  },
  {
    id: 'modified-huber',
    name: 'Modified Huber',
    task: 'classification',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['lipschitz', 'differentiable', 'strictlyConvex'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: MARGIN,
    hyperParameters: [],
    formula: String.raw`\begin{cases}\tfrac14\max(0,1-z)^2 & z\ge -1\\ -z & \text{otherwise}\end{cases}`,
    section: '§5.2, eq. (20)',
    parents: ['hinge'],
    notes: [
      '⚠ v1 eq. (20) prints max(0, −z)²; use 1 − z. It is the quadratically smoothed hinge with γ = 2.',
      '⚠ Tagged S-CONV, but it is linear for z < −1 and constant (0) for z ≥ 1: convex, not strictly convex.',
      "scikit-learn's modified_huber is 4× this (max(0, 1 − z)², −4z).",
    ],
    pytorch: null,
    functionName: 'modifiedHuber',
    fn: modifiedHuber,
  },
  {
    id: 'ramp',
    name: 'Ramp (truncated hinge)',
    task: 'classification',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'convex'],
    verified: holds('continuous', 'lipschitz', 'nonNegative'),
    argument: MARGIN,
    hyperParameters: [
      hp('s', 's', 0, true, 'Truncation point s < 1: the loss is capped at 1 − s (e.g. 0 or −1).'),
    ],
    formula: String.raw`\min\big(1-s,\ \max(0,\ 1-z)\big)`,
    section: '§5.2, eq. (21)',
    parents: ['hinge'],
    notes: [
      '⚠ v1 eq. (21) ("hinge if z ≤ 1 else 1") is garbled; the standard ramp (Collobert et al.) is implemented.',
      '⚠ Tagged CONV, but a bounded non-constant function cannot be convex: e.g. ℓ(−1) = 1, ℓ(1) = 0, ℓ(0) = 1 > ½.',
      'Robust to outliers (bounded); Lipschitz (not listed by the survey).',
    ],
    pytorch: null,
    functionName: 'ramp',
    fn: ramp,
  },
  {
    id: 'cosine-similarity',
    name: 'Cosine Similarity',
    task: 'classification',
    strategy: 'margin-based',
    paradigm: 'semi-supervised',
    surveyTags: ['lipschitz', 'differentiable'],
    verified: holds('continuous', 'differentiable', 'nonNegative'),
    argument: 'the prediction vector f(x) ≠ 0, target vector fixed',
    hyperParameters: [
      hp('dim', 'd', -1, true, 'The vector dimension.'),
      hp('eps', '\\varepsilon', 1e-8, true, 'Lower bound on the norms (PyTorch).'),
    ],
    formula: String.raw`1-\frac{y\cdot f(x)}{\lVert y\rVert\,\lVert f(x)\rVert}`,
    section: '§5.2',
    parents: [],
    notes: [
      '⚠ Tagged L-CONT, but it is not globally Lipschitz in the prediction: the gradient has norm sin θ / ‖f(x)‖, unbounded as ‖f(x)‖ → 0 (it is Lipschitz on {‖f(x)‖ ≥ r}).',
      'Not convex (scale invariant; e.g. along a segment through the origin). Range [0, 2]. Drawn semi-supervised (blue) in Fig. 1.',
    ],
    pytorch:
      '1 − cosine_similarity(pred, target, dim, eps) (CosineEmbeddingLoss instead takes ±1 pair labels and a margin).',
    functionName: 'cosineSimilarity',
    fn: cosineSimilarity,
  },
  // ------------------------------------------------------------ probabilistic classification (§5.3)
  {
    id: 'cross-entropy',
    name: 'Cross-Entropy',
    task: 'classification',
    strategy: 'probabilistic',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable', 'convex'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: CLASS,
    hyperParameters: [hp('labelSmoothing', '\\varepsilon', 0, true, 'Label smoothing (not in the survey).')],
    formula: String.raw`-\sum_k y_k \log\frac{e^{s_k}}{\sum_j e^{s_j}}`,
    section: '§5.3, eq. (33)',
    parents: [],
    notes: [
      '⚠ v1 eq. (33) writes −(1/K) Σ_j log f̂_k (typo); the standard form is implemented with log-sum-exp. The binary form is binaryCrossEntropy (from logits, softplus form).',
      'Convex in the logits but not strictly (invariant to adding a constant to all logits); Lipschitz (gradient softmax − y).',
    ],
    pytorch:
      'cross_entropy (same, but `weight` here is per sample and there is no ignoreIndex); binary: binary_cross_entropy_with_logits.',
    functionName: 'crossEntropy',
    fn: crossEntropy,
  },
  {
    id: 'negative-log-likelihood',
    name: 'Negative Log-Likelihood',
    task: 'classification',
    strategy: 'probabilistic',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable', 'convex'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: 'the logits of a softmax model (log-probabilities = log-softmax of the logits), labels fixed',
    hyperParameters: [],
    formula: String.raw`-\log P(\mathcal D\mid\Theta) = -\sum_i \log p_\Theta(y_i\mid x_i)`,
    section: '§5.3',
    parents: ['cross-entropy'],
    notes: [
      'Coincides with cross-entropy for softmax (and Bernoulli) models; Fig. 1 links the two boxes. As a function of free log-probabilities it is linear.',
    ],
    pytorch: 'nll_loss (same, without class weights or ignoreIndex).',
    functionName: 'negativeLogLikelihood',
    fn: negativeLogLikelihood,
  },
  {
    id: 'kl-divergence',
    name: 'Kullback–Leibler Divergence',
    task: 'classification',
    strategy: 'probabilistic',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'convex', 'differentiable'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: 'the logits of the model distribution p, target distribution q fixed',
    hyperParameters: [
      hp(
        'input',
        '',
        'logits',
        true,
        "Whether the first argument holds logits or log-probabilities ('logProbs').",
      ),
    ],
    formula: String.raw`\mathrm{KL}(q\,\Vert\,p) = \sum_k q_k\log\frac{q_k}{p_k}`,
    section: '§5.3',
    parents: [],
    notes: ['KL(q‖p) = CE(q, p) − H(q): the same minimiser as cross-entropy; asymmetric; 0·log 0 = 0.'],
    pytorch:
      "kl_div(logP, q, reduction='batchmean') for 'mean' (PyTorch's 'mean' divides by the element count).",
    functionName: 'klDivergence',
    fn: klDivergence,
  },
  // ----------------------------------------------------------------------------- generative (§6)
  {
    id: 'minimax',
    name: 'Minimax (GAN)',
    task: 'generative',
    strategy: 'probabilistic',
    paradigm: 'unsupervised',
    surveyTags: [],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'strictlyConvex', 'nonNegative'),
    argument: "the discriminator's logits on real and generated samples",
    hyperParameters: [
      hp(
        'nonSaturating',
        '',
        true,
        false,
        'Generator loss −E log D(G(z)) (the survey recommends it) instead of E log(1 − D(G(z))).',
      ),
    ],
    formula: String.raw`\min_G\max_D\ \mathbb E_x[\log D(x)] + \mathbb E_z[\log(1-D(G(z)))]`,
    section: '§6',
    parents: [],
    notes: [
      'Implemented as minimaxDiscriminatorLoss (softplus form) and minimaxGeneratorLoss. With the optimal D the value is 2·JSD − log 4.',
      'The survey: properties depend on the networks; those verified here are in the logits.',
    ],
    pytorch: 'BCEWithLogitsLoss with targets 1 (real) and 0 (fake).',
    functionName: 'minimaxDiscriminatorLoss',
    fn: minimaxDiscriminatorLoss,
  },
  {
    id: 'wasserstein',
    name: 'Wasserstein (WGAN)',
    task: 'generative',
    strategy: 'probabilistic',
    paradigm: 'unsupervised',
    surveyTags: [],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex'),
    argument: "the critic's scores on real and generated samples",
    hyperParameters: [
      hp(
        'lambda',
        '\\lambda',
        10,
        true,
        'gradientPenalty weight (WGAN-GP); weight clipping c = 0.01 with 5 critic steps is the alternative (training helper).',
      ),
    ],
    formula: String.raw`\max_{\lVert D\rVert_L\le1}\ \mathbb E_x[D(x)] - \mathbb E_z[D(G(z))]`,
    section: '§6',
    parents: [],
    notes: [
      '⚠ v1 omits the 1-Lipschitz constraint on the critic, without which the objective is unbounded; enforce it by weight clipping or gradientPenalty.',
      'Implemented as wassersteinCriticLoss, wassersteinGeneratorLoss and gradientPenalty; linear in the scores.',
    ],
    pytorch: null,
    functionName: 'wassersteinCriticLoss',
    fn: wassersteinCriticLoss,
  },
  {
    id: 'diffusion',
    name: 'Diffusion',
    task: 'generative',
    strategy: 'probabilistic',
    paradigm: 'unsupervised',
    surveyTags: ['continuous', 'differentiable'],
    verified: holds('continuous', 'differentiable', 'convex', 'strictlyConvex', 'nonNegative'),
    argument: 'the noise prediction ε̂, noise ε fixed',
    hyperParameters: [
      hp('T', 'T', 1000, true, 'Number of diffusion steps (DDPM default; in the training helper).'),
      hp(
        'betaSchedule',
        '\\beta_t',
        'linear 1e-4 → 0.02',
        true,
        'Noise schedule (DDPM default; in the training helper).',
      ),
    ],
    formula: String.raw`L_\text{simple} = \mathbb E_{t,x_0,\epsilon}\big\lVert \epsilon - \epsilon_\Theta\big(\sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t\big)\big\rVert^2`,
    section: '§6, eq. (42)',
    parents: [],
    notes: [
      '⚠ v1 eq. (42) has a sign slip in the bound; L_simple (Ho et al.) is implemented as diffusionSimpleLoss: per-sample ‖ε − ε̂‖², averaged over the batch.',
    ],
    pytorch: null,
    functionName: 'diffusionSimpleLoss',
    fn: diffusionSimpleLoss,
  },
  // -------------------------------------------------------------------------------- ranking (§7)
  {
    id: 'contrastive',
    name: 'Pairwise Ranking (Contrastive)',
    task: 'ranking',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: [],
    verified: holds('continuous', 'lipschitz', 'nonNegative'),
    argument: 'the embeddings of both pair members (Euclidean distance), pair labels fixed',
    hyperParameters: [
      MARGIN_M,
      hp('squared', '', false, true, 'Square the distance terms (Hadsell et al.).'),
    ],
    formula: String.raw`y\,d(r_0,r_1) + (1-y)\max\big(0,\ m - d(r_0,r_1)\big)`,
    section: '§7',
    parents: [],
    notes: [
      'Properties depend on the metric d (survey). With the Euclidean distance: not convex (the dissimilar-pair term max(0, m − d) is not), not differentiable at d = 0 and d = m.',
    ],
    pytorch: null,
    functionName: 'contrastive',
    fn: contrastive,
  },
  {
    id: 'triplet',
    name: 'Triplet Ranking',
    task: 'ranking',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: [],
    verified: holds('continuous', 'lipschitz', 'nonNegative'),
    argument: 'the anchor, positive and negative embeddings (Euclidean distance)',
    hyperParameters: [
      MARGIN_M,
      hp('p', 'p', 2, false, 'Order of the distance (the survey uses the Euclidean distance).'),
    ],
    formula: String.raw`\max\big(0,\ m + d(r_a,r_p) - d(r_a,r_n)\big)`,
    section: '§7',
    parents: [],
    notes: [
      'Zero on easy triplets (d_an > d_ap + m); hard: d_an < d_ap; semi-hard: d_ap < d_an < d_ap + m. Usually beats the pairwise loss (survey).',
      'Not convex (−d(r_a, r_n) is concave); not differentiable at the hinge and at r_a = r_p.',
    ],
    pytorch: 'TripletMarginLoss(margin, p) (PyTorch adds ε = 1e-6 inside the distance).',
    functionName: 'triplet',
    fn: triplet,
  },
  // --------------------------------------------------------------------------- energy-based (§8)
  {
    id: 'energy',
    name: 'Energy Loss',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'unsupervised',
    surveyTags: [],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex'),
    argument: EBM,
    hyperParameters: [],
    formula: String.raw`E(\Theta, x_i, y_i)`,
    section: '§8',
    parents: [],
    notes: [
      'Only pushes the correct energy down: collapses to a flat energy unless the architecture prevents it. Drawn unsupervised (yellow) in Fig. 1.',
    ],
    pytorch: null,
    functionName: 'energyLoss',
    fn: energyLoss,
  },
  {
    id: 'generalized-perceptron',
    name: 'Generalized Perceptron',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['lipschitz', 'convex'],
    verified: holds('continuous', 'lipschitz', 'convex', 'nonNegative'),
    argument: EBM,
    hyperParameters: [],
    formula: String.raw`E(\Theta, x_i, y_i) - \min_{y\in\mathcal Y} E(\Theta, x_i, y)`,
    section: '§8',
    parents: [],
    notes: [
      'Always ≥ 0; no margin, so energies can end up flat. Not differentiable where the minimum is tied.',
    ],
    pytorch: null,
    functionName: 'generalizedPerceptron',
    fn: generalizedPerceptron,
  },
  {
    id: 'ebm-nll',
    name: 'Negative Log-Likelihood (EBM)',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable', 'convex'],
    verified: holds('continuous', 'differentiable', 'lipschitz', 'convex', 'nonNegative'),
    argument: EBM,
    hyperParameters: [hp('beta', '\\beta', 1, true, 'Inverse temperature β > 0.')],
    formula: String.raw`E(\Theta,x_i,y_i) + \frac1\beta\log\sum_{y\in\mathcal Y} e^{-\beta E(\Theta,x_i,y)}`,
    section: '§8, eq. (53)',
    parents: [],
    notes: [
      '⚠ v1 eq. (53) prints e^{+βE}; the sign must be negative. Computed with a stable log-sum-exp.',
      'Tends to the generalized perceptron as β → ∞; equals the log loss for two answers and β = 1. The partition function is intractable for continuous 𝒴 (here 𝒴 is discrete).',
    ],
    pytorch: 'cross_entropy(−βE, y)/β.',
    functionName: 'ebmNll',
    fn: ebmNll,
  },
  {
    id: 'generalized-margin',
    name: 'Generalized Margin',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: [],
    verified: null,
    argument: 'depends on the margin function Q',
    hyperParameters: [],
    formula: String.raw`Q_m\big(E(\Theta,x_i,y_i),\ E(\Theta,x_i,\bar y_i)\big)`,
    section: '§8',
    parents: [],
    notes: [
      'A family template (convex Q_m, margin m > 0) with members EBM hinge, log, MCE, square-square and square-exponential; its properties are those of Q, so it is not checked.',
    ],
    pytorch: null,
    functionName: 'generalizedMargin',
    fn: generalizedMargin,
  },
  {
    id: 'ebm-hinge',
    name: 'Hinge (EBM)',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['lipschitz', 'convex'],
    verified: holds('continuous', 'lipschitz', 'convex', 'nonNegative'),
    argument: EBM,
    hyperParameters: [MARGIN_M],
    formula: String.raw`\max\big(0,\ m + E(\Theta,x_i,y_i) - E(\Theta,x_i,\bar y_i)\big)`,
    section: '§8',
    parents: [],
    notes: ['ȳ is the most offending incorrect answer (lowest-energy wrong answer).'],
    pytorch: 'MultiMarginLoss on scores −E is the summed (not most-offending) variant.',
    functionName: 'ebmHinge',
    fn: ebmHinge,
  },
  {
    id: 'ebm-log',
    name: 'Log Loss (soft hinge)',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['differentiable', 'continuous', 'convex'],
    verified: holds('continuous', 'lipschitz', 'convex', 'nonNegative'),
    argument: EBM,
    hyperParameters: [],
    formula: String.raw`\log\big(1 + e^{E(\Theta,x_i,y_i) - E(\Theta,x_i,\bar y_i)}\big)`,
    section: '§8',
    parents: ['hinge'],
    notes: [
      '⚠ Tagged DIFF: true for two answers (or a fixed ȳ), but with K ≥ 3 answers the most-offending selection min_{y≠yᵢ} E makes it non-differentiable where two wrong answers tie.',
      'Computed with softplus. Fig. 1 links it to the classification hinge.',
    ],
    pytorch: null,
    functionName: 'ebmLog',
    fn: ebmLog,
  },
  {
    id: 'minimum-classification-error',
    name: 'Minimum Classification Error',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable', 'convex'],
    verified: holds('continuous', 'lipschitz', 'nonNegative'),
    argument: EBM,
    hyperParameters: [],
    formula: String.raw`\sigma\big(E(\Theta,x_i,y_i) - E(\Theta,x_i,\bar y_i)\big)`,
    section: '§8',
    parents: [],
    notes: [
      '⚠ Tagged CONV, but the sigmoid is not convex (it is bounded and non-constant): a smooth error count.',
      '⚠ Tagged DIFF: only for two answers; with K ≥ 3 it is not differentiable where two wrong answers tie (as ebm-log).',
    ],
    pytorch: null,
    functionName: 'minimumClassificationError',
    fn: minimumClassificationError,
  },
  {
    id: 'square-square',
    name: 'Square-Square',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'convex'],
    verified: holds('continuous', 'convex', 'nonNegative'),
    argument: EBM,
    hyperParameters: [MARGIN_M],
    formula: String.raw`E(\Theta,x_i,y_i)^2 + \max\big(0,\ m - E(\Theta,x_i,\bar y_i)\big)^2`,
    section: '§8',
    parents: [],
    notes: [
      'Needs energies bounded below (e.g. E ≥ 0). Convex (the square of the non-negative convex max(0, m − min E)); not Lipschitz (quadratic).',
    ],
    pytorch: null,
    functionName: 'squareSquare',
    fn: squareSquare,
  },
  {
    id: 'square-exponential',
    name: 'Square-Exponential',
    task: 'energy-based',
    strategy: 'margin-based',
    paradigm: 'supervised',
    surveyTags: ['continuous', 'differentiable', 'convex'],
    verified: holds('continuous', 'convex', 'nonNegative'),
    argument: EBM,
    hyperParameters: [hp('gamma', '\\gamma', 1, true, 'Weight γ > 0 of the exponential term.')],
    formula: String.raw`E(\Theta,x_i,y_i)^2 + \gamma\,e^{-E(\Theta,x_i,\bar y_i)}`,
    section: '§8',
    parents: [],
    notes: [
      '⚠ Tagged DIFF: only for two answers; with K ≥ 3 it is not differentiable where two wrong answers tie.',
      'Needs energies bounded below; a "regularised" square-square. Convex (γ e^{−min E} = γ max e^{−E}); not Lipschitz.',
    ],
    pytorch: null,
    functionName: 'squareExponential',
    fn: squareExponential,
  },
];

/** The 33 losses, in the survey's order. */
export const lossRegistry: readonly LossInfo[] = Object.freeze(
  entries.map((e, i) => Object.freeze({ ...e, index: i + 1 })),
);

const byId = new Map<string, LossInfo>(lossRegistry.map((e) => [e.id, e]));

/** A query of the registry: every given field must match. */
export interface LossQuery {
  task?: LossTask;
  strategy?: LossStrategy;
  paradigm?: LossParadigm;
  /** Verified properties that must all hold (the generalized margin family never matches). */
  properties?: readonly CheckedProperty[];
  /** Survey tags that must all be present. */
  surveyTags?: readonly LossProperty[];
  /** Only losses whose survey tags are contradicted (true) or not (false) by the verified properties. */
  mislabelled?: boolean;
}

/** Survey tags the verified properties contradict, and verified properties the survey does not list. */
export interface SurveyComparison {
  /** Tagged by the survey but false (a mislabelling). */
  readonly contradicted: readonly LossProperty[];
  /** True but not tagged (L-CONT implies CONT, so continuity is not reported for Lipschitz-tagged losses). */
  readonly unlisted: readonly LossProperty[];
}

/** Compares a loss's survey tags with its verified properties (empty for unchecked entries). */
export function compareWithSurvey(info: LossInfo): SurveyComparison {
  const v = info.verified;
  if (!v) return { contradicted: [], unlisted: [] };
  const tags = new Set<LossProperty>(info.surveyTags);
  if (tags.has('lipschitz')) tags.add('continuous');
  if (tags.has('strictlyConvex')) tags.add('convex');
  return {
    contradicted: info.surveyTags.filter((t) => !v[t]),
    unlisted: LOSS_PROPERTIES.filter((p) => v[p] && !tags.has(p)),
  };
}

/** The losses matching `query` (all of them without one), in the survey's order. */
export function listLosses(query: LossQuery = {}): LossInfo[] {
  return lossRegistry.filter((e) => {
    if (query.task && e.task !== query.task) return false;
    if (query.strategy && e.strategy !== query.strategy) return false;
    if (query.paradigm && e.paradigm !== query.paradigm) return false;
    if (query.properties?.length && !(e.verified && query.properties.every((p) => e.verified![p])))
      return false;
    if (query.surveyTags && !query.surveyTags.every((t) => e.surveyTags.includes(t))) return false;
    if (
      query.mislabelled !== undefined &&
      compareWithSurvey(e).contradicted.length > 0 !== query.mislabelled
    ) {
      return false;
    }
    return true;
  });
}

/** The loss with this id; throws an `ArgumentError` naming the known ids otherwise. */
export function getLoss(id: string): LossInfo {
  const e = byId.get(id);
  if (!e) throw new ArgumentError(`getLoss: unknown loss '${id}' (known: ${LOSS_IDS.join(', ')})`);
  return e;
}

/** The registry as a namespace: `losses.list(query)`, `losses.get(id)`, `losses.all`. */
export const losses = { list: listLosses, get: getLoss, all: lossRegistry } as const;
