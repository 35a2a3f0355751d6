import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { float32ToBfloat16Array, float32ToFloat16Array } from '../../../src/io/formats/half.js';
import type { RawArray } from '../../../src/io/formats/raw.js';
import { saveSafetensorsFile } from '../../../src/io/formats/safetensors.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
// Cross-checks against independent Python implementations. Python is a test-only dependency
// (.ci/run installs Debian's python3-numpy and python3-torch); when missing these tests fail, they do not skip.
const numpyPython = ['python3', '/usr/bin/python3'].find(
  (py) => spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0,
);
function requirePython(py: string | undefined, what: string): string {
  if (!py)
    throw new Error(
      `no python3 with ${what} found: install it with apt-get install python3-numpy python3-torch`,
    );
  return py;
}
const torchPython = ['python3', '/usr/bin/python3'].find(
  (py) => spawnSync(py, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0,
);

/** Deterministic float32 values spanning many binades, plus rounding edge cases. */
function testValues(): Float32Array {
  const values = new Float32Array(20000);
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < values.length; i++) values[i] = (next() - 0.5) * 2 ** Math.floor(next() * 44 - 28);
  values.set([
    65519.99,
    65520,
    2 ** -25,
    2 ** -25 * 1.0001,
    2 ** -24 * 1.5,
    2 ** -14 * (1 - 2 ** -11),
    1 + 2 ** -11,
  ]);
  values.set([1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.4e38, -3.3961e38, 2 ** -130], 10);
  return values;
}

/** Runs a Python snippet that maps little-endian float32 on stdin to uint16 bits on stdout. */
function pythonBits(python: string, expr: string, values: Float32Array): Uint16Array {
  const script =
    'import sys, numpy as np\n' +
    'a = np.frombuffer(sys.stdin.buffer.read(), dtype="<f4")\n' +
    `sys.stdout.buffer.write(np.ascontiguousarray(${expr}).astype("<u2").tobytes())`;
  const out = execFileSync(python, ['-W', 'ignore', '-c', script], { input: Buffer.from(values.buffer) });
  return new Uint16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
}

describe('safetensors written by nabla, read by an independent Python reader', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nabla-st-py-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('is parsed with the expected values, canonical order and alignment', () => {
    const entries: Record<string, RawArray> = {
      weight: {
        dtype: 'float32',
        shape: [2, 2],
        data: new Float32Array([0.5, -1, Number.NaN, Number.NEGATIVE_INFINITY]),
      },
      h: { dtype: 'float16', shape: [3], data: float32ToFloat16Array([0.1, -2, 70000]) },
      b: { dtype: 'bfloat16', shape: [2], data: float32ToBfloat16Array([Math.PI, -1e-3]) },
      ids: { dtype: 'int64', shape: [2], data: new BigInt64Array([-(2n ** 60n), 3n]) },
      mask: { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
      d: { dtype: 'float64', shape: [], data: new Float64Array([Math.E]) },
      u: { dtype: 'uint8', shape: [1, 3], data: new Uint8Array([1, 2, 255]) },
      s: { dtype: 'int16', shape: [1], data: new Int16Array([-2]) },
    };
    const path = join(tmp, 'nabla.safetensors');
    saveSafetensorsFile(path, entries, { framework: 'nabla' });
    const out = JSON.parse(
      execFileSync(requirePython(numpyPython, 'numpy'), [join(fixtures, 'read_safetensors.py'), path], {
        encoding: 'utf8',
      }),
    );
    expect(out.metadata).toEqual({ framework: 'nabla' });
    expect(out.order).toEqual(['ids', 'd', 'weight', 'b', 'h', 's', 'u', 'mask']);
    expect(out.tensors.weight).toEqual({
      dtype: 'F32',
      shape: [2, 2],
      values: [0.5, -1, 'NaN', '-Infinity'],
    });
    expect(out.tensors.h.values).toEqual([0.0999755859375, -2, 'Infinity']);
    expect(out.tensors.b.values).toEqual([3.140625, -0.00099945068359375]);
    expect(out.tensors.ids).toEqual({ dtype: 'I64', shape: [2], values: [String(-(2n ** 60n)), '3'] });
    expect(out.tensors.mask.values).toEqual([1, 0, 1]);
    expect(out.tensors.d).toEqual({ dtype: 'F64', shape: [], values: [Math.E] });
    expect(out.tensors.u.values).toEqual([1, 2, 255]);
    expect(out.tensors.s.values).toEqual([-2]);
  });

  it('rounds float32 to float16 exactly like numpy', () => {
    const values = testValues();
    const want = pythonBits(
      requirePython(numpyPython, 'numpy'),
      'a.astype(np.float16).view(np.uint16)',
      values,
    );
    expect(Array.from(float32ToFloat16Array(values))).toEqual(Array.from(want));
  });
});

describe('half-precision rounding matches PyTorch', () => {
  it('float32 → bfloat16 and float16', () => {
    const values = testValues();
    const py = requirePython(torchPython, 'torch');
    const torchBits = (dtype: string) =>
      pythonBits(
        py,
        `__import__("torch").from_numpy(a.copy()).to(__import__("torch").${dtype}).view(__import__("torch").int16).numpy().view(np.uint16)`,
        values,
      );
    expect(Array.from(float32ToBfloat16Array(values))).toEqual(Array.from(torchBits('bfloat16')));
    expect(Array.from(float32ToFloat16Array(values))).toEqual(Array.from(torchBits('float16')));
  });
});
