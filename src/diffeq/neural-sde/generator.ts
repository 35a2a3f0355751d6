/**
 * The SDE-GAN generator (Kidger, Foster, Li, Lyons 2021): V ~ N(0, I), X₀ = ζ_θ(V),
 * dX = μ_θ(t, X)dt + σ_θ(t, X)∘dW, Y_t = α_θ X_t + β_θ.
 */
import type { DType } from '../../core/dtype.js';
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import { permute } from '../../ops/view.js';
import { type PRNGKey, splitKey } from '../../random/key.js';
import { randn } from '../../random/sample.js';
import type { AbstractAdjoint } from '../adjoint/base.js';
import type { AbstractBrownianPath } from '../brownian/base.js';
import { BrownianInterval } from '../brownian/interval.js';
import { VirtualBrownianTree } from '../brownian/tree.js';
import { StepTo } from '../controllers/constant.js';
import { diffeqsolve } from '../diffeqsolve.js';
import { SaveAt } from '../saveat.js';
import type { Solution } from '../solution.js';
import { ControlTerm } from '../terms/control.js';
import { MultiTerm } from '../terms/multi.js';
import { ODETerm } from '../terms/ode.js';
import { MatrixField, subKeysOf, TimeField } from './fields.js';
import { MLP } from './mlp.js';
import { checkTimes, makeSolver, refineGrid, type SolverChoice, type Times } from './times.js';

/** Which Brownian motion drives the generator. */
export type BrownianChoice = 'interval' | 'tree';

/** Options of `SDEGenerator` (defaults: the spec's / Diffrax example's sizes). */
export interface SDEGeneratorOptions {
  /** Size of the initial noise V (default 5). */
  initialNoiseSize?: number;
  /** Brownian channels w (default 3). */
  noiseSize?: number;
  /** Size of the hidden state X (default 16). */
  hiddenSize?: number;
  /** Width of the MLPs (default 16). */
  width?: number;
  /** Hidden layers of the MLPs (default 1). */
  depth?: number;
  /** Solver (default reversible Heun; the SDE is read in the Stratonovich sense except with `'euler-maruyama'`). */
  solver?: SolverChoice;
  /** Solver steps per interval of the observation times (default 1: Diffrax's large "baked-in" steps). */
  substeps?: number;
  /**
   * `'interval'` (default): `BrownianInterval` (fast sequential queries); `'tree'`:
   * `VirtualBrownianTree` with tol = step/2 (as in the Diffrax example).
   */
  brownian?: BrownianChoice;
  /** How the solve is differentiated (default `DirectAdjoint`; `ReversibleAdjoint` gives O(1) memory). */
  adjoint?: AbstractAdjoint;
  /** Multiply t by this before feeding it to the vector fields (default 1, as in Diffrax). */
  timeScale?: number;
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Key for a reproducible initialisation. */
  key?: PRNGKey;
}

/** What `SDEGenerator.sample` returns. */
export interface GeneratorSample {
  /** `[batch, T, dataSize]` samples at the observation times. */
  ys: Tensor;
  /** The hidden-state solve (`ys` of shape `[T, batch, hidden]`). */
  solution: Solution<Tensor>;
  /** The Brownian motion used (to re-run the same sample). */
  brownian: AbstractBrownianPath;
}

/**
 * The SDE-GAN generator. Drift μ_θ and diffusion σ_θ are MLPs on `[t, X]` with LipSwish
 * hidden activations, a final tanh and a learnt per-channel scale initialised in
 * U(0.9, 1.1); σ_θ returns a `[hidden, noise]` matrix (general noise). ζ_θ is an MLP (LipSwish)
 * and the readout is linear. The SDE is solved with reversible Heun on a Brownian motion
 * sampled from `key`, with steps on the observation times (`substeps` per interval).
 *
 * @example
 * const gen = new SDEGenerator(1, { key: randomKey(0) });
 * const ys = gen.forward(ts, 64, randomKey(1)); // [64, ts.length, 1]
 */
export class SDEGenerator extends Module<[Times, number, PRNGKey], Tensor> {
  /** ζ_θ: initial noise → X₀. */
  readonly initial: MLP;
  /** μ_θ(t, X). */
  readonly drift: TimeField;
  /** σ_θ(t, X): `[…, hidden, noise]`. */
  readonly diffusion: MatrixField;
  /** α_θ X + β_θ. */
  readonly readout: Linear;
  readonly initialNoiseSize: number;
  readonly noiseSize: number;
  readonly hiddenSize: number;
  readonly dtype: DType;
  /** Options (mutable: e.g. switch the adjoint). */
  opts: SDEGeneratorOptions;

