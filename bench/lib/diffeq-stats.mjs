// Per-call solver statistics of the diffeq workloads (nabla's `sol.stats`), summarised as medians over
// the calls of the final measurement, and the same definitions as bench/peers/torch_diffeq.py.
import { summarize } from './measure.mjs';

/** Collector: `add({ loopPerStepMs, … })` per call, `reset()`, `metrics()` → medians (+ min of loop time). */
export function statsCollector() {
  let rows = [];
  return {
    add(row) {
      rows.push(row);
    },
    reset() {
      rows = [];
    },
    metrics() {
      if (!rows.length) return {};
      const out = { calls: rows.length };
      for (const k of Object.keys(rows[0])) {
        const s = summarize(rows.map((r) => r[k]));
        out[k] = s.median;
        if (/Ms$/.test(k)) out[`${k}Min`] = s.min;
      }
      return out;
    },
  };
}
