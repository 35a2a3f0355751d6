/**
 * SDE-GAN training (Kidger, Foster, Li, Lyons 2021): Wasserstein loss, Lipschitz control by
 * weight clipping + LipSwish, one backward pass for both players (the generator minimises
 * and the discriminator maximises the same loss, as in the Diffrax example).
 */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { sub } from '../../ops/binary.js';
import { indexSelect } from '../../ops/indexing.js';
import { mean } from '../../ops/reduce.js';
import { Adam } from '../../optim/adam.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { RMSprop } from '../../optim/rmsprop.js';
import { foldIn, type PRNGKey, randomKey, splitKey } from '../../random/key.js';
import { randint } from '../../random/sample.js';
import type { CDEDiscriminator } from './discriminator.js';
import type { SDEGenerator } from './generator.js';
import { checkTimes, type Times } from './times.js';

/**
 * The Wasserstein GAN objective `E[D(real)] − E[D(fake)]` (means over the batch): the
 * generator minimises it, the discriminator maximises it.
 */
export function wassersteinLoss(realScores: Tensor, fakeScores: Tensor): Tensor {
  if (realScores.ndim !== 1 || fakeScores.ndim !== 1)
    throw new ShapeError(
      `wassersteinLoss: scores must be 1-D [batch] (got ${fmtShape(realScores.shape)} and ${fmtShape(fakeScores.shape)})`,
    );
  return sub(mean(realScores), mean(fakeScores));
}

/** Training data of an SDE-GAN: paths `ys` `[N, T, dataSize]` (NaN = missing) at shared times `ts`. */
export interface SDEGANData {
  ts: Times;
  ys: Tensor;
}

/** Options of `SDEGANTrainer`. */
export interface SDEGANTrainOptions {
  /** Paths per step, real and generated each (default 128; the spec uses 1024). */
  batchSize?: number;
  /** Generator learning rate (default 2e-5, the spec's). */
  generatorLr?: number;
  /** Discriminator learning rate (default 1e-4, the spec's). */
  discriminatorLr?: number;
  /** `'rmsprop'` (default, as in the Diffrax example) or `'adam'` (β = (0.5, 0.9)). */
  optimizer?: 'rmsprop' | 'adam';
  /** Learning-rate factor of the initial-condition networks ζ_θ and ξ_φ (default 10, the spec's "10× updates"). */
  initialLrScale?: number;
  /** Clip the discriminator's weights after every step (default true). */
  clip?: boolean;
  /** Key for the minibatches and the generator's noise (default `randomKey(0)`). */
  key?: PRNGKey;
}

/** One training step's numbers. */
export interface SDEGANStepInfo {
  step: number;
  /** `E[D(real)] − E[D(fake)]` on the step's batch (an estimate of the Wasserstein distance). */
  loss: number;
  realScore: number;
  fakeScore: number;
}

function makeOptimizer(
  kind: 'rmsprop' | 'adam',
  main: Tensor[],
  initial: Tensor[],
  lr: number,
  scale: number,
  maximize: boolean,
): Optimizer {
  const ini = new Set(initial);
  const groups = [
    { params: main.filter((p) => !ini.has(p)), lr },
    { params: initial, lr: lr * scale },
  ].filter((g) => g.params.length > 0);
  if (kind === 'adam') return new Adam(groups, { lr, betas: [0.5, 0.9], maximize });
  if (kind === 'rmsprop') return new RMSprop(groups, { lr, maximize });
  throw new ArgumentError(`SDEGANTrainer: optimizer must be 'rmsprop' or 'adam' (got ${String(kind)})`);
}

/**
 * Trains an `SDEGenerator` against a `CDEDiscriminator` one step at a time (so callers can
 * interleave logging, evaluation and interruption). Each step draws a minibatch of real
 * paths and as many generated ones, computes `L = E[D(real)] − E[D(fake)]` and its
 * gradient once, steps the generator to decrease L and the discriminator (optimiser with
 * `maximize`) to increase it, then clips the discriminator's weights.
 */
export class SDEGANTrainer {
  readonly generatorOptimizer: Optimizer;
  readonly discriminatorOptimizer: Optimizer;
  readonly ts: Float64Array;
  /** Steps taken. */
  stepCount = 0;
  private readonly key: PRNGKey;
  private readonly batchSize: number;
  private readonly clip: boolean;

