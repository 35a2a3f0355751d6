/**
 * `RecursiveCheckpointAdjoint`: exact discretise-then-optimise gradients with a
 * bounded number of stored states.
 *
 * The forward pass runs without recording and keeps at most `checkpoints` states,
 * thinning them online (when full, every other one is dropped and the spacing doubles:
 * the number of steps is not known in advance). The backward pass walks the recorded
 * step decisions in reverse; between stored states it uses binomial (revolve-style)
 * recursive checkpointing with the slots that are free at that point, re-running steps
 * without recording and differentiating one step at a time. Gradients equal
 * `DirectAdjoint`'s up to floating-point rounding.
 */
import { customFunction } from '../../autograd/function.js';
import { enableGrad, isGradEnabled, noGrad } from '../../autograd/mode.js';
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add } from '../../ops/binary.js';
import { zerosLike } from '../../ops/creation.js';
import type { Engine, SavePiece } from '../loop.js';
import {
  type AbstractAdjoint,
  type AdjointResult,
  absoluteSlots,
  assemble,
  pieceCotangent,
  slotLayout,
} from './base.js';
import { checkUndeclared, collectParams, vjpList } from './params.js';

/** Options of `RecursiveCheckpointAdjoint`. */
export interface CheckpointOptions {
  /** Maximum number of states held at once (≥ 1; default ⌈log2(maxSteps)⌉, e.g. 12 for 4096). */
  checkpoints?: number;
}

/** Statistics of the last backward pass. */
export interface CheckpointStats {
  /** Steps of the forward pass that change the state. */
  steps: number;
  /** Largest number of states stored at once. */
  maxStored: number;
  /** Steps re-run without recording during the backward pass. */
  recomputedSteps: number;
  /** Steps differentiated (one per forward step). */
  vjpSteps: number;
}

