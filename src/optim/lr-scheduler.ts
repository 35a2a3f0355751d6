/**
 * Learning-rate schedulers with `torch.optim.lr_scheduler` semantics: construct the
 * scheduler after the optimiser (it records `initialLr` in each group and sets the
 * epoch-0 learning rate), call `scheduler.step()` after `optimizer.step()`, read the
 * current rates with `getLastLr()`. The recursive ("chainable") update formulas are the
 * ones PyTorch uses, so the learning-rate sequences match PyTorch's to rounding.
 */
import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { Optimizer, ParamGroup } from './optimizer.js';

/** Serialisable scheduler state (plain JSON: numbers, arrays, strings, nested objects). */
export type SchedulerStateDict = Record<string, unknown>;

function cloneState<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneState) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = cloneState(x);
    return out as T;
  }
  return v;
}

/** Index of the first element of sorted `a` greater than `x` (Python's `bisect_right`). */
function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function perGroup(op: string, name: string, optimizer: Optimizer, v: number | readonly number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (typeof v === 'number') return Array.from({ length: n }, () => v);
  if (v.length !== n) throw new ArgumentError(`${op}: expected ${n} values for ${name}, got ${v.length}`);
  return [...v];
}

/** Base class of the epoch/step-indexed schedulers. */
export abstract class LRScheduler {
  /** The optimiser whose groups' `lr` this scheduler sets. */
  readonly optimizer: Optimizer;
  /** Index of the current epoch/step (0 after construction). */
  lastEpoch: number;
  /** Each group's `initialLr`. */
  baseLrs: number[];
  /** @internal the rates set by the last step. */
  protected lastLr: number[] = [];
  /** @internal number of `step()` calls, including the initial one. */
  protected stepCount = 0;
  /** Name used in error messages. */
  protected abstract readonly name: string;

  /**
   * Subclasses call `this.initialStep()` at the end of their constructor (once their
   * own fields are set), which performs PyTorch's initial `step()`.
   */
  constructor(optimizer: Optimizer, lastEpoch = -1) {
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new ArgumentError(
            `LRScheduler: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** @internal PyTorch's `_initial_step`: reset the step count and take the first step. */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates of the groups at `lastEpoch` (the recursive formula). */
  protected abstract getLr(): number[];

  /** The closed-form rates at `lastEpoch`, used by `step(epoch)` when available. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances to the next epoch (or, deprecated as in PyTorch, jumps to `epoch`, using the
   * closed form when the scheduler has one) and writes the new rates into the groups.
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i]!;
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates set by the last `step()` (one per group). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Keys left out of the state dict (the optimiser, functions, nested schedulers). */
  protected stateExclude(): string[] {
    return ['optimizer', 'name'];
  }

  /** The scheduler's state (everything but the optimiser and functions), JSON-serialisable. */
  stateDict(): SchedulerStateDict {
    const exclude = new Set(this.stateExclude());
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (!exclude.has(k) && typeof v !== 'function') out[k] = cloneState(v);
    }
    return out;
  }

  /** Restores the state from `stateDict()`. */
  loadStateDict(sd: SchedulerStateDict): void {
    const exclude = new Set(this.stateExclude());
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(sd)) if (!exclude.has(k)) self[k] = cloneState(v);
  }
}

/** Common options: `lastEpoch` (default −1) resumes a schedule whose groups already have `initialLr`. */
export interface SchedulerOptions {
  lastEpoch?: number;
}

type LrLambda = (epoch: number) => number;

/** lr = initialLr · lrLambda(epoch) (one function, or one per group). Like `LambdaLR`. */
export class LambdaLR extends LRScheduler {
  protected readonly name = 'LambdaLR';
  private readonly lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, lrLambda: LrLambda | LrLambda[], options: SchedulerOptions = {}) {
    super(optimizer, options.lastEpoch);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n)
        throw new ArgumentError(`LambdaLR: expected ${n} lrLambdas, got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    } else {
      this.lrLambdas = Array.from({ length: n }, () => lrLambda);
    }
    this.initialStep();
  }

