/**
 * Continuous normalising flows (FFJORD, Grathwohl et al. 2019): z follows
 * dz/dt = f(t, z) from the data at t0 to the base space at t1, and
 *
 *   log p(x) = log N(z(t1); 0, I) + ∫_{t0}^{t1} tr(∂f/∂z) dt.
 *
 * The trace is exact (one VJP per dimension) or Hutchinson's estimate εᵀ(∂f/∂z)ε with
 * one noise draw per solve (Rademacher or Gaussian).
 */
import { grad as autogradGrad } from '../autograd/backward.js';
import { enableGrad, isGradEnabled } from '../autograd/mode.js';
import { record } from '../autograd/node.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { AnyModule } from '../nn/module.js';
import { Module } from '../nn/module.js';
import { add, mul, sub } from '../ops/binary.js';
import { zeros } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import { select } from '../ops/view.js';
import { bernoulli, randn } from '../random/index.js';
import type { PRNGKey } from '../random/key.js';
import type { AbstractAdjoint } from './adjoint/base.js';
import type { StepSizeController } from './controllers/base.js';
import { PIDController } from './controllers/pid.js';
import { diffeqsolve } from './diffeqsolve.js';
import { callField, type TimeInput } from './neural-ode.js';
import type { Solution } from './solution.js';
import type { AbstractSolver } from './solvers/base.js';
import { Tsit5 } from './solvers/explicit-rk.js';
import type { Time } from './terms/base.js';
import { ODETerm } from './terms/ode.js';

/**
 * Runs `fn` on detached, tracked copies of `inputs` (so derivatives taken inside stay
 * local and never sweep the caller's graph), then reconnects the outputs to `inputs`:
 * their backward is the VJP through the local graph. Parameters used inside keep their
 * direct connection.
 */
export function localGraph(inputs: readonly Tensor[], fn: (tracked: Tensor[]) => Tensor[]): Tensor[] {
  const outer = isGradEnabled();
  return enableGrad(() => {
    const tracked = inputs.map((x) => x.detach().requiresGrad_(true));
    const inner = fn(tracked);
    if (!outer) return inner.map((o) => o.detach());
    const outs = inner.map((o) => o.detach());
    const needIn = inputs.some((x) => x.requiresGrad);
    record('diffeq.localGraph', outs, [...inputs, ...inner], (grads) => {
      const live = inner.map((o, i) => (o.requiresGrad ? i : -1)).filter((i) => i >= 0);
      let gIn: (Tensor | null)[] = inputs.map(() => null);
      if (needIn && live.length) {
        gIn = autogradGrad(
          live.map((i) => inner[i]!),
          tracked,
          live.map((i) => grads[i]!),
          { retainGraph: true, allowUnused: true, createGraph: isGradEnabled() },
        );
      }
      return [
        ...inputs.map((x, i) => (x.requiresGrad ? gIn[i]! : null)),
        ...inner.map((o, i) => (o.requiresGrad ? grads[i]! : null)),
      ];
    });
    return outs;
  });
}

/** Options of `CNF`. */
export interface CNFOptions {
  /** 'exact' (D VJPs per evaluation), 'hutchinson', or 'auto' (default: exact up to 8 dimensions). */
  trace?: 'exact' | 'hutchinson' | 'auto';
  /** Noise of the Hutchinson estimator (default 'rademacher'). */
  noise?: 'rademacher' | 'gaussian';
  /** Key for the Hutchinson noise (default: the global generator). */
  key?: PRNGKey;
  /** How time enters the field (default 'concat'). */
  time?: TimeInput;
  /** Solver (default Tsit5), interval (default [0, 1]), tolerances (default 1e-5 / 1e-5). */
  solver?: AbstractSolver;
  t0?: number;
  t1?: number;
  rtol?: number;
  atol?: number;
  /** Initial (or, with `ConstantStepSize`, fixed) step; default chosen by the controller. */
  dt0?: number | null;
  stepsizeController?: StepSizeController;
  /** How gradients are computed (default DirectAdjoint). */
  adjoint?: AbstractAdjoint;
  maxSteps?: number;
}

