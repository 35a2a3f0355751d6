/** Saving and loading a module's state dict as a safetensors file. */
import type { Tensor } from '../core/tensor.js';
import { loadTensors, saveTensors } from './tensors.js';

/**
 * Anything with a tensor state dict, such as an `nn.Module` (structural, so `nabla/io` does
 * not depend on `nabla/nn`).
 */
export interface StatefulModule {
  stateDict(): Record<string, Tensor>;
  loadStateDict(stateDict: Record<string, Tensor>, options?: { strict?: boolean }): unknown;
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require the file's keys to match the module's exactly (default true). */
  strict?: boolean;
}

/** Saves `module.stateDict()` to a safetensors file (atomically). */
export function saveStateDict(path: string, module: StatefulModule, metadata?: Record<string, string>): void {
  saveTensors(path, module.stateDict(), metadata);
}

/**
 * Loads a safetensors file into `module` via `module.loadStateDict(tensors, { strict })`
 * and returns whatever that returns (e.g. the missing and unexpected keys).
 */
export function loadStateDict(
  path: string,
  module: StatefulModule,
  options: LoadStateDictOptions = {},
): unknown {
  return module.loadStateDict(loadTensors(path), { strict: options.strict ?? true });
}
