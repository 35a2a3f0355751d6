import type { z } from 'zod';
import { describeSchema, resolveConfig } from '../../experiment/config.js';
import type { Experiment, PresetName } from '../../experiment/types.js';
import { parse } from '../args.js';
import { type Command, printJson } from '../context.js';

function presetText(exp: Experiment, preset: PresetName): string {
  const entries = Object.entries(exp.presets[preset]);
  return entries.length
    ? entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')
    : '(schema defaults)';
}

export function experimentFields(exp: Experiment) {
  return describeSchema(exp.configSchema as unknown as z.ZodObject);
}

export const listCommand: Command = {
  name: 'list',
  summary: 'experiments with their paper and presets',
  usage: `Usage: nabla list [--json] [--verbose]

Lists the registered experiments, the paper each reproduces, and their quick/full presets.

Options:
  -v, --verbose   also list every config field with its type and default
      --json      machine-readable output
  -h, --help      this help`,
  async run(cli, args) {
    const { values } = parse('list', args, {
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
    });
    if (values.help) {
      cli.out(listCommand.usage);
      return 0;
    }
    const rows = cli.registry.map((exp) => {
      let skip: string | null = null;
      try {
        skip = exp.requires(resolveConfig(exp, { preset: 'quick' }));
      } catch (err) {
        skip = err instanceof Error ? err.message : String(err);
      }
      return { exp, skip };
    });
    if (values.json) {
      printJson(
        cli,
        rows.map(({ exp, skip }) => ({
          name: exp.name,
          title: exp.title,
          description: exp.description,
          paper: exp.paper,
          presets: exp.presets,
          fields: experimentFields(exp),
          quickRunnable: skip === null,
          ...(skip ? { skipMessage: skip } : {}),
        })),
      );
      return 0;
    }
    if (rows.length === 0) cli.out('No experiments registered (see docs/cli.md, "Adding an experiment").');
    for (const { exp, skip } of rows) {
      cli.out(`${exp.name}  —  ${exp.title}`);
      cli.out(`    ${exp.description}`);
      cli.out(`    paper: ${exp.paper.authors} (${exp.paper.year}), ${exp.paper.title}`);
      cli.out(`    quick: ${presetText(exp, 'quick')}`);
      cli.out(`    full:  ${presetText(exp, 'full')}`);
      if (skip) cli.out(`    note:  quick preset cannot run here: ${skip}`);
      if (values.verbose) {
        cli.out('    config:');
        for (const f of experimentFields(exp)) {
          cli.out(
            `      ${f.path} (${f.type})${f.default !== undefined ? ` = ${JSON.stringify(f.default)}` : ''}${f.description ? `  ${f.description}` : ''}`,
          );
        }
      }
      cli.out();
    }
    cli.out('Run one with: nabla run <experiment> [--quick|--full]   ·   all quick presets: nabla tour');
    return 0;
  },
};
