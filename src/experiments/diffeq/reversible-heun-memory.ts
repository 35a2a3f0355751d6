/**
 * Memory and time of backpropagating through a neural SDE solve as the number of steps
 * grows: the reversible Heun method with its exact reversible adjoint (O(1) memory) vs
 * plain backprop through the solver (DTO, `DirectAdjoint`) vs recursive checkpointing
 * (`RecursiveCheckpointAdjoint`; with the midpoint method, since reversible Heun carries
 * state between steps and cannot be re-run from a checkpoint). `BacksolveAdjoint` is tried
 * too and reported when it does not support SDE terms.
 *
 * Memory is measured two ways:
 * - the autograd graph held between forward and backward: nodes reachable from the loss
 *   and the bytes of their outputs (deterministic; what DTO memory consists of);
 * - the process: `arrayBuffers + heapUsed` (+ the native slab pool's bytes in use) after a full garbage collection, retained at the
 *   end of the forward pass, and sampled (with a collection) inside the drift during the
 *   backward pass; the peak is the larger of the two, relative to the value before the
 *   forward pass. Garbage collection is exposed at run time through `v8.setFlagsFromString`
 *   when node was not started with `--expose-gc`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { slabPoolStats } from '../../backend/index.js';
import {
  type AbstractAdjoint,
  BacksolveAdjoint,
  DirectAdjoint,
  RecursiveCheckpointAdjoint,
  ReversibleAdjoint,
  SDEGenerator,
  type SolverChoice,
} from '../../diffeq/index.js';
import { defineExperiment } from '../../experiment/define.js';
import type { Tensor } from '../../index.js';
import { randomKey } from '../../random/index.js';

/** A full garbage collection, or null when it cannot be exposed. */
export function exposeGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    return typeof f === 'function' ? (f as () => void) : null;
  } catch {
    return null;
  }
}

/** Nodes of the autograd graph reachable from `t` and the bytes of their outputs. */
export function graphFootprint(t: Tensor): { nodes: number; bytes: number } {
  const seen = new Set<object>();
  const stack = t._node ? [t._node] : [];
  let bytes = 0;
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const o of n.outputs) bytes += o.shape.reduce((a, b) => a * b, 1) * (o.dtype === 'float64' ? 8 : 4);
    for (const e of n.edges) if (e && 'node' in e && !seen.has(e.node)) stack.push(e.node);
  }
  return { nodes: seen.size, bytes };
}

/** Least-squares slope of y on x. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

function relDiff(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

type Method = 'direct' | 'reversible' | 'checkpoint' | 'direct-midpoint';

const METHOD_LABEL: Record<Method, string> = {
  direct: 'DTO, reversible Heun',
  reversible: 'reversible adjoint',
  checkpoint: 'checkpointing, midpoint',
  'direct-midpoint': 'DTO, midpoint',
};

/** Measured values below this (MB) are within the GC measurement noise and drawn at it. */
const PEAK_FLOOR_MB = 0.1;

interface Measurement {
  method: Method;
  steps: number;
  graphNodes: number;
  graphBytes: number;
  retainedBytes: number;
  peakBytes: number;
  forwardMs: number;
  backwardMs: number;
  grad: Float64Array;
}

const configSchema = z
  .object({
    steps: z
      .array(z.number().int().positive())
      .min(2)
      .default([16, 32, 64, 128, 256, 512])
      .describe('numbers of solver steps N'),
    batch: z.number().int().positive().default(64).describe('sample paths per solve'),
    hiddenSize: z.number().int().positive().default(32).describe('SDE state size'),
    width: z.number().int().positive().default(32).describe('MLP width of drift and diffusion'),
    noiseSize: z.number().int().positive().default(3).describe('Brownian channels (general noise)'),
    tEnd: z.number().positive().default(1).describe('the SDE is solved on [0, tEnd] with step tEnd/N'),
    repeats: z
      .number()
      .int()
      .positive()
      .default(3)
      .describe('timed runs per point (the fastest is reported; memory comes from one separate probed run)'),
    samplesPerBackward: z
      .number()
      .int()
      .positive()
      .default(6)
      .describe('memory samples (each with two full GCs) during each backward pass'),
    includeMidpoint: z
      .boolean()
      .default(true)
      .describe('also run DTO with midpoint (the checkpointing reference)'),
    gradTolerance: z
      .number()
      .positive()
      .default(1e-6)
      .describe('claimed maximum relative gradient difference'),
    slopeRatioTarget: z
      .number()
      .positive()
      .default(0.1)
      .describe('claimed maximum of measured peak-memory slope, reversible / DTO'),
  })
  .strict();

