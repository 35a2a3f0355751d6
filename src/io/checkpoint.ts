/**
 * Training checkpoints: model, optimiser and scheduler state, the global RNG state, the
 * epoch/step counters and free-form JSON, in one safetensors file written atomically.
 *
 * Layout: the model's tensors are stored as `model.<key>`, tensors inside the optimiser's
 * (and scheduler's) state dict as `optimizer.<path>` (`scheduler.<path>`); everything else is
 * one JSON document in the `__metadata__` entry `nabla.checkpoint`, where each tensor is
 * replaced by `{"$tensor": "<stored name>"}` and non-finite numbers by `{"$number": "Infinity"}`.
 */

import { readFileSync } from 'node:fs';
import { ArgumentError, NablaError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { type GeneratorState, getRngState, setRngState } from '../random/key.js';
import { atomicWriteFileSync } from './formats/atomic.js';
import type { StatefulModule } from './state-dict.js';
import { decodeTensors, encodeTensors } from './tensors.js';

/** Anything with a JSON-plus-tensors state dict (optimisers, schedulers). */
export interface Stateful {
  stateDict(): unknown;
  loadStateDict(stateDict: unknown): unknown;
}

/** JSON values. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What `saveCheckpoint` stores. */
export interface CheckpointContents {
  /** The model (any object with `stateDict()` / `loadStateDict()`, e.g. an `nn.Module`). */
  model?: StatefulModule;
  /** The optimiser. */
  optimizer?: Stateful;
  /** The learning-rate scheduler. */
  scheduler?: Stateful;
  /** Completed epochs. */
  epoch?: number;
  /** Completed steps. */
  step?: number;
  /**
   * State of the global random generator; by default the current `getRngState()` is saved.
   * Pass `null` to save none.
   */
  rng?: GeneratorState | null;
  /** Any JSON-serialisable data (e.g. metrics, the config); tensors inside are stored too. */
  extra?: JsonValue | Record<string, unknown>;
}

/** Where `loadCheckpoint` restores the state into. */
export interface CheckpointTargets {
  model?: StatefulModule;
  optimizer?: Stateful;
  scheduler?: Stateful;
  /** Require the checkpoint's model keys to match the model's exactly (default true). */
  strict?: boolean;
  /** Restore the global random generator from the checkpoint (default true). */
  restoreRng?: boolean;
}

/** What `loadCheckpoint` returns (besides restoring the targets). */
export interface LoadedCheckpoint {
  epoch?: number;
  step?: number;
  rng?: GeneratorState;
  extra?: JsonValue | Record<string, unknown>;
  /** The model's tensors as stored. */
  modelState: Record<string, Tensor>;
}

const META_KEY = 'nabla.checkpoint';
const FORMAT = 'nabla-checkpoint';
const VERSION = 1;

interface Document {
  format: string;
  version: number;
  epoch?: number;
  step?: number;
  rng?: GeneratorState;
  extra?: unknown;
  hasModel: boolean;
  optimizer?: unknown;
  scheduler?: unknown;
}

/** Replaces tensors with references (collected into `tensors`) and non-finite numbers with markers. */
function encodeValue(v: unknown, path: string, tensors: Record<string, Tensor>): unknown {
  if (v instanceof Tensor) {
    let name = path;
    for (let k = 1; name in tensors; k++) name = `${path}#${k}`;
    tensors[name] = v;
    return { $tensor: name };
  }
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $number: String(v) };
  if (Array.isArray(v)) return v.map((x, i) => encodeValue(x, `${path}.${i}`, tensors));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === 'function') continue;
      out[k] = encodeValue(x, `${path}.${k}`, tensors);
    }
    return out;
  }
  if (typeof v === 'bigint' || typeof v === 'symbol') {
    throw new ArgumentError(`saveCheckpoint: value at '${path}' is not JSON-serialisable`);
  }
  return v;
}

function decodeValue(v: unknown, tensors: Record<string, Tensor>): unknown {
  if (Array.isArray(v)) return v.map((x) => decodeValue(x, tensors));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$tensor === 'string') {
      const t = tensors[o.$tensor];
      if (!t)
        throw new NablaError(`loadCheckpoint: tensor '${o.$tensor}' referenced by the metadata is missing`);
      return t;
    }
    if (keys.length === 1 && typeof o.$number === 'string') return Number(o.$number);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x, tensors);
    return out;
  }
  return v;
}

