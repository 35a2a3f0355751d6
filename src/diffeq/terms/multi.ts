/** `MultiTerm`: a sum of terms, `dy = Σ_i f_i(t, y) dX_i(t)` (e.g. SDE drift + diffusion). */
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add } from '../../ops/binary.js';
import { type Tree, treeFlatten, treeUnflatten } from '../tree.js';
import type { AbstractTerm, Time } from './base.js';

/** Adds trees of identical structure leaf by leaf. */
function treeAdd<Y extends Tree>(a: Y, b: Y): Y {
  const fa = treeFlatten(a, 'MultiTerm');
  const fb = treeFlatten(b, 'MultiTerm');
  if (fa.leaves.length !== fb.leaves.length)
    throw new ArgumentError(
      `MultiTerm: the terms' products have ${fa.leaves.length} and ${fb.leaves.length} leaves; every term must return the structure of y`,
    );
  return treeUnflatten<Y>(
    fa.def,
    fa.leaves.map((l, i) => add(l, fb.leaves[i]!)),
  );
}

/**
 * The sum of several terms: `vfProd = Σ_i terms[i].vfProd(t, y, args, control[i])`.
 * `vf` returns the array of the terms' vector fields and `contr` the array of their
 * controls (Diffrax's `MultiTerm`). The usual SDE is `new MultiTerm(drift, diffusion)`
 * with an `ODETerm` drift and a `ControlTerm` diffusion; explicit Runge–Kutta solvers
 * then integrate it as a Stratonovich SDE (or a CDE with an ODE part).
 */
export class MultiTerm<Y extends Tree = Tensor, Args = unknown> implements AbstractTerm<Y, Args, unknown[]> {
  readonly isODE = false;
  /** The terms, in order. */
  readonly terms: readonly AbstractTerm<Y, Args>[];

  constructor(...terms: AbstractTerm<Y, Args>[]) {
    if (terms.length === 0) throw new ArgumentError('MultiTerm: needs at least one term');
    for (const [i, t] of terms.entries()) {
      if (
        !t ||
        typeof (t as AbstractTerm).vfProd !== 'function' ||
        typeof (t as AbstractTerm).contr !== 'function'
      )
        throw new ArgumentError(
          `MultiTerm: argument ${i} is not a term (an ODETerm, ControlTerm or MultiTerm)`,
        );
    }
    this.terms = terms;
  }

  params(): Tensor[] {
    const out: Tensor[] = [];
    const seen = new Set<Tensor>();
    for (const t of this.terms)
      for (const p of t.params())
        if (!seen.has(p)) {
          seen.add(p);
          out.push(p);
        }
    return out;
  }

  /** The array of the terms' vector fields (typed as `Y` to satisfy `AbstractTerm`). */
  vf(t: Time, y: Y, args: Args): Y {
    return this.terms.map((term) => term.vf(t, y, args)) as unknown as Y;
  }

  /** The array of the terms' controls. */
  contr(t0: Time, t1: Time): unknown[] {
    return this.terms.map((term) => term.contr(t0, t1));
  }

  /** `Σ_i prod_i(vf[i], control[i])` where `vf` is what `this.vf` returned. */
  prod(vf: Y, control: unknown[]): Y {
    const vfs = vf as unknown as Y[];
    let out: Y | null = null;
    this.terms.forEach((term, i) => {
      const p = term.prod(vfs[i]!, control[i]);
      out = out === null ? p : treeAdd(out, p);
    });
    return out!;
  }

  vfProd(t: Time, y: Y, args: Args, control: unknown[]): Y {
    let out: Y | null = null;
    this.terms.forEach((term, i) => {
      const p = term.vfProd(t, y, args, control[i]);
      out = out === null ? p : treeAdd(out, p);
    });
    return out!;
  }
}