  protected override stateExclude(): string[] {
    return [...super.stateExclude(), 'lrLambdas'];
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i]!(this.lastEpoch));
  }
}

/** lr ← lr · lrLambda(epoch) at every step after the first. Like `MultiplicativeLR`. */
export class MultiplicativeLR extends LRScheduler {
  protected readonly name = 'MultiplicativeLR';
  private readonly lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, lrLambda: LrLambda | LrLambda[], options: SchedulerOptions = {}) {
    super(optimizer, options.lastEpoch);
    const n = optimizer.paramGroups.length;
    this.lrLambdas = Array.isArray(lrLambda) ? [...lrLambda] : Array.from({ length: n }, () => lrLambda);
    if (this.lrLambdas.length !== n) {
      throw new ArgumentError(`MultiplicativeLR: expected ${n} lrLambdas, got ${this.lrLambdas.length}`);
    }
    this.initialStep();
  }

  protected override stateExclude(): string[] {
    return [...super.stateExclude(), 'lrLambdas'];
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch > 0) return groups.map((g, i) => g.lr * this.lrLambdas[i]!(this.lastEpoch));
    return groups.map((g) => g.lr);
  }
}

/** Decays lr by `gamma` every `stepSize` epochs. Like `StepLR`. */
export class StepLR extends LRScheduler {
  protected readonly name = 'StepLR';
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number } & SchedulerOptions) {
    super(optimizer, options.lastEpoch);
    if (!Number.isInteger(options.stepSize) || options.stepSize < 1) {
      throw new ArgumentError(`StepLR: stepSize must be a positive integer (got ${options.stepSize})`);
    }
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Decays lr by `gamma` at each milestone epoch (repeated milestones decay repeatedly). Like `MultiStepLR`. */
export class MultiStepLR extends LRScheduler {
  protected readonly name = 'MultiStepLR';
  readonly milestones: number[];
  readonly gamma: number;

  constructor(
    optimizer: Optimizer,
    options: { milestones: readonly number[]; gamma?: number } & SchedulerOptions,
  ) {
    super(optimizer, options.lastEpoch);
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    let count = 0;
    for (const m of this.milestones) if (m === this.lastEpoch) count++;
    if (count === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    const k = bisectRight(this.milestones, this.lastEpoch);
    return this.baseLrs.map((b) => b * this.gamma ** k);
  }
}

/** Multiplies lr by `factor` until epoch `totalIters`, then restores it. Like `ConstantLR`. */
export class ConstantLR extends LRScheduler {
  protected readonly name = 'ConstantLR';
  readonly factor: number;
  readonly totalIters: number;

  constructor(
    optimizer: Optimizer,
    options: { factor?: number; totalIters?: number } & SchedulerOptions = {},
  ) {
    super(optimizer, options.lastEpoch);
    this.factor = options.factor ?? 1 / 3;
    this.totalIters = options.totalIters ?? 5;
    if (this.factor > 1 || this.factor < 0) {
      throw new ArgumentError('ConstantLR: constant factor expected to be between 0 and 1');
    }
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 - this.factor : 0)),
    );
  }
}

/** Decays lr by `gamma` every epoch. Like `ExponentialLR`. */
export class ExponentialLR extends LRScheduler {
  protected readonly name = 'ExponentialLR';
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { gamma: number } & SchedulerOptions) {
    super(optimizer, options.lastEpoch);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Cosine annealing from the initial lr to `etaMin` over `tMax` epochs (SGDR without
 * restarts), using PyTorch's recursive formula. Like `CosineAnnealingLR`.
 */
export class CosineAnnealingLR extends LRScheduler {
  protected readonly name = 'CosineAnnealingLR';
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number } & SchedulerOptions) {
    super(optimizer, options.lastEpoch);
    if (!(options.tMax > 0))
      throw new ArgumentError(`CosineAnnealingLR: tMax must be positive (got ${options.tMax})`);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if ((((e - 1 - T) % (2 * T)) + 2 * T) % (2 * T) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) +
        etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * e) / T))) / 2);
  }
}

