import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { isGzip, parseIdx, readIdxFile } from '../../../src/data/formats/idx.js';

/** Builds an IDX buffer with big-endian dims and data written through a DataView. */
function idx(
  type: number,
  dims: number[],
  values: number[],
  itemSize: number,
  put: (v: DataView, o: number, x: number) => void,
) {
  const out = new Uint8Array(4 + 4 * dims.length + values.length * itemSize);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  values.forEach((x, i) => {
    put(view, 4 + 4 * dims.length + i * itemSize, x);
  });
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), 'nabla-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parseIdx', () => {
  const cases = [
    {
      type: 0x08,
      dtype: 'uint8',
      size: 1,
      values: [0, 7, 255, 128, 1, 2],
      put: (v: DataView, o: number, x: number) => v.setUint8(o, x),
    },
    {
      type: 0x09,
      dtype: 'int8',
      size: 1,
      values: [-128, 0, 127, -1, 5, 6],
      put: (v: DataView, o: number, x: number) => v.setInt8(o, x),
    },
    {
      type: 0x0b,
      dtype: 'int16',
      size: 2,
      values: [-32768, 1, 32767, -2, 300, 0],
      put: (v: DataView, o: number, x: number) => v.setInt16(o, x, false),
    },
    {
      type: 0x0c,
      dtype: 'int32',
      size: 4,
      values: [-(2 ** 31), 1, 2 ** 31 - 1, -5, 70000, 0],
      put: (v: DataView, o: number, x: number) => v.setInt32(o, x, false),
    },
    {
      type: 0x0d,
      dtype: 'float32',
      size: 4,
      values: [1.5, -0.25, 2 ** 60, 0, 3, -7],
      put: (v: DataView, o: number, x: number) => v.setFloat32(o, x, false),
    },
    {
      type: 0x0e,
      dtype: 'float64',
      size: 8,
      values: [Math.PI, -1e300, 0.1, 2, 3, 4],
      put: (v: DataView, o: number, x: number) => v.setFloat64(o, x, false),
    },
  ] as const;

  for (const c of cases) {
    it(`decodes ${c.dtype} (plain and gzipped)`, () => {
      const bytes = idx(c.type, [2, 3], [...c.values], c.size, c.put);
      for (const input of [bytes, gzipSync(bytes)]) {
        const a = parseIdx(input);
        expect(a.dtype).toBe(c.dtype);
        expect(a.shape).toEqual([2, 3]);
        expect(Array.from(a.data as ArrayLike<number>)).toEqual([...c.values]);
      }
    });
  }

  it('handles dims that make an empty array and odd byte offsets', () => {
    expect(parseIdx(idx(0x08, [0, 28, 28], [], 1, () => {})).shape).toEqual([0, 28, 28]);
    const bytes = idx(0x0c, [1], [42], 4, (v, o, x) => v.setInt32(o, x, false));
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(Array.from(parseIdx(shifted).data as Int32Array)).toEqual([42]);
  });

  it('detects gzip by content', () => {
    expect(isGzip(gzipSync(new Uint8Array(1)))).toBe(true);
    expect(isGzip(new Uint8Array([0, 0, 8, 1]))).toBe(false);
  });

  it('reports malformed input with the source name', () => {
    const u8 = (dims: number[], n: number) =>
      idx(0x08, dims, new Array(n).fill(1), 1, (v, o, x) => v.setUint8(o, x));
    expect(() => parseIdx(new Uint8Array([0, 0]), 'f.idx')).toThrow("IDX file 'f.idx': only 2 bytes");
    expect(() => parseIdx(new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]), 'f.idx')).toThrow(
      /'f.idx': bad magic number 0x01020801/,
    );
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]), 'f')).toThrow(
      /unknown element type code 0x0a/,
    );
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'f')).toThrow(/0 dimensions/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), 'f')).toThrow(
      /truncated header: 3 dimensions need 16 bytes/,
    );
    expect(() => parseIdx(u8([2, 3], 5), 'f')).toThrow(
      /truncated data: shape \[2, 3\] of uint8 needs 6 bytes but only 5/,
    );
    expect(() => parseIdx(u8([2, 3], 8), 'f')).toThrow(/2 unexpected trailing bytes/);
    expect(() => parseIdx(gzipSync(u8([2], 2)).subarray(0, 12), 'f.gz')).toThrow(
      /'f.gz': gzip data is corrupt/,
    );
  });
});

describe('readIdxFile', () => {
  it('reads files and names them in errors', () => {
    const good = join(tmp, 'labels-idx1-ubyte.gz');
    writeFileSync(good, gzipSync(idx(0x08, [3], [1, 2, 3], 1, (v, o, x) => v.setUint8(o, x))));
    expect(Array.from(readIdxFile(good).data as Uint8Array)).toEqual([1, 2, 3]);
    const bad = join(tmp, 'bad');
    writeFileSync(bad, 'hello world');
    expect(() => readIdxFile(bad)).toThrow(`IDX file '${bad}': bad magic number`);
    expect(() => readIdxFile(join(tmp, 'missing'))).toThrow(/ENOENT/);
  });
});
