import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { float32ToFloat16Array } from '../../../src/io/formats/half.js';
import type { RawArray } from '../../../src/io/formats/raw.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensorsFile,
  SafetensorsError,
  saveSafetensorsFile,
} from '../../../src/io/formats/safetensors.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'nabla-safetensors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectedValue(v: number | string): number {
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (v === '-0') return -0;
  return v as number;
}

/** Builds a file from a header object (written exactly as given) and a data section. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0), pad = true): Uint8Array {
  let json = Buffer.from(JSON.stringify(header));
  if (pad) json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('decodeSafetensors on a file from an independent writer', () => {
  const bytes = new Uint8Array(readFileSync(join(fixtures, 'reference.safetensors')));
  const expected = JSON.parse(readFileSync(join(fixtures, 'reference.json'), 'utf8')) as {
    metadata: Record<string, string>;
    tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
  };
  const decoded = decodeSafetensors(bytes);

  it('reads the metadata and every tensor', () => {
    expect(decoded.metadata).toEqual(expected.metadata);
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
  });

  for (const [name, want] of Object.entries(expected.tensors)) {
    it(`decodes ${name} (${want.dtype})`, () => {
      const got = decoded.tensors[name];
      expect(got.shape).toEqual(want.shape);
      const values = Array.from(got.data as ArrayLike<number>, Number);
      expect(values.length).toBe(want.values.length);
      values.forEach((v, i) => {
        expect(Object.is(v, expectedValue(want.values[i])) || v === expectedValue(want.values[i])).toBe(true);
        if (want.values[i] === '-0') expect(Object.is(v, -0)).toBe(true);
      });
    });
  }

  it('gives the same result from a Node Buffer (loadSafetensorsFile), including copied tensors', () => {
    const fromFile = loadSafetensorsFile(join(fixtures, 'reference.safetensors'));
    expect(fromFile.metadata).toEqual(decoded.metadata);
    for (const [name, t] of Object.entries(decoded.tensors)) {
      expect(Array.from(fromFile.tensors[name].data as ArrayLike<number>), name).toEqual(
        Array.from(t.data as ArrayLike<number>),
      );
    }
    const shifted = Buffer.alloc(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    const fromShifted = decodeSafetensors(shifted);
    for (const [name, t] of Object.entries(decoded.tensors)) {
      expect(Array.from(fromShifted.tensors[name].data as ArrayLike<number>), name).toEqual(
        Array.from(t.data as ArrayLike<number>),
      );
    }
  });

  it('maps dtypes and flags conversions', () => {
    const t = decoded.tensors;
    expect(t.weight.dtype).toBe('float32');
    expect(t.bias.dtype).toBe('float64');
    expect(t.half).toMatchObject({ dtype: 'float32', sourceDtype: 'float16' });
    expect(t.brain).toMatchObject({ dtype: 'float32', sourceDtype: 'bfloat16' });
    expect(t.index).toMatchObject({ dtype: 'int32', sourceDtype: 'int64' });
    expect(t.index.data).toBeInstanceOf(Int32Array);
    expect(t.mask.dtype).toBe('bool');
    expect(t.mask.data).toBeInstanceOf(Uint8Array);
    expect(t.pixels.dtype).toBe('uint8');
    expect(t.small.data).toBeInstanceOf(Int8Array);
    expect(t.short.data).toBeInstanceOf(Int16Array);
    expect(t.ushort.data).toBeInstanceOf(Uint16Array);
    expect(t.uint.data).toBeInstanceOf(Uint32Array);
    expect(t.counts.data).toBeInstanceOf(Int32Array);
    expect(t.scalar).toMatchObject({ shape: [] });
    expect(t.empty.data.length).toBe(0);
    expect(t.weight.sourceDtype).toBeUndefined();
  });

  it('keeps half-precision bits and 64-bit integers on request', () => {
    const raw = decodeSafetensors(bytes, { halfPrecision: 'keep', int64: 'bigint' }).tensors;
    expect(raw.half.dtype).toBe('float16');
    expect(Array.from(raw.half.data as Uint16Array)).toEqual([
      0x3c00, 0xc000, 0x2e66, 0x7bff, 0x0001, 0x8000,
    ]);
    expect(raw.brain.dtype).toBe('bfloat16');
    expect(raw.index.dtype).toBe('int64');
    expect(Array.from(raw.index.data as BigInt64Array)).toEqual([0n, -1n, 2147483647n, -2147483648n]);
  });

  it('returns zero-copy views for aligned tensors and copies misaligned ones', () => {
    const fresh = decodeSafetensors(bytes);
    const views = Object.values(fresh.tensors).filter((t) => t.data.buffer === bytes.buffer);
    expect(views.length).toBeGreaterThan(0);
    for (const t of Object.values(fresh.tensors)) {
      expect(t.data.byteOffset % t.data.BYTES_PER_ELEMENT).toBe(0);
    }
    const copied = decodeSafetensors(bytes, { copy: true });
    for (const t of Object.values(copied.tensors)) expect(t.data.buffer).not.toBe(bytes.buffer);
  });
});

describe("a PyTorch state dict in the reference writer's canonical layout", () => {
  const bytes = new Uint8Array(readFileSync(join(fixtures, 'torch-reference.safetensors')));
  const expected = JSON.parse(readFileSync(join(fixtures, 'torch-reference.json'), 'utf8')) as {
    order: string[];
    tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
  };

  it('decodes the values PyTorch wrote', () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors)).toEqual(expected.order);
    for (const [name, want] of Object.entries(expected.tensors)) {
      expect(tensors[name].shape, name).toEqual(want.shape);
      expect(Array.from(tensors[name].data as ArrayLike<number>), name).toEqual(want.values);
    }
    expect(tensors['bn.num_batches_tracked']).toMatchObject({
      dtype: 'int32',
      shape: [],
      sourceDtype: 'int64',
    });
  });

  it('re-encodes to identical bytes', () => {
    const { tensors, metadata } = decodeSafetensors(bytes, { halfPrecision: 'keep', int64: 'bigint' });
    expect(Buffer.from(encodeSafetensors(tensors, metadata)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('encodeSafetensors', () => {
  it('matches the reference implementation byte for byte', () => {
    // Vectors from huggingface/safetensors' own serialization tests.
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    expect(Array.from(encodeSafetensors({ 'attn.0': { dtype: 'float32', shape: [1, 2, 3], data } }))).toEqual(
      [
        64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101,
        34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44,
        34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125,
        0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
      ],
    );
    const padded = encodeSafetensors({ attn0: { dtype: 'float32', shape: [1, 1, 2, 3], data } });
    expect(padded[0]).toBe(72);
    expect(Array.from(padded.subarray(8 + 65, 8 + 72))).toEqual([32, 32, 32, 32, 32, 32, 32]);
    expect(Array.from(encodeSafetensors({}))).toEqual([
      8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32,
    ]);
    expect(Buffer.from(encodeSafetensors({}, { framework: 'pt' })).toString('latin1')).toBe(
      '(\0\0\0\0\0\0\0{"__metadata__":{"framework":"pt"}}     ',
    );
  });

  it('orders tensors by dtype alignment then name, like the reference writer', () => {
    const bytes = encodeSafetensors({
      b: { dtype: 'uint8', shape: [1], data: new Uint8Array([1]) },
      '10': { dtype: 'float32', shape: [1], data: new Float32Array([1]) },
      a: { dtype: 'float32', shape: [1], data: new Float32Array([2]) },
      '9': { dtype: 'float32', shape: [1], data: new Float32Array([3]) },
      h: { dtype: 'float16', shape: [1], data: new Uint16Array([0x3c00]) },
      d: { dtype: 'float64', shape: [1], data: new Float64Array([4]) },
      i: { dtype: 'int64', shape: [1], data: new BigInt64Array([5n]) },
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = Buffer.from(bytes.subarray(8, 8 + n))
      .toString('utf8')
      .trimEnd();
    const names = [...header.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    expect(names).toEqual(['i', 'd', '10', '9', 'a', 'h', 'b']);
    const decoded = decodeSafetensors(bytes, { int64: 'bigint', halfPrecision: 'keep' });
    for (const t of Object.values(decoded.tensors)) expect(t.data.buffer === bytes.buffer).toBe(true);
  });

  it('round-trips every dtype, metadata and awkward names', () => {
    const entries: Record<string, RawArray> = {
      f64: { dtype: 'float64', shape: [2], data: new Float64Array([Math.PI, -0]) },
      f32: {
        dtype: 'float32',
        shape: [2, 2],
        data: new Float32Array([1, Number.NaN, Number.POSITIVE_INFINITY, -3]),
      },
      f16: { dtype: 'float16', shape: [3], data: float32ToFloat16Array([1, 0.5, -65504]) },
      bf16: { dtype: 'bfloat16', shape: [1], data: new Uint16Array([0x4049]) },
      i64: { dtype: 'int64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 7n]) },
      u64: { dtype: 'uint64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
      i32: { dtype: 'int32', shape: [3, 1], data: new Int32Array([-5, 0, 5]) },
      u32: { dtype: 'uint32', shape: [1], data: new Uint32Array([4e9]) },
      i16: { dtype: 'int16', shape: [1], data: new Int16Array([-300]) },
      u16: { dtype: 'uint16', shape: [1], data: new Uint16Array([60000]) },
      i8: { dtype: 'int8', shape: [1], data: new Int8Array([-7]) },
      u8: { dtype: 'uint8', shape: [2, 0], data: new Uint8Array(0) },
      bool: { dtype: 'bool', shape: [], data: new Uint8Array([1]) },
      'ünï "cødé"\n': { dtype: 'int32', shape: [1], data: new Int32Array([2]) },
      '0': { dtype: 'int32', shape: [1], data: new Int32Array([3]) },
    };
    // An own "__proto__" key needs defineProperty; the literal above sets the prototype instead.
    Object.defineProperty(entries, '__proto__', {
      value: { dtype: 'int32', shape: [1], data: new Int32Array([1]) },
      enumerable: true,
    });
    const metadata = { format: 'pt', ключ: 'значение', empty: '' };
    const decoded = decodeSafetensors(encodeSafetensors(entries, metadata), {
      halfPrecision: 'keep',
      int64: 'bigint',
    });
    expect(decoded.metadata).toEqual(metadata);
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(entries).sort());
    for (const [name, want] of Object.entries(entries)) {
      const got = decoded.tensors[name];
      expect(got.dtype, name).toBe(want.dtype);
      expect(got.shape, name).toEqual(want.shape);
      expect(got.data.constructor, name).toBe(want.data.constructor);
      expect(Array.from(got.data as ArrayLike<number>), name).toEqual(
        Array.from(want.data as ArrayLike<number>),
      );
    }
    expect(Object.getPrototypeOf(decoded.tensors)).toBe(Object.prototype);
  });

  it('omits __metadata__ when not given and writes it (empty) when given', () => {
    const e: Record<string, RawArray> = { x: { dtype: 'uint8', shape: [1], data: new Uint8Array([1]) } };
    expect(Buffer.from(encodeSafetensors(e)).includes('__metadata__')).toBe(false);
    expect(Buffer.from(encodeSafetensors(e, {})).includes('"__metadata__":{}')).toBe(true);
    expect(decodeSafetensors(encodeSafetensors(e)).metadata).toEqual({});
  });

  it('rejects inconsistent entries with the tensor named', () => {
    const bad = (entries: Record<string, unknown>, re: RegExp) =>
      expect(() => encodeSafetensors(entries as Record<string, RawArray>)).toThrow(re);
    bad(
      { w: { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } },
      /tensor 'w'.*needs 4 elements.*has 3/,
    );
    bad(
      { w: { dtype: 'float32', shape: [2], data: new Float64Array(2) } },
      /tensor 'w'.*Float32Array.*Float64Array/,
    );
    bad({ w: { dtype: 'complex', shape: [1], data: new Float32Array(1) } }, /tensor 'w'.*unknown dtype/);
    bad({ w: { dtype: 'float32', shape: [-1], data: new Float32Array(0) } }, /tensor 'w'.*shape\[0\]/);
    bad({ w: { dtype: 'float32', shape: [1.5], data: new Float32Array(0) } }, /tensor 'w'.*shape\[0\]/);
    bad({ m: { dtype: 'bool', shape: [2], data: new Uint8Array([0, 2]) } }, /tensor 'm'.*0 or 1/);
    bad({ __metadata__: { dtype: 'uint8', shape: [0], data: new Uint8Array(0) } }, /reserved/);
    expect(() => encodeSafetensors({}, { a: 1 } as unknown as Record<string, string>)).toThrow(
      /__metadata__\.a must be a string/,
    );
  });
});

describe('decodeSafetensors validation', () => {
  const f32 = (offsets: [number, number], shape = [2]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const data8 = new Uint8Array(8);
  const bad = (bytes: Uint8Array, re: RegExp) => {
    expect(() => decodeSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes)).toThrow(re);
  };

  it('rejects truncated input and bad header lengths', () => {
    bad(new Uint8Array(5), /too short/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    bad(huge, /header length 9223372036854775808 exceeds/);
    const over = new Uint8Array(16);
    new DataView(over.buffer).setBigUint64(0, 100n, true);
    bad(over, /header length 100 runs past the end of the 16-byte input/);
  });

  it('rejects headers that are not a UTF-8 JSON object', () => {
    const raw = (text: Uint8Array) => {
      const out = new Uint8Array(8 + text.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
      out.set(text, 8);
      return out;
    };
    bad(raw(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/);
    bad(raw(Buffer.from('{"a": ')), /not valid JSON/);
    bad(raw(Buffer.from('[1, 2]')), /starting with '\{'/);
    bad(raw(Buffer.from('{}\0\0\0\0\0\0')), /not valid JSON/);
  });

  it('validates each header field, naming the tensor', () => {
    bad(handMade({ w: 5 }), /tensor 'w': header entry must be an object/);
    bad(
      handMade({ w: { shape: [1], data_offsets: [0, 4] } }, data8.subarray(0, 4)),
      /tensor 'w': dtype must be a string/,
    );
    bad(
      handMade({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, data8),
      /tensor 'w': dtype 'F33' is unknown/,
    );
    bad(
      handMade({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, data8.subarray(0, 1)),
      /tensor 'w': dtype 'F8_E4M3' is not supported by nabla/,
    );
    bad(
      handMade({ w: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }, data8),
      /tensor 'w': shape must be an array/,
    );
    bad(
      handMade({ w: f32([0, 8], [2, -1]) }, data8),
      /tensor 'w': shape\[1\] must be a non-negative integer/,
    );
    bad(handMade({ w: f32([0, 8], [2.5]) }, data8), /tensor 'w': shape\[0\]/);
    bad(
      handMade({ w: { dtype: 'F32', shape: [2] } }, data8),
      /tensor 'w': data_offsets must be a \[begin, end\] pair/,
    );
    bad(
      handMade({ w: f32([0, '8' as unknown as number]) }, data8),
      /tensor 'w': data_offsets end must be a non-negative integer/,
    );
    bad(
      handMade({ w: f32([-8, 0]) }, data8),
      /tensor 'w': data_offsets begin must be a non-negative integer/,
    );
    bad(handMade({ w: f32([8, 0]) }, data8), /tensor 'w': data_offsets \[8, 0\] end before they begin/);
    bad(
      handMade({ w: f32([0, 8], [3]) }, data8),
      /tensor 'w': data_offsets \[0, 8\] span 8 bytes but dtype F32 with shape \[3\] needs 12/,
    );
    bad(handMade({ __metadata__: { a: 1 } }), /__metadata__\.a must be a string/);
    bad(handMade({ __metadata__: [] }), /__metadata__ must be an object/);
  });

  it('checks offsets are in range, non-overlapping and cover the data section', () => {
    bad(
      handMade({ w: f32([0, 8]) }, data8.subarray(0, 4)),
      /tensor 'w': data_offsets \[0, 8\] end past the data section \(4 bytes\)/,
    );
    bad(handMade({ a: f32([0, 8]), b: f32([4, 12]) }, new Uint8Array(12)), /tensor 'b'.*overlap tensor 'a'/);
    bad(handMade({ a: f32([0, 8]), b: f32([0, 8]) }, data8), /overlap tensor/);
    bad(
      handMade({ a: f32([4, 12]) }, new Uint8Array(12)),
      /tensor 'a': data_offsets begin at 4, leaving bytes 0..4/,
    );
    bad(
      handMade({ a: f32([0, 8]), b: f32([12, 20]) }, new Uint8Array(20)),
      /tensor 'b'.*leaving bytes 8..12/,
    );
    bad(handMade({ a: f32([0, 8]) }, new Uint8Array(9)), /cover 8 bytes but the data section has 9/);
    bad(handMade({}, new Uint8Array(1)), /cover 0 bytes but the data section has 1/);
  });

  it('accepts any tensor order, unpadded headers and zero-size tensors', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    const bytes = handMade(
      { z: { dtype: 'U8', shape: [0], data_offsets: [8, 8] }, b: f32([8, 16]), a: f32([0, 8]) },
      data,
      false,
    );
    const { tensors } = decodeSafetensors(bytes);
    expect(Array.from(tensors.a.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(tensors.b.data as Float32Array)).toEqual([3, 4]);
    expect(tensors.z.shape).toEqual([0]);
  });

  it('checks BOOL bytes and int64 narrowing, naming the tensor', () => {
    bad(
      handMade({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 3])),
      /tensor 'm': BOOL byte at index 1 is 3/,
    );
    const big = encodeSafetensors({
      ids: { dtype: 'int64', shape: [2], data: new BigInt64Array([1n, 2n ** 40n]) },
    });
    bad(big, /tensor 'ids': I64 value 1099511627776 at index 1 does not fit in int32.*int64: 'bigint'/);
    const neg = encodeSafetensors({
      ids: { dtype: 'int64', shape: [1], data: new BigInt64Array([-(2n ** 31n) - 1n]) },
    });
    bad(neg, /I64 value -2147483649/);
    const u = encodeSafetensors({
      n: { dtype: 'uint64', shape: [1], data: new BigUint64Array([2n ** 31n]) },
    });
    bad(u, /tensor 'n': U64 value 2147483648/);
    expect(decodeSafetensors(big, { int64: 'bigint' }).tensors.ids.data).toEqual(
      new BigInt64Array([1n, 2n ** 40n]),
    );
  });

  it('copies misaligned data instead of viewing it', () => {
    const bytes = encodeSafetensors({
      w: { dtype: 'float32', shape: [2], data: new Float32Array([1.5, -2]) },
    });
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const w = decodeSafetensors(shifted).tensors.w;
    expect(w.data.buffer).not.toBe(shifted.buffer);
    expect(Array.from(w.data as Float32Array)).toEqual([1.5, -2]);
  });
});

describe('safetensors files', () => {
  const entries: Record<string, RawArray> = {
    w: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) },
  };

  it('saves and loads', () => {
    const path = join(tmp, 'model.safetensors');
    saveSafetensorsFile(path, entries, { step: '3' });
    const loaded = loadSafetensorsFile(path);
    expect(loaded.metadata).toEqual({ step: '3' });
    expect(Array.from(loaded.tensors.w.data as Float32Array)).toEqual([1, 2]);
  });

  it('replaces an existing file atomically and leaves no temporary files', () => {
    const dir = mkdtempSync(join(tmp, 'atomic-'));
    const path = join(dir, 'm.safetensors');
    writeFileSync(path, 'old contents', { mode: 0o640 });
    saveSafetensorsFile(path, entries);
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(loadSafetensorsFile(path).tensors.w.shape).toEqual([2]);
  });

  it('keeps the existing file when encoding or writing fails', () => {
    const dir = mkdtempSync(join(tmp, 'fail-'));
    const path = join(dir, 'm.safetensors');
    saveSafetensorsFile(path, entries);
    const before = readFileSync(path);
    expect(() =>
      saveSafetensorsFile(path, { w: { dtype: 'float32', shape: [3], data: new Float32Array(2) } }),
    ).toThrow(/tensor 'w'/);
    expect(readFileSync(path)).toEqual(before);
    expect(() => saveSafetensorsFile(dir, entries)).toThrow();
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(() => saveSafetensorsFile(join(dir, 'missing', 'x.safetensors'), entries)).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
  });

  it('names the file in decode errors', () => {
    const path = join(tmp, 'broken.safetensors');
    writeFileSync(path, new Uint8Array(3));
    expect(() => loadSafetensorsFile(path)).toThrow(`safetensors file '${path}': input is 3 bytes`);
  });
});
