/** `DirectAdjoint`: differentiate through every operation of the solver. */
import type { Engine } from '../loop.js';
import { type AbstractAdjoint, type AdjointResult, assemble } from './base.js';

/**
 * Discretise-then-optimise by plain backpropagation: every stage of every step is
 * recorded on the autograd tape. Exact gradients of the computed solution, higher-order
 * gradients (`createGraph`) work, and no parameters need declaring; memory grows with the
 * number of steps × stages. The default.
 */
export class DirectAdjoint implements AbstractAdjoint {
  readonly name = 'DirectAdjoint';

  solve(engine: Engine): AdjointResult {
    const run = engine.run({ recordDense: engine.p.saveat.dense });
    return { run, ...assemble(engine, run) };
  }
}