/** `C(n, k)` as a float (large values saturate harmlessly). */
function binom(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** β(c, r) = C(c + r, c): steps reversible with c checkpoints and r repetitions. */
function beta(c: number, r: number): number {
  return binom(c + r, c);
}

/** Revolve's split: where to place the next checkpoint in `l` steps with `c` free slots. */
export function binomialSplit(l: number, c: number): number {
  let r = 0;
  while (beta(c, r) < l) r++;
  const lo = Math.max(1, l - beta(c - 1, r));
  const hi = Math.min(l - 1, beta(c, r - 1));
  return Math.max(1, Math.min(l - 1, Math.round((lo + Math.max(lo, hi)) / 2)));
}

/** Discretise-then-optimise with binomial checkpointing (bounded memory, exact gradients). */
export class RecursiveCheckpointAdjoint implements AbstractAdjoint {
  readonly name = 'RecursiveCheckpointAdjoint';
  readonly checkpoints: number | undefined;
  /** Statistics of the last backward pass (null before any). */
  lastStats: CheckpointStats | null = null;

  constructor(opts: CheckpointOptions = {}) {
    if (opts.checkpoints !== undefined && !(Number.isInteger(opts.checkpoints) && opts.checkpoints >= 1)) {
      throw new ArgumentError(
        `RecursiveCheckpointAdjoint: checkpoints must be an integer ≥ 1 (got ${opts.checkpoints})`,
      );
    }
    this.checkpoints = opts.checkpoints;
  }

  solve(engine: Engine): AdjointResult {
    const p = engine.p;
    const C = this.checkpoints ?? Math.max(2, Math.ceil(Math.log2(Math.min(p.maxSteps, 1e9))));
    const params = collectParams(engine);
    checkUndeclared(engine, params, this.name);
    const needsGrad =
      isGradEnabled() && (p.y0.some((l) => l.requiresGrad) || params.some((q) => q.requiresGrad));

    // Forward: no recording, online-thinned checkpoints.
    const forwardStore = new Map<number, Tensor[]>();
    const store = forwardStore;
    let interval = 1;
    let maxStored = 0;
    const run = noGrad(() =>
      engine.run({
        recordTape: true,
        recordDense: p.saveat.dense,
        detachDense: true,
        onTapeStep: needsGrad
          ? (i, y) => {
              if (i % interval !== 0) return;
              store.set(
                i,
                y.map((l) => l.detach()),
              );
              if (store.size > C) {
                for (const key of [...store.keys()]) if (key % (2 * interval) !== 0) store.delete(key);
                interval *= 2;
              }
              maxStored = Math.max(maxStored, store.size);
            }
          : undefined,
      }),
    );
    const layout = slotLayout(engine, run.pieces);
    const plain = noGrad(() => assemble(engine, run, layout));
    if (!needsGrad || !plain.ys) return { run, ...plain };

    const tape = run.tape!;
    const N = tape.length;
    const rows = p.rows;
    const stats: CheckpointStats = { steps: N, maxStored, recomputedSteps: 0, vjpSteps: 0 };
    this.lastStats = stats;
    const nY = p.y0.length;
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
      name: 'diffeq.recursiveCheckpoint',
      forward: (..._inputs: Tensor[]) => ({
        output: outputs,
        backward: (grads: Tensor[]) => {
          engine.ctx.differentiable = true;
          const store = new Map(forwardStore);
          const gdata = grads.map((g) => g._contiguousData());
          // Cotangent of one saved piece, from the output gradients.
          const pieceCot = (k: number, like: readonly Tensor[]): Tensor[] | null =>
            pieceCotangent(gdata, pieceSlots[k]!, rows, like);
          let paramGrads = params.map((q) => zerosLike(q));
          const accumulate = (gs: Tensor[]) => {
            paramGrads = paramGrads.map((g, i) => add(g, gs[i]!));
          };
          // VJP of a function of the state producing pieces (and optionally a next state).
          const vjpAt = (
            y: Tensor[],
            f: (yt: Tensor[]) => { yNext: Tensor[] | null; pieces: SavePiece[] },
            aNext: Tensor[] | null,
            pieceIdx: number[],
          ): Tensor[] =>
            enableGrad(() => {
              const yt = y.map((l) => l.detach().requiresGrad_(true));
              const { yNext, pieces } = f(yt);
              const outs: Tensor[] = [];
              const cots: Tensor[] = [];
              if (yNext && aNext) {
                outs.push(...yNext);
                cots.push(...aNext);
              }
              pieces.forEach((pc, j) => {
                const c = pieceCot(pieceIdx[j]!, pc.leaves);
                if (!c) return;
                outs.push(...pc.leaves);
                cots.push(...c);
              });
              const gs = vjpList(outs, cots, [...yt, ...params]);
              accumulate(gs.slice(nY));
              return gs.slice(0, nY);
            });
          const advance = (from: number, y: Tensor[], to: number): Tensor[] =>
            noGrad(() => {
              let cur = y;
              for (let n = from; n < to; n++) {
                cur = engine.replay(tape[n]!, cur, n).yNext;
                stats.recomputedSteps++;
              }
              return cur;
            });
          const vjpStep = (n: number, y: Tensor[], a: Tensor[]): Tensor[] => {
            stats.vjpSteps++;
            return vjpAt(y, (yt) => engine.replay(tape[n]!, yt, n), a, byIter.get(n) ?? []);
          };
          let held = 0;
          // Reverse steps s…e−1 given the state at s, the cotangent at e and c free slots.
          const rev = (s: number, ys: Tensor[], e: number, c: number, aE: Tensor[]): Tensor[] => {
            if (e - s === 1) return vjpStep(s, ys, aE);
            if (c <= 0) {
              let a = aE;
              for (let n = e - 1; n >= s; n--) a = vjpStep(n, advance(s, ys, n), a);
              return a;
            }
            const m = s + binomialSplit(e - s, c);
            const ym = advance(s, ys, m);
            held++;
            stats.maxStored = Math.max(stats.maxStored, store.size + held);
            const a = rev(m, ym, e, c - 1, aE);
            held--;
            return rev(s, ys, m, c, a);
          };

          // 1. Final pieces → cotangent of the final state.
          const finalIdx = byIter.get(-2) ?? [];
          let a = vjpAt(
            yFinal,
            (yt) => ({ yNext: null, pieces: engine.finalPieces(yt, tFinal) }),
            null,
            finalIdx,
          );
          // 2. Reverse sweep, segment by segment between stored states.
          const positions = [...store.keys()].sort((x, y) => x - y);
          for (let i = positions.length - 1; i >= 0; i--) {
            const s = positions[i]!;
            const e = i + 1 < positions.length ? positions[i + 1]! : N;
            const ys = store.get(s)!;
            a = rev(s, ys, e, Math.max(0, C - (i + 1)), a);
            store.delete(s);
          }
          if (N > 0 && positions[0] !== 0)
            throw new Error('RecursiveCheckpointAdjoint: internal error (no checkpoint at 0)');
          // 3. Initial pieces.
          const initIdx = byIter.get(-1) ?? [];
          if (initIdx.length) {
            const a0 = vjpAt(
              p.y0,
              (yt) => ({ yNext: null, pieces: engine.initialPieces(yt) }),
              null,
              initIdx,
            );
            a = a.map((x, l) => add(x, a0[l]!));
          }
          return [...a, ...paramGrads];
        },
      }),
    });
    const ys = fn(...p.y0, ...params);
    return { run, ys, ts: plain.ts, T: plain.T };
  }
}
