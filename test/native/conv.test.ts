import { describe, expect, it } from 'vitest';
import type { Conv2dGeometry } from '../../src/backend/native/addon.js';
import { DTYPES, randomArray, requireAddon, rng } from './helpers.js';

const addon = requireAddon();

interface Full {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  oh: number;
  ow: number;
}

function full(g: Conv2dGeometry): Full {
  const sh = g.strideH ?? 1;
  const sw = g.strideW ?? 1;
  const ph = g.padH ?? 0;
  const pw = g.padW ?? 0;
  const dh = g.dilationH ?? 1;
  const dw = g.dilationW ?? 1;
  return {
    n: g.batch,
    c: g.channels,
    h: g.height,
    w: g.width,
    kh: g.kernelH,
    kw: g.kernelW,
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
    oh: Math.floor((g.height + 2 * ph - dh * (g.kernelH - 1) - 1) / sh) + 1,
    ow: Math.floor((g.width + 2 * pw - dw * (g.kernelW - 1) - 1) / sw) + 1,
  };
}

/** Visits every (n, c, oy, ox, ki, kj) with its input coordinates (iy, ix may be out of bounds). */
function forEachTap(
  f: Full,
  fn: (n: number, c: number, oy: number, ox: number, ki: number, kj: number, iy: number, ix: number) => void,
): void {
  for (let n = 0; n < f.n; n++)
    for (let c = 0; c < f.c; c++)
      for (let oy = 0; oy < f.oh; oy++)
        for (let ox = 0; ox < f.ow; ox++)
          for (let ki = 0; ki < f.kh; ki++)
            for (let kj = 0; kj < f.kw; kj++)
              fn(n, c, oy, ox, ki, kj, oy * f.sh - f.ph + ki * f.dh, ox * f.sw - f.pw + kj * f.dw);
}

const inside = (f: Full, iy: number, ix: number) => iy >= 0 && iy < f.h && ix >= 0 && ix < f.w;

