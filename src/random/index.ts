/** Counter-based random numbers (Philox4x32-10): keys, the global generator and samplers. */

export type { GeneratorState } from './key.js';
export { foldIn, getRngState, manualSeed, PRNGKey, randomKey, setRngState, splitKey } from './key.js';
export { philoxBlock, philoxWords } from './philox.js';
export type { RandomOptions } from './sample.js';
export {
  bernoulli,
  categorical,
  normal,
  permutation,
  rand,
  randint,
  randLike,
  randn,
  randnLike,
  uniform,
} from './sample.js';
