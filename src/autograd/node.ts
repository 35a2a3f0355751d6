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

/**
 * Where a gradient flows: into another node's output slot (`shape`: that output's shape, which the
 * gradient must have), or into a leaf.
 */
export type Edge = { node: Node; index: number; shape: readonly number[] } | { leaf: Tensor } | null;

/** Backward closure: receives one gradient per output (zeros where unused), returns one per input. */
export type BackwardFn = (grads: Tensor[]) => (Tensor | null)[];

/** Shape/dtype of one output, used to build zero gradients for unused outputs. */
export interface OutputMeta {
  shape: readonly number[];
  dtype: Tensor['dtype'];
}

const NO_VERSIONS: readonly number[] = [];
const NO_SAVED: readonly Tensor[] = [];

/** A recorded op. */
export class Node {
  /** Output tensors whose gradient should be kept (`retainGrad`), by output index. */
  retained: Map<number, Tensor> | null = null;
  /** @internal id of the backward sweep that owns {@link _pending} and {@link _grads} (0: none). */
  _sweep = 0;
  /** @internal sweep state: consumers whose gradients have not arrived yet. */
  _pending = 0;
  /** @internal sweep state: gradient accumulated so far per output (null: none yet). */
  _grads: (Tensor | null)[] | null = null;
  /** @internal `outputs.length`, kept here so the sweep does not touch `outputs` for every node. */
  readonly _nOutputs: number;
  private backwardFn: BackwardFn | null;
  private saved: readonly Tensor[];
  private readonly versions: readonly number[];

  constructor(
    readonly name: string,
    readonly edges: Edge[],
    backwardFn: BackwardFn,
    readonly outputs: OutputMeta[],
    saved: readonly Tensor[],
  ) {
    this.backwardFn = backwardFn;
    this._nOutputs = outputs.length;
    this.saved = saved;
    if (saved.length === 0) this.versions = NO_VERSIONS;
    else {
      const v = new Array<number>(saved.length);
      for (let i = 0; i < saved.length; i++) v[i] = saved[i]!.version;
      this.versions = v;
    }
  }

  /** Runs the backward closure, checking that saved tensors were not modified in place. */
  apply(grads: Tensor[]): (Tensor | null)[] {
    if (!this.backwardFn) {
      throw new AutogradError(
        `${this.name}: trying to backward through the graph a second time (its saved tensors were freed); ` +
          'pass {retainGraph: true} to the first backward',
      );
    }
    for (let i = 0; i < this.saved.length; i++) {
      const t = this.saved[i]!;
      if (t.version !== this.versions[i]) {
        throw new AutogradError(
          `${this.name}: a tensor of shape [${t.shape.join(',')}] needed for its gradient was modified by an ` +
            `in-place operation (version ${t.version}, expected ${this.versions[i]})`,
        );
      }
    }
    return this.backwardFn(grads);
  }

  /** Frees the backward closure (and with it the saved tensors). */
  release(): void {
    this.backwardFn = null;
    this.saved = [];
  }
}

/** The edge to attach for an input tensor. */
export function edgeOf(t: Tensor): Edge {
  if (t._node) return { node: t._node, index: t._outIndex, shape: t.shape };
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
 * Whether {@link record} would do anything for an op on these inputs: grad mode on and some input
 * requiring grad, or anomaly mode on. Hot ops test it first, so that without autograd (inference,
 * and every op run inside a backward closure) they do not even build their backward closure.
 */
export function shouldRecord(a: Tensor, b?: Tensor): boolean {
  return (isGradEnabled() && (a.requiresGrad || b?.requiresGrad === true)) || isAnomalyEnabled();
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
  saved: readonly Tensor[] = NO_SAVED,
): void {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  if (isAnomalyEnabled()) for (const o of outs) checkFinite(name, o);
  if (!isGradEnabled()) return;
  let any = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.requiresGrad) any = true;
  if (!any) return;
  const edges = new Array<Edge>(inputs.length);
  for (let i = 0; i < inputs.length; i++) edges[i] = edgeOf(inputs[i]!);
  const metas = new Array<OutputMeta>(outs.length);
  for (let i = 0; i < outs.length; i++) metas[i] = { shape: outs[i]!.shape, dtype: outs[i]!.dtype };
  const node = new Node(name, edges, backward, metas, saved);
  for (let i = 0; i < outs.length; i++) {
    const o = outs[i]!;
    o._node = node;
    o._outIndex = i;
    o.requiresGrad = true;
  }
}

/** Checks a gradient produced by backward in anomaly mode. */
export function checkGradAnomaly(name: string, g: Tensor): void {
  if (isAnomalyEnabled()) checkFinite(`${name} (backward)`, g);
}