/**
 * Linear warm-up (or decay): the factor goes linearly from `startFactor` to `endFactor`
 * over `totalIters` epochs. Like `LinearLR` (defaults 1/3, 1, 5).
 */
export class LinearLR extends LRScheduler {
  protected readonly name = 'LinearLR';
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(
    optimizer: Optimizer,
    options: { startFactor?: number; endFactor?: number; totalIters?: number } & SchedulerOptions = {},
  ) {
    super(optimizer, options.lastEpoch);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor <= 0) {
      throw new ArgumentError(
        'LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1',
      );
    }
    if (this.endFactor > 1 || this.endFactor < 0) {
      throw new ArgumentError('LinearLR: ending multiplicative factor expected to be between 0 and 1');
    }
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { startFactor: s, endFactor: f, totalIters: T, lastEpoch: e } = this;
    if (e === 0) return groups.map((g) => g.lr * s);
    if (e > T) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (f - s) / (T * s + (e - 1) * (f - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: T, lastEpoch: e } = this;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(T, e)) / T));
  }
}

/** Options of `OneCycleLR` (PyTorch names in camelCase, same defaults). */
export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak learning rate (one per group or shared). */
  maxLr: number | readonly number[];
  /** Total number of steps; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle SGD's `momentum` / Adam's `betas[0]` inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** Highest momentum (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use the three-phase schedule of fast.ai (default false). */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/** The 1cycle policy (Smith & Topin, 2017), like `OneCycleLR`: step it after every batch. */
