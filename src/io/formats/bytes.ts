/**
 * Byte-order helpers for turning file bytes into typed arrays and back.
 *
 * @module
 */

/** True when the host stores multi-byte numbers little-endian (every mainstream Node platform). */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A typed-array class that can be constructed as a view over an `ArrayBuffer`. */
export interface TypedArrayClass<T> {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** Reverses the byte order of every `itemSize`-byte element of `bytes`, in place. */
export function byteSwapInPlace(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i + itemSize <= bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/**
 * Reads `count` elements stored in `byteOrder` starting at `bytes[offset]` into a typed array of
 * class `cls`.
 *
 * When `allowView` is true, the data is already in host order and the absolute byte offset is a
 * multiple of the element size, the result is a zero-copy view sharing memory with `bytes`;
 * otherwise the bytes are copied into a fresh, aligned buffer (and byte-swapped if needed).
 */
export function readTypedArray<T>(
  cls: TypedArrayClass<T>,
  bytes: Uint8Array,
  offset: number,
  count: number,
  byteOrder: 'little' | 'big',
  allowView: boolean,
): T {
  const size = cls.BYTES_PER_ELEMENT;
  const absolute = bytes.byteOffset + offset;
  const hostOrder = (byteOrder === 'little') === HOST_LITTLE_ENDIAN || size === 1;
  if (allowView && hostOrder && absolute % size === 0) {
    return new cls(bytes.buffer, absolute, count);
  }
  // Not bytes.slice(): on a Node Buffer that returns a view, not a copy.
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(offset, offset + count * size));
  if (!hostOrder) byteSwapInPlace(copy, size);
  return new cls(copy.buffer, 0, count);
}

/**
 * Returns the little-endian bytes of a typed array: a view of its memory on little-endian hosts,
 * a byte-swapped copy otherwise.
 */
export function littleEndianBytes(data: ArrayBufferView): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN) return view;
  const copy = view.slice();
  const itemSize = 'BYTES_PER_ELEMENT' in data ? Number(data.BYTES_PER_ELEMENT) : 1;
  byteSwapInPlace(copy, itemSize);
  return copy;
}
