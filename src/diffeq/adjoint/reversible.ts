/**
 * `ReversibleAdjoint`: exact gradients of a `ReversibleHeun` solve in O(1) memory
 * (Kidger, Foster, Li & Lyons 2021; torchsde's `AdjointReversibleHeun`).
 *
 * The forward pass records nothing but the step times. The backward pass walks the steps
 * in reverse, reconstructing each earlier state (y, ŷ, v = vf(ŷ)) from the later one with
 * the algebraic inverse of the step — one vector-field evaluation per step, kept with its
 * graph — and pulls the cotangents of (y, ŷ, v) back through the step:
 *
 *     ŷ' = 2y − ŷ + v·ΔX,   v' = vf(t', ŷ'),   y' = y + ½(v + v')·ΔX
 *
 * The linear parts are differentiated on a small local graph; the only non-linear
 * part, `v' = vf(t', ŷ')`, is differentiated once per step through the graph kept from
 * the reconstruction. Gradients equal `DirectAdjoint`'s up to the round-off of the
 * reconstruction (the method is reversible exactly in exact arithmetic).
 *
 * Control paths built from tensors requiring grad (an `InterpolatedPath` of data requiring
 * grad: a CDE, or an SDE-GAN discriminator on generated paths) are differentiated too: each
 * reversed step evaluates its increment ΔX on a copy of the path whose coefficient tensors
 * are fresh leaves (`withTensors`), inside the step's local graph, so the cotangent of ΔX is
 * accumulated per coefficient tensor and handed to the path's tensors once, by the outer
 * graph — the per-step VJPs never sweep the history of the data.
 */
