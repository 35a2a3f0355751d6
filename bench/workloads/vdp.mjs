// Diffeq workload: torchode's Van der Pol benchmark. μ = 2, a batch of 256 initial states stepped
// jointly (one step size for the whole batch, RMS error norm over all components), Dopri5,
// rtol = atol = 1e-5, t ∈ [0, 10], 200 evenly spaced outputs from the dense interpolant, float32.
// The timed call is one solve; `metrics` has the solver's own loop time per step (wall time of
// the loop minus the time inside the vector field: torchode's "loop time"), steps and fevals.
import { statsCollector } from '../lib/diffeq-stats.mjs';
import { vdpInitial } from '../lib/config.mjs';

export async function run(rec, { nb, diffeq }, cfg) {
  await rec.run('vdp', () => {
    const { diffeqsolve, Dopri5, ODETerm, PIDController, SaveAt } = diffeq;
    const { mu, batch, rtol, atol, t0, t1, saves, dtype } = cfg;
    const y0 = nb.tensor(vdpInitial(batch), { dtype });
    const term = new ODETerm((_t, y) => {
      const x = nb.select(y, 1, 0);
      const v = nb.select(y, 1, 1);
      // dx = v, dv = μ(1 − x²)v − x
      const dv = nb.sub(nb.mul(nb.mul(nb.sub(1, nb.square(x)), v), mu), x);
      return nb.stack([v, dv], 1);
    });
    const ts = Array.from({ length: saves }, (_, i) => t0 + ((t1 - t0) * i) / (saves - 1));
    const saveat = new SaveAt({ ts });
    const solver = new Dopri5();
    const ctrl = new PIDController({ rtol, atol });
    const stats = statsCollector();
    let last = Number.NaN;
    return {
      fn: () => {
        const sol = diffeqsolve(term, solver, t0, t1, null, y0, {
          stepsizeController: ctrl,
          saveat,
          dtype,
          maxSteps: 100000,
        });
        const s = sol.stats;
        stats.add({
          loopPerStepMs: s.loopTimePerStepMs,
          loopMs: s.loopTimeMs,
          vfMs: s.vfTimeMs,
          solveWallMs: s.wallTimeMs,
          steps: s.steps,
          accepted: s.accepted,
          rejected: s.rejected,
          fevals: s.fevals,
        });
        last = sol.ys.dataSync()[(saves - 1) * batch * 2]; // x of sample 0 at t1 (reads the output)
      },
      reset: () => stats.reset(),
      metrics: () => stats.metrics(),
      check: () => last,
    };
  });
}
