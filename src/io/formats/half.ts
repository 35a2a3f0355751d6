/**
 * Conversions between 16-bit float bit patterns (IEEE 754 binary16 and bfloat16) and float32.
 *
 * Node 20 has no `Float16Array`, so half-precision data travels as raw bit patterns in a
 * `Uint16Array`. Narrowing conversions round to nearest, ties to even, like PyTorch's
 * `tensor.half()` / `tensor.bfloat16()`.
 *
 * @module
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

let f16Table: Float32Array | undefined;

function float16Table(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) table[h] = sign * mant * 2 ** -24;
    else if (exp === 31) table[h] = mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else table[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  f16Table = table;
  return table;
}

/** Decodes one IEEE binary16 bit pattern (0..65535) to its numeric value. */
export function float16BitsToNumber(bits: number): number {
  return float16Table()[bits & 0xffff];
}

/** Encodes `value` as an IEEE binary16 bit pattern, rounding to nearest even; overflow gives ±Infinity. */
export function numberToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : 0x200 | (mant >>> 13));
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** Decodes one bfloat16 bit pattern (0..65535) to its numeric value (exact). */
export function bfloat16BitsToNumber(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/** Encodes `value` as a bfloat16 bit pattern, rounding to nearest even; NaN stays a quiet NaN. */
export function numberToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Converts an array of binary16 bit patterns to float32 values (exact). */
export function float16ToFloat32Array(bits: Uint16Array): Float32Array {
  const table = float16Table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/** Converts float values to binary16 bit patterns, rounding to nearest even. */
export function float32ToFloat16Array(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToFloat16Bits(values[i]);
  return out;
}

/** Converts an array of bfloat16 bit patterns to float32 values (exact). */
export function bfloat16ToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}

/** Converts float values to bfloat16 bit patterns, rounding to nearest even. */
export function float32ToBfloat16Array(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToBfloat16Bits(values[i]);
  return out;
}
