/** Saving and loading named tensors as safetensors files. */
import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { rawToTensor, tensorToRaw } from './convert.js';
import type { RawArray } from './formats/raw.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensorsFile,
  saveSafetensorsFile,
} from './formats/safetensors.js';

function toRawRecord(tensors: Record<string, Tensor>, op: string): Record<string, RawArray> {
  const out: Record<string, RawArray> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: '${name}' is not a tensor`);
    out[name] = tensorToRaw(t);
  }
  return out;
}

function toTensorRecord(raw: Record<string, RawArray>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, r] of Object.entries(raw)) out[name] = rawToTensor(r, name);
  return out;
}

/** Named tensors plus the file's string metadata. */
export interface TensorsWithMetadata {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Serialises named tensors (and optional string metadata) to safetensors bytes. */
export function encodeTensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  return encodeSafetensors(toRawRecord(tensors, 'encodeTensors'), metadata);
}

/** Parses safetensors bytes into tensors (F16/BF16 become float32, integer types int32). */
export function decodeTensors(bytes: Uint8Array, source?: string): TensorsWithMetadata {
  const { tensors, metadata } = decodeSafetensors(bytes, source !== undefined ? { source } : {});
  return { tensors: toTensorRecord(tensors), metadata };
}

/**
 * Writes named tensors to a safetensors file, atomically (a crash never leaves a partial
 * file behind). `metadata` is stored as the file's `__metadata__` string map.
 */
export function saveTensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): void {
  saveSafetensorsFile(path, toRawRecord(tensors, 'saveTensors'), metadata);
}

/** Reads the tensors of a safetensors file (e.g. one written by PyTorch's `safetensors`). */
export function loadTensors(path: string): Record<string, Tensor> {
  return loadTensorsWithMetadata(path).tensors;
}

/** Reads the tensors and the `__metadata__` map of a safetensors file. */
export function loadTensorsWithMetadata(path: string): TensorsWithMetadata {
  const { tensors, metadata } = loadSafetensorsFile(path);
  return { tensors: toTensorRecord(tensors), metadata };
}
