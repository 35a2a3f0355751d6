/**
 * The registry of experiments known to the CLI (`nabla list`, `nabla run`, `nabla tour`).
 * To add one: define it with `defineExperiment` in `src/experiments/<area>/<name>.ts` and append it here.
 */
import type { Experiment } from '../experiment/types.js';
import { demoRegression } from './demo/regression.js';
import { cnf2d } from './diffeq/cnf-2d.js';
import { deqFixedPointExperiment } from './diffeq/deq-fixed-point.js';
import { ncdeSpirals } from './diffeq/ncde-spirals.js';
import { nodeSpiral } from './diffeq/node-spiral.js';
import { reversibleHeunMemory } from './diffeq/reversible-heun-memory.js';
import { sdeGanOu } from './diffeq/sde-gan-ou.js';
import { symbolicRegressionExperiment } from './diffeq/symbolic-regression.js';
import { lossesExperiments } from './losses/index.js';
import { resnetOdeExperiments } from './resnet-ode/index.js';

export const experiments: readonly Experiment[] = [
  demoRegression,
  nodeSpiral,
  cnf2d,
  deqFixedPointExperiment,
  ncdeSpirals,
  symbolicRegressionExperiment,
  sdeGanOu,
  reversibleHeunMemory,
  ...resnetOdeExperiments,
  ...lossesExperiments,
];

export function getExperiment(
  name: string,
  registry: readonly Experiment[] = experiments,
): Experiment | undefined {
  return registry.find((e) => e.name === name);
}