/** Per-sample trace of ∂f/∂z for `fz = f(z)` with `z` `[B, D]`. */
function traceJac(fz: Tensor, z: Tensor, eps: Tensor | null, createGraph: boolean): Tensor {
  const D = z.shape[z.ndim - 1]!;
  if (eps) {
    const [g] = autogradGrad(fz, z, eps, { retainGraph: true, createGraph, allowUnused: true });
    return g ? sum(mul(g, eps), -1) : zeros(z.shape.slice(0, -1), { dtype: z.dtype });
  }
  let tr: Tensor | null = null;
  for (let i = 0; i < D; i++) {
    const e = zeros(z.shape, { dtype: z.dtype });
    const d = e._storage.data;
    for (let q = i; q < d.length; q += D) d[q] = 1;
    const [g] = autogradGrad(fz, z, e, { retainGraph: true, createGraph, allowUnused: true });
    if (!g) continue;
    const col = select(g, -1, i);
    tr = tr ? add(tr, col) : col;
  }
  return tr ?? zeros(z.shape.slice(0, -1), { dtype: z.dtype });
}

/**
 * A continuous normalising flow over `[batch, D]` data with vector field `field`
 * (input `[batch, D]` plus time as `time` says, output `[batch, D]`).
 */
export class CNF extends Module<[Tensor], Tensor> {
  /** The vector field. */
  readonly field: AnyModule;
  /** Options. */
  opts: CNFOptions;
  /** The solution of the last call. */
  lastSolution: Solution<{ z: Tensor; logdet: Tensor }> | null = null;

  constructor(field: AnyModule, opts: CNFOptions = {}) {
    super();
    if (!(field instanceof Module)) throw new ArgumentError('CNF: field must be a Module');
    this.field = field;
    this.opts = opts;
  }

  /** z(t1) and ∫ tr(∂f/∂z) dt for data x `[batch, D]`. */
  transform(x: Tensor): { z: Tensor; logdet: Tensor } {
    if (x.ndim !== 2)
      throw new ShapeError(`CNF: expected data of shape [batch, D] (got ${fmtShape(x.shape)})`);
    const o = this.opts;
    const D = x.shape[1]!;
    const mode = o.trace ?? 'auto';
    const hutch = mode === 'hutchinson' || (mode === 'auto' && D > 8);
    const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
    let eps: Tensor | null = null;
    if (hutch) {
      eps =
        (o.noise ?? 'rademacher') === 'gaussian'
          ? randn(x.shape, { dtype, ...(o.key ? { key: o.key } : {}) })
          : sub(mul(bernoulli(0.5, x.shape, { dtype, ...(o.key ? { key: o.key } : {}) }), 2), 1);
    }
    const time = o.time ?? 'concat';
    const field = this.field;
    const term = new ODETerm<{ z: Tensor; logdet: Tensor }>(
      (t: Time, y) => {
        const create = isGradEnabled();
        const [fz, tr] = localGraph([y.z], ([zt]) => {
          const f = callField(field, time, t, zt!);
          return [f, traceJac(f, zt!, eps, create)];
        });
        return { z: fz!, logdet: tr! };
      },
      { params: field },
    );
    const sol = diffeqsolve(
      term,
      o.solver ?? new Tsit5(),
      o.t0 ?? 0,
      o.t1 ?? 1,
      o.dt0 ?? null,
      { z: x, logdet: zeros([x.shape[0]!], { dtype: x.dtype }) },
      {
        stepsizeController:
          o.stepsizeController ?? new PIDController({ rtol: o.rtol ?? 1e-5, atol: o.atol ?? 1e-5 }),
        ...(o.adjoint ? { adjoint: o.adjoint } : {}),
        ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
        dtype: x.dtype === 'float64' ? 'float64' : 'auto',
      },
    );
    this.lastSolution = sol;
    const ys = sol.ys!;
    return { z: select(ys.z, 0, 0), logdet: select(ys.logdet, 0, 0) };
  }

  /** log p(x) per sample, `[batch]`. */
  logProb(x: Tensor): Tensor {
    const { z, logdet } = this.transform(x);
    const D = x.shape[1]!;
    const base = sub(mul(sum(mul(z, z), -1), -0.5), 0.5 * D * Math.log(2 * Math.PI));
    return add(base, logdet);
  }

  /** log p(x) per sample. */
  forward(x: Tensor): Tensor {
    return this.logProb(x);
  }

  /** Maps base samples z `[batch, D]` back to data space (integrating t1 → t0, no trace). */
  sample(z: Tensor): Tensor {
    const o = this.opts;
    const time = o.time ?? 'concat';
    const term = new ODETerm<Tensor>((t, y) => callField(this.field, time, t, y), { params: this.field });
    const dt0 = o.dt0 ? -Math.abs(o.dt0) : null;
    const sol = diffeqsolve(term, o.solver ?? new Tsit5(), o.t1 ?? 1, o.t0 ?? 0, dt0, z, {
      stepsizeController:
        o.stepsizeController ?? new PIDController({ rtol: o.rtol ?? 1e-5, atol: o.atol ?? 1e-5 }),
      ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
    });
    return select(sol.ys!, 0, 0);
  }
}
