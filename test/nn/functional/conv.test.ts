import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autograd/backward.js';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { _setConvPassBudget } from '../../../src/nn/functional/conv.js';
import { conv1d, conv2d, convTranspose1d, convTranspose2d } from '../../../src/nn/functional/index.js';
import { mul } from '../../../src/ops/binary.js';
import { sum } from '../../../src/ops/reduce.js';
import { expectClose, rnd } from './helpers.js';

interface Cfg {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  s: [number, number];
  p: [number, number];
  d: [number, number];
  g: number;
}

/** Direct-loop conv2d with its gradients for cotangent gy. */
function naiveConv(
  x: ArrayLike<number>,
  wt: ArrayLike<number>,
  b: ArrayLike<number> | null,
  cfg: Cfg,
  gy?: ArrayLike<number>,
) {
  const { n, c, h, w, o, kh, kw, s, p, d, g } = cfg;
  const oh = Math.floor((h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((w + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const cg = c / g;
  const og = o / g;
  const y = new Float64Array(n * o * oh * ow);
  const dx = new Float64Array(n * c * h * w);
  const dw = new Float64Array(o * cg * kh * kw);
  for (let ni = 0; ni < n; ni++)
    for (let oc = 0; oc < o; oc++) {
      const grp = Math.floor(oc / og);
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          const yi = ((ni * o + oc) * oh + i) * ow + j;
          let acc = b ? b[oc]! : 0;
          for (let cl = 0; cl < cg; cl++)
            for (let ki = 0; ki < kh; ki++)
              for (let kj = 0; kj < kw; kj++) {
                const ih = i * s[0] - p[0] + ki * d[0];
                const iw = j * s[1] - p[1] + kj * d[1];
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                const xi = ((ni * c + grp * cg + cl) * h + ih) * w + iw;
                const wi = ((oc * cg + cl) * kh + ki) * kw + kj;
                acc += x[xi]! * wt[wi]!;
                if (gy) {
                  dx[xi]! += gy[yi]! * wt[wi]!;
                  dw[wi]! += gy[yi]! * x[xi]!;
                }
              }
          y[yi] = acc;
        }
    }
  return { y, dx, dw, oh, ow };
}

/** Direct-loop transposed conv: scatters every input element through the kernel. */
function naiveConvT(
  x: ArrayLike<number>,
  wt: ArrayLike<number>,
  cfg: {
    n: number;
    cin: number;
    h: number;
    w: number;
    og: number;
    kh: number;
    kw: number;
    s: number[];
    p: number[];
    op: number[];
    d: number[];
    g: number;
  },
) {
  const { n, cin, h, w, og, kh, kw, s, p, op, d, g } = cfg;
  const o = og * g;
  const cg = cin / g;
  const oh = (h - 1) * s[0]! - 2 * p[0]! + d[0]! * (kh - 1) + op[0]! + 1;
  const ow = (w - 1) * s[1]! - 2 * p[1]! + d[1]! * (kw - 1) + op[1]! + 1;
  const y = new Float64Array(n * o * oh * ow);
  for (let ni = 0; ni < n; ni++)
    for (let ci = 0; ci < cin; ci++) {
      const grp = Math.floor(ci / cg);
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const xv = x[((ni * cin + ci) * h + i) * w + j]!;
          for (let ol = 0; ol < og; ol++)
            for (let ki = 0; ki < kh; ki++)
              for (let kj = 0; kj < kw; kj++) {
                const yh = i * s[0]! - p[0]! + ki * d[0]!;
                const yw = j * s[1]! - p[1]! + kj * d[1]!;
                if (yh < 0 || yh >= oh || yw < 0 || yw >= ow) continue;
                const oc = grp * og + ol;
                y[((ni * o + oc) * oh + yh) * ow + yw]! += xv * wt[((ci * og + ol) * kh + ki) * kw + kj]!;
              }
        }
    }
  return { y, oh, ow };
}

const configs: [string, Cfg][] = [
  ['basic 3x3', { n: 2, c: 3, h: 6, w: 5, o: 4, kh: 3, kw: 3, s: [1, 1], p: [0, 0], d: [1, 1], g: 1 }],
  ['stride/pad', { n: 3, c: 2, h: 7, w: 8, o: 3, kh: 3, kw: 2, s: [2, 3], p: [1, 1], d: [1, 1], g: 1 }],
  ['dilation', { n: 2, c: 2, h: 9, w: 7, o: 2, kh: 2, kw: 3, s: [1, 2], p: [2, 0], d: [3, 2], g: 1 }],
  ['groups', { n: 2, c: 6, h: 5, w: 5, o: 4, kh: 3, kw: 3, s: [1, 1], p: [1, 1], d: [1, 1], g: 2 }],
  ['depthwise', { n: 3, c: 4, h: 5, w: 6, o: 8, kh: 3, kw: 3, s: [2, 1], p: [1, 1], d: [1, 1], g: 4 }],
  // ≥ 512 output pixels per image: one image per GEMM chunk (the direct NCHW path).
  ['large map', { n: 3, c: 2, h: 24, w: 24, o: 3, kh: 3, kw: 3, s: [1, 1], p: [1, 1], d: [1, 1], g: 1 }],
  [
    'large map, groups',
    { n: 3, c: 4, h: 23, w: 23, o: 4, kh: 1, kw: 2, s: [1, 1], p: [0, 1], d: [1, 1], g: 2 },
  ],
  // 5 images of 9 pixels → uneven chunks with padding images.
  ['uneven chunks', { n: 5, c: 2, h: 3, w: 3, o: 2, kh: 1, kw: 1, s: [1, 1], p: [0, 0], d: [1, 1], g: 1 }],
];

describe('conv2d', () => {
  for (const [name, cfg] of configs) {
    it(`matches the direct loop and its gradients: ${name}`, () => {
      const x = rnd([cfg.n, cfg.c, cfg.h, cfg.w], 1).requiresGrad_(true);
      const w = rnd([cfg.o, cfg.c / cfg.g, cfg.kh, cfg.kw], 2).requiresGrad_(true);
      const b = rnd([cfg.o], 3).requiresGrad_(true);
      const y = conv2d(x, w, b, { stride: cfg.s, padding: cfg.p, dilation: cfg.d, groups: cfg.g });
      const gy = rnd(y.shape, 4);
      const ref = naiveConv(x.dataSync(), w.dataSync(), b.dataSync(), cfg, gy.dataSync());
      expect(y.shape).toEqual([cfg.n, cfg.o, ref.oh, ref.ow]);
      expectClose(y, ref.y, 1e-12, 1e-10, 'y');
      const [gx, gw, gb] = grad(sum(mul(y, gy)), [x, w, b]);
      expectClose(gx!, ref.dx, 1e-12, 1e-10, 'dx');
      expectClose(gw!, ref.dw, 1e-12, 1e-10, 'dw');
      expectClose(gb!, sum(gy, [0, 2, 3]).dataSync(), 1e-12, 1e-10, 'db');
    });
  }

  it('splits large batches into passes (same results)', () => {
    const cfg = configs[4]![1];
    const x = rnd([cfg.n, cfg.c, cfg.h, cfg.w], 70).requiresGrad_(true);
    const w = rnd([cfg.o, cfg.c / cfg.g, cfg.kh, cfg.kw], 71).requiresGrad_(true);
    const opts = { stride: cfg.s, padding: cfg.p, groups: cfg.g };
    const y = conv2d(x, w, null, opts);
    const gy = rnd(y.shape, 72);
    const ref = naiveConv(x.dataSync(), w.dataSync(), null, cfg, gy.dataSync());
    const prev = _setConvPassBudget(100);
    try {
      const y2 = conv2d(x, w, null, opts);
      expectClose(y2, ref.y, 1e-12, 1e-10, 'y');
      const [gx, gw] = grad(sum(mul(y2, gy)), [x, w]);
      expectClose(gx!, ref.dx, 1e-12, 1e-10, 'dx');
      expectClose(gw!, ref.dw, 1e-12, 1e-10, 'dw');
    } finally {
      _setConvPassBudget(prev);
    }
  });

  it('float32 matches float64 closely', () => {
    const cfg = configs[3]![1];
    const x = rnd([cfg.n, cfg.c, cfg.h, cfg.w], 5);
    const w = rnd([cfg.o, cfg.c / cfg.g, cfg.kh, cfg.kw], 6);
    const opts = { padding: 1, groups: 2 };
    const y32 = conv2d(x.float(), w.float(), null, opts);
    expect(y32.dtype).toBe('float32');
    expectClose(y32, conv2d(x, w, null, opts).dataSync(), 1e-5, 1e-5, 'float32');
  });

  it('accepts unbatched [C,H,W] input', () => {
    const x = rnd([2, 5, 5], 7);
    const w = rnd([3, 2, 3, 3], 8);
    const y = conv2d(x, w, null, { padding: 1 });
    expect(y.shape).toEqual([3, 5, 5]);
    expectClose(y, conv2d(x.unsqueeze(0), w, null, { padding: 1 }).dataSync(), 0, 0, 'unbatched');
  });

  it("'same' and 'valid' padding", () => {
    const x = rnd([1, 2, 6, 7], 9);
    for (const [kh, kw, dil] of [
      [3, 3, 1],
      [2, 4, 1],
      [3, 2, 2],
    ] as const) {
      const w = rnd([2, 2, kh, kw], 10);
      const y = conv2d(x, w, null, { padding: 'same', dilation: dil });
      expect(y.shape).toEqual([1, 2, 6, 7]);
    }
    expect(conv2d(x, rnd([2, 2, 3, 3], 11), null, { padding: 'valid' }).shape).toEqual([1, 2, 4, 5]);
    expect(() => conv2d(x, rnd([2, 2, 3, 3], 11), null, { padding: 'same', stride: 2 })).toThrow(
      ArgumentError,
    );
  });

  it('gradcheck: stride, padding, dilation, groups, bias', () => {
    const x = rnd([2, 4, 5, 4], 12);
    const w = rnd([4, 2, 2, 3], 13);
    const b = rnd([4], 14);
    gradcheck(
      (x, w, b) => conv2d(x!, w!, b, { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }),
      [x, w, b],
    );
  });

  it("gradcheck: 'same' with an even kernel", () => {
    gradcheck(
      (x, w) => conv2d(x!, w!, null, { padding: 'same' }),
      [rnd([1, 2, 4, 3], 15), rnd([2, 2, 2, 2], 16)],
    );
  });

  it('gradgradcheck (double backward through convTranspose/weight-grad ops)', () => {
    const x = rnd([2, 2, 4, 4], 17);
    const w = rnd([2, 1, 2, 2], 18);
    gradgradcheck((x, w) => conv2d(x!, w!, null, { stride: 2, padding: 1, groups: 2 }), [x, w]);
    gradgradcheck(
      (x, w) => conv2d(x!, w!, null, { dilation: 2 }),
      [rnd([1, 2, 5, 4], 19), rnd([3, 2, 2, 2], 20)],
    );
  });

  it('errors name the op and shapes', () => {
    const x = rnd([2, 3, 5, 5], 21);
    expect(() => conv2d(x, rnd([4, 2, 3, 3], 22))).toThrow(
      /conv2d: input \[2,3,5,5\] and weight \[4,2,3,3\]/,
    );
    expect(() => conv2d(x, rnd([4, 3, 7, 7], 22))).toThrow(ShapeError);
    expect(() => conv2d(x, rnd([4, 3, 7, 7], 22))).toThrow(/conv2d: .*smaller than the dilated kernel/);
    expect(() => conv2d(rnd([3, 5], 1), rnd([4, 3, 3, 3], 22))).toThrow(/conv2d: expected input \[N,C,H,W\]/);
    expect(() => conv2d(x, rnd([4, 3, 3, 3], 22), rnd([3], 1))).toThrow(/conv2d: bias must have shape \[4\]/);
    expect(() => conv2d(x, rnd([4, 3, 3, 3], 22), null, { stride: 0 })).toThrow(/conv2d: stride/);
  });
});

describe('conv1d', () => {
  it('equals conv2d with a height-1 kernel, and gradchecks', () => {
    const x = rnd([2, 4, 9], 23);
    const w = rnd([6, 2, 3], 24);
    const b = rnd([6], 25);
    const y = conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 2 });
    const ref = conv2d(x.unsqueeze(2), w.unsqueeze(2), b, {
      stride: [1, 2],
      padding: [0, 1],
      dilation: [1, 2],
      groups: 2,
    });
    expectClose(y, ref.squeeze(2).dataSync(), 0, 0, 'conv1d');
    gradcheck((x, w, b) => conv1d(x!, w!, b, { stride: 2, padding: 'valid', groups: 2 }), [x, w, b]);
    expect(conv1d(x, rnd([3, 4, 4], 26), null, { padding: 'same' }).shape).toEqual([2, 3, 9]);
    expect(conv1d(x.select(0, 0), w, null, { groups: 2 }).shape).toEqual([6, 7]);
    expect(() => conv1d(x, rnd([6, 3, 3], 1), null, { groups: 2 })).toThrow(/conv1d: input \[2,4,9\]/);
    expect(() => conv1d(x, rnd([6, 4, 11], 1))).toThrow(
      /conv1d: input \[2,4,9\] with padding 0 is smaller than the dilated kernel 11/,
    );
    expect(() => conv1d(x, rnd([6, 4, 3], 1), null, { padding: 'same', stride: 2 })).toThrow(
      /conv1d: padding='same'/,
    );
    expect(() => convTranspose1d(x, rnd([4, 2, 3], 1), null, { outputPadding: 1 })).toThrow(
      /convTranspose1d: outputPadding 1/,
    );
  });
});