export type ReversibleHeunMemoryConfig = z.output<typeof configSchema>;

export const reversibleHeunMemory = defineExperiment({
  name: 'reversible-heun-memory',
  title: 'Reversible Heun: memory and time of backprop through a neural SDE',
  description:
    'Memory and time of the exact reversible adjoint vs DTO vs recursive checkpointing on a neural SDE as the number of steps grows.',
  paper: {
    title: 'Efficient and Accurate Gradients for Neural SDEs',
    authors: 'P. Kidger, J. Foster, X. Li, T. Lyons',
    year: 2021,
    spec: 'Spec §1.2(c) and §1.3: reversible Heun and its exact O(1)-memory adjoint; §2.3 target 4 (gradients equal to DTO within 1e-6 relative, float64).',
  },
  configSchema,
  presets: {
    quick: { steps: [4, 8, 16, 32], batch: 32, hiddenSize: 32, width: 32, repeats: 1, samplesPerBackward: 2 },
    full: { steps: [16, 32, 64, 128, 256, 512], batch: 64, hiddenSize: 32, width: 32, repeats: 2 },
  },
  async run(config, ctx) {
    const start = performance.now();
    const gc = exposeGc();
    let gcMs = 0;
    const usage = (): number => {
      // Twice: the first collection leaves freed ArrayBuffer backing stores to a concurrent sweeper.
      const g0 = performance.now();
      gc?.();
      gc?.();
      gcMs += performance.now() - g0;
      const m = process.memoryUsage();
      // Small arrays live in the native slab pool, which Node's arrayBuffers does not count.
      return m.arrayBuffers + m.heapUsed + (slabPoolStats()?.inUse ?? 0);
    };
    const methods: Method[] = [
      'direct',
      'reversible',
      'checkpoint',
      ...(config.includeMidpoint ? (['direct-midpoint'] as const) : []),
    ];
    const k = ctx.seed * 16;

    const makeModel = (method: Method, N: number): SDEGenerator => {
      const solver: SolverChoice =
        method === 'direct' || method === 'reversible' ? 'reversible-heun' : 'midpoint';
      const adjoint: AbstractAdjoint =
        method === 'reversible'
          ? new ReversibleAdjoint()
          : method === 'checkpoint'
            ? new RecursiveCheckpointAdjoint({ checkpoints: Math.max(2, Math.ceil(Math.log2(N))) })
            : new DirectAdjoint();
      return new SDEGenerator(1, {
        hiddenSize: config.hiddenSize,
        width: config.width,
        noiseSize: config.noiseSize,
        solver,
        adjoint,
        substeps: N,
        dtype: 'float64',
        key: randomKey(k + 1),
      });
    };

    /** One forward + backward; with `probe`, memory is measured (with GCs) and the times are not meaningful. */
    const once = (method: Method, N: number, probe: boolean): Measurement => {
      const model = makeModel(method, N);
      const params = model.parameters();
      let sampling = false;
      let peak = 0;
      if (probe) {
        // Memory probe in the drift, active during the backward pass.
        const drift = model.drift;
        const original = drift.forward.bind(drift);
        let calls = 0;
        let taken = 0;
        // About `samplesPerBackward` samples spread over the (at least N + 1) backward evaluations.
        const every = Math.max(1, Math.ceil((N + 1) / config.samplesPerBackward));
        drift.forward = (t, x) => {
          if (sampling && calls++ % every === 0 && taken++ < config.samplesPerBackward)
            peak = Math.max(peak, usage());
          return original(t, x);
        };
      }
      const base = probe ? usage() : 0;
      const t0 = performance.now();
      const ys = model.forward([0, config.tEnd], config.batch, randomKey(k + 2));
      const loss = ys.square().mean();
      const t1 = performance.now();
      const fp = probe ? graphFootprint(loss) : { nodes: 0, bytes: 0 };
      const retained = probe ? usage() : 0;
      sampling = true;
      const t2 = performance.now();
      loss.backward();
      const t3 = performance.now();
      sampling = false;
      peak = Math.max(peak, retained);
      const parts = params.map((p) => p.grad!.dataSync() as Float64Array);
      const grad = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        grad.set(p, o);
        o += p.length;
      }
      return {
        method,
        steps: N,
        graphNodes: fp.nodes,
        graphBytes: fp.bytes,
        retainedBytes: retained - base,
        peakBytes: peak - base,
        forwardMs: t1 - t0,
        backwardMs: t3 - t2,
        grad,
      };
    };

    /** Memory from one probed run; times: the fastest of `repeats` unprobed runs. */
    const measure = (method: Method, N: number): Measurement => {
      const mem = once(method, N, true);
      const timed = Array.from({ length: config.repeats }, () => once(method, N, false));
      return {
        ...mem,
        forwardMs: Math.min(...timed.map((r) => r.forwardMs)),
        backwardMs: Math.min(...timed.map((r) => r.backwardMs)),
      };
    };

    // Warm-up (JIT) on the smallest size, not recorded.
    for (const method of methods) once(method, config.steps[0]!, false);

    const results: Measurement[] = [];
    const total = config.steps.length * methods.length;
    let done = 0;
    for (const N of config.steps) {
      for (const method of methods) {
        if (ctx.signal.aborted) return { summary: { stopped: true } };
        const m = measure(method, N);
        results.push(m);
        done++;
        ctx.log({
          step: done,
          steps: N,
          method,
          graph_mb: m.graphBytes / 1e6,
          peak_mb: m.peakBytes / 1e6,
          time_ms: m.forwardMs + m.backwardMs,
        });
        ctx.progress(done, total, {});
        await ctx.tick();
      }
    }

    // BacksolveAdjoint on SDE terms: supported?
    let backsolveNote: string;
    try {
      const model = new SDEGenerator(1, {
        hiddenSize: 4,
        width: 4,
        substeps: 4,
        dtype: 'float64',
        solver: 'midpoint',
        adjoint: new BacksolveAdjoint(),
        key: randomKey(k + 3),
      });
      model
        .forward([0, config.tEnd], 2, randomKey(k + 4))
        .square()
        .mean()
        .backward();
      backsolveNote =
        'BacksolveAdjoint ran on the SDE (its gradient is that of the continuous adjoint, not compared here).';
    } catch (e) {
      backsolveNote = `BacksolveAdjoint does not support SDE terms (MultiTerm with a Brownian ControlTerm): ${(e as Error).message.split('\n')[0]}`;
    }

    const of = (m: Method) => results.filter((r) => r.method === m);
    const Ns = config.steps;
    const slopes: Record<string, { graph: number; peak: number }> = {};
    for (const m of methods) {
      const rs = of(m);
      slopes[m] = {
        graph: slope(
          rs.map((r) => r.steps),
          rs.map((r) => r.graphBytes),
        ),
        peak: slope(
          rs.map((r) => r.steps),
          rs.map((r) => r.peakBytes),
        ),
      };
    }
    let gradRev = 0;
    let gradCkpt = 0;
    for (const N of Ns) {
      const d = results.find((r) => r.method === 'direct' && r.steps === N)!;
      const rv = results.find((r) => r.method === 'reversible' && r.steps === N)!;
      gradRev = Math.max(gradRev, relDiff(rv.grad, d.grad));
      const dm = results.find((r) => r.method === 'direct-midpoint' && r.steps === N);
      const ck = results.find((r) => r.method === 'checkpoint' && r.steps === N)!;
      if (dm) gradCkpt = Math.max(gradCkpt, relDiff(ck.grad, dm.grad));
    }
    const seconds = (performance.now() - start) / 1000;

    ctx.claim('graph-memory slope: reversible / DTO', slopes.reversible!.graph / slopes.direct!.graph, {
      op: '<',
      target: 0.01,
      description: `bytes of autograd-graph outputs held after the forward pass per extra step: reversible ${slopes.reversible!.graph.toFixed(0)} B/step, DTO ${slopes.direct!.graph.toFixed(0)} B/step`,
    });
    ctx.claim('measured peak-memory slope: reversible / DTO', slopes.reversible!.peak / slopes.direct!.peak, {
      op: '<',
      target: config.slopeRatioTarget,
      description: `process memory (arrayBuffers + heapUsed + slab pool after GC) per extra step, N = ${Ns.join(', ')}: reversible ${(slopes.reversible!.peak / 1e3).toFixed(2)} kB/step, DTO ${(slopes.direct!.peak / 1e3).toFixed(2)} kB/step${gc ? '' : ' (GC not available: noisy)'}`,
    });
    ctx.claim('max relative gradient difference: reversible vs DTO', gradRev, {
      op: '<',
      target: config.gradTolerance,
      description: `float64, all ${results[0]!.grad.length} parameters, same Brownian path, over N = ${Ns.join(', ')}`,
    });
    if (config.includeMidpoint)
      ctx.claim('max relative gradient difference: checkpointing vs DTO (midpoint)', gradCkpt, {
        op: '<',
        target: config.gradTolerance,
        description: 'float64, same Brownian path and solver',
      });

    const largest = Ns[Ns.length - 1]!;
    for (const m of methods) {
      const r = results.find((x) => x.method === m && x.steps === largest)!;
      ctx.summary(`${m}_graph_mb_at_${largest}`, Number((r.graphBytes / 1e6).toFixed(3)));
      ctx.summary(`${m}_peak_mb_at_${largest}`, Number((r.peakBytes / 1e6).toFixed(3)));
      ctx.summary(`${m}_ms_at_${largest}`, Number((r.forwardMs + r.backwardMs).toFixed(1)));
      ctx.summary(`${m}_graph_bytes_per_step`, Math.round(slopes[m]!.graph));
      ctx.summary(`${m}_peak_bytes_per_step`, Math.round(slopes[m]!.peak));
    }
    ctx.summary('grad_rel_diff_reversible', gradRev);
    if (config.includeMidpoint) ctx.summary('grad_rel_diff_checkpoint', gradCkpt);
    ctx.summary('gc_available', gc !== null);
    ctx.summary('wall_s', Number(seconds.toFixed(1)));
    ctx.summary('gc_s', Number((gcMs / 1000).toFixed(1)));

    const rows = results.map((r) => ({
      steps: r.steps,
      method: METHOD_LABEL[r.method],
      graph_mb: r.graphBytes / 1e6,
      peak_mb: Math.max(r.peakBytes / 1e6, PEAK_FLOOR_MB),
      retained_mb: r.retainedBytes / 1e6,
      time_ms: r.forwardMs + r.backwardMs,
      forward_ms: r.forwardMs,
      backward_ms: r.backwardMs,
    }));
    const common = { data: rows, x: 'steps', group: 'method', logX: true, points: true } as const;
    ctx.chart(
      'memory-vs-steps',
      ctx.charts.lines({
        ...common,
        y: 'peak_mb',
        logY: true,
        title: 'Peak memory of forward + backward (measured, MB)',
        xTitle: 'solver steps N',
      }),
      {
        caption: `Process memory (arrayBuffers + heapUsed + native slab pool, after GC) above the level before the forward pass: retained at the end of the forward pass or sampled during the backward pass (${config.samplesPerBackward} samples), whichever is larger. Values below ${PEAK_FLOOR_MB} MB (the measurement noise is about ±1 MB) are drawn at ${PEAK_FLOOR_MB} MB. DTO = DirectAdjoint; checkpointing = RecursiveCheckpointAdjoint with ⌈log₂ N⌉ checkpoints.`,
      },
    );
    ctx.chart(
      'graph-memory-vs-steps',
      ctx.charts.lines({
        ...common,
        y: 'graph_mb',
        logY: true,
        title: 'Autograd graph held between forward and backward (MB of op outputs)',
        xTitle: 'solver steps N',
      }),
    );
    ctx.chart(
      'time-vs-steps',
      ctx.charts.lines({
        ...common,
        y: 'time_ms',
        logY: true,
        title: 'Forward + backward time (ms)',
        xTitle: 'solver steps N',
      }),
    );
    return { notes: backsolveNote };
  },
});
