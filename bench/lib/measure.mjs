// Time-boxed repeated timing shared by every JavaScript engine (nabla, TF.js, jax-js).
// The Python peer (bench/peers/torch_numpy.py) implements the same protocol.
//
// Protocol for one case:
//   1. one first call (recorded as `firstMs`: includes JIT compilation / kernel set-up);
//   2. warm-up calls until at least `minWarmup` calls and max(20% of the budget, 150 ms) have passed;
//   3. calls are grouped into samples of `inner` calls each (so a sample lasts ≥ `minSampleMs`,
//      which matters for microsecond ops), and samples are taken until the budget is spent
//      (at least `minSamples`, unless one call is so slow that this would exceed `hardCapMs`);
//   4. the per-call time of each sample is kept; we report median, quartiles, min and max.

/** Quantile by linear interpolation on a sorted array. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Summary statistics of per-call times (ms). */
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    median: quantile(s, 0.5),
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    min: s[0],
    max: s[s.length - 1],
    n: s.length,
  };
}

/**
 * Times `fn` (sync, or async when `opts.async`; an async fn must only resolve once the work is done).
 * Returns `{ median, q1, q3, min, max, n, inner, firstMs, warmup }`, times in ms per call.
 */
export async function measure(fn, opts = {}) {
  const budgetMs = opts.budgetMs ?? 1000;
  const minSamples = opts.minSamples ?? 5;
  const maxSamples = opts.maxSamples ?? 200;
  const minWarmup = opts.minWarmup ?? 2;
  const minSampleMs = opts.minSampleMs ?? 2;
  const hardCapMs = opts.hardCapMs ?? Math.max(4 * budgetMs, 8000);
  const isAsync = opts.async ?? false;
  const now = () => performance.now();

  const call = isAsync ? fn : async () => fn();
  let t = now();
  await call();
  const firstMs = now() - t;

  // Warm-up.
  const warmStart = now();
  let warmup = 0;
  let last = firstMs;
  const warmTimes = [];
  // At least ~150 ms of warm-up even for small budgets, so V8's optimising tiers have kicked in.
  const warmMs = opts.warmupMs ?? Math.max(0.2 * budgetMs, 150);
  while (warmup < minWarmup || (now() - warmStart < warmMs && warmup < 20000)) {
    t = now();
    await call();
    last = now() - t;
    warmTimes.push(last);
    warmup++;
    // A very slow call: stop warming up after the minimum.
    if (warmup >= 1 && last * (minSamples + 1) > hardCapMs) break;
  }
  // Per-call estimate: median of the last warm-up calls (robust to a GC pause or a late compile).
  const recent = warmTimes.slice(-Math.max(3, Math.floor(warmTimes.length / 2)));
  const perCall = Math.max(summarize(recent).median, 1e-4);
  const inner = Math.max(1, Math.ceil(minSampleMs / perCall));
  const perSample = perCall * inner;
  let nTarget = Math.floor((0.8 * budgetMs) / perSample);
  nTarget = Math.min(maxSamples, Math.max(minSamples, nTarget));
  if (nTarget * perSample > hardCapMs) nTarget = Math.max(1, Math.floor(hardCapMs / perSample));

  const samples = [];
  const start = now();
  for (let i = 0; i < nTarget; i++) {
    if (isAsync) {
      t = now();
      for (let k = 0; k < inner; k++) await fn();
      samples.push((now() - t) / inner);
    } else {
      t = now();
      for (let k = 0; k < inner; k++) fn();
      samples.push((now() - t) / inner);
    }
    // Never run far past the budget when calls turned out slower than estimated.
    if (samples.length >= Math.min(minSamples, nTarget) && now() - start > 1.5 * budgetMs) break;
  }
  return { ...summarize(samples), inner, firstMs, warmup };
}
