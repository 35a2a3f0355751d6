/**
 * The recorded graph. Each differentiable op that sees an input requiring grad
 * creates a `Node` holding its backward closure and one edge per input: to the
 * producing node (non-leaf) or to the leaf tensor itself (where `.grad` goes).
 * Nodes reference producer nodes, not intermediate tensors, so activations that
 * backward does not need are freed by the garbage collector.
 */
import { AnomalyError, AutogradError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { isAnomalyEnabled, isGradEnabled } from './mode.js';

/** Where a gradient flows: into another node's output slot, or into a leaf. */
export type Edge = { node: Node; index: number } | { leaf: Tensor } | null;

/** Backward closure: receives one gradient per output (zeros where unused), returns one per input. */
export type BackwardFn = (grads: Tensor[]) => (Tensor | null)[];

/** Shape/dtype of one output, used to build zero gradients for unused outputs. */
export interface OutputMeta {
  shape: readonly number[];
  dtype: Tensor['dtype'];
}

/** A recorded op. */
export class Node {
  /** Output tensors whose gradient should be kept (`retainGrad`), by output index. */
  retained: Map<number, Tensor> | null = null;
  private backwardFn: BackwardFn | null;
  private readonly saved: { t: Tensor; version: number }[];

  constructor(
    readonly name: string,
    readonly edges: Edge[],
    backwardFn: BackwardFn,
    readonly outputs: OutputMeta[],
    saved: readonly Tensor[],
  ) {
    this.backwardFn = backwardFn;
    this.saved = saved.map((t) => ({ t, version: t.version }));
  }

  /** Runs the backward closure, checking that saved tensors were not modified in place. */
  apply(grads: Tensor[]): (Tensor | null)[] {
    if (!this.backwardFn) {
      throw new AutogradError(
        `${this.name}: trying to backward through the graph a second time (its saved tensors were freed); ` +
          'pass {retainGraph: true} to the first backward',
      );
    }
    for (const s of this.saved) {
      if (s.t.version !== s.version) {
        throw new AutogradError(
          `${this.name}: a tensor of shape [${s.t.shape.join(',')}] needed for its gradient was modified by an ` +
            `in-place operation (version ${s.t.version}, expected ${s.version})`,
        );
      }
    }
    return this.backwardFn(grads);
  }

  /** Frees the backward closure (and with it the saved tensors). */
  release(): void {
    this.backwardFn = null;
    this.saved.length = 0;
  }
}

/** The edge to attach for an input tensor. */
export function edgeOf(t: Tensor): Edge {
  if (t._node) return { node: t._node, index: t._outIndex };
  return t.requiresGrad ? { leaf: t } : null;
}

function checkFinite(name: string, t: Tensor): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') return;
  const d = t._contiguousData();
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      throw new AnomalyError(
        `${name}: produced ${d[i]} at flat index ${i} of an output of shape [${t.shape.join(',')}]`,
      );
    }
  }
}

/**
 * Records a differentiable op: if grad mode is on and some input requires grad,
 * attaches a node to `outputs`. Also the hook for anomaly mode.
 */
export function record(
  name: string,
  outputs: Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  backward: BackwardFn,
  saved: readonly Tensor[] = [],
): void {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  if (isAnomalyEnabled()) for (const o of outs) checkFinite(name, o);
  if (!isGradEnabled()) return;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return;
  const node = new Node(
    name,
    inputs.map(edgeOf),
    backward,
    outs.map((o) => ({ shape: o.shape, dtype: o.dtype })),
    saved,
  );
  outs.forEach((o, i) => {
    o._node = node;
    o._outIndex = i;
    o.requiresGrad = true;
  });
}

/** Checks a gradient produced by backward in anomaly mode. */
export function checkGradAnomaly(name: string, g: Tensor): void {
  if (isAnomalyEnabled()) checkFinite(`${name} (backward)`, g);
}
