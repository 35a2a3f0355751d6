/** Parameters of the vector field for the adjoints, and detection of undeclared ones. */
import { grad as autogradGrad } from '../../autograd/backward.js';
import { enableGrad, isGradEnabled } from '../../autograd/mode.js';
import type { Node } from '../../autograd/node.js';
import { AutogradError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { zerosLike } from '../../ops/creation.js';
import type { Engine } from '../loop.js';

/** The term's declared parameters plus the tensors requiring grad inside `args` (deduplicated). */
export function collectParams(engine: Engine): Tensor[] {
  const out: Tensor[] = [];
  const seen = new Set<Tensor>();
  const add = (t: Tensor) => {
    if (!seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  for (const t of engine.p.term.params()) {
    if (!(t instanceof Tensor)) throw new AutogradError('diffeqsolve: term params must be tensors');
    add(t);
  }
  const walk = (x: unknown, depth: number) => {
    if (depth > 8 || x === null || x === undefined) return;
    if (x instanceof Tensor) {
      if (x.requiresGrad) add(x);
      return;
    }
    if (Array.isArray(x)) {
      for (const v of x) walk(v, depth + 1);
    } else if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
      for (const v of Object.values(x as Record<string, unknown>)) walk(v, depth + 1);
    }
  };
  walk(engine.p.args, 0);
  return out;
}

/** Leaves requiring grad that `outputs` depend on (not looking past the nodes in `stop`). */
export function graphLeaves(outputs: readonly Tensor[], stop: ReadonlySet<Node> = new Set()): Set<Tensor> {
  const leaves = new Set<Tensor>();
  const seen = new Set<Node>(stop);
  const stack: Node[] = [];
  for (const o of outputs) {
    if (o._node) {
      if (!stop.has(o._node)) stack.push(o._node);
    } else if (o.requiresGrad) leaves.add(o);
  }
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const e of n.edges) {
      if (!e) continue;
      if ('leaf' in e) leaves.add(e.leaf);
      else if (!seen.has(e.node)) stack.push(e.node);
    }
  }
  return leaves;
}

/**
 * With grad mode on, evaluates the vector field once at (t0, y0) and throws a clear
 * error if it depends on tensors requiring grad that the adjoint could not return
 * gradients for (closed over but not declared).
 */
export function checkUndeclared(engine: Engine, params: readonly Tensor[], adjointName: string): void {
  if (!isGradEnabled()) return;
  const p = engine.p;
  enableGrad(() => {
    const yt = p.y0.map((l) => l.detach().requiresGrad_(true));
    const t = new Float64Array(p.rows).fill(p.t0);
    const out = engine.callVF(t, yt, null);
    const allowed = new Set<Tensor>([...yt, ...params]);
    // Declared parameters may be non-leaf tensors (e.g. inside grad()): stop at their nodes.
    const stop = new Set<Node>();
    for (const q of params) if (q._node) stop.add(q._node);
    const extra = [...graphLeaves(out, stop)].filter((l) => !allowed.has(l));
    if (extra.length > 0) {
      throw new AutogradError(
        `${adjointName}: the vector field depends on ${extra.length} tensor(s) requiring grad that are not declared ` +
          `(shapes ${extra
            .slice(0, 4)
            .map((e) => fmtShape(e.shape))
            .join(
              ', ',
            )}${extra.length > 4 ? ', …' : ''}); pass them with new ODETerm(f, {params}) (an array or a module) ` +
          'or inside args so that their gradients are returned, or use DirectAdjoint, which needs no declaration',
      );
    }
  });
}

/**
 * VJP of `f(inputs)` (list of outputs) with cotangents, with respect to `wrt`
 * (zeros where unused). Outputs that do not require grad are skipped.
 */
export function vjpList(
  outputs: readonly Tensor[],
  cotangents: readonly Tensor[],
  wrt: readonly Tensor[],
): Tensor[] {
  const outs: Tensor[] = [];
  const cots: Tensor[] = [];
  outputs.forEach((o, i) => {
    if (o.requiresGrad) {
      outs.push(o);
      cots.push(cotangents[i]!);
    }
  });
  const targets = wrt.filter((w) => w.requiresGrad);
  if (outs.length === 0 || targets.length === 0) return wrt.map((w) => zerosLike(w));
  // retainGraph: declared parameters may be non-leaf tensors whose history must survive.
  const gs = autogradGrad(outs, targets, cots, { allowUnused: true, retainGraph: true });
  let k = 0;
  return wrt.map((w) => {
    if (!w.requiresGrad) return zerosLike(w);
    const g = gs[k++];
    return g ?? zerosLike(w);
  });
}