  constructor(
    readonly generator: SDEGenerator,
    readonly discriminator: CDEDiscriminator,
    readonly data: SDEGANData,
    opts: SDEGANTrainOptions = {},
  ) {
    const op = 'SDEGANTrainer';
    this.ts = checkTimes(op, data.ts);
    const ys = data.ys;
    if (ys.ndim !== 3 || ys.shape[1] !== this.ts.length || ys.shape[2] !== generator.dataSize)
      throw new ShapeError(
        `${op}: data.ys must be [N, T = ${this.ts.length}, dataSize = ${generator.dataSize}] (got ${fmtShape(ys.shape)})`,
      );
    if (discriminator.dataSize !== generator.dataSize)
      throw new ArgumentError(
        `${op}: generator and discriminator data sizes differ (${generator.dataSize} vs ${discriminator.dataSize})`,
      );
    this.batchSize = opts.batchSize ?? 128;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new ArgumentError(`${op}: batchSize must be a positive integer (got ${this.batchSize})`);
    const scale = opts.initialLrScale ?? 10;
    const kind = opts.optimizer ?? 'rmsprop';
    const lrG = opts.generatorLr ?? 2e-5;
    const lrD = opts.discriminatorLr ?? 1e-4;
    if (!(lrG > 0) || !(lrD > 0) || !(scale > 0))
      throw new ArgumentError(
        `${op}: learning rates and initialLrScale must be positive (got ${lrG}, ${lrD}, ${scale})`,
      );
    this.generatorOptimizer = makeOptimizer(
      kind,
      generator.parameters(),
      generator.initialParameters(),
      lrG,
      scale,
      false,
    );
    this.discriminatorOptimizer = makeOptimizer(
      kind,
      discriminator.parameters(),
      discriminator.initialParameters(),
      lrD,
      scale,
      true,
    );
    this.clip = opts.clip ?? true;
    this.key = opts.key ?? randomKey(0);
    if (this.clip) discriminator.clipWeights();
  }

  /** One training step. */
  step(): SDEGANStepInfo {
    const N = this.data.ys.shape[0]!;
    const B = this.batchSize;
    const [kb, kg] = splitKey(foldIn(this.key, this.stepCount), 2);
    const idx = randint(0, N, [B], { key: kb });
    const real = indexSelect(this.data.ys, 0, idx);
    const fake = this.generator.forward(this.ts, B, kg!);
    const realScores = this.discriminator.forward(this.ts, real);
    const fakeScores = this.discriminator.forward(this.ts, fake);
    const loss = wassersteinLoss(realScores, fakeScores);
    this.generatorOptimizer.zeroGrad();
    this.discriminatorOptimizer.zeroGrad();
    loss.backward();
    this.generatorOptimizer.step();
    this.discriminatorOptimizer.step();
    if (this.clip) this.discriminator.clipWeights();
    this.stepCount++;
    return {
      step: this.stepCount,
      loss: loss.item(),
      realScore: mean(realScores).item(),
      fakeScore: mean(fakeScores).item(),
    };
  }
}

/** Options of `trainSDEGAN`. */
export interface TrainSDEGANOptions extends SDEGANTrainOptions {
  /** Training steps. */
  steps: number;
  /** Called after every step. */
  onStep?: (info: SDEGANStepInfo) => void;
}

/**
 * Trains an SDE-GAN for `opts.steps` steps (see `SDEGANTrainer`) and returns the per-step
 * numbers.
 *
 * @example
 * const history = trainSDEGAN(gen, disc, { ts, ys }, { steps: 500, batchSize: 128, optimizer: 'adam' });
 */
export function trainSDEGAN(
  generator: SDEGenerator,
  discriminator: CDEDiscriminator,
  data: SDEGANData,
  opts: TrainSDEGANOptions,
): SDEGANStepInfo[] {
  if (!Number.isInteger(opts.steps) || opts.steps < 0)
    throw new ArgumentError(`trainSDEGAN: steps must be a non-negative integer (got ${opts.steps})`);
  const trainer = new SDEGANTrainer(generator, discriminator, data, opts);
  const out: SDEGANStepInfo[] = [];
  for (let i = 0; i < opts.steps; i++) {
    const info = trainer.step();
    opts.onStep?.(info);
    out.push(info);
  }
  return out;
}
