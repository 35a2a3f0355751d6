/**
 * Config resolution: schema defaults ← preset ← `--config file.json` ← `--set key=value`, validated by
 * the experiment's strict zod schema. Every error names the field and where its value came from.
 */
import type { z } from 'zod';
import { isRecord, type Json } from './fs.js';
import type { Experiment, PresetName } from './types.js';

export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(issues.length === 1 ? issues[0]! : `invalid config:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** One (possibly nested, dotted) config field, for help output and `--set` parsing. */
export interface ConfigField {
  path: string;
  kind: 'number' | 'int' | 'string' | 'boolean' | 'enum' | 'object' | 'array' | 'other';
  /** Human-readable type, e.g. `int`, `'tanh' | 'relu'`. */
  type: string;
  default?: Json;
  description?: string;
  optional: boolean;
}

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      innerType?: unknown;
      defaultValue?: unknown;
      shape?: Record<string, unknown>;
      entries?: Record<string, unknown>;
    };
  };
  description?: string;
  isInt?: boolean;
}

function internals(s: unknown): ZodInternals {
  return s as ZodInternals;
}

/** Lists the fields of a zod object schema (nested objects are flattened to dotted paths). */
export function describeSchema(schema: z.ZodObject, prefix = ''): ConfigField[] {
  const out: ConfigField[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    let s = internals(field);
    let description = s.description;
    let def: Json | undefined;
    let optional = false;
    for (;;) {
      const t = s._zod.def.type;
      if (t === 'default' || t === 'prefault') {
        def ??= s._zod.def.defaultValue as Json;
        optional = true;
      } else if (t === 'optional' || t === 'nullable' || t === 'readonly') {
        optional = true;
      } else break;
      s = internals(s._zod.def.innerType);
      description ??= s.description;
    }
    const path = prefix + key;
    const t = s._zod.def.type;
    let kind: ConfigField['kind'] = 'other';
    let type = t;
    if (t === 'number') {
      kind = s.isInt ? 'int' : 'number';
      type = kind;
    } else if (t === 'string' || t === 'boolean' || t === 'array' || t === 'object') kind = t;
    else if (t === 'enum') {
      kind = 'enum';
      type = Object.values(s._zod.def.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(' | ');
    } else if (t === 'literal') type = 'literal';
    const entry: ConfigField = { path, kind, type, optional };
    if (def !== undefined) entry.default = def;
    if (description !== undefined) entry.description = description;
    out.push(entry);
    if (t === 'object') out.push(...describeSchema(s as unknown as z.ZodObject, `${path}.`));
  }
  return out;
}

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(
        dp[j]! + 1,
        dp[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The closest candidate to `name`, if it is close enough to be a plausible typo. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Parses the value half of `--set key=value` for a field of the given kind. */
function parseSetValue(raw: string, field: ConfigField | undefined): unknown {
  if (field && (field.kind === 'string' || (field.kind === 'enum' && !/^-?[\d.]/.test(raw)))) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    const n = Number(raw);
    if (raw.trim() !== '' && Number.isFinite(n)) return n;
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let obj = target;
  for (const key of path.slice(0, -1)) {
    const next = obj[key];
    if (isRecord(next)) obj = next;
    else {
      const fresh: Record<string, unknown> = {};
      obj[key] = fresh;
      obj = fresh;
    }
  }
  obj[path[path.length - 1]!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function leafPaths(obj: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (isRecord(v) && Object.keys(v).length > 0) out.push(...leafPaths(v, `${prefix}${k}.`));
    else out.push(prefix + k);
  }
  return out;
}

export interface ConfigSources {
  /** Preset to start from; `'custom'` = schema defaults only. Default `'quick'`. */
  preset?: PresetName | 'custom';
  /** A complete earlier config (e.g. a resumed run's), applied after the preset. */
  base?: Record<string, unknown>;
  /** Parsed `--config` file; a run folder's `config.json` (`{experiment, config}`) is accepted too. */
  file?: { path: string; data: unknown };
  /** Raw `key=value` strings from `--set`. */
  set?: readonly string[];
}

/** Resolves and validates a config. Throws {@link ConfigError} naming each bad field. */
export function resolveConfig<C extends object>(exp: Experiment<C>, sources: ConfigSources = {}): C {
  const fields = describeSchema(exp.configSchema as unknown as z.ZodObject);
  const byPath = new Map(fields.map((f) => [f.path, f]));
  const origin = new Map<string, string>();
  const issues: string[] = [];
  let merged: Record<string, unknown> = {};

  const apply = (layer: Record<string, unknown>, label: (path: string) => string) => {
    for (const p of leafPaths(layer)) origin.set(p, label(p));
    merged = deepMerge(merged, layer);
  };

  const preset = sources.preset ?? 'quick';
  if (preset !== 'custom') apply(exp.presets[preset] as Record<string, unknown>, () => `preset ${preset}`);
  if (sources.base) apply(sources.base, () => 'the resumed run');
  if (sources.file) {
    let data = sources.file.data;
    if (isRecord(data) && typeof data.experiment === 'string' && isRecord(data.config)) data = data.config;
    if (!isRecord(data))
      issues.push(`config file ${sources.file.path}: expected a JSON object of config fields`);
    else apply(data, () => `config file ${sources.file!.path}`);
  }
  for (const raw of sources.set ?? []) {
    const eq = raw.indexOf('=');
    if (eq <= 0) {
      issues.push(`--set ${raw}: expected key=value (e.g. --set ${fields[0]?.path ?? 'steps'}=100)`);
      continue;
    }
    const key = raw.slice(0, eq).trim();
    const value = parseSetValue(raw.slice(eq + 1), byPath.get(key));
    const layer: Record<string, unknown> = {};
    setPath(layer, key.split('.'), value);
    apply(layer, () => `--set ${raw}`);
  }
  if (issues.length) throw new ConfigError(issues);

  const parsed = exp.configSchema.safeParse(merged);
  if (parsed.success) return parsed.data;

  const from = (path: string): string => {
    for (let p = path; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      const o = origin.get(p);
      if (o) return ` (from ${o})`;
    }
    return '';
  };
  const valueAt = (path: readonly PropertyKey[]): unknown => {
    let v: unknown = merged;
    for (const k of path)
      v = isRecord(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    return v;
  };
  for (const issue of parsed.error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = base ? `${base}.${key}` : key;
        const siblings = fields
          .filter((f) =>
            base
              ? f.path.startsWith(`${base}.`) && !f.path.slice(base.length + 1).includes('.')
              : !f.path.includes('.'),
          )
          .map((f) => f.path);
        const guess = suggest(path, siblings);
        issues.push(
          `unknown config field "${path}"${from(path)}${guess ? `; did you mean "${guess}"?` : ''} Known fields: ${siblings.join(', ')}`,
        );
      }
      continue;
    }
    const received = valueAt(issue.path);
    const shown = received === undefined ? 'nothing' : JSON.stringify(received);
    const msg = issue.message.replace(/^Invalid (input|option): /, '');
    issues.push(`config field "${base || '(root)'}": ${msg}; got ${shown}${from(base)}`);
  }
  throw new ConfigError(issues);
}