describe('convTranspose2d', () => {
  const cases = [
    { n: 2, cin: 4, h: 3, w: 4, og: 3, kh: 3, kw: 2, s: [2, 3], p: [1, 0], op: [1, 2], d: [1, 1], g: 2 },
    { n: 1, cin: 2, h: 4, w: 3, og: 2, kh: 2, kw: 3, s: [1, 1], p: [1, 1], op: [1, 0], d: [2, 2], g: 1 },
    { n: 3, cin: 3, h: 5, w: 5, og: 2, kh: 4, kw: 4, s: [2, 2], p: [1, 1], op: [0, 0], d: [1, 1], g: 1 },
  ];
  for (const [i, cfg] of cases.entries()) {
    it(`matches the scatter definition (case ${i})`, () => {
      const x = rnd([cfg.n, cfg.cin, cfg.h, cfg.w], 30 + i);
      const w = rnd([cfg.cin, cfg.og, cfg.kh, cfg.kw], 40 + i);
      const b = rnd([cfg.og * cfg.g], 50 + i);
      const y = convTranspose2d(x, w, b, {
        stride: cfg.s as [number, number],
        padding: cfg.p as [number, number],
        outputPadding: cfg.op as [number, number],
        dilation: cfg.d as [number, number],
        groups: cfg.g,
      });
      const ref = naiveConvT(x.dataSync(), w.dataSync(), cfg);
      expect(y.shape).toEqual([cfg.n, cfg.og * cfg.g, ref.oh, ref.ow]);
      const plane = ref.oh * ref.ow;
      const want = ref.y.map((v, k) => v + b.dataSync()[Math.floor(k / plane) % (cfg.og * cfg.g)]!);
      expectClose(y, want, 1e-12, 1e-10, 'convTranspose2d');
    });
  }

  it('gradcheck and gradgradcheck', () => {
    const x = rnd([2, 4, 3, 2], 60);
    const w = rnd([4, 1, 2, 3], 61);
    const b = rnd([2], 62);
    const opts = {
      stride: [2, 1] as [number, number],
      padding: 1,
      outputPadding: [1, 0] as [number, number],
      groups: 2,
    };
    gradcheck((x, w, b) => convTranspose2d(x!, w!, b, opts), [x, w, b]);
    gradgradcheck((x, w) => convTranspose2d(x!, w!, null, opts), [x, w]);
  });

  it('is the input gradient of conv2d', () => {
    const x = rnd([2, 3, 7, 6], 63).requiresGrad_(true);
    const w = rnd([4, 3, 3, 3], 64);
    const opts = { stride: 2, padding: 1 };
    const y = conv2d(x, w, null, opts);
    const gy = rnd(y.shape, 65);
    const [gx] = grad(y, [x], gy);
    const t = convTranspose2d(gy, w, null, { ...opts, outputPadding: [0, 1] });
    expectClose(t, gx!.dataSync(), 1e-12, 1e-10, 'adjoint');
  });

  it('convTranspose1d and errors', () => {
    const x = rnd([2, 3, 5], 66);
    const w = rnd([3, 2, 4], 67);
    const y = convTranspose1d(x, w, null, { stride: 3, padding: 1, outputPadding: 2 });
    expect(y.shape).toEqual([2, 2, 16]);
    gradcheck((x, w) => convTranspose1d(x!, w!, null, { stride: 2 }), [x, w]);
    expect(() => convTranspose2d(rnd([1, 3, 4, 4], 1), rnd([2, 2, 3, 3], 2))).toThrow(
      /convTranspose2d: input \[1,3,4,4\] and weight \[2,2,3,3\]/,
    );
    expect(() =>
      convTranspose2d(rnd([1, 2, 4, 4], 1), rnd([2, 2, 3, 3], 2), null, { outputPadding: 1 }),
    ).toThrow(/convTranspose2d: outputPadding/);
  });
});

void ({} as Tensor);
