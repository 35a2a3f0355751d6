/**
 * Pooling layers: `MaxPool1d`, `MaxPool2d`, `AvgPool1d`, `AvgPool2d`,
 * `AdaptiveAvgPool1d`, `AdaptiveAvgPool2d`.
 */
import type { Tensor } from '../../core/tensor.js';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
} from '../functional/index.js';
import type {
  AvgPool1dOptions,
  AvgPool2dOptions,
  MaxPool1dOptions,
  MaxPool2dOptions,
} from '../functional/pool.js';
import { Module } from '../module.js';
import { fmtTuple } from './common.js';

export type { AvgPool1dOptions, AvgPool2dOptions, MaxPool1dOptions, MaxPool2dOptions };

/** A size per spatial dim (`[h, w]`), or one size for both. */
export type Size2 = number | readonly [number, number];

function poolRepr(
  kernelSize: number | readonly number[],
  o: {
    stride?: number | readonly number[] | null;
    padding?: number | readonly number[];
    dilation?: number | readonly number[];
    ceilMode?: boolean;
  },
): string {
  const s = [`kernelSize=${fmtTuple(kernelSize)}`, `stride=${fmtTuple(o.stride ?? kernelSize)}`];
  s.push(`padding=${fmtTuple(o.padding ?? 0)}`);
  if (o.dilation !== undefined) s.push(`dilation=${fmtTuple(o.dilation)}`);
  s.push(`ceilMode=${o.ceilMode ?? false}`);
  return s.join(', ');
}

/** Max over sliding windows of `[N, C, L]` (or `[C, L]`). */
export class MaxPool1d extends Module {
  readonly opts: Readonly<MaxPool1dOptions>;

  constructor(
    readonly kernelSize: number,
    opts: MaxPool1dOptions = {},
  ) {
    super();
    this.opts = { ...opts };
  }

  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.opts);
  }

  override extraRepr(): string {
    return poolRepr(this.kernelSize, this.opts);
  }
}

/**
 * Max over sliding `kernelSize` windows of `[N, C, H, W]` (or `[C, H, W]`); the stride
 * defaults to the kernel size.
 */
export class MaxPool2d extends Module {
  readonly opts: Readonly<MaxPool2dOptions>;

  constructor(
    readonly kernelSize: Size2,
    opts: MaxPool2dOptions = {},
  ) {
    super();
    this.opts = { ...opts };
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.opts);
  }

  override extraRepr(): string {
    return poolRepr(this.kernelSize, { dilation: 1, ...this.opts });
  }
}

/** Mean over sliding windows of `[N, C, L]` (or `[C, L]`). */
export class AvgPool1d extends Module {
  readonly opts: Readonly<AvgPool1dOptions>;

  constructor(
    readonly kernelSize: number,
    opts: AvgPool1dOptions = {},
  ) {
    super();
    this.opts = { ...opts };
  }

  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.opts);
  }

  override extraRepr(): string {
    return poolRepr(this.kernelSize, this.opts);
  }
}

/**
 * Mean over sliding `kernelSize` windows of `[N, C, H, W]` (or `[C, H, W]`); the stride
 * defaults to the kernel size.
 */
export class AvgPool2d extends Module {
  readonly opts: Readonly<AvgPool2dOptions>;

  constructor(
    readonly kernelSize: Size2,
    opts: AvgPool2dOptions = {},
  ) {
    super();
    this.opts = { ...opts };
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.opts);
  }

  override extraRepr(): string {
    return poolRepr(this.kernelSize, this.opts);
  }
}

/** Mean pooling of `[N, C, L]` to a fixed length `outputSize`, whatever the input length. */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${this.outputSize}`;
  }
}

/**
 * Mean pooling of `[N, C, H, W]` to a fixed `outputSize` (`[oh, ow]`, a null entry keeps
 * that input size) whatever the input size; `1` gives global average pooling.
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number | null, number | null]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    const o = this.outputSize;
    return `outputSize=${typeof o === 'number' ? o : `(${o.map((v) => (v === null ? 'null' : v)).join(', ')})`}`;
  }
}
