/**
 * Smoothness-in-depth diagnostics of a {@link ConvResNet}: successive-layer distances of the conv
 * weights, ‖conv_{k+1} − conv_k‖_F, their mean over k (the paper's Table 1 column), and one conv
 * entry as a function of the layer (the paper's Fig. 3 / App. E plot). Not differentiable: they
 * read the weights' values.
 *
 * @module
 */
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { ConvResNet, ConvSlot } from './conv-net.js';

/**
 * Which conv weights a distance is measured on: one slot, or `'sum'` = ‖Δconv₁‖_F + ‖Δconv₂‖_F
 * (the paper's ‖Z_k‖_F := ‖V_k‖_F + ‖W_k‖_F convention, a sum of norms, not root-sum-square).
 */
export type ConvSmoothnessSlot = ConvSlot | 'sum';

/** Options of {@link convLayerDistances} and {@link convSmoothness}. */
export interface ConvSmoothnessOptions {
  /** Default `'sum'`. */
  slot?: ConvSmoothnessSlot;
}

/**
 * ‖W_{k+1} − W_k‖_F for k = 0..n−2 over a list of equally shaped tensors (one per layer), in float64.
 *
 * @throws ArgumentError for fewer than 2 tensors; ShapeError if the shapes differ.
 */
export function successiveFrobeniusDistances(weights: readonly Tensor[]): number[] {
  if (weights.length < 2) {
    throw new ArgumentError(`successiveFrobeniusDistances: needs at least 2 layers (got ${weights.length})`);
  }
  const shape = weights[0]!.shape;
  const data = weights.map((w, k) => {
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(
        `successiveFrobeniusDistances: layer ${k} has shape ${fmtShape(w.shape)}, layer 0 has ${fmtShape(shape)}`,
      );
    }
    return w._contiguousData();
  });
  const out: number[] = [];
  for (let k = 0; k + 1 < data.length; k++) {
    const a = data[k]!;
    const b = data[k + 1]!;
    let s = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Number(b[i]!) - Number(a[i]!);
      s += d * d;
    }
    out.push(Math.sqrt(s));
  }
  return out;
}

function checkSlot(op: string, slot: string): void {
  if (slot !== 'conv1' && slot !== 'conv2' && slot !== 'sum') {
    throw new ArgumentError(`${op}: slot must be 'conv1', 'conv2' or 'sum' (got '${slot}')`);
  }
}

/**
 * The successive-layer distances d_k = ‖conv_{k+1} − conv_k‖_F of a network's residual blocks,
 * k = 0..L−2 (length L−1), on the conv weights (biases excluded) of one slot or of both (`'sum'`).
 *
 * @throws ArgumentError when the network has fewer than 2 blocks or the slot is unknown.
 */
export function convLayerDistances(net: ConvResNet, opts: ConvSmoothnessOptions = {}): number[] {
  const slot = opts.slot ?? 'sum';
  checkSlot('convLayerDistances', slot);
  if (net.depth < 2) {
    throw new ArgumentError(`convLayerDistances: needs a network of depth >= 2 (got ${net.depth})`);
  }
  if (slot !== 'sum') return successiveFrobeniusDistances(net.convWeights(slot));
  const d1 = successiveFrobeniusDistances(net.convWeights('conv1'));
  const d2 = successiveFrobeniusDistances(net.convWeights('conv2'));
  return d1.map((d, k) => d + d2[k]!);
}

/**
 * mean_k ‖conv_{k+1} − conv_k‖_F over k = 0..L−2 (the smoothness column of the paper's Table 1):
 * 0 for a weight-tied network at initialisation, O(1) for i.i.d. weights, O(1/L) for weights that
 * sample a Lipschitz function of depth.
 */
export function convSmoothness(net: ConvResNet, opts: ConvSmoothnessOptions = {}): number {
  const slot = opts.slot ?? 'sum';
  checkSlot('convSmoothness', slot);
  const d = convLayerDistances(net, { slot });
  return d.reduce((s, v) => s + v, 0) / d.length;
}

/**
 * One entry of a slot's conv weight, read in every block: `[w_0[idx], …, w_{L−1}[idx]]`, for the
 * "conv entry vs layer" chart. `index` is a flat index into the `[C, C, 3, 3]` weight or a
 * `[out, in, row, col]` tuple.
 *
 * @throws ArgumentError for an unknown slot or an index out of range.
 */
export function convEntryProfile(
  net: ConvResNet,
  slot: ConvSlot,
  index: number | readonly [number, number, number, number],
): number[] {
  const op = 'convEntryProfile';
  if (slot !== 'conv1' && slot !== 'conv2') {
    throw new ArgumentError(`${op}: slot must be 'conv1' or 'conv2' (got '${slot}')`);
  }
  const weights = net.convWeights(slot);
  const shape = weights[0]!.shape;
  let flat: number;
  if (typeof index === 'number') flat = index;
  else {
    if (index.length !== 4 || index.some((v, i) => !Number.isInteger(v) || v < 0 || v >= shape[i]!)) {
      throw new ArgumentError(
        `${op}: index [${index.join(', ')}] is out of range for a weight of shape ${fmtShape(shape)}`,
      );
    }
    flat = ((index[0] * shape[1]! + index[1]) * shape[2]! + index[2]) * shape[3]! + index[3];
  }
  const size = weights[0]!.size;
  if (!Number.isInteger(flat) || flat < 0 || flat >= size) {
    throw new ArgumentError(`${op}: flat index ${flat} is out of range for ${size} weights`);
  }
  return weights.map((w) => Number(w._contiguousData()[flat]!));
}