/** Serialises a checkpoint to safetensors bytes (see `saveCheckpoint`). */
export function encodeCheckpoint(contents: CheckpointContents): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  if (contents.model) {
    for (const [k, t] of Object.entries(contents.model.stateDict())) {
      if (!(t instanceof Tensor))
        throw new ArgumentError(`saveCheckpoint: model state '${k}' is not a tensor`);
      tensors[`model.${k}`] = t;
    }
  }
  const doc: Document = { format: FORMAT, version: VERSION, hasModel: contents.model !== undefined };
  if (contents.epoch !== undefined) doc.epoch = contents.epoch;
  if (contents.step !== undefined) doc.step = contents.step;
  const rng = contents.rng === undefined ? getRngState() : contents.rng;
  if (rng !== null) doc.rng = { seed: rng.seed, key: [rng.key[0], rng.key[1]], offset: rng.offset };
  if (contents.extra !== undefined) doc.extra = encodeValue(contents.extra, 'extra', tensors);
  if (contents.optimizer) doc.optimizer = encodeValue(contents.optimizer.stateDict(), 'optimizer', tensors);
  if (contents.scheduler) doc.scheduler = encodeValue(contents.scheduler.stateDict(), 'scheduler', tensors);
  return encodeTensors(tensors, { [META_KEY]: JSON.stringify(doc) });
}

/** Parses checkpoint bytes and restores the targets (see `loadCheckpoint`). */
export function decodeCheckpoint(
  bytes: Uint8Array,
  targets: CheckpointTargets = {},
  source = '<buffer>',
): LoadedCheckpoint {
  const { tensors, metadata } = decodeTensors(bytes, source);
  const raw = metadata[META_KEY];
  if (raw === undefined)
    throw new NablaError(`loadCheckpoint: '${source}' is not a nabla checkpoint (no ${META_KEY} metadata)`);
  let doc: Document;
  try {
    doc = JSON.parse(raw) as Document;
  } catch (err) {
    throw new NablaError(
      `loadCheckpoint: '${source}': invalid checkpoint metadata (${(err as Error).message})`,
    );
  }
  if (doc.format !== FORMAT || typeof doc.version !== 'number' || doc.version > VERSION) {
    throw new NablaError(
      `loadCheckpoint: '${source}': unsupported checkpoint format ${doc.format} v${doc.version}`,
    );
  }
  const modelState: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (k.startsWith('model.')) modelState[k.slice(6)] = t;
  const need = (what: 'optimizer' | 'scheduler') => {
    if (doc[what] === undefined) throw new NablaError(`loadCheckpoint: '${source}' holds no ${what} state`);
    return decodeValue(doc[what], tensors);
  };
  // Decode everything before touching any target, so a bad file leaves them unchanged.
  const optState = targets.optimizer ? need('optimizer') : undefined;
  const schedState = targets.scheduler ? need('scheduler') : undefined;
  if (targets.model && !doc.hasModel)
    throw new NablaError(`loadCheckpoint: '${source}' holds no model state`);
  if (targets.model) targets.model.loadStateDict(modelState, { strict: targets.strict ?? true });
  if (targets.optimizer) targets.optimizer.loadStateDict(optState);
  if (targets.scheduler) targets.scheduler.loadStateDict(schedState);
  if (doc.rng && (targets.restoreRng ?? true)) setRngState(doc.rng);
  const out: LoadedCheckpoint = { modelState };
  if (doc.epoch !== undefined) out.epoch = doc.epoch;
  if (doc.step !== undefined) out.step = doc.step;
  if (doc.rng) out.rng = doc.rng;
  if (doc.extra !== undefined)
    out.extra = decodeValue(doc.extra, tensors) as JsonValue | Record<string, unknown>;
  return out;
}

/**
 * Saves a training checkpoint to `path` as one safetensors file, atomically: it is written to
 * a temporary file in the same directory, flushed and renamed over `path`, so a crash (or an
 * error while collecting the state) never corrupts a previous checkpoint at `path`.
 * The global RNG state is included by default so that resuming reproduces the same run.
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  atomicWriteFileSync(path, encodeCheckpoint(contents));
}

/**
 * Loads a checkpoint written by `saveCheckpoint`, restoring the model, optimiser and scheduler
 * given in `targets` and (by default) the global RNG state; returns the epoch, step, RNG state
 * and extra data.
 */
export function loadCheckpoint(path: string, targets: CheckpointTargets = {}): LoadedCheckpoint {
  return decodeCheckpoint(readFileSync(path), targets, path);
}
