/**
 * Parser for the IDX format used by MNIST-style datasets (http://yann.lecun.com/exdb/mnist/).
 *
 * Layout: magic `0x00 0x00 <type> <ndim>`, then `ndim` big-endian uint32 dimensions, then the
 * elements, big-endian, in row-major order. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16,
 * 0x0C int32, 0x0D float32, 0x0E float64. Gzip-compressed files (magic 0x1f 0x8b) are inflated first.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readTypedArray, type TypedArrayClass } from '../../io/formats/bytes.js';
import type { RawArray, RawData } from '../../io/formats/raw.js';

/** Element types an IDX file can hold. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX file: a {@link RawArray} restricted to the IDX element types. */
export type IdxArray = Extract<RawArray, { dtype: IdxDType }>;

const TYPES: Record<number, { dtype: IdxDType; cls: TypedArrayClass<RawData> }> = {
  8: { dtype: 'uint8', cls: Uint8Array },
  9: { dtype: 'int8', cls: Int8Array },
  11: { dtype: 'int16', cls: Int16Array },
  12: { dtype: 'int32', cls: Int32Array },
  13: { dtype: 'float32', cls: Float32Array },
  14: { dtype: 'float64', cls: Float64Array },
};

/** Returns true when `bytes` starts with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses IDX bytes (optionally gzip-compressed).
 *
 * Byte-sized elements are returned as a view of the (decompressed) input; wider elements are
 * converted from big-endian into a fresh typed array.
 *
 * @param bytes - File contents.
 * @param source - Name used in error messages (usually the file path).
 * @throws Error naming `source` for corrupt gzip data, a bad magic number, an unknown type code,
 *   or a data section shorter or longer than the dimensions require.
 */
export function parseIdx(bytes: Uint8Array, source = '<buffer>'): IdxArray {
  const fail = (msg: string): never => {
    throw new Error(`IDX file '${source}': ${msg}`);
  };
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      fail(`gzip data is corrupt or truncated (${(err as Error).message})`);
    }
  }
  if (bytes.length < 4) fail(`only ${bytes.length} bytes, too short for the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      `bad magic number 0x${magic.toString(16).padStart(8, '0')}: the first two bytes must be zero (not an IDX file?)`,
    );
  }
  const type = TYPES[bytes[2]];
  if (type === undefined) {
    fail(
      `unknown element type code 0x${bytes[2].toString(16).padStart(2, '0')} in magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`,
    );
  }
  const ndim = bytes[3];
  if (ndim === 0) fail('magic number declares 0 dimensions');
  const dataStart = 4 + 4 * ndim;
  if (bytes.length < dataStart)
    fail(`truncated header: ${ndim} dimensions need ${dataStart} bytes, file has ${bytes.length}`);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const { dtype, cls } = type;
  const needed = count * cls.BYTES_PER_ELEMENT;
  const available = bytes.length - dataStart;
  if (available < needed) {
    fail(
      `truncated data: shape [${shape.join(', ')}] of ${dtype} needs ${needed} bytes but only ${available} follow the header`,
    );
  }
  if (available > needed) {
    fail(
      `${available - needed} unexpected trailing bytes after the data for shape [${shape.join(', ')}] of ${dtype}`,
    );
  }
  const data = readTypedArray(cls, bytes, dataStart, count, 'big', true);
  return { dtype, shape, data } as IdxArray;
}

/**
 * Reads and parses an IDX file, gzip-compressed or not (detected from the content, not the name).
 *
 * @throws Error naming the file (see {@link parseIdx}); the `fs` error if it cannot be read.
 */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readFileSync(path), path);
}
