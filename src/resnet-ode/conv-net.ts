/**
 * The convolutional residual network of Marion, Wu, Sander & Biau (ICLR 2024), §5 / Table 1:
 *
 * ```text
 * h_0     = ReLU(bn₀(stem(x)))
 * h_{k+1} = h_k + s_L · bn₂(conv₂(σ(bn₁(conv₁(h_k))))),   k = 0..L−1
 * logits  = Linear(flatten(adaptiveAvgPool(h_L, p)))
 * ```
 *
 * with s_L = 1/L by default (the paper's and the authors' code's `EulerStep`), conv₁, conv₂ 3×3
 * stride 1 padding 1 with bias, and bn₂'s scale and shift initialised to 0 (the role of V = 0: at
 * initialisation every residual branch is exactly zero). The geometry follows the authors' code
 * (stem conv kernel 5, stride 3, padding 1, no bias; see the spec's paper-vs-code differences).
 *
 * Initialisation of the residual blocks:
 * - `'tied'` (the paper's "discretisation of a neural ODE"): block 0 is drawn once and its conv₁,
 *   conv₂, bn₁, bn₂ weights and biases are copied into every other block (exactly the authors'
 *   `smooth_init` state-dict copy). The copies are independent parameters, trained untied.
 * - `'iid'` (the control): every block draws its own conv weights independently.
 *
 * The draw of one conv weight is `weightDist`: `'uniform'` (default) is PyTorch's default conv
 * initialisation used by the authors' code, U(−1/√fanIn, 1/√fanIn) (= Kaiming-uniform with a = √5);
 * `'gaussian'` is N(0, 1/(3·fanIn)), the same variance. Conv biases are U(−1/√fanIn, 1/√fanIn) either way.
 *
 * @module
 */
import { noGrad } from '../autograd/mode.js';
import type { DType } from '../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { adaptiveAvgPool2d } from '../nn/functional/index.js';
import { calculateFanInAndFanOut, normal_, xavierNormal_, xavierUniform_, zeros_ } from '../nn/init.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/normalization.js';
import { Module } from '../nn/module.js';
import { copy_ } from '../ops/assign.js';
import { gelu, relu } from '../ops/unary.js';
import { type PRNGKey, splitKey } from '../random/key.js';

/** The nonlinearity σ inside the residual branch. */
export type ConvActivation = 'identity' | 'gelu' | 'relu';

/** How the residual blocks are initialised (see the module docs). */
export type ConvInit = 'tied' | 'iid';

/** The factor s_L in front of each residual branch. */
export type ConvResidualScaling = '1/L' | '1/sqrt(L)' | '1';

/** The distribution of one conv-weight draw (see the module docs). */
export type ConvWeightDist = 'uniform' | 'gaussian';

/** A residual block's conv layer: `'conv1'` (first) or `'conv2'` (second). */
export type ConvSlot = 'conv1' | 'conv2';

/** Geometry of the stem convolution (input channels → `channels`). */
export interface ConvStemOptions {
  /** Kernel size (default 5, as the authors' code). */
  kernel?: number;
  /** Stride (default 3, as the authors' code; the paper says 2). */
  stride?: number;
  /** Zero padding (default 1). */
  padding?: number;
}

/** Options of {@link ConvResNet}. */
export interface ConvResNetOptions {
  /** Number of residual blocks L (≥ 1). */
  depth: number;
  /** Channels of the residual stream (default 16, as the paper). */
  channels?: number;
  /** Input channels (default 1: grayscale). */
  inChannels?: number;
  /** Output classes (default 10). */
  numClasses?: number;
  /** σ in the residual branch (default `'gelu'`). */
  activation?: ConvActivation;
  /** Initialisation of the residual blocks (default `'tied'`). */
  init?: ConvInit;
  /** Residual scaling s_L (default `'1/L'`, paper and code). */
  scaling?: ConvResidualScaling;
  /** Distribution of a conv-weight draw (default `'uniform'`, the authors' code). */
  weightDist?: ConvWeightDist;
  /**
   * Use bn₁ and bn₂ (default true). Without them (the code's no-BN variant) conv₂ starts at 0 and
   * conv₁ is Xavier-uniform with gain 1e-4.
   */
  batchNorm?: boolean;
  /** Stem convolution geometry (default kernel 5, stride 3, padding 1). */
  stem?: ConvStemOptions;
  /** Output side p of the adaptive average pool before the head (default 2: `channels·4` features). */
  poolSize?: number;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** PRNG key for reproducible initialisation (default: the global generator). */
  key?: PRNGKey;
}

