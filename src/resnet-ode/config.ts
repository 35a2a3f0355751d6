/**
 * Shapes, conventions and validation of the residual MLP of Marion, Wu, Sander & Biau (ICLR 2024):
 *
 * ```text
 * h_0     = A x
 * h_{k+1} = h_k + (c_m / L) · V_{k+1} σ(c_q · W_{k+1} h_k),    k = 0..L−1
 * F(x)    = B h_L
 * ```
 *
 * with `A ∈ R^{q×d}`, `V_k ∈ R^{q×m}`, `W_k ∈ R^{m×q}`, `B ∈ R^{d′×q}`.
 *
 * Conventions (the paper and the authors' code differ; both are exposed):
 * - `scaling: 'paper'` uses `c_m = 1/√m`, `c_q = 1/√q`; `scaling: 'code'` uses `c_m = c_q = 1`
 *   (the authors' synthetic scripts).
 * - `loss: 'paper'` is `(1/n) Σ_i ‖F(x_i) − y_i‖²`; `loss: 'code'` is the mean over all `n·d′`
 *   entries (d′ times smaller, so the code's learning rates are the paper's divided by d′).
 */
import { ArgumentError } from '../core/errors.js';

/** The activation σ of the residual branch. GELU is the exact (erf) one. */
export type Activation = 'gelu' | 'relu' | 'tanh' | 'identity';

/** Where the `1/√m` and `1/√q` factors come from: the paper's formula or the authors' code (none). */
export type Scaling = 'paper' | 'code';

/** Loss normalisation: the paper's `(1/n) Σ‖·‖²` or the code's mean over all `n·d′` entries. */
export type LossNorm = 'paper' | 'code';

/** Sizes of the residual MLP. */
export interface ResNetDims {
  /** L: number of residual blocks. */
  depth: number;
  /** d: input dimension. */
  inputDim: number;
  /** q: hidden (state) dimension, q ≥ max(d, d′). */
  hidden: number;
  /** m: width of each residual MLP. */
  width: number;
  /** d′: output dimension. */
  outputDim: number;
}

/** Sizes plus the activation and the scaling convention. */
export interface ResNetSpec extends ResNetDims {
  activation: Activation;
  scaling: Scaling;
}

/** Options accepted where a spec is built: everything but `depth`/`inputDim`/`hidden`/`width` has a default. */
export interface ResNetSpecInput {
  depth: number;
  inputDim: number;
  width: number;
  /** Default `inputDim`. */
  hidden?: number;
  /** Default `inputDim`. */
  outputDim?: number;
  /** Default `'gelu'`. */
  activation?: Activation;
  /** Default `'code'`. */
  scaling?: Scaling;
}

const ACTIVATIONS: readonly Activation[] = ['gelu', 'relu', 'tanh', 'identity'];

function checkPositiveInt(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new ArgumentError(`${fn}: ${name} must be a positive integer (got ${v})`);
}

/** Fills defaults and validates a spec (throws `ArgumentError` naming `fn`). */
export function resolveSpec(input: ResNetSpecInput, fn = 'resolveSpec'): ResNetSpec {
  const spec: ResNetSpec = {
    depth: input.depth,
    inputDim: input.inputDim,
    hidden: input.hidden ?? input.inputDim,
    width: input.width,
    outputDim: input.outputDim ?? input.inputDim,
    activation: input.activation ?? 'gelu',
    scaling: input.scaling ?? 'code',
  };
  validateSpec(spec, fn);
  return spec;
}

/** Throws `ArgumentError` when a spec is malformed. */
export function validateSpec(spec: ResNetSpec, fn = 'validateSpec'): void {
  checkPositiveInt(fn, 'depth', spec.depth);
  checkPositiveInt(fn, 'inputDim', spec.inputDim);
  checkPositiveInt(fn, 'hidden', spec.hidden);
  checkPositiveInt(fn, 'width', spec.width);
  checkPositiveInt(fn, 'outputDim', spec.outputDim);
  if (spec.hidden < Math.max(spec.inputDim, spec.outputDim))
    throw new ArgumentError(
      `${fn}: hidden (q = ${spec.hidden}) must be ≥ max(inputDim, outputDim) = ${Math.max(spec.inputDim, spec.outputDim)}`,
    );
  if (!ACTIVATIONS.includes(spec.activation))
    throw new ArgumentError(
      `${fn}: unknown activation '${spec.activation}' (expected ${ACTIVATIONS.join(', ')})`,
    );
  if (spec.scaling !== 'paper' && spec.scaling !== 'code')
    throw new ArgumentError(`${fn}: scaling must be 'paper' or 'code' (got '${spec.scaling}')`);
}

/** The constants `c_m` (on the residual branch) and `c_q` (inside σ) of a scaling convention. */
export function scalingFactors(spec: Pick<ResNetSpec, 'hidden' | 'width' | 'scaling'>): {
  cm: number;
  cq: number;
} {
  return spec.scaling === 'paper'
    ? { cm: 1 / Math.sqrt(spec.width), cq: 1 / Math.sqrt(spec.hidden) }
    : { cm: 1, cq: 1 };
}

/** The factor `c` of the loss `c · Σ_i ‖F(x_i) − y_i‖²`: `1/n` (paper) or `1/(n·d′)` (code). */
export function lossFactor(norm: LossNorm, n: number, outputDim: number): number {
  return norm === 'paper' ? 1 / n : 1 / (n * outputDim);
}

/** The same spec at another depth (for depth sweeps). */
export function withDepth<S extends ResNetDims>(spec: S, depth: number): S {
  return { ...spec, depth };
}
