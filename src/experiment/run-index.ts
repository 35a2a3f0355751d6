/**
 * The run index, `runs/index.jsonl`: one JSON object per line, append-only. A run appends a line when
 * it starts (status `running`) and another when it ends; readers keep the last line per run id, so a
 * crashed run simply stays `running`, and a line cut short by a crash is skipped.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseJsonLines, stringifyJson } from './fs.js';
import {
  INDEX_FILE,
  RUN_FILES,
  RunFolderError,
  type RunIndexEntry,
  runIndexEntrySchema,
} from './run-folder.js';

export function appendRunIndex(root: string, entry: RunIndexEntry): void {
  mkdirSync(root, { recursive: true });
  // One write() call per line: O_APPEND makes concurrent appenders interleave whole lines.
  appendFileSync(join(root, INDEX_FILE), `${stringifyJson(entry)}\n`);
}

/** All runs in the index (last line per id wins), oldest first. */
export function readRunIndex(root: string): RunIndexEntry[] {
  let text: string;
  try {
    text = readFileSync(join(root, INDEX_FILE), 'utf8');
  } catch {
    return [];
  }
  const byId = new Map<string, RunIndexEntry>();
  for (const line of parseJsonLines(text)) {
    const parsed = runIndexEntrySchema.safeParse(line);
    if (!parsed.success) continue;
    byId.delete(parsed.data.id);
    byId.set(parsed.data.id, parsed.data);
  }
  return [...byId.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

function isRunDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, RUN_FILES.config));
}

/**
 * Resolves a run reference to a folder: a path to a run folder, a run id (`<experiment>/<folder>`),
 * a unique suffix or prefix of an id, or `latest`. Throws {@link RunFolderError} listing candidates.
 */
export function resolveRunRef(ref: string, root: string): string {
  if (isRunDir(resolve(ref))) return resolve(ref);
  if (isRunDir(join(root, ref))) return resolve(root, ref);
  const runs = readRunIndex(root);
  if (runs.length === 0)
    throw new RunFolderError(
      `run "${ref}" not found (no run folder there, and ${join(root, INDEX_FILE)} is empty)`,
    );
  let matches: RunIndexEntry[];
  if (ref === 'latest' || ref === 'last') matches = runs.slice(-1);
  else {
    matches = runs.filter((r) => r.id === ref);
    // `<experiment>` alone means its latest run.
    if (matches.length === 0) matches = runs.filter((r) => r.experiment === ref).slice(-1);
    if (matches.length === 0) {
      matches = runs.filter(
        (r) => r.id.endsWith(ref) || r.id.startsWith(ref) || basename(r.dir).startsWith(ref),
      );
    }
  }
  if (matches.length === 0)
    throw new RunFolderError(`run "${ref}" not found; \`nabla runs\` lists the runs in ${root}`);
  if (matches.length > 1) {
    throw new RunFolderError(`run "${ref}" is ambiguous: ${matches.map((m) => m.id).join(', ')}`);
  }
  return resolve(root, matches[0]!.dir);
}

/** The folder of `runDir` relative to `root`, with forward slashes (how the index stores it). */
export function indexDir(root: string, runDir: string): string {
  return relative(resolve(root), resolve(runDir)).split('\\').join('/');
}