const ACTIVATIONS: readonly ConvActivation[] = ['identity', 'gelu', 'relu'];

function checkInt(name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) {
    throw new ArgumentError(`ConvResNet: ${name} must be an integer >= ${min} (got ${v})`);
  }
}

function oneOf<T extends string>(name: string, v: T, allowed: readonly T[]): void {
  if (!allowed.includes(v)) {
    throw new ArgumentError(`ConvResNet: ${name} must be one of ${allowed.join(', ')} (got '${v}')`);
  }
}

/** The numeric factor s_L for a depth and a scaling rule. */
export function convResidualScale(depth: number, scaling: ConvResidualScaling): number {
  if (!Number.isInteger(depth) || depth < 1) {
    throw new ArgumentError(`convResidualScale: depth must be an integer >= 1 (got ${depth})`);
  }
  if (scaling === '1/L') return 1 / depth;
  if (scaling === '1/sqrt(L)') return 1 / Math.sqrt(depth);
  if (scaling === '1') return 1;
  throw new ArgumentError(`convResidualScale: scaling must be '1/L', '1/sqrt(L)' or '1' (got '${scaling}')`);
}

/** Applies σ. */
export function applyConvActivation(x: Tensor, activation: ConvActivation): Tensor {
  if (activation === 'gelu') return gelu(x);
  if (activation === 'relu') return relu(x);
  return x;
}

/** Options of {@link ConvResidualBlock}. */
export interface ConvResidualBlockOptions {
  /** σ (default `'gelu'`). */
  activation?: ConvActivation;
  /** Use bn₁ and bn₂ (default true). */
  batchNorm?: boolean;
  /** Distribution of the conv-weight draws (default `'uniform'`). */
  weightDist?: ConvWeightDist;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** PRNG key (default: the global generator). */
  key?: PRNGKey;
}

/**
 * One residual block h ↦ h + scale·bn₂(conv₂(σ(bn₁(conv₁(h))))) on `[N, C, H, W]`, with 3×3
 * stride-1 padding-1 convs (with bias). bn₂ starts with scale 0 and shift 0, so the block starts
 * as the identity. Conv weights: `'uniform'` U(−1/√fanIn, 1/√fanIn) (PyTorch's default) or
 * `'gaussian'` N(0, 1/(3·fanIn)); biases U(−1/√fanIn, 1/√fanIn). Without batch norm (the authors'
 * no-BN variant) conv₂ starts at 0 and conv₁ is Xavier-uniform (or Xavier-normal) with gain 1e-4.
 */