import { customFunction } from '../../autograd/function.js';
import { enableGrad, isGradEnabled, noGrad } from '../../autograd/mode.js';
import type { Node } from '../../autograd/node.js';
import { ArgumentError, AutogradError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { add } from '../../ops/binary.js';
import { zerosLike } from '../../ops/creation.js';
import type { Engine, SavePiece } from '../loop.js';
import type { AbstractPath } from '../path.js';
import type { StepResult } from '../solvers/base.js';
import type { TermStepContext } from '../solvers/sde/context.js';
import { ReversibleHeun, type ReversibleHeunState } from '../solvers/sde/reversible-heun.js';
import { linearInterpolant, product, rawVF } from '../solvers/sde/structure.js';
import type { AbstractTerm } from '../terms/base.js';
import { ControlTerm } from '../terms/control.js';
import { MultiTerm } from '../terms/multi.js';
import { type TreeDef, treeFlatten, treeUnflatten } from '../tree.js';
import {
  type AbstractAdjoint,
  type AdjointResult,
  absoluteSlots,
  assemble,
  pieceCotangent,
  slotLayout,
} from './base.js';
import { checkUndeclared, collectParams, graphLeaves, vjpList } from './params.js';

/** Options of `ReversibleAdjoint`. */
export interface ReversibleAdjointOptions {
  /** Keep the reconstructed states y_n (O(steps) memory; for tests and diagnostics). */
  recordReconstruction?: boolean;
}

/** Statistics of the last backward pass. */
export interface ReversibleAdjointStats {
  /** Steps reversed. */
  steps: number;
  /** Vector-field evaluations of the backward pass (one per step, plus one). */
  vfEvals: number;
  /** max |y0 reconstructed − y0| over all elements. */
  reconstructionError: number;
}

interface VFGraph {
  /** ŷ leaves requiring grad. */
  leaf: Tensor[];
  /** vf(t, ŷ) leaves with their graph. */
  out: Tensor[];
}

/** A control path that can be re-evaluated on substituted tensors (`InterpolatedPath`). */
interface TensorPath extends AbstractPath {
  /** The tensors the path is a differentiable function of. */
  tensors(): Tensor[];
  /** The same path on other tensors (same order, shapes and dtypes as `tensors()`). */
  withTensors(tensors: readonly Tensor[]): AbstractPath;
}

function isTensorPath(x: AbstractPath): x is TensorPath {
  const p = x as Partial<TensorPath>;
  return typeof p.tensors === 'function' && typeof p.withTensors === 'function';
}

/** The control paths of the term's `ControlTerm`s (through nested `MultiTerm`s), without repeats. */
function controlPaths(term: AbstractTerm, out: AbstractPath[] = []): AbstractPath[] {
  if (term instanceof MultiTerm) for (const t of term.terms) controlPaths(t, out);
  else if (term instanceof ControlTerm && !out.includes(term.control)) out.push(term.control);
  return out;
}

/**
 * `term.contr(ta, tb)` (jointly stepped, number times) with the control paths of the
 * term's `ControlTerm`s replaced as in `subst`.
 */
function contrWith(
  term: AbstractTerm,
  ta: number,
  tb: number,
  subst: ReadonlyMap<AbstractPath, AbstractPath>,
): unknown {
  if (term instanceof MultiTerm) return term.terms.map((t) => contrWith(t, ta, tb, subst));
  if (term instanceof ControlTerm) {
    const path = subst.get(term.control);
    if (path) return path.evaluate(ta, tb);
  }
  return term.contr(ta, tb);
}

/** The tensors of a control (a tensor, a number, or nested arrays of them as `MultiTerm.contr` returns). */
function controlLeaves(c: unknown, out: Tensor[] = []): Tensor[] {
  if (c instanceof Tensor) out.push(c);
  else if (Array.isArray(c)) for (const x of c) controlLeaves(x, out);
  return out;
}

/** The control with every tensor mapped by `f`. */
function mapControl(c: unknown, f: (t: Tensor) => Tensor): unknown {
  if (c instanceof Tensor) return f(c);
  if (Array.isArray(c)) return c.map((x) => mapControl(x, f));
  return c;
}

/** Exact O(1)-memory gradients for `ReversibleHeun` by algebraic reconstruction. */
export class ReversibleAdjoint implements AbstractAdjoint {
  readonly name = 'ReversibleAdjoint';
  readonly recordReconstruction: boolean;
  /** Statistics of the last backward pass (null before any). */
  lastStats: ReversibleAdjointStats | null = null;
  /** The reconstructed states y_0 … y_N of the last backward pass (with `recordReconstruction`). */
  reconstructed: Tensor[][] | null = null;

  constructor(opts: ReversibleAdjointOptions = {}) {
    this.recordReconstruction = opts.recordReconstruction ?? false;
  }

  solve(engine: Engine): AdjointResult {
    const op = this.name;
    const p = engine.p;
    const solver = p.solver;
    if (!(solver instanceof ReversibleHeun))
      throw new ArgumentError(`${op}: needs the ReversibleHeun solver (got ${solver.name})`);
    if (p.independent) throw new ArgumentError(`${op}: batch: 'independent' is not supported`);
    if (p.event) throw new ArgumentError(`${op}: events are not supported; use DirectAdjoint`);
    const params = collectParams(engine);
    checkUndeclared(engine, params, op);
    const term = p.term;
    // Data paths whose tensors require grad: their increments are differentiated per step.
    const paths = controlPaths(term).filter(
      (c): c is TensorPath => isTensorPath(c) && c.tensors().some((t) => t.requiresGrad),
    );
    const pathTensors = [...new Set(paths.flatMap((c) => c.tensors().filter((t) => t.requiresGrad)))];
    // What the output is differentiated with respect to: the declared parameters, then the
    // path tensors not among them.
    const paramSet = new Set(params);
    const inputs = [...params, ...pathTensors.filter((t) => !paramSet.has(t))];
    const inputIndex = new Map(inputs.map((t, i) => [t, i]));
    const needsGrad =
      isGradEnabled() && (p.y0.some((l) => l.requiresGrad) || inputs.some((q) => q.requiresGrad));
    const run = noGrad(() =>
      engine.run({ recordTape: true, recordDense: p.saveat.dense, detachDense: true }),
    );
    const tape = run.tape!;
    const N = tape.length;
    if (isGradEnabled() && N > 0) this.checkControl(term, tape[0]!.t0[0]!, tape[0]!.dt[0]!, pathTensors);
    const layout = slotLayout(engine, run.pieces);
    const plain = noGrad(() => assemble(engine, run, layout));
    if (!needsGrad || !plain.ys) return { run, ...plain };

    const ctx = engine.ctx as TermStepContext & { differentiable: boolean };
    const rows = p.rows;
    const nY = p.y0.length;
    const final = N === 0 ? null : solver.finalState(ctx, run.yFinal);
    if (N > 0 && !final) throw new Error(`${op}: internal error (no final solver state)`);
    const pieceSlots = run.pieces.map((pc) => absoluteSlots(pc, layout));
    const byIter = new Map<number, number[]>();
    run.pieces.forEach((pc, k) => {
      const list = byIter.get(pc.iter) ?? [];
      list.push(k);
      byIter.set(pc.iter, list);
    });
    const outputs = plain.ys;
    const yFinal = run.yFinal.map((l) => l.detach());
    const tFinal = run.tFinal;

    const fn = customFunction({
      name: 'diffeq.reversibleAdjoint',
      forward: (..._inputs: Tensor[]) => ({
        output: outputs,
        backward: (grads: Tensor[]) => {
          ctx.differentiable = true;
          const evals0 = ctx.counters.fevals;
          const gdata = grads.map((g) => g._contiguousData());
          const pieceCot = (k: number, like: readonly Tensor[]): Tensor[] | null =>
            pieceCotangent(gdata, pieceSlots[k]!, rows, like);
          /** Outputs and cotangents of the saved pieces produced by `pieces` (iteration `iter`). */
          const pieceTerms = (pieces: SavePiece[], iter: number): { outs: Tensor[]; cots: Tensor[] } => {
            const idx = byIter.get(iter) ?? [];
            const outs: Tensor[] = [];
            const cots: Tensor[] = [];
            pieces.forEach((pc, j) => {
              const c = pieceCot(idx[j]!, pc.leaves);
              if (!c) return;
              outs.push(...pc.leaves);
              cots.push(...c);
            });
            return { outs, cots };
          };
          // Gradients of the inputs: the vf's parameters (from its VJPs) and the path tensors.
          const inputGrads = inputs.map((q) => zerosLike(q));
          const accumulate = (gs: Tensor[]) => {
            gs.forEach((g, i) => {
              inputGrads[i] = add(inputGrads[i]!, g);
            });
          };
          // The data paths on leaf copies of their tensors: each step's increment is
          // differentiated on its own small graph, which ends at these leaves.
          const subst = new Map<AbstractPath, AbstractPath>();
          const proxies: Tensor[] = [];
          const proxyInput: number[] = [];
          for (const path of paths) {
            const ts = path.tensors().map((t) => {
              if (!t.requiresGrad) return t;
              const leaf = t.detach().requiresGrad_(true);
              proxies.push(leaf);
              proxyInput.push(inputIndex.get(t)!);
              return leaf;
            });
            subst.set(path, path.withTensors(ts));
          }
          const nC = proxies.length;
          let vfDef: TreeDef | null = null;
          const vfGraph = (t: number, yhat: readonly Tensor[]): VFGraph =>
            enableGrad(() => {
              const leaf = yhat.map((l) => l.detach().requiresGrad_(true));
              const flat = treeFlatten(rawVF(ctx, term, t, leaf), `${op}: vector field`, 'vf');
              vfDef ??= flat.def;
              return { leaf, out: flat.leaves };
            });
          const vfTree = (leaves: readonly Tensor[]): unknown => treeUnflatten(vfDef!, leaves);
          const detachAll = (ts: readonly Tensor[]) => ts.map((l) => l.detach());

          // Cotangent of the final state from the t1 piece.
          let Ay: Tensor[] = yFinal.map((l) => zerosLike(l));
          const fin = enableGrad(() => {
            const yt = yFinal.map((l) => l.detach().requiresGrad_(true));
            const { outs, cots } = pieceTerms(engine.finalPieces(yt, tFinal), -2);
            return outs.length ? vjpList(outs, cots, yt) : null;
          });
          if (fin) Ay = fin;

          const recon: Tensor[][] = [];
          let S: ReversibleHeunState;
          let G: VFGraph;
          if (final) {
            S = { t: final.t, y: detachAll(final.y), yhat: detachAll(final.yhat), vf: null };
            G = vfGraph(S.t, S.yhat);
            S.vf = vfTree(detachAll(G.out));
          } else {
            G = vfGraph(p.t0, p.y0);
            S = { t: p.t0, y: detachAll(p.y0), yhat: detachAll(p.y0), vf: vfTree(detachAll(G.out)) };
          }
          if (this.recordReconstruction) recon.push(S.y);
          let Ayhat: Tensor[] = S.yhat.map((l) => zerosLike(l));
          let Avf: Tensor[] = G.out.map((l) => zerosLike(l));

          for (let n = N - 1; n >= 0; n--) {
            const rec = tape[n]!;
            const ta = rec.t0[0]!;
            const tb = ta + rec.dt[0]!;
            // The control increment: with its graph to the path-tensor leaves when there are any.
            const controlL = nC > 0 ? enableGrad(() => contrWith(term, ta, tb, subst)) : null;
            const control = controlL ? mapControl(controlL, (c) => c.detach()) : term.contr(ta, tb);
            // 1. Reconstruct the state at ta; its one vf evaluation is kept with its graph.
            let Gn: VFGraph | null = null;
            const prev = noGrad(() =>
              solver.inverse(ctx, S, ta, control, (t, yhat) => {
                Gn = vfGraph(t, yhat);
                return vfTree(detachAll(Gn.out));
              }),
            );
            const vfnVals = detachAll(Gn!.out);
            const yhatN = prev.yhat;
            const yn = prev.y;
            // 2. Pull the cotangents back through the step.
            const res = enableGrad(() => {
              const yL = yn.map((l) => l.detach().requiresGrad_(true));
              const yhL = yhatN.map((l) => l.detach().requiresGrad_(true));
              const vnL = vfnVals.map((l) => l.detach().requiresGrad_(true));
              const v1L = (treeFlatten(S.vf, op).leaves as Tensor[]).map((l) =>
                l.detach().requiresGrad_(true),
              );
              const p0 = product(ctx, term, vfTree(vnL), controlL ?? control);
              const p1 = product(ctx, term, vfTree(v1L), controlL ?? control);
              const yhat1 = yL.map((y, l) => y.mul(2).sub(yhL[l]!).add(p0[l]!));
              const y1 = yL.map((y, l) => y.add(p0[l]!.mul(0.5)).add(p1[l]!.mul(0.5)));
              const step: StepResult = {
                y1,
                err: null,
                interp:
                  rec.needDense || rec.saves.some((s) => !s.exact)
                    ? linearInterpolant(rec.t0, rec.dt, yL, y1)
                    : null,
                k1: null,
                failed: null,
              };
              const { outs, cots } = pieceTerms(engine.applyStep(rec, yL, step, n).pieces, n);
              const wrt = [...yL, ...yhL, ...vnL, ...v1L, ...proxies];
              const nV = vnL.length;
              const g1 = vjpList([...y1, ...outs], [...Ay, ...cots], wrt);
              const Bvf = Avf.map((a, i) => add(a, g1[2 * nY + nV + i]!));
              const g2 = vjpList(G.out, Bvf, [...G.leaf, ...params]);
              accumulate(g2.slice(nY));
              const Byhat = Ayhat.map((a, i) => add(a, g2[i]!));
              const g3 = vjpList(yhat1, Byhat, [...yL, ...yhL, ...vnL, ...proxies]);
              // Cotangents of ΔX reach the path tensors through the leaves of this step's graph.
              for (let i = 0; i < nC; i++) {
                const k = proxyInput[i]!;
                inputGrads[k] = add(inputGrads[k]!, add(g1[2 * nY + 2 * nV + i]!, g3[2 * nY + nV + i]!));
              }
              return {
                Ay: yL.map((_, i) => add(g1[i]!, g3[i]!)),
                Ayhat: yhL.map((_, i) => add(g1[nY + i]!, g3[nY + i]!)),
                Avf: vnL.map((_, i) => add(g1[2 * nY + i]!, g3[2 * nY + i]!)),
              };
            });
            Ay = res.Ay;
            Ayhat = res.Ayhat;
            Avf = res.Avf;
            G = Gn!;
            S = prev;
            if (this.recordReconstruction) recon.push(S.y);
          }
          // Initial state: ŷ0 = y0 and v0 = vf(t0, y0).
          const g0 = enableGrad(() => vjpList(G.out, Avf, [...G.leaf, ...params]));
          accumulate(g0.slice(nY));
          let a0 = Ay.map((a, i) => add(add(a, Ayhat[i]!), g0[i]!));
          const init = enableGrad(() => {
            const yt = p.y0.map((l) => l.detach().requiresGrad_(true));
            const { outs, cots } = pieceTerms(engine.initialPieces(yt), -1);
            return outs.length ? vjpList(outs, cots, yt) : null;
          });
          if (init) a0 = a0.map((a, i) => add(a, init[i]!));
          let err = 0;
          S.y.forEach((l, i) => {
            const r = l._contiguousData();
            const y0d = p.y0[i]!._contiguousData();
            for (let k = 0; k < r.length; k++) err = Math.max(err, Math.abs(r[k]! - y0d[k]!));
          });
          this.lastStats = { steps: N, vfEvals: ctx.counters.fevals - evals0, reconstructionError: err };
          this.reconstructed = this.recordReconstruction ? recon.reverse() : null;
          return [...a0, ...inputGrads];
        },
      }),
    });
    const ys = fn(...p.y0, ...inputs);
    return { run, ys, ts: plain.ts, T: plain.T };
  }

  /**
   * Throws when a control increment depends on tensors requiring grad other than the
   * `tensors()` of the term's data paths: their gradients could not be returned.
   */
  private checkControl(term: AbstractTerm, ta: number, dt: number, pathTensors: readonly Tensor[]): void {
    if (controlPaths(term).length === 0) return;
    const extra = enableGrad(() => {
      const c = controlLeaves(term.contr(ta, ta + dt));
      const stop = new Set<Node>();
      for (const t of pathTensors) if (t._node) stop.add(t._node);
      const allowed = new Set(pathTensors);
      return [...graphLeaves(c, stop)].filter((l) => !allowed.has(l));
    });
    if (extra.length > 0)
      throw new AutogradError(
        `${this.name}: a ControlTerm's control path depends on ${extra.length} tensor(s) requiring grad ` +
          `(shapes ${extra
            .slice(0, 4)
            .map((e) => fmtShape(e.shape))
            .join(
              ', ',
            )}${extra.length > 4 ? ', …' : ''}) that it does not expose; the control increments are ` +
          'differentiated only through paths with tensors() and withTensors() (e.g. an InterpolatedPath of the data). ' +
          'Use DirectAdjoint or RecursiveCheckpointAdjoint',
      );
  }
}
