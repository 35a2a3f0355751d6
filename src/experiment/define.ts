import type { z } from 'zod';
import { ConfigError, resolveConfig } from './config.js';
import type { Experiment, ExperimentSpec } from './types.js';

const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;
const RESERVED = new Set(['tour', 'index']);

/**
 * Defines an experiment. Config types flow from the zod schema; the schema is made `.strict()`, and the
 * presets are validated immediately so a typo in a preset fails at import time, not mid-tour.
 */
export function defineExperiment<S extends z.ZodObject>(spec: ExperimentSpec<S>): Experiment<z.output<S>> {
  if (!NAME_RE.test(spec.name)) {
    throw new Error(
      `defineExperiment: name "${spec.name}" must be kebab-case ([a-z0-9-], starting alphanumeric)`,
    );
  }
  if (RESERVED.has(spec.name)) throw new Error(`defineExperiment: name "${spec.name}" is reserved`);
  if (spec.description.includes('\n'))
    throw new Error(`defineExperiment(${spec.name}): description must be one line`);
  type C = z.output<S>;
  const configSchema = spec.configSchema.strict() as unknown as z.ZodType<C>;
  const requires = spec.requires;
  const exp: Experiment<C> = {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    paper: spec.paper,
    configSchema,
    presets: { quick: spec.presets.quick, full: spec.presets.full },
    metricCharts: spec.metricCharts,
    requires: (config) => (requires ? requires(config) : null),
    run: (config, ctx) => spec.run(config, ctx),
  };
  for (const preset of ['quick', 'full'] as const) {
    try {
      resolveConfig(exp, { preset });
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new Error(`defineExperiment(${spec.name}): preset "${preset}" is invalid: ${err.message}`);
      }
      throw err;
    }
  }
  return Object.freeze(exp);
}