export class ConvResidualBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d | null;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d | null;
  readonly activation: ConvActivation;
  readonly channels: number;
  /** The factor in front of the residual branch. */
  scale: number;

  constructor(channels: number, scale: number, opts: ConvResidualBlockOptions = {}) {
    super();
    if (!Number.isInteger(channels) || channels < 1) {
      throw new ArgumentError(`ConvResidualBlock: channels must be an integer >= 1 (got ${channels})`);
    }
    if (!Number.isFinite(scale)) {
      throw new ArgumentError(`ConvResidualBlock: scale must be finite (got ${scale})`);
    }
    const activation = opts.activation ?? 'gelu';
    if (!ACTIVATIONS.includes(activation)) {
      throw new ArgumentError(
        `ConvResidualBlock: activation must be one of ${ACTIVATIONS.join(', ')} (got '${activation}')`,
      );
    }
    const weightDist = opts.weightDist ?? 'uniform';
    if (weightDist !== 'uniform' && weightDist !== 'gaussian') {
      throw new ArgumentError(
        `ConvResidualBlock: weightDist must be 'uniform' or 'gaussian' (got '${weightDist}')`,
      );
    }
    const dtype = opts.dtype ?? 'float32';
    const [k1, k2, k3] = opts.key ? splitKey(opts.key, 3) : [undefined, undefined, undefined];
    const withKey = (k: PRNGKey | undefined) => (k ? { key: k } : {});
    this.channels = channels;
    this.scale = scale;
    this.activation = activation;
    this.conv1 = new Conv2d(channels, channels, 3, { padding: 1, dtype, ...withKey(k1) });
    this.conv2 = new Conv2d(channels, channels, 3, { padding: 1, dtype, ...withKey(k2) });
    if (opts.batchNorm ?? true) {
      this.bn1 = new BatchNorm2d(channels, { dtype });
      this.bn2 = new BatchNorm2d(channels, { dtype });
      zeros_(this.bn2.weight!);
      zeros_(this.bn2.bias!);
      if (weightDist === 'gaussian') {
        const [ka, kb] = k3 ? splitKey(k3, 2) : [undefined, undefined];
        for (const [conv, k] of [
          [this.conv1, ka],
          [this.conv2, kb],
        ] as const) {
          const { fanIn } = calculateFanInAndFanOut(conv.weight);
          normal_(conv.weight, 0, 1 / Math.sqrt(3 * fanIn), withKey(k));
        }
      }
    } else {
      this.bn1 = null;
      this.bn2 = null;
      zeros_(this.conv2.weight);
      zeros_(this.conv2.bias!);
      if (weightDist === 'gaussian') xavierNormal_(this.conv1.weight, { gain: 1e-4, ...withKey(k3) });
      else xavierUniform_(this.conv1.weight, { gain: 1e-4, ...withKey(k3) });
    }
  }

  /** The residual branch f(h) = bn₂(conv₂(σ(bn₁(conv₁(h))))) (without the scale). */
  branch(h: Tensor): Tensor {
    let u = this.conv1.forward(h);
    if (this.bn1) u = this.bn1.forward(u);
    u = this.conv2.forward(applyConvActivation(u, this.activation));
    return this.bn2 ? this.bn2.forward(u) : u;
  }

  /** h + scale·f(h). */
  forward(h: Tensor): Tensor {
    if (h.ndim !== 4 || h.shape[1] !== this.channels) {
      throw new ShapeError(
        `ConvResidualBlock: expected [N, ${this.channels}, H, W] input (got ${fmtShape(h.shape)})`,
      );
    }
    return h.add(this.branch(h).mul(this.scale));
  }

  override extraRepr(): string {
    return `channels=${this.channels}, scale=${this.scale}, activation='${this.activation}'`;
  }
}

/** Copies every parameter and buffer of `src` into `dst` (same architecture). */
function copyBlock(dst: ConvResidualBlock, src: ConvResidualBlock): void {
  noGrad(() => {
    const params = new Map(src.namedParameters());
    for (const [name, p] of dst.namedParameters()) copy_(p, params.get(name)!);
    const buffers = new Map(src.namedBuffers());
    for (const [name, b] of dst.namedBuffers()) copy_(b, buffers.get(name)!);
  });
}

/**
 * The convolutional residual network of the paper's CIFAR experiment (see the module docs):
 * stem conv + BN + ReLU to `channels`, L residual blocks scaled by s_L, adaptive average pool to
 * p×p, linear head. Input `[N, inChannels, H, W]`, output logits `[N, numClasses]`.
 *
 * @example
 * ```ts
 * const net = new ConvResNet({ depth: 16, channels: 16, activation: 'gelu', init: 'tied' });
 * net.forward(x).shape;   // [N, 10]
 * convSmoothness(net);    // 0 at initialisation (tied)
 * ```
 */
export class ConvResNet extends Module {
  readonly stemConv: Conv2d;
  readonly stemBn: BatchNorm2d;
  readonly blocks: ConvResidualBlock[];
  readonly head: Linear;
  readonly depth: number;
  readonly channels: number;
  readonly inChannels: number;
  readonly activation: ConvActivation;
  readonly init: ConvInit;
  readonly scaling: ConvResidualScaling;
  readonly weightDist: ConvWeightDist;
  readonly poolSize: number;

