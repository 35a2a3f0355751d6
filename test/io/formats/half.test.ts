import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToNumber,
  bfloat16ToFloat32Array,
  float16BitsToNumber,
  float16ToFloat32Array,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from '../../../src/io/formats/half.js';

describe('float16', () => {
  it('decodes known bit patterns', () => {
    expect(float16BitsToNumber(0x3c00)).toBe(1);
    expect(float16BitsToNumber(0xc000)).toBe(-2);
    expect(float16BitsToNumber(0x7bff)).toBe(65504);
    expect(float16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(float16BitsToNumber(0x0400)).toBe(2 ** -14);
    expect(Object.is(float16BitsToNumber(0x8000), -0)).toBe(true);
    expect(float16BitsToNumber(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(float16BitsToNumber(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(float16BitsToNumber(0x7e00)).toBeNaN();
  });

  it('round-trips every non-NaN bit pattern', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16Array(float16ToFloat32Array(bits));
    for (let i = 0; i < 65536; i++) {
      const nan = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (nan) expect((back[i] & 0x7c00) === 0x7c00 && (back[i] & 0x3ff) !== 0).toBe(true);
      else if (back[i] !== i) throw new Error(`bits ${i.toString(16)} came back as ${back[i].toString(16)}`);
    }
  });

  it('rounds to nearest even, saturating to infinity', () => {
    expect(numberToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(numberToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(numberToFloat16Bits(65519)).toBe(0x7bff);
    expect(numberToFloat16Bits(65520)).toBe(0x7c00);
    expect(numberToFloat16Bits(1e10)).toBe(0x7c00);
    expect(numberToFloat16Bits(-1e10)).toBe(0xfc00);
    expect(numberToFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(numberToFloat16Bits(2 ** -25 * 1.5)).toBe(1);
    expect(numberToFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // subnormal rounds up into normal
    expect(numberToFloat16Bits(-0)).toBe(0x8000);
    expect(numberToFloat16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
  });
});

describe('bfloat16', () => {
  it('decodes exactly and rounds to nearest even', () => {
    expect(bfloat16BitsToNumber(0x3f80)).toBe(1);
    expect(bfloat16BitsToNumber(0x4049)).toBe(3.140625);
    expect(numberToBfloat16Bits(Math.PI)).toBe(0x4049);
    expect(numberToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(numberToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(numberToBfloat16Bits(3.4e38)).toBe(0x7f80); // rounds up to infinity
    expect(numberToBfloat16Bits(Number.NEGATIVE_INFINITY)).toBe(0xff80);
    expect(numberToBfloat16Bits(Number.NaN) & 0x7fc0).toBe(0x7fc0);
  });

  it('round-trips every non-NaN bit pattern', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToBfloat16Array(bfloat16ToFloat32Array(bits));
    for (let i = 0; i < 65536; i++) {
      const nan = (i & 0x7f80) === 0x7f80 && (i & 0x7f) !== 0;
      if (!nan && back[i] !== i)
        throw new Error(`bits ${i.toString(16)} came back as ${back[i].toString(16)}`);
    }
  });
});
