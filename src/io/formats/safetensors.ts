/**
 * Reading and writing the safetensors format (https://huggingface.co/docs/safetensors).
 *
 * **Writing** follows the reference implementation (`huggingface/safetensors`, used by the Python
 * `safetensors` package) byte for byte: tensors are laid out contiguously sorted by dtype
 * alignment, largest first (U64, I64, F64, F32, U32, I32, BF16, F16, U16, I16, I8, U8, BOOL), then
 * by name (UTF-8 byte order); the header is compact JSON with `__metadata__` first (its keys sorted,
 * for determinism) followed by the tensors in data order, each as
 * `{"dtype":…,"shape":[…],"data_offsets":[begin,end]}`; the header is padded with spaces to a
 * multiple of 8 bytes. Since the data section starts 8-byte aligned and items shrink monotonically,
 * every tensor is aligned to its element size.
 *
 * **Reading** accepts tensors in any order and validates the whole header (see
 * {@link parseSafetensorsHeader}). Conversions on decode (all flagged with `sourceDtype`):
 * - `F16` / `BF16` become `float32` by default (`halfPrecision: 'keep'` returns the raw bits as
 *   `float16` / `bfloat16` `Uint16Array`s instead);
 * - `I64` / `U64` become `int32` by default, failing with an error naming the tensor if a value
 *   does not fit (`int64: 'bigint'` keeps them as `BigInt64Array` / `BigUint64Array`);
 * - `BOOL` is a `Uint8Array` of 0/1 with dtype `bool` (other byte values are rejected).
 * Other dtypes are returned as stored. Decoding is zero-copy where possible: when the data's
 * absolute byte offset is a multiple of the element size (and the host is little-endian) the
 * returned typed array is a view into `bytes`; otherwise the tensor is copied.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { atomicWriteFileSync } from './atomic.js';
import { HOST_LITTLE_ENDIAN, littleEndianBytes, readTypedArray, type TypedArrayClass } from './bytes.js';
import { bfloat16ToFloat32Array, float16ToFloat32Array } from './half.js';
import { assertRawArray, type RawArray } from './raw.js';
import { rawToSafetensorsDtype, safetensorsDtypeRank } from './safetensors-dtypes.js';
import {
  parseSafetensorsHeader,
  SafetensorsError,
  type SafetensorsTensorInfo,
  safetensorsErrorPrefix,
  setOwn,
} from './safetensors-header.js';

export type { SafetensorsDtype } from './safetensors-dtypes.js';
export {
  MAX_SAFETENSORS_HEADER_BYTES,
  parseSafetensorsHeader,
  SafetensorsError,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from './safetensors-header.js';

/** Options for {@link decodeSafetensors} and {@link loadSafetensorsFile}. */
export interface DecodeSafetensorsOptions {
  /** `'float32'` (default) converts F16/BF16 to float32; `'keep'` returns raw 16-bit patterns. */
  halfPrecision?: 'float32' | 'keep';
  /** `'int32'` (default) narrows I64/U64 to int32 or throws; `'bigint'` keeps 64-bit BigInt arrays. */
  int64?: 'int32' | 'bigint';
  /** Always copy tensor data instead of returning views into the input (default false). */
  copy?: boolean;
  /** Name of the input (e.g. file path) used in error messages. */
  source?: string;
}

/** Result of decoding a safetensors buffer. */
export interface SafetensorsContents {
  /** Tensors by name (own enumerable properties, in data order). */
  tensors: Record<string, RawArray>;
  /** The header's `__metadata__` map; `{}` when the file has none. */
  metadata: Record<string, string>;
}

/**
 * Serializes named raw arrays (and optional string metadata) to safetensors bytes, producing the
 * same bytes as the reference Python/Rust writer (see module docs for the layout).
 *
 * `float16` / `bfloat16` entries must carry raw bit patterns (`Uint16Array`, see `half.ts` for
 * `float32ToFloat16Array` / `float32ToBfloat16Array`); `int64` / `uint64` entries carry
 * `BigInt64Array` / `BigUint64Array`.
 *
 * @param entries - Tensors by name; the name `__metadata__` is reserved.
 * @param metadata - Free-form string map stored as `__metadata__`; omitted from the header when undefined.
 * @throws SafetensorsError if an entry is inconsistent (dtype/data class, shape/length, bool values)
 *   or a metadata value is not a string.
 */
