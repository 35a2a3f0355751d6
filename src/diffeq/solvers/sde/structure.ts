/** Term-structure checks and small shared pieces of the SDE solvers. */
import { ArgumentError } from '../../../core/errors.js';
import type { Tensor } from '../../../core/tensor.js';
import { sub } from '../../../ops/binary.js';
import type { AbstractTerm } from '../../terms/base.js';
import { ControlTerm, type NoiseType } from '../../terms/control.js';
import { MultiTerm } from '../../terms/multi.js';
import { Interpolant, type StepResult } from '../base.js';
import type { TermStepContext } from './context.js';

/** Orders of convergence of an SDE solver (strong order by noise class; null: not applicable). */
export interface SDEOrders {
  /** The SDE interpretation the solver converges to. */
  calculus: 'ito' | 'stratonovich';
  /** Strong order for general, commutative (incl. scalar and diagonal-commutative) and additive noise. */
  strongOrder: { general: number | null; commutative: number | null; additive: number };
  /** Weak order. */
  weakOrder: number;
}

/** The drift and diffusion of an SDE term `MultiTerm(drift, diffusion)`. */
export interface SDETerms {
  drift: AbstractTerm;
  diffusion: ControlTerm;
}

function describeTerm(t: unknown): string {
  if (t instanceof MultiTerm) return `MultiTerm(${t.terms.map(describeTerm).join(', ')})`;
  if (t instanceof ControlTerm) return `ControlTerm(noise: '${t.noise}')`;
  const name = (t as { constructor?: { name?: string } })?.constructor?.name;
  return name ?? typeof t;
}

/**
 * Checks that `term` is `MultiTerm(drift, diffusion)` with an ODE-like drift and a
 * `ControlTerm` diffusion whose noise type is one of `noises` (all when omitted).
 */
export function sdeTerms(term: AbstractTerm, op: string, noises?: readonly NoiseType[]): SDETerms {
  const ok =
    term instanceof MultiTerm &&
    term.terms.length === 2 &&
    term.terms[0]!.isODE &&
    term.terms[1] instanceof ControlTerm;
  if (!ok)
    throw new ArgumentError(
      `${op}: needs terms = new MultiTerm(drift, diffusion) with an ODETerm drift and a ControlTerm diffusion ` +
        `(got ${describeTerm(term)})`,
    );
  const [drift, diffusion] = (term as MultiTerm).terms as [AbstractTerm, ControlTerm];
  if (noises && !noises.includes(diffusion.noise))
    throw new ArgumentError(
      `${op}: needs ${noises.map((n) => `'${n}'`).join(' or ')} noise; the diffusion ControlTerm has noise: '${diffusion.noise}'`,
    );
  return { drift, diffusion };
}

/** `term.vfProd(t, y, args, control)` as checked state leaves (one counted evaluation). */
export function increment(
  ctx: TermStepContext,
  term: AbstractTerm,
  t: number,
  y: readonly Tensor[],
  control: unknown,
): Tensor[] {
  return ctx.stateLeaves(ctx.callTerm(Float64Array.of(t), y, (tt, yy, a) => term.vfProd(tt, yy, a, control)));
}

/** The raw vector field `term.vf(t, y, args)` (one counted evaluation). */
export function rawVF(ctx: TermStepContext, term: AbstractTerm, t: number, y: readonly Tensor[]): unknown {
  return ctx.callTerm(Float64Array.of(t), y, (tt, yy, a) => term.vf(tt, yy, a));
}

/** `term.prod(vf, control)` as checked state leaves (not counted: no vector-field evaluation). */
export function product(ctx: TermStepContext, term: AbstractTerm, vf: unknown, control: unknown): Tensor[] {
  return ctx.stateLeaves(term.prod(vf as never, control as never));
}

/** The linear interpolant between y0 and y1 over the step. */
export function linearInterpolant(
  t0: Float64Array,
  dt: Float64Array,
  y0: readonly Tensor[],
  y1: readonly Tensor[],
): Interpolant {
  const d = y1.map((l, i) => sub(l, y0[i]!));
  return new Interpolant(1, t0, dt, y0, [d], [Float64Array.of(0, 1)], false);
}

/** The result of a step of a fixed-step SDE solver: `y1`, an optional error, a linear dense output. */
export function sdeStepResult(
  t0: Float64Array,
  dt: Float64Array,
  y0: readonly Tensor[],
  y1: Tensor[],
  needDense: boolean,
  err: Float64Array[] | null = null,
): StepResult {
  return { y1, err, interp: needDense ? linearInterpolant(t0, dt, y0, y1) : null, k1: null, failed: null };
}

/** `[t0, t0 + dt]` of a jointly stepped solve. */
export function stepTimes(t0: Float64Array, dt: Float64Array): [number, number, number] {
  const ta = t0[0]!;
  const h = dt[0]!;
  return [ta, ta + h, h];
}
