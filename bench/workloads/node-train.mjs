// Diffeq workload: one neural-ODE training step. Vector field MLP 4→32→4 (tanh hidden layer),
// batch 64, Dopri5 with rtol = atol = 1e-6 (float64, as nabla's dtype 'auto' picks for rtol < 1e-5),
// t ∈ [0, 10], loss = mean(y(10)²), backward, one Adam step, loss read. Two gradient methods:
// `node-train/dto` — DirectAdjoint (backprop through the solver's operations), and
// `node-train/backsolve` — BacksolveAdjoint (augmented adjoint ODE solved backwards).
// The parameters keep training across calls (the same in PyTorch), so step counts drift slightly.
import { nodeTrainInit } from '../lib/config.mjs';
import { statsCollector } from '../lib/diffeq-stats.mjs';

export async function run(rec, { nb, optim, diffeq }, cfg) {
  const { diffeqsolve, Dopri5, ODETerm, PIDController, SaveAt, DirectAdjoint, BacksolveAdjoint } = diffeq;
  for (const [caseId, makeAdjoint] of [
    ['node-train/dto', () => new DirectAdjoint()],
    ['node-train/backsolve', () => new BacksolveAdjoint()],
  ]) {
    await rec.run(caseId, () => {
      const { rtol, atol, t0, t1, lr, dtype } = cfg;
      const init = nodeTrainInit(cfg);
      const param = (a) => nb.tensor(a, { dtype }).requiresGrad_(true);
      const w1 = param(init.w1);
      const b1 = param(init.b1);
      const w2 = param(init.w2);
      const b2 = param(init.b2);
      const params = [w1, b1, w2, b2];
      const y0 = nb.tensor(init.y0, { dtype });
      const term = new ODETerm((_t, y) => nb.add(nb.matmul(nb.tanh(nb.add(nb.matmul(y, w1), b1)), w2), b2), {
        params,
      });
      const solver = new Dopri5();
      const ctrl = new PIDController({ rtol, atol });
      const saveat = new SaveAt({ t1: true });
      const adjoint = makeAdjoint();
      const opt = new optim.Adam(params, { lr });
      const stats = statsCollector();
      let last = Number.NaN;
      return {
        fn: () => {
          opt.zeroGrad();
          const t = performance.now();
          const sol = diffeqsolve(term, solver, t0, t1, null, y0, {
            stepsizeController: ctrl,
            saveat,
            adjoint,
            dtype,
            maxSteps: 100000,
          });
          const forwardMs = performance.now() - t;
          const loss = nb.mean(nb.square(sol.ys));
          loss.backward();
          opt.step();
          last = loss.item();
          stats.add({
            forwardMs,
            forwardSteps: sol.stats.steps,
            forwardLoopPerStepMs: sol.stats.loopTimePerStepMs,
          });
        },
        reset: () => stats.reset(),
        metrics: () => stats.metrics(),
        check: () => last,
      };
    });
  }
}