export function encodeSafetensors(
  entries: Record<string, RawArray>,
  metadata?: Record<string, string>,
): Uint8Array {
  const prefix = safetensorsErrorPrefix();
  const list = Object.entries(entries).map(([name, array]) => {
    if (name === '__metadata__')
      throw new SafetensorsError(`${prefix}'__metadata__' is reserved and cannot name a tensor`);
    try {
      assertRawArray(array, `tensor '${name}'`);
    } catch (err) {
      throw new SafetensorsError(prefix + (err as Error).message);
    }
    return { name, nameBytes: Buffer.from(name, 'utf8'), array, dtype: rawToSafetensorsDtype(array.dtype) };
  });
  list.sort(
    (a, b) =>
      safetensorsDtypeRank(b.dtype) - safetensorsDtypeRank(a.dtype) ||
      Buffer.compare(a.nameBytes, b.nameBytes),
  );

  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const fields = keys.map((key) => {
      const value: unknown = metadata[key];
      if (typeof value !== 'string') {
        throw new SafetensorsError(`${prefix}__metadata__.${key} must be a string, got ${typeof value}`);
      }
      return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    });
    parts.push(`"__metadata__":{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const { name, array, dtype } of list) {
    const end = offset + array.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${array.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let cursor = 8 + headerLength;
  for (const { array } of list) {
    out.set(littleEndianBytes(array.data), cursor);
    cursor += array.data.byteLength;
  }
  return out;
}

/**
 * Parses safetensors bytes into raw arrays after validating the header against the buffer
 * (see module docs for dtype conversions and zero-copy behaviour).
 *
 * @param bytes - The complete file contents. Unless `copy` is set, returned arrays may share
 *   memory with it, so later writes to `bytes` show through.
 * @throws SafetensorsError naming the tensor and field for any malformed input, or when an
 *   I64/U64 value does not fit int32 in the default `int64: 'int32'` mode.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): SafetensorsContents {
  const header = parseSafetensorsHeader(bytes, options.source);
  const tensors: Record<string, RawArray> = {};
  for (const info of header.tensors) {
    setOwn(tensors, info.name, decodeTensor(bytes, header.dataStart, info, options));
  }
  return { tensors, metadata: header.metadata ?? {} };
}

function decodeTensor(
  bytes: Uint8Array,
  dataStart: number,
  info: SafetensorsTensorInfo,
  options: DecodeSafetensorsOptions,
): RawArray {
  const shape = info.shape;
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = dataStart + info.dataOffsets[0];
  const allowView = options.copy !== true;
  const read = <T>(cls: TypedArrayClass<T>): T =>
    readTypedArray(cls, bytes, offset, count, 'little', allowView);
  switch (info.dtype) {
    case 'F64':
      return { dtype: 'float64', shape, data: read(Float64Array) };
    case 'F32':
      return { dtype: 'float32', shape, data: read(Float32Array) };
    case 'F16': {
      const bits = read(Uint16Array);
      if (options.halfPrecision === 'keep') return { dtype: 'float16', shape, data: bits };
      return { dtype: 'float32', shape, data: float16ToFloat32Array(bits), sourceDtype: 'float16' };
    }
    case 'BF16': {
      const bits = read(Uint16Array);
      if (options.halfPrecision === 'keep') return { dtype: 'bfloat16', shape, data: bits };
      return { dtype: 'float32', shape, data: bfloat16ToFloat32Array(bits), sourceDtype: 'bfloat16' };
    }
    case 'I32':
      return { dtype: 'int32', shape, data: read(Int32Array) };
    case 'U32':
      return { dtype: 'uint32', shape, data: read(Uint32Array) };
    case 'I16':
      return { dtype: 'int16', shape, data: read(Int16Array) };
    case 'U16':
      return { dtype: 'uint16', shape, data: read(Uint16Array) };
    case 'I8':
      return { dtype: 'int8', shape, data: read(Int8Array) };
    case 'U8':
      return { dtype: 'uint8', shape, data: read(Uint8Array) };
    case 'BOOL': {
      const data = read(Uint8Array);
      const bad = data.findIndex((v) => v > 1);
      if (bad >= 0) {
        throw new SafetensorsError(
          `${safetensorsErrorPrefix(options.source)}tensor '${info.name}': BOOL byte at index ${bad} is ${data[bad]}, expected 0 or 1`,
        );
      }
      return { dtype: 'bool', shape, data };
    }
    case 'I64': {
      const data = read(BigInt64Array);
      if (options.int64 === 'bigint') return { dtype: 'int64', shape, data };
      return {
        dtype: 'int32',
        shape,
        data: narrowToInt32(data, true, info.name, options.source),
        sourceDtype: 'int64',
      };
    }
    case 'U64': {
      const data = read(BigUint64Array);
      if (options.int64 === 'bigint') return { dtype: 'uint64', shape, data };
      return {
        dtype: 'int32',
        shape,
        data: narrowToInt32(data, false, info.name, options.source),
        sourceDtype: 'uint64',
      };
    }
  }
}

/** Narrows 64-bit integers to int32, reading each as a (low, high) pair of 32-bit words. */
function narrowToInt32(
  data: BigInt64Array | BigUint64Array,
  signed: boolean,
  name: string,
  source?: string,
): Int32Array {
  const words = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
  const lo = HOST_LITTLE_ENDIAN ? 0 : 1;
  const hi = 1 - lo;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const low = words[2 * i + lo];
    const high = words[2 * i + hi];
    if (signed ? high !== low >> 31 : high !== 0 || low < 0) {
      throw new SafetensorsError(
        `${safetensorsErrorPrefix(source)}tensor '${name}': ${signed ? 'I64' : 'U64'} value ${data[i]} at index ${i} does not fit in int32; decode with { int64: 'bigint' } to keep 64-bit integers`,
      );
    }
    out[i] = low;
  }
  return out;
}

/**
 * Writes tensors to a safetensors file atomically (temporary file in the same directory, fsync,
 * rename), so a crash mid-write never destroys an existing file at `path`.
 *
 * @param path - Destination file; its directory must exist.
 * @param entries - Tensors by name (see {@link encodeSafetensors}).
 * @param metadata - Optional `__metadata__` string map.
 */
export function saveSafetensorsFile(
  path: string,
  entries: Record<string, RawArray>,
  metadata?: Record<string, string>,
): void {
  atomicWriteFileSync(path, encodeSafetensors(entries, metadata));
}

/**
 * Reads and decodes a safetensors file (see {@link decodeSafetensors}); error messages name the file.
 *
 * @throws SafetensorsError for malformed contents; the `fs` error if the file cannot be read.
 */
export function loadSafetensorsFile(
  path: string,
  options: Omit<DecodeSafetensorsOptions, 'source'> = {},
): SafetensorsContents {
  const bytes = readFileSync(path);
  return decodeSafetensors(bytes, { ...options, source: path });
}
