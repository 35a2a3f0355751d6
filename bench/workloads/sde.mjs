// Diffeq workload `sde`: an Euler–Maruyama solve loop on dX = −tanh(X)dt + (0.5·sin(X) + 0.2)dW
// (diagonal noise), batch 256 × 4, 1000 fixed steps on [0, 1], float32, final state only. Cases:
//   sde/plain-loop           — a hand-written loop on nabla ops with N(0, dt) increments from randn
//                              (the algorithm of the PyTorch baseline, bench/peers/torch_sde.py);
//   sde/diffeqsolve-interval — diffeqsolve(MultiTerm(ODETerm, ControlTerm), EulerMaruyama) with a
//                              BrownianInterval (dt hint) — re-queryable, exact path;
//   sde/diffeqsolve-vbt      — the same with a VirtualBrownianTree (tol = dt/2, stateless).
// One timed call = one solve, including building the Brownian path. `metrics` (diffeqsolve cases):
// the solver's own loop time per step (wall time minus the time in the vector field), steps.
import { sdeInitial } from '../lib/config.mjs';
import { statsCollector } from '../lib/diffeq-stats.mjs';

export async function run(rec, { nb, diffeq }, cfg) {
  const { batch, dim, steps, t0, t1, dtype } = cfg;
  const h = (t1 - t0) / steps;
  const y0 = nb.tensor(sdeInitial(batch, dim), { dtype });
  const drift = (y) => nb.neg(nb.tanh(y));
  const diffusion = (y) => nb.add(nb.mul(nb.sin(y), 0.5), 0.2);
  const key = nb.randomKey(0);

  await rec.run('sde/plain-loop', () => {
    let last = Number.NaN;
    return {
      fn: () => {
        const sq = Math.sqrt(h);
        let y = y0;
        for (let k = 0; k < steps; k++) {
          const dW = nb.mul(nb.randn([batch, dim], { dtype }), sq);
          y = nb.add(nb.add(y, nb.mul(drift(y), h)), nb.mul(diffusion(y), dW));
        }
        last = y.dataSync()[0];
      },
      check: () => last,
    };
  });

  const { diffeqsolve, EulerMaruyama, MultiTerm, ODETerm, ControlTerm, BrownianInterval, VirtualBrownianTree } =
    diffeq;
  for (const kind of ['interval', 'vbt']) {
    await rec.run(`sde/diffeqsolve-${kind}`, () => {
      const shape = [batch, dim];
      const solver = new EulerMaruyama();
      const stats = statsCollector();
      let last = Number.NaN;
      return {
        fn: () => {
          const bm =
            kind === 'interval'
              ? new BrownianInterval({ t0, t1, shape, dtype, key, dt: h })
              : new VirtualBrownianTree({ t0, t1, shape, dtype, key, tol: h / 2 });
          const term = new MultiTerm(
            new ODETerm((_t, y) => drift(y)),
            new ControlTerm((_t, y) => diffusion(y), bm, { noise: 'diagonal' }),
          );
          const sol = diffeqsolve(term, solver, t0, t1, h, y0, { dtype, maxSteps: steps + 10 });
          const s = sol.stats;
          stats.add({
            loopPerStepMs: s.loopTimePerStepMs,
            loopMs: s.loopTimeMs,
            vfMs: s.vfTimeMs,
            solveWallMs: s.wallTimeMs,
            steps: s.steps,
          });
          last = sol.ys.dataSync()[0];
        },
        reset: () => stats.reset(),
        metrics: () => stats.metrics(),
        check: () => last,
      };
    });
  }
}