/** One assertion per array instead of per element (keeps large cases fast). */
function expectMaxDiff(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(worst, d);
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

const GEOMETRIES: Conv2dGeometry[] = [
  { batch: 1, channels: 1, height: 5, width: 5, kernelH: 3, kernelW: 3 },
  {
    batch: 2,
    channels: 3,
    height: 7,
    width: 9,
    kernelH: 3,
    kernelW: 2,
    strideH: 2,
    strideW: 1,
    padH: 1,
    padW: 0,
    dilationH: 1,
    dilationW: 2,
  },
  { batch: 3, channels: 2, height: 8, width: 8, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 },
  {
    batch: 1,
    channels: 4,
    height: 6,
    width: 5,
    kernelH: 5,
    kernelW: 3,
    strideH: 3,
    strideW: 2,
    padH: 2,
    padW: 1,
  },
  { batch: 2, channels: 1, height: 4, width: 4, kernelH: 1, kernelW: 1, strideH: 2, strideW: 3 },
  {
    batch: 1,
    channels: 2,
    height: 3,
    width: 11,
    kernelH: 3,
    kernelW: 3,
    padH: 1,
    padW: 1,
    dilationH: 2,
    dilationW: 3,
  },
  // Large enough to use the thread pool.
  { batch: 4, channels: 16, height: 32, width: 32, kernelH: 3, kernelW: 3, padH: 1, padW: 1 },
];

describe.each(DTYPES)('conv helpers %s', (_name, Ctor) => {
  for (const g of GEOMETRIES) {
    const f = full(g);
    const label = JSON.stringify(g);

    it(`im2col / col2im ${label}`, () => {
      const rand = rng(f.h * 31 + f.w);
      const x = randomArray(Ctor, f.n * f.c * f.h * f.w, rand);
      const rows = f.c * f.kh * f.kw;
      const cols = new Ctor(f.n * rows * f.oh * f.ow).fill(Number.NaN);
      addon.im2col(x, cols, g);
      const want = new Float64Array(cols.length);
      forEachTap(f, (n, c, oy, ox, ki, kj, iy, ix) => {
        const row = (c * f.kh + ki) * f.kw + kj;
        want[(n * rows + row) * f.oh * f.ow + oy * f.ow + ox] = inside(f, iy, ix)
          ? x[((n * f.c + c) * f.h + iy) * f.w + ix]!
          : 0;
      });
      expect(Array.from(cols)).toEqual(Array.from(want));

      const dcols = randomArray(Ctor, cols.length, rand);
      const dx = new Ctor(x.length).fill(Number.NaN);
      addon.col2im(dcols, dx, g);
      const wantDx = new Float64Array(x.length);
      forEachTap(f, (n, c, oy, ox, ki, kj, iy, ix) => {
        if (!inside(f, iy, ix)) return;
        const row = (c * f.kh + ki) * f.kw + kj;
        wantDx[((n * f.c + c) * f.h + iy) * f.w + ix]! +=
          dcols[(n * rows + row) * f.oh * f.ow + oy * f.ow + ox]!;
      });
      const tol = Ctor === Float32Array ? 1e-5 : 1e-13;
      expectMaxDiff(dx, wantDx, tol);

      // accumulate = true adds onto the existing contents.
      const acc = new Ctor(x.length).fill(1);
      addon.col2im(dcols, acc, g, true);
      expectMaxDiff(
        acc,
        wantDx.map((v) => v + 1),
        tol * 10,
      );
    });

    it(`conv2d via im2col + gemmBatched matches a direct convolution ${label}`, () => {
      const rand = rng(7);
      const outC = 3;
      const rows = f.c * f.kh * f.kw;
      const ohw = f.oh * f.ow;
      const x = randomArray(Ctor, f.n * f.c * f.h * f.w, rand);
      const wt = randomArray(Ctor, outC * rows, rand);
      const cols = new Ctor(f.n * rows * ohw);
      addon.im2col(x, cols, g);
      const y = new Ctor(f.n * outC * ohw);
      addon.gemmBatched(
        false,
        false,
        outC,
        ohw,
        rows,
        1,
        wt,
        0,
        rows,
        cols,
        0,
        ohw,
        0,
        y,
        0,
        ohw,
        f.n,
        0,
        rows * ohw,
        outC * ohw,
      );
      const want = new Float64Array(y.length);
      for (let o = 0; o < outC; o++)
        forEachTap(f, (n, c, oy, ox, ki, kj, iy, ix) => {
          if (!inside(f, iy, ix)) return;
          want[((n * outC + o) * f.oh + oy) * f.ow + ox]! +=
            wt[o * rows + (c * f.kh + ki) * f.kw + kj]! * x[((n * f.c + c) * f.h + iy) * f.w + ix]!;
        });
      const tol = Ctor === Float32Array ? 1e-4 : 1e-12;
      expectMaxDiff(y, want, tol);
    });

    it(`max and average pooling ${label}`, () => {
      if (f.ph * 2 > f.kh || f.pw * 2 > f.kw) return; // PyTorch's pad <= kernel/2 rule
      const rand = rng(f.c * 13 + f.kh);
      const x = randomArray(Ctor, f.n * f.c * f.h * f.w, rand);
      const outN = f.n * f.c * f.oh * f.ow;
      const y = new Ctor(outN);
      const idx = new Int32Array(outN);
      addon.maxpool2d(x, y, idx, g);
      const wantY = new Float64Array(outN).fill(Number.NEGATIVE_INFINITY);
      const wantI = new Int32Array(outN).fill(-1);
      forEachTap(f, (n, c, oy, ox, _ki, _kj, iy, ix) => {
        if (!inside(f, iy, ix)) return;
        const o = ((n * f.c + c) * f.oh + oy) * f.ow + ox;
        const v = x[((n * f.c + c) * f.h + iy) * f.w + ix]!;
        if (v > wantY[o]!) {
          wantY[o] = v;
          wantI[o] = iy * f.w + ix;
        }
      });
      expect(Array.from(y)).toEqual(Array.from(wantY));
      expect(Array.from(idx)).toEqual(Array.from(wantI));

      const dy = randomArray(Ctor, outN, rand);
      const dx = new Ctor(x.length).fill(Number.NaN);
      addon.maxpool2dBackward(dy, idx, dx, g);
      const wantDx = new Float64Array(x.length);
      for (let o = 0; o < outN; o++) {
        const plane = Math.floor(o / (f.oh * f.ow));
        wantDx[plane * f.h * f.w + idx[o]!]! += dy[o]!;
      }
      const tol = Ctor === Float32Array ? 1e-6 : 1e-14;
      expectMaxDiff(dx, wantDx, tol);

      for (const countIncludePad of [true, false]) {
        const ga = { ...g, countIncludePad };
        const ya = new Ctor(outN);
        addon.avgpool2d(x, ya, ga);
        const sum = new Float64Array(outN);
        const cnt = new Float64Array(outN);
        forEachTap(f, (n, c, oy, ox, _ki, _kj, iy, ix) => {
          if (!inside(f, iy, ix)) return;
          const o = ((n * f.c + c) * f.oh + oy) * f.ow + ox;
          sum[o]! += x[((n * f.c + c) * f.h + iy) * f.w + ix]!;
          cnt[o]! += 1;
        });
        expectMaxDiff(
          ya,
          sum.map((v, o) => v / (countIncludePad ? f.kh * f.kw : cnt[o]!)),
          tol * 10,
        );
        // Backward is the adjoint: <avgpool(x), dy> == <x, avgpoolBackward(dy)>.
        const dxa = new Ctor(x.length).fill(Number.NaN);
        addon.avgpool2dBackward(dy, dxa, ga);
        let lhs = 0;
        let rhs = 0;
        for (let o = 0; o < outN; o++) lhs += ya[o]! * dy[o]!;
        for (let i = 0; i < x.length; i++) rhs += x[i]! * dxa[i]!;
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(
          (Ctor === Float32Array ? 1e-4 : 1e-10) * (1 + Math.abs(lhs)),
        );
      }
    });
  }

  it('maxpool propagates NaN and validates geometry', () => {
    const g: Conv2dGeometry = { batch: 1, channels: 1, height: 2, width: 2, kernelH: 2, kernelW: 2 };
    const y = new Ctor(1);
    const idx = new Int32Array(1);
    addon.maxpool2d(new Ctor([1, Number.NaN, 3, 2]), y, idx, g);
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(idx[0]).toBe(1);
    expect(() => addon.maxpool2d(new Ctor(4), y, idx, { ...g, kernelH: 3 })).toThrow(RangeError);
    expect(() => addon.im2col(new Ctor(3), new Ctor(4), g)).toThrow(RangeError);
    expect(() => addon.im2col(new Ctor(4), new Ctor(4), { ...g, strideH: 0 })).toThrow(RangeError);
    expect(() => addon.im2col(new Ctor(4), new Ctor(4), { batch: 1 } as Conv2dGeometry)).toThrow(TypeError);
  });
});
