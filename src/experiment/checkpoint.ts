/** Checkpoints in `<run>/checkpoints/`, written atomically (temp file + rename). */
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type Json, readJsonFile, stringifyJson, writeFileAtomic } from './fs.js';
import { RUN_FILES } from './run-folder.js';
import type { Checkpointer, CheckpointInfo } from './types.js';

const LATEST = 'latest.json';
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const infoSchema = z.object({
  name: z.string(),
  kind: z.enum(['json', 'bytes']),
  step: z.number().optional(),
  savedAt: z.string(),
});

/** The latest checkpoint's metadata in a run folder, if any. */
export function latestCheckpoint(runDir: string): CheckpointInfo | undefined {
  let data: unknown;
  try {
    data = readJsonFile(join(runDir, RUN_FILES.checkpoints, LATEST));
  } catch {
    return undefined;
  }
  const parsed = infoSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

export function createCheckpointer(runDir: string): Checkpointer {
  const dir = join(runDir, RUN_FILES.checkpoints);
  const fileOf = (name: string, kind: 'json' | 'bytes') =>
    join(dir, `${name}.${kind === 'json' ? 'json' : 'bin'}`);
  const checkName = (name: string) => {
    if (!NAME_RE.test(name) || name === 'latest') {
      throw new Error(`checkpoint name "${name}" must match ${NAME_RE} and not be "latest"`);
    }
  };

  const load = async (name?: string): Promise<Json | Uint8Array | undefined> => {
    let info: CheckpointInfo | undefined;
    if (name === undefined) {
      info = latestCheckpoint(runDir);
      if (!info) return undefined;
    } else {
      checkName(name);
      const latest = latestCheckpoint(runDir);
      info = latest?.name === name ? latest : undefined;
    }
    const candidates: ('json' | 'bytes')[] = info ? [info.kind] : ['json', 'bytes'];
    for (const kind of candidates) {
      const target = fileOf(info?.name ?? name!, kind);
      try {
        const buf = await readFile(target);
        return kind === 'json' ? (JSON.parse(buf.toString('utf8')) as Json) : new Uint8Array(buf);
      } catch (err) {
        if (err instanceof SyntaxError)
          throw new Error(`checkpoint ${target} is not valid JSON: ${err.message}`);
      }
    }
    return undefined;
  };

  return {
    async save(name, data, options = {}) {
      checkName(name);
      const kind = data instanceof Uint8Array ? 'bytes' : 'json';
      await writeFileAtomic(fileOf(name, kind), data instanceof Uint8Array ? data : stringifyJson(data));
      rmSync(fileOf(name, kind === 'json' ? 'bytes' : 'json'), { force: true });
      const info: CheckpointInfo = { name, kind, savedAt: new Date().toISOString() };
      if (options.step !== undefined) info.step = options.step;
      await writeFileAtomic(join(dir, LATEST), `${JSON.stringify(info, null, 2)}\n`);
    },
    load,
    async loadJson<T>(schema: z.ZodType<T>, name?: string): Promise<T | undefined> {
      const data = await load(name);
      if (data === undefined) return undefined;
      if (data instanceof Uint8Array)
        throw new Error(`checkpoint ${name ?? '(latest)'} holds bytes, not JSON`);
      const parsed = schema.safeParse(data);
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new Error(`checkpoint ${name ?? '(latest)'}: field "${i.path.join('.')}": ${i.message}`);
      }
      return parsed.data;
    },
    latest: () => latestCheckpoint(runDir),
  };
}

/** Reads a checkpoint file synchronously (used by the runner when resuming). */
export function readCheckpointSync(runDir: string, info: CheckpointInfo): Json | Uint8Array {
  const file = join(runDir, RUN_FILES.checkpoints, `${info.name}.${info.kind === 'json' ? 'json' : 'bin'}`);
  const buf = readFileSync(file);
  return info.kind === 'json' ? (JSON.parse(buf.toString('utf8')) as Json) : new Uint8Array(buf);
}
