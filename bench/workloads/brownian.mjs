// Diffeq workload `brownian` (nabla only): time per Brownian-path query as the number of queries grows,
// for the stateless VirtualBrownianTree (leaves of length tol) and the cached BrownianInterval, with the
// queries in solver order (sequential increments [t_k, t_{k+1}] of a uniform grid of n steps) or in a
// shuffled order (random access to the same increments). One timed call = a fresh path + all n queries
// (each read with dataSync); the report divides the call's time by n (µs per query).

/** A deterministic shuffle (LCG) of 0…n−1. */
function shuffled(n) {
  const idx = Array.from({ length: n }, (_, i) => i);
  let s = 12345;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

export async function run(rec, { nb, diffeq }, cfg) {
  const { VirtualBrownianTree, BrownianInterval } = diffeq;
  const { shape, dtype, tol } = cfg;
  const key = nb.randomKey(0);
  for (const kind of ['vbt', 'interval']) {
    for (const order of ['seq', 'random']) {
      for (const n of cfg.counts) {
        await rec.run(`brownian/${kind}-${order}/${n}`, () => {
          const idx = order === 'seq' ? Array.from({ length: n }, (_, i) => i) : shuffled(n);
          const make = () =>
            kind === 'vbt'
              ? new VirtualBrownianTree({ t0: 0, t1: 1, shape, dtype, key, tol })
              : new BrownianInterval({ t0: 0, t1: 1, shape, dtype, key, dt: 1 / n });
          let sum = 0;
          return {
            fn: () => {
              const bm = make();
              for (const k of idx) sum += bm.evaluate(k / n, (k + 1) / n).dataSync()[0];
            },
            check: () => sum,
          };
        });
      }
    }
  }
}