export class OneCycleLR extends LRScheduler {
  protected readonly name = 'OneCycleLR';
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  readonly useBeta1: boolean;
  private readonly phases: Phase[];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const op = 'OneCycleLR';
    let total: number;
    if (options.totalSteps !== undefined) {
      if (!Number.isInteger(options.totalSteps) || options.totalSteps <= 0) {
        throw new ArgumentError(`${op}: expected a positive integer totalSteps, got ${options.totalSteps}`);
      }
      total = options.totalSteps;
    } else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      if (!Number.isInteger(options.epochs) || options.epochs <= 0)
        throw new ArgumentError(`${op}: expected a positive integer epochs, got ${options.epochs}`);
      if (!Number.isInteger(options.stepsPerEpoch) || options.stepsPerEpoch <= 0)
        throw new ArgumentError(
          `${op}: expected a positive integer stepsPerEpoch, got ${options.stepsPerEpoch}`,
        );
      total = options.epochs * options.stepsPerEpoch;
    } else {
      throw new ArgumentError(`${op}: you must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    }
    const pct = options.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1))
      throw new ArgumentError(`${op}: expected a float between 0 and 1 for pctStart, got ${pct}`);
    const anneal = options.annealStrategy ?? 'cos';
    if (anneal !== 'cos' && anneal !== 'linear') {
      throw new ArgumentError(`${op}: annealStrategy must be 'cos' or 'linear', got ${String(anneal)}`);
    }
    const phases: Phase[] = options.threePhase
      ? [
          {
            endStep: pct * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: 2 * pct * total - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'initialLr',
            endLr: 'minLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'maxMomentum',
          },
        ]
      : [
          {
            endStep: pct * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'maxLr',
            endLr: 'minLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
        ];
    const lastEpoch = options.lastEpoch ?? -1;
    const groups = optimizer.paramGroups;
    const maxLrs = perGroup(op, 'maxLr', optimizer, options.maxLr);
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    const cycle = options.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycle) {
      const d = optimizer.defaults as unknown as Record<string, unknown>;
      if (!('momentum' in d) && !('betas' in d)) {
        throw new ArgumentError(
          `${op}: optimizer must support momentum or betas with the cycleMomentum option enabled`,
        );
      }
      useBeta1 = 'betas' in d;
      const maxM = perGroup(op, 'maxMomentum', optimizer, options.maxMomentum ?? 0.95);
      const baseM = perGroup(op, 'baseMomentum', optimizer, options.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxM[i]!, ...(g.betas as number[]).slice(1)];
          else g.momentum = maxM[i]!;
          g.maxMomentum = maxM[i]!;
          g.baseMomentum = baseM[i]!;
        });
      }
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.phases = phases;
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ArgumentError(
        `OneCycleLR: tried to step ${stepNum} times; the specified number of total steps is ${this.totalSteps}`,
      );
    }
    return this.optimizer.paramGroups.map((group) => {
      const g = group as ParamGroup & Record<string, number>;
      let start = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i]!;
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - start) / (ph.endStep - start);
          lr = this.anneal(g[ph.startLr]!, g[ph.endLr]!, pct);
          if (this.cycleMomentum) momentum = this.anneal(g[ph.startMomentum]!, g[ph.endMomentum]!, pct);
          break;
        }
        start = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
        else group.momentum = momentum;
      }
      return lr;
    });
  }
}

/**
 * Chains schedulers: `schedulers[i]` runs from `milestones[i−1]` until `milestones[i]`
 * (each restarted at epoch 0 when its turn comes). Like `SequentialLR`.
 */
export class SequentialLR extends LRScheduler {
  protected readonly name = 'SequentialLR';
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];

  constructor(
    optimizer: Optimizer,
    schedulers: readonly LRScheduler[],
    milestones: readonly number[],
    options: SchedulerOptions = {},
  ) {
    super(optimizer, -1);
    if (schedulers.length < 1) throw new ArgumentError('SequentialLR: expects at least one scheduler');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new ArgumentError(
          `SequentialLR: expects all schedulers to belong to the same optimizer, but scheduler at index ${i} does not`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new ArgumentError(
        `SequentialLR: sequential schedulers expect number of schedulers provided to be one more than the number of milestone points, but got ${schedulers.length} schedulers and ${milestones.length} milestones`,
      );
    }
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = (options.lastEpoch ?? -1) + 1;
    for (const g of optimizer.paramGroups) g.lr = g.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  protected getLr(): number[] {
    return this.getLastLr();
  }

  /** Advances the active scheduler (restarting the next one at each milestone). */
  override step(): void {
    this.lastEpoch++;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  protected override stateExclude(): string[] {
    return [...super.stateExclude(), 'schedulers'];
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(sd: SchedulerStateDict): void {
    const subs = sd.schedulers as SchedulerStateDict[] | undefined;
    super.loadStateDict(sd);
    if (subs) {
      subs.forEach((s, i) => {
        this.schedulers[i]?.loadStateDict(s);
      });
    }
  }
}

/** Options of `ReduceLROnPlateau` (PyTorch names in camelCase, same defaults). */
export interface ReduceLROnPlateauOptions {
  /** 'min' (default): lower metric is better; 'max': higher is better. */
  mode?: 'min' | 'max';
  /** lr ← lr · factor on a plateau (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best value; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr, shared or per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/** Reduces the lr when a metric stops improving. Like `ReduceLROnPlateau`: `step(metric)` each epoch. */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  /** Best metric seen so far. */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    this.optimizer = optimizer;
    this.factor = options.factor ?? 0.1;
    if (this.factor >= 1) throw new ArgumentError(`${op}: factor should be < 1.0`);
    this.mode = options.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new ArgumentError(`${op}: mode ${this.mode} is unknown!`);
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new ArgumentError(`${op}: threshold mode ${this.thresholdMode} is unknown!`);
    }
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.minLrs = perGroup(op, 'minLr', optimizer, options.minLr ?? 0);
    this.eps = options.eps ?? 1e-8;
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Whether the scheduler is waiting out a cooldown. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Records the epoch's metric (a number or a one-element tensor) and reduces the lr on a plateau. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : Number(metric);
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.lr;
        const lr = Math.max(old * this.factor, this.minLrs[i]!);
        if (old - lr > this.eps) g.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The current learning rates (one per group). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state (JSON-serialisable except that `best` may be ±Infinity). */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[k] = cloneState(v);
    return out;
  }

  /** Restores the state from `stateDict()`. */
  loadStateDict(sd: SchedulerStateDict): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(sd)) if (k !== 'optimizer') self[k] = cloneState(v);
  }
}
