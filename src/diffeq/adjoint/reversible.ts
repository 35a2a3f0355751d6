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
 */
import { customFunction } from '../../autograd/function.js';
import { enableGrad, isGradEnabled, noGrad } from '../../autograd/mode.js';
import { ArgumentError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { add } from '../../ops/binary.js';
import { zerosLike } from '../../ops/creation.js';
import type { Engine, SavePiece } from '../loop.js';
import type { StepResult } from '../solvers/base.js';
import type { TermStepContext } from '../solvers/sde/context.js';
import { ReversibleHeun, type ReversibleHeunState } from '../solvers/sde/reversible-heun.js';
import { linearInterpolant, product, rawVF } from '../solvers/sde/structure.js';
import { type TreeDef, treeFlatten, treeUnflatten } from '../tree.js';
import { type AbstractAdjoint, type AdjointResult, absoluteSlots, assemble, slotLayout } from './base.js';
import { checkUndeclared, collectParams, vjpList } from './params.js';

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
    const needsGrad =
      isGradEnabled() && (p.y0.some((l) => l.requiresGrad) || params.some((q) => q.requiresGrad));
    const run = noGrad(() =>
      engine.run({ recordTape: true, recordDense: p.saveat.dense, detachDense: true }),
    );
    const layout = slotLayout(engine, run.pieces);
    const plain = noGrad(() => assemble(engine, run, layout));
    if (!needsGrad || !plain.ys) return { run, ...plain };

    const ctx = engine.ctx as TermStepContext & { differentiable: boolean };
    const term = p.term;
    const tape = run.tape!;
    const N = tape.length;
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
          const pieceCot = (k: number, like: readonly Tensor[]): Tensor[] | null => {
            const s = pieceSlots[k]!;
            let any = false;
            const cots = like.map((leaf, l) => {
              const size = leaf.size;
              const rs = size / rows;
              const d = leaf.dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
              const g = gdata[l]!;
              for (let b = 0; b < rows; b++) {
                if (s[b]! < 0) continue;
                const off = s[b]! * size + b * rs;
                for (let i = 0; i < rs; i++) {
                  const v = g[off + i]!;
                  d[b * rs + i] = v;
                  if (v !== 0) any = true;
                }
              }
              return Tensor._fromData(d, leaf.shape, leaf.dtype);
            });
            return any ? cots : null;
          };
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
          let paramGrads = params.map((q) => zerosLike(q));
          const accumulate = (gs: Tensor[]) => {
            paramGrads = paramGrads.map((g, i) => add(g, gs[i]!));
          };
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
            const control = term.contr(ta, tb);
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
              const p0 = product(ctx, term, vfTree(vnL), control);
              const p1 = product(ctx, term, vfTree(v1L), control);
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
              const wrt = [...yL, ...yhL, ...vnL, ...v1L];
              const nV = vnL.length;
              const g1 = vjpList([...y1, ...outs], [...Ay, ...cots], wrt);
              const Bvf = Avf.map((a, i) => add(a, g1[2 * nY + nV + i]!));
              const g2 = vjpList(G.out, Bvf, [...G.leaf, ...params]);
              accumulate(g2.slice(nY));
              const Byhat = Ayhat.map((a, i) => add(a, g2[i]!));
              const g3 = vjpList(yhat1, Byhat, [...yL, ...yhL, ...vnL]);
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
          return [...a0, ...paramGrads];
        },
      }),
    });
    const ys = fn(...p.y0, ...params);
    return { run, ys, ts: plain.ts, T: plain.T };
  }
}
