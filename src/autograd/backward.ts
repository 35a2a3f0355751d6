/**
 * The backward engine: a topological sweep over the recorded nodes reachable
 * from the roots, accumulating gradients per node output, then into leaves
 * (`backward`) or into the requested inputs (`grad`).
 */

import { getBackend } from '../backend/index.js';
import { AnomalyError, AutogradError, fmtShape, ShapeError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import type { BackwardOptions, Tensor } from '../core/tensor.js';
import { add } from '../ops/binary.js';
import { onesLike, zeros } from '../ops/creation.js';
import { withGrad } from './mode.js';
import { checkGradAnomaly, type Node } from './node.js';

/** Options of `grad()` (functional gradients that do not touch `.grad`). */
export interface GradOptions extends BackwardOptions {
  /** Return null instead of throwing for inputs the outputs do not depend on. */
  allowUnused?: boolean;
}

interface Targets {
  leaves: Map<Tensor, number>;
  slots: Map<Node, Map<number, number>>;
  found: (Tensor | null)[];
}

function accumulate(prev: Tensor | null | undefined, g: Tensor): Tensor {
  return prev ? add(prev, g) : g;
}

/**
 * Sweep bookkeeping lives on the nodes themselves (`_sweep`, `_pending`, `_grads`) rather than
 * in maps: a neural-ODE backward visits ~10⁴ nodes, and map lookups were a tenth of its time.
 * Sweeps can nest (a backward closure may call `grad` itself); a nested sweep that reaches a
 * node owned by a suspended one saves that node's state and restores it when it finishes.
 */
let lastSweepId = 0;
const activeSweeps: number[] = [];

interface SavedState {
  node: Node;
  sweep: number;
  pending: number;
  grads: (Tensor | null)[] | null;
}

function sweep(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  options: BackwardOptions,
  targets: Targets | null,
): Map<Tensor, Tensor> {
  const id = ++lastSweepId;
  const nested = activeSweeps.length > 0;
  const suspended: SavedState[] = [];
  activeSweeps.push(id);
  try {
    return run(id, nested, suspended, roots, rootGrads, options, targets);
  } finally {
    activeSweeps.pop();
    for (let i = suspended.length - 1; i >= 0; i--) {
      const s = suspended[i]!;
      s.node._sweep = s.sweep;
      s.node._pending = s.pending;
      s.node._grads = s.grads;
    }
  }
}

function run(
  id: number,
  nested: boolean,
  suspended: SavedState[],
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  options: BackwardOptions,
  targets: Targets | null,
): Map<Tensor, Tensor> {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const leafGrads = new Map<Tensor, Tensor>();

  /** Makes `node` part of this sweep (first visit): zero pending count, no gradients yet. */
  const claim = (node: Node): void => {
    if (nested && node._sweep !== 0 && activeSweeps.includes(node._sweep)) {
      suspended.push({ node, sweep: node._sweep, pending: node._pending, grads: node._grads });
    }
    node._sweep = id;
    node._pending = 0;
    node._grads = null;
  };

  // Sums this sweep allocated and has not handed to any backward closure yet: further
  // contributions are added into them in place (a weight used in 400 RK stages then costs
  // one buffer, not 400). Only without createGraph, where no graph records the sums.
  const owned = new Set<Tensor>();
  const accumulateOwned = (prev: Tensor | null | undefined, g: Tensor): Tensor => {
    if (!prev) return g;
    if (owned.has(prev) && prev.dtype === g.dtype && shapesEqual(prev.shape, g.shape)) {
      getBackend().binary('add', prev._strided(), g._strided(), prev._storage.data);
      return prev;
    }
    const sum = add(prev, g);
    if (!createGraph) owned.add(sum);
    return sum;
  };
  const addToSlot = (node: Node, index: number, g: Tensor): void => {
    let buf = node._grads;
    if (buf === null) {
      buf = node._nOutputs === 1 ? [null] : new Array<Tensor | null>(node._nOutputs).fill(null);
      node._grads = buf;
    }
    buf[index] = accumulateOwned(buf[index], g);
  };

  // Pending-consumer counts over the reachable subgraph (iterative DFS: graphs can be very deep).
  const stack: Node[] = [];
  const reached: Node[] = [];
  for (const r of roots) {
    const n = r._node;
    if (n && n._sweep !== id) {
      claim(n);
      stack.push(n);
      reached.push(n);
    }
  }
  while (stack.length) {
    const node = stack.pop()!;
    const edges = node.edges;
    for (let i = 0; i < edges.length; i++) {
      const e = edges[i];
      if (!e || !('node' in e)) continue;
      const next = e.node;
      if (next._sweep !== id) {
        claim(next);
        stack.push(next);
        reached.push(next);
      }
      next._pending++;
    }
  }

  withGrad(createGraph, () => {
    roots.forEach((r, i) => {
      const g = rootGrads[i]!;
      if (r._node) addToSlot(r._node, r._outIndex, g);
      else leafGrads.set(r, accumulateOwned(leafGrads.get(r), g));
    });
  });

  const ready: Node[] = [];
  for (const node of reached) if (node._pending === 0) ready.push(node);

  withGrad(createGraph, () => {
    while (ready.length) {
      const node = ready.pop()!;
      const buf = node._grads;
      node._grads = null;
      if (buf !== null) {
        // From here on the closure may return these tensors to several edges: no more in-place sums.
        let grads: Tensor[] | null = null;
        for (let i = 0; i < buf.length; i++) {
          const g = buf[i];
          if (g) {
            owned.delete(g);
            grads ??= [];
          }
        }
        if (grads !== null) {
          for (let i = 0; i < buf.length; i++) {
            grads.push(buf[i] ?? zeros(node.outputs[i]!.shape, { dtype: node.outputs[i]!.dtype }));
          }
          backwardNode(node, grads);
        }
      }
      if (!retainGraph) node.release();
      const edges = node.edges;
      for (let i = 0; i < edges.length; i++) {
        const e = edges[i];
        if (e && 'node' in e && --e.node._pending === 0) ready.push(e.node);
      }
    }
  });

  /** Runs one node's backward and routes its input gradients. */
  function backwardNode(node: Node, grads: Tensor[]): void {
    if (node.retained) {
      for (const [i, t] of node.retained)
        t.grad = accumulate(t.grad, createGraph ? grads[i]! : grads[i]!.detach());
    }
    const slotTargets = targets !== null && targets.slots.size > 0 ? targets.slots.get(node) : undefined;
    if (slotTargets) {
      for (const [i, k] of slotTargets) targets!.found[k] = accumulate(targets!.found[k], grads[i]!);
    }
    let inGrads: (Tensor | null)[];
    try {
      inGrads = node.apply(grads);
    } catch (e) {
      // Attribute NaN/Inf found by ops run inside a backward closure to that backward.
      if (e instanceof AnomalyError) throw new AnomalyError(`${node.name} (backward): ${e.message}`);
      throw e;
    }
    const edges = node.edges;
    for (let i = 0; i < edges.length; i++) {
      const e = edges[i];
      const g = inGrads[i];
      if (!e || !g) continue;
      checkGradAnomaly(node.name, g);
      const expected = 'node' in e ? e.shape : e.leaf.shape;
      if (!shapesEqual(g.shape, expected)) {
        throw new ShapeError(
          `${node.name} (backward): gradient for input ${i} has shape ${fmtShape(g.shape)}, expected ${fmtShape(expected)}`,
        );
      }
      if ('node' in e) addToSlot(e.node, e.index, g);
      else leafGrads.set(e.leaf, accumulateOwned(leafGrads.get(e.leaf), g));
    }
  }

  return leafGrads;
}

function defaultRootGrads(
  roots: readonly Tensor[],
  grads: readonly Tensor[] | undefined,
  op: string,
): Tensor[] {
  return roots.map((r, i) => {
    if (!r.requiresGrad) {
      throw new AutogradError(
        `${op}: output ${i} does not require grad and has no graph (did you forget requiresGrad?)`,
      );
    }
    const g = grads?.[i];
    if (g) {
      if (!shapesEqual(g.shape, r.shape)) {
        throw new ShapeError(
          `${op}: gradient shape ${fmtShape(g.shape)} does not match output shape ${fmtShape(r.shape)}`,
        );
      }
      return g;
    }
    if (r.size !== 1) {
      throw new AutogradError(
        `${op}: gradient can be implicitly created only for one-element outputs (got shape ${fmtShape(r.shape)}); pass a gradient`,
      );
    }
    return onesLike(r);
  });
}

/** Accumulates d(roots)/d(leaf) into every reachable leaf's `.grad` (like `torch.autograd.backward`). */
export function backward(
  roots: readonly Tensor[],
  grads?: readonly Tensor[],
  options: BackwardOptions = {},
): void {
  const rootGrads = defaultRootGrads(roots, grads, 'backward');
  const leafGrads = sweep(roots, rootGrads, options, null);
  const createGraph = options.createGraph ?? false;
  for (const [leaf, g] of leafGrads) {
    const gg = createGraph ? g : g.detach();
    leaf.grad = leaf.grad ? withGrad(createGraph, () => add(leaf.grad!, gg)) : gg;
  }
}

/**
 * Gradients of `outputs` with respect to `inputs` (leaves or intermediate tensors),
 * returned rather than accumulated into `.grad` (like `torch.autograd.grad`).
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  gradOutputs?: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  const gOuts =
    gradOutputs === undefined
      ? undefined
      : Array.isArray(gradOutputs)
        ? (gradOutputs as readonly Tensor[])
        : [gradOutputs as Tensor];
  const rootGrads = defaultRootGrads(outs, gOuts, 'grad');
  const targets: Targets = { leaves: new Map(), slots: new Map(), found: ins.map(() => null) };
  ins.forEach((t, k) => {
    if (!t.requiresGrad) throw new AutogradError(`grad: input ${k} does not require grad`);
    if (t._node) {
      let m = targets.slots.get(t._node);
      if (!m) targets.slots.set(t._node, (m = new Map()));
      m.set(t._outIndex, k);
    } else targets.leaves.set(t, k);
  });
  const leafGrads = sweep(outs, rootGrads, options, targets);
  for (const [leaf, k] of targets.leaves) {
    const g = leafGrads.get(leaf);
    if (g) targets.found[k] = g;
  }
  const createGraph = options.createGraph ?? false;
  return targets.found.map((g, k) => {
    if (!g) {
      if (options.allowUnused) return null;
      throw new AutogradError(
        `grad: input ${k} was not used in computing the outputs (pass allowUnused: true)`,
      );
    }
    return createGraph ? g : g.detach();
  });
}