  constructor(
    readonly dataSize: number,
    opts: SDEGeneratorOptions = {},
  ) {
    super();
    const sizes = {
      dataSize,
      initialNoiseSize: opts.initialNoiseSize ?? 5,
      noiseSize: opts.noiseSize ?? 3,
      hiddenSize: opts.hiddenSize ?? 16,
    };
    for (const [name, v] of Object.entries(sizes))
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`SDEGenerator: ${name} must be a positive integer (got ${v})`);
    this.initialNoiseSize = sizes.initialNoiseSize;
    this.noiseSize = sizes.noiseSize;
    this.hiddenSize = sizes.hiddenSize;
    this.dtype = opts.dtype ?? 'float32';
    const [k0, k1, k2, k3] = subKeysOf(opts.key, 4);
    const mlp = {
      width: opts.width ?? 16,
      depth: opts.depth ?? 1,
      dtype: opts.dtype,
      timeScale: opts.timeScale,
    };
    const H = this.hiddenSize;
    this.initial = new MLP(this.initialNoiseSize, H, { ...mlp, activation: 'lipswish', key: k0 });
    this.drift = new TimeField(H, H, { ...mlp, finalActivation: 'tanh', scale: true, key: k1 });
    this.diffusion = new MatrixField(H, H, this.noiseSize, {
      ...mlp,
      finalActivation: 'tanh',
      scale: true,
      key: k2,
    });
    this.readout = new Linear(H, dataSize, { dtype: this.dtype, key: k3 });
    this.opts = opts;
    makeSolver('SDEGenerator', opts.solver);
  }

  /** The parameters of the initial-condition network ζ_θ (the spec scales their updates by 10). */
  initialParameters(): Parameter[] {
    return this.initial.parameters();
  }

  /** Draws `batch` sample paths at the times `ts`, returning the solve too. */
  sample(ts: Times, batch: number, key: PRNGKey): GeneratorSample {
    const op = 'SDEGenerator';
    const t = checkTimes(op, ts);
    if (!Number.isInteger(batch) || batch < 1)
      throw new ArgumentError(`${op}: batch must be a positive integer (got ${batch})`);
    const o = this.opts;
    const grid = refineGrid(op, t, o.substeps ?? 1);
    const [kv, kw] = splitKey(key, 2);
    const t0 = t[0]!;
    const t1 = t[t.length - 1]!;
    const step = grid[1]! - grid[0]!;
    const shape = [batch, this.noiseSize];
    const brownian: AbstractBrownianPath =
      (o.brownian ?? 'interval') === 'tree'
        ? new VirtualBrownianTree({ t0, t1, shape, dtype: this.dtype, key: kw!, tol: step / 2 })
        : new BrownianInterval({ t0, t1, shape, dtype: this.dtype, key: kw!, dt: step });
    const v = randn([batch, this.initialNoiseSize], { dtype: this.dtype, key: kv });
    const x0 = this.initial.forward(v);
    const solution = this.solveFrom(x0, t, grid, brownian);
    const hs = solution.ys!; // [T, batch, hidden]
    const ys = permute(this.readout.forward(hs), [1, 0, 2]);
    return { ys, solution, brownian };
  }

  /** Solves the hidden SDE from `x0` on a given Brownian motion, saving at `ts`. */
  solveFrom(
    x0: Tensor,
    ts: Float64Array,
    grid: Float64Array,
    brownian: AbstractBrownianPath,
  ): Solution<Tensor> {
    const o = this.opts;
    const drift = new ODETerm<Tensor>((t, x) => this.drift.forward(t, x), { params: this.drift });
    const diffusion = new ControlTerm<Tensor>((t, x) => this.diffusion.forward(t, x), brownian, {
      params: this.diffusion,
    });
    const t0 = ts[0]!;
    const t1 = ts[ts.length - 1]!;
    return diffeqsolve(
      new MultiTerm(drift, diffusion),
      makeSolver('SDEGenerator', o.solver),
      t0,
      t1,
      grid[1]! - t0,
      x0,
      {
        saveat: new SaveAt({ ts }),
        stepsizeController: new StepTo(grid),
        maxSteps: grid.length + 1,
        ...(o.adjoint ? { adjoint: o.adjoint } : {}),
        dtype: this.dtype,
      },
    );
  }

  /** `[batch, T, dataSize]` sample paths at the times `ts`, driven by noise from `key`. */
  forward(ts: Times, batch: number, key: PRNGKey): Tensor {
    return this.sample(ts, batch, key).ys;
  }

  override extraRepr(): string {
    return `data=${this.dataSize}, hidden=${this.hiddenSize}, noise=${this.noiseSize}, initialNoise=${this.initialNoiseSize}`;
  }
}