  constructor(opts: ConvResNetOptions) {
    super();
    const depth = opts.depth;
    checkInt('depth', depth);
    const channels = opts.channels ?? 16;
    checkInt('channels', channels);
    const inChannels = opts.inChannels ?? 1;
    checkInt('inChannels', inChannels);
    const numClasses = opts.numClasses ?? 10;
    checkInt('numClasses', numClasses);
    const poolSize = opts.poolSize ?? 2;
    checkInt('poolSize', poolSize);
    const activation = opts.activation ?? 'gelu';
    oneOf('activation', activation, ACTIVATIONS);
    const init = opts.init ?? 'tied';
    oneOf('init', init, ['tied', 'iid']);
    const scaling = opts.scaling ?? '1/L';
    oneOf('scaling', scaling, ['1/L', '1/sqrt(L)', '1']);
    const weightDist = opts.weightDist ?? 'uniform';
    oneOf('weightDist', weightDist, ['uniform', 'gaussian']);
    const stem = { kernel: 5, stride: 3, padding: 1, ...opts.stem };
    checkInt('stem.kernel', stem.kernel);
    checkInt('stem.stride', stem.stride);
    checkInt('stem.padding', stem.padding, 0);
    const batchNorm = opts.batchNorm ?? true;
    const dtype = opts.dtype ?? 'float32';
    this.depth = depth;
    this.channels = channels;
    this.inChannels = inChannels;
    this.activation = activation;
    this.init = init;
    this.scaling = scaling;
    this.weightDist = weightDist;
    this.poolSize = poolSize;

    const keys = opts.key ? splitKey(opts.key, depth + 2) : undefined;
    this.stemConv = new Conv2d(inChannels, channels, stem.kernel, {
      stride: stem.stride,
      padding: stem.padding,
      bias: false,
      dtype,
      ...(keys ? { key: keys[0]! } : {}),
    });
    this.stemBn = new BatchNorm2d(channels, { dtype });
    const scale = convResidualScale(depth, scaling);
    const makeBlock = (k: number) => {
      const key = keys?.[k + 2];
      return new ConvResidualBlock(channels, scale, {
        activation,
        batchNorm,
        weightDist,
        dtype,
        ...(key ? { key } : {}),
      });
    };
    const first = makeBlock(0);
    this.blocks = [first];
    for (let k = 1; k < depth; k++) {
      const block = makeBlock(k);
      if (init === 'tied') copyBlock(block, first); // block 0's draw, copied (independent parameters)
      this.blocks.push(block);
    }
    this.head = new Linear(channels * poolSize * poolSize, numClasses, {
      dtype,
      ...(keys ? { key: keys[1]! } : {}),
    });
  }

  /** The features before the pool: h_L, `[N, channels, H', W']`. */
  features(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(
        `ConvResNet: expected [N, ${this.inChannels}, H, W] input (got ${fmtShape(x.shape)})`,
      );
    }
    let h = relu(this.stemBn.forward(this.stemConv.forward(x)));
    for (const b of this.blocks) h = b.forward(h);
    return h;
  }

  /** Logits `[N, numClasses]`. */
  forward(x: Tensor): Tensor {
    const h = adaptiveAvgPool2d(this.features(x), this.poolSize);
    return this.head.forward(h.reshape([h.shape[0]!, -1]));
  }

  /** The conv weights of one slot, block by block (live parameters, not copies). */
  convWeights(slot: ConvSlot): Tensor[] {
    if (slot !== 'conv1' && slot !== 'conv2') {
      throw new ArgumentError(`ConvResNet.convWeights: slot must be 'conv1' or 'conv2' (got '${slot}')`);
    }
    return this.blocks.map((b) => b[slot].weight);
  }

  override extraRepr(): string {
    return `depth=${this.depth}, channels=${this.channels}, activation='${this.activation}', init='${this.init}', scaling='${this.scaling}'`;
  }
}

// The smoothness diagnostics live in their own file; re-exported so one import brings the whole conv API.
export * from './conv-smoothness.js';
