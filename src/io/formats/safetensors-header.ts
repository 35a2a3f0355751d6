/**
 * Parsing and validation of the safetensors header.
 *
 * Layout (https://huggingface.co/docs/safetensors): 8-byte little-endian unsigned length `N`,
 * then `N` bytes of UTF-8 JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 * "__metadata__": {string: string}}`), then the data section. Offsets are relative to the start of
 * the data section; the tensors must tile it exactly (no gaps, no overlaps, nothing left over).
 *
 * @module
 */

import { rawItemSize, shapeSize } from './raw.js';
import {
  isReferenceSafetensorsDtype,
  isSafetensorsDtype,
  type SafetensorsDtype,
  SUPPORTED_SAFETENSORS_DTYPES,
  safetensorsToRawDType,
} from './safetensors-dtypes.js';

/** Largest header accepted, the same limit as the reference implementation (100 MB). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** Thrown for any malformed safetensors input or unencodable entry; the message names the tensor and field. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

/** Validated description of one tensor in a safetensors header. */
export interface SafetensorsTensorInfo {
  /** Tensor name (header key). */
  name: string;
  /** Stored element type. */
  dtype: SafetensorsDtype;
  /** Dimensions, outermost first. */
  shape: number[];
  /** `[begin, end)` byte range relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A parsed and fully validated safetensors header. */
export interface SafetensorsHeader {
  /** Absolute byte offset of the data section (`8 + N`). */
  dataStart: number;
  /** Tensors ordered by their position in the data section. */
  tensors: SafetensorsTensorInfo[];
  /** The `__metadata__` map, or `undefined` when the header has none. */
  metadata: Record<string, string> | undefined;
}

/** Builds the `safetensors[ file '...']: ` prefix used by all error messages. */
export function safetensorsErrorPrefix(source?: string): string {
  return source === undefined ? 'safetensors: ' : `safetensors file '${source}': `;
}

/** Defines an own enumerable property (safe for keys like `__proto__`). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses the header of a complete safetensors buffer and validates it against the buffer:
 * header length within limits and within the buffer, UTF-8 JSON object, known dtypes, integer
 * shapes, `data_offsets` consistent with `shape × itemsize`, in range, non-overlapping and
 * covering the data section exactly.
 *
 * @param bytes - The whole file contents.
 * @param source - Optional file name included in error messages.
 * @throws SafetensorsError naming the offending tensor and field.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, source?: string): SafetensorsHeader {
  const prefix = safetensorsErrorPrefix(source);
  const fail = (msg: string): never => {
    throw new SafetensorsError(prefix + msg);
  };
  if (bytes.length < 8) fail(`input is ${bytes.length} bytes, too short for the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    fail(
      `header length ${n} exceeds the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit (corrupt or not safetensors?)`,
    );
  }
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte input`);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    fail(`header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(json)) return fail('header must be a JSON object');

  let metadata: Record<string, string> | undefined;
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value, fail);
    } else {
      tensors.push(parseTensorInfo(name, value, fail));
    }
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  for (const t of tensors) {
    if (t.dataOffsets[1] > dataLength) {
      fail(
        `tensor '${t.name}': data_offsets [${t.dataOffsets.join(', ')}] end past the data section (${dataLength} bytes)`,
      );
    }
  }
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let cursor = 0;
  let previous: SafetensorsTensorInfo | undefined;
  for (const t of tensors) {
    const [begin, end] = t.dataOffsets;
    if (begin < cursor) {
      fail(
        `tensor '${t.name}': data_offsets [${begin}, ${end}] overlap tensor '${previous?.name}' (ends at ${cursor})`,
      );
    }
    if (begin > cursor) {
      fail(
        `tensor '${t.name}': data_offsets begin at ${begin}, leaving bytes ${cursor}..${begin} of the data section unused`,
      );
    }
    cursor = end;
    previous = t;
  }
  if (cursor !== dataLength) {
    fail(
      `tensors cover ${cursor} bytes but the data section has ${dataLength} (trailing bytes after the last tensor)`,
    );
  }
  return { dataStart, tensors, metadata };
}

function parseMetadata(value: unknown, fail: (msg: string) => never): Record<string, string> {
  if (!isPlainObject(value)) return fail('__metadata__ must be an object of string values');
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`__metadata__.${key} must be a string, got ${JSON.stringify(v)}`);
    setOwn(out, key, v as string);
  }
  return out;
}

function parseTensorInfo(name: string, value: unknown, fail: (msg: string) => never): SafetensorsTensorInfo {
  const what = `tensor '${name}'`;
  if (!isPlainObject(value)) return fail(`${what}: header entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') return fail(`${what}: dtype must be a string, got ${JSON.stringify(dtype)}`);
  if (!isSafetensorsDtype(dtype)) {
    const kind = isReferenceSafetensorsDtype(dtype) ? 'is not supported by nabla' : 'is unknown';
    return fail(`${what}: dtype '${dtype}' ${kind} (supported: ${SUPPORTED_SAFETENSORS_DTYPES})`);
  }
  if (!Array.isArray(shape)) return fail(`${what}: shape must be an array of integers`);
  let count = 0;
  try {
    count = shapeSize(shape as number[], what);
  } catch (err) {
    fail((err as Error).message);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    return fail(`${what}: data_offsets must be a [begin, end] pair, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as unknown[];
  for (const [field, v] of [
    ['begin', begin],
    ['end', end],
  ] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      fail(`${what}: data_offsets ${field} must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
  }
  const b = begin as number;
  const e = end as number;
  if (e < b) fail(`${what}: data_offsets [${b}, ${e}] end before they begin`);
  const itemSize = rawItemSize(safetensorsToRawDType(dtype));
  const needed = count * itemSize;
  if (e - b !== needed) {
    fail(
      `${what}: data_offsets [${b}, ${e}] span ${e - b} bytes but dtype ${dtype} with shape [${(shape as number[]).join(', ')}] needs ${needed}`,
    );
  }
  return { name, dtype, shape: (shape as number[]).slice(), dataOffsets: [b, e] };
}
