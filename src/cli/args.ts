/** Argument parsing on top of `node:util` parseArgs, with errors that name the bad flag. */
import { parseArgs } from 'node:util';
import { suggest } from '../experiment/config.js';

/** A usage error: exit code 2, message printed with a pointer to `--help`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

type Values<O extends OptionSpec> = {
  [K in keyof O]?: O[K]['type'] extends 'string'
    ? O[K]['multiple'] extends true
      ? string[]
      : string
    : O[K]['multiple'] extends true
      ? boolean[]
      : boolean;
};

export interface Parsed<O extends OptionSpec> {
  values: Values<O> & { help?: boolean };
  positionals: string[];
}

export function parse<O extends OptionSpec>(command: string, args: readonly string[], options: O): Parsed<O> {
  const all = { ...options, help: { type: 'boolean' as const, short: 'h' } };
  try {
    const out = parseArgs({ args: [...args], options: all, strict: true, allowPositionals: true });
    return { values: out.values as Values<O> & { help?: boolean }, positionals: out.positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(msg)?.[1] ?? msg;
      const guess = suggest(flag.replace(/^-+/, ''), Object.keys(all));
      throw new UsageError(`unknown option ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`, command);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /'(-[^' ]+)/.exec(msg)?.[1];
      throw new UsageError(flag ? `option ${flag} needs a value` : msg, command);
    }
    throw new UsageError(msg, command);
  }
}

/** Parses `--seed`: an integer in [0, 2^32). */
export function parseSeed(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n > 0xffffffff) {
    throw new UsageError(`--seed ${raw}: expected an integer in [0, 4294967295]`);
  }
  return n;
}

/** Parses a positive integer flag. */
export function parsePositiveInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} ${raw}: expected a positive integer`);
  return n;
}
