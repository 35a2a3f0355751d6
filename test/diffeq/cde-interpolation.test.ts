import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import {
  hermiteCubicBackwardDifferences,
  InterpolatedPath,
  linearInterpolation,
  rectilinearInterpolation,
} from '../../src/diffeq/cde/index.js';
import { ArgumentError, DTypeError, ShapeError, stack, type Tensor, tensor } from '../../src/index.js';

const f64 = (v: number[][] | number[][][]) => tensor(v, { dtype: 'float64' });
const arr = (t: Tensor) => Array.from(t.dataSync(), Number);

// Irregular knots and a smooth 2-channel signal.
const TS = [0, 0.4, 1, 1.7, 2.1, 3, 3.2, 4];
const sig = (t: number) => [Math.sin(1.3 * t), Math.cos(0.7 * t) + 0.2 * t * t];
const VALUES = () => f64(TS.map(sig));

function expectClose(a: number[], b: number[], tol: number) {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(Math.abs(v - b[i]!), `index ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol);
  });
}

describe('hermiteCubicBackwardDifferences', () => {
  it('interpolates the data at every knot', () => {
    const p = hermiteCubicBackwardDifferences(VALUES(), { times: TS });
    expect(p.t0).toBe(0);
    expect(p.t1).toBe(4);
    expect(p.shape).toEqual([2]);
    for (const t of TS) expectClose(arr(p.evaluate(t)), sig(t), 1e-12);
    // X(tb) − X(ta)
    expectClose(
      arr(p.evaluate(1, 3)),
      sig(3).map((v, i) => v - sig(1)[i]!),
      1e-12,
    );
  });

  it('is C¹: value and derivative are continuous at the knots; slopes are backward differences', () => {
    const p = hermiteCubicBackwardDifferences(VALUES(), { times: TS });
    const h = 1e-7;
    for (let k = 1; k < TS.length - 1; k++) {
      const t = TS[k]!;
      const left = arr(p.derivative(t - h));
      const right = arr(p.derivative(t + h));
      // |X''| is bounded by ~50 here, so the one-sided values differ by O(h·50).
      expectClose(left, right, 1e-5);
      expectClose(arr(p.evaluate(t - h)), arr(p.evaluate(t + h)), 1e-6);
      // At knot k the slope equals the backward difference (x_k − x_{k−1})/(t_k − t_{k−1}).
      const bd = sig(t).map((v, i) => (v - sig(TS[k - 1]!)[i]!) / (t - TS[k - 1]!));
      expectClose(arr(p.derivative(t)), bd, 1e-10);
    }
    // The derivative matches central differences of the path inside a piece.
    const t = 2.5;
    const fd = arr(p.evaluate(t + 1e-6)).map((v, i) => (v - arr(p.evaluate(t - 1e-6))[i]!) / 2e-6);
    expectClose(arr(p.derivative(t)), fd, 1e-7);
  });

  it('is causal: changing an observation leaves the path before the previous knot unchanged', () => {
    const base = TS.map(sig);
    const k = 5;
    const changed = base.map((r, i) => (i === k ? [r[0]! + 1, r[1]! - 2] : r));
    const p = hermiteCubicBackwardDifferences(f64(base), { times: TS });
    const q = hermiteCubicBackwardDifferences(f64(changed), { times: TS });
    const grid = Array.from({ length: 81 }, (_, i) => (i / 80) * TS[k - 1]!);
    for (const t of grid) {
      expect(arr(q.evaluate(t))).toEqual(arr(p.evaluate(t)));
      expect(arr(q.derivative(t))).toEqual(arr(p.derivative(t)));
    }
    // …and it does change on the piece ending at the changed point (the test is not vacuous).
    const mid = 0.5 * (TS[k - 1]! + TS[k]!);
    expect(Math.abs(arr(q.evaluate(mid))[0]! - arr(p.evaluate(mid))[0]!)).toBeGreaterThan(0.1);
  });

  it('is causal with missing values too (each channel through its own observations)', () => {
    const base = TS.map(sig);
    base[2] = [Number.NaN, base[2]![1]!];
    base[3] = [base[3]![0]!, Number.NaN];
    const changed = base.map((r) => [...r]);
    changed[6] = [changed[6]![0]! + 3, changed[6]![1]! + 3];
    const p = hermiteCubicBackwardDifferences(f64(base), { times: TS });
    const q = hermiteCubicBackwardDifferences(f64(changed), { times: TS });
    for (let i = 0; i <= 60; i++) {
      const t = (i / 60) * TS[5]!;
      expect(arr(q.evaluate(t))).toEqual(arr(p.evaluate(t)));
    }
  });

  it('is exact for linear data', () => {
    const lin = (t: number) => [2 - 3 * t, 0.5 * t + 1];
    const p = hermiteCubicBackwardDifferences(f64(TS.map(lin)), { times: TS });
    for (const t of [0.1, 0.77, 1.9, 3.1, 3.99]) {
      expectClose(arr(p.evaluate(t)), lin(t), 1e-12);
      expectClose(arr(p.derivative(t)), [-3, 0.5], 1e-11);
    }
  });

  it('with NaNs equals the interpolation through each channel’s own observations', () => {
    const vals = TS.map(sig);
    const miss = [2, 3, 6]; // channel 0 missing at these knots
    const withNaN = vals.map((r, i) => (miss.includes(i) ? [Number.NaN, r[1]!] : r));
    const p = hermiteCubicBackwardDifferences(f64(withNaN), { times: TS });
    const keep = TS.map((_, i) => i).filter((i) => !miss.includes(i));
    const q = hermiteCubicBackwardDifferences(f64(keep.map((i) => [vals[i]![0]!])), {
      times: keep.map((i) => TS[i]!),
    });
    const full = hermiteCubicBackwardDifferences(f64(vals), { times: TS });
    for (let i = 0; i <= 80; i++) {
      const t = (i / 80) * 4;
      expect(arr(p.evaluate(t))[0]).toBeCloseTo(arr(q.evaluate(t))[0]!, 12);
      expect(arr(p.evaluate(t))[1]).toBeCloseTo(arr(full.evaluate(t))[1]!, 12);
      expect(arr(p.derivative(t))[0]).toBeCloseTo(arr(q.derivative(t))[0]!, 10);
    }
  });
});

describe('linearInterpolation and rectilinearInterpolation', () => {
  it('linear is exact on piecewise-linear data', () => {
    const p = linearInterpolation(VALUES(), { times: TS });
    for (let k = 0; k < TS.length - 1; k++) {
      const a = sig(TS[k]!);
      const b = sig(TS[k + 1]!);
      const dt = TS[k + 1]! - TS[k]!;
      for (const w of [0, 0.25, 0.5, 0.9]) {
        const t = TS[k]! + w * dt;
        expectClose(
          arr(p.evaluate(t)),
          a.map((v, i) => v + w * (b[i]! - v)),
          1e-12,
        );
        expectClose(
          arr(p.derivative(t)),
          a.map((v, i) => (b[i]! - v) / dt),
          1e-12,
        );
      }
    }
    expect(Array.from(p.grid)).toEqual(TS);
    // Outside the observation window the path is constant with derivative 0.
    expectClose(arr(p.evaluate(-1)), sig(0), 0);
    expectClose(arr(p.evaluate(9)), sig(4), 1e-12);
    expectClose(arr(p.derivative(9)), [0, 0], 0);
  });

  it('linear fills missing values linearly in time, backfills the start and forward-fills the end', () => {
    const x = f64([[Number.NaN], [2], [Number.NaN], [Number.NaN], [8], [Number.NaN]]);
    const ts = [0, 1, 2, 4, 5, 7];
    const p = linearInterpolation(x, { times: ts });
    expect(arr(p.evaluate(0))).toEqual([2]);
    expect(arr(p.evaluate(2))[0]).toBeCloseTo(2 + (6 * 1) / 4, 12);
    expect(arr(p.evaluate(4))[0]).toBeCloseTo(2 + (6 * 3) / 4, 12);
    expect(arr(p.evaluate(6))).toEqual([8]);
    const r = linearInterpolation(x, { times: ts, replaceNansAtStart: 0 });
    expect(arr(r.evaluate(0))).toEqual([0]);
    expect(arr(r.evaluate(0.5))).toEqual([1]);
    const f = linearInterpolation(x, { times: ts, fill: 'forward' });
    expect(arr(f.evaluate(2))).toEqual([2]);
    expect(arr(f.evaluate(4.5))[0]).toBeCloseTo(5, 12); // 2 → 8 between t = 4 and 5
  });

  it('appends the time channel and cumulative observation counts', () => {
    const x = f64([
      [1, Number.NaN],
      [Number.NaN, 2],
      [3, Number.NaN],
      [4, 5],
    ]);
    const p = linearInterpolation(x, { times: [0, 1, 2, 4], timeChannel: true, countChannels: true });
    expect(p.shape).toEqual([5]);
    expect(p.layout).toEqual({ time: 0, dataStart: 1, dataChannels: 2, countStart: 3, channels: 5 });
    expect(arr(p.evaluate(0))).toEqual([0, 1, 2, 1, 0]);
    expect(arr(p.evaluate(1))).toEqual([1, 2, 2, 1, 1]);
    expect(arr(p.evaluate(3))).toEqual([3, 3.5, 4, 2.5, 1.5]);
    expect(arr(p.evaluate(4))).toEqual([4, 4, 5, 3, 2]);
    expect(arr(p.derivative(3))[0]).toBe(1);
  });

  it('rectilinear: time moves first, then the data; observation i at u = 2i', () => {
    const x = f64([[1], [Number.NaN], [3], [4]]);
    const ts = [0, 2, 3, 5];
    const p = rectilinearInterpolation(x, { times: ts });
    expect(p.t0).toBe(0);
    expect(p.t1).toBe(6);
    expect(p.layout.time).toBe(0);
    const at = (u: number) => arr(p.evaluate(u));
    expect(at(0)).toEqual([0, 1]);
    expect(at(0.5)).toEqual([1, 1]); // time advancing, data held
    expect(at(1)).toEqual([2, 1]);
    expect(at(2)).toEqual([2, 1]); // missing: forward-filled
    expect(at(3)).toEqual([3, 1]);
    expect(at(3.5)).toEqual([3, 2]); // data advancing, time held
    expect(at(4)).toEqual([3, 3]);
    expect(at(6)).toEqual([5, 4]);
    // Causal: changing observation 3 leaves the path up to u = 2·2 + 1 unchanged.
    const q = rectilinearInterpolation(f64([[1], [Number.NaN], [3], [40]]), { times: ts });
    for (let u = 0; u <= 5; u += 0.25) expect(arr(q.evaluate(u))).toEqual(at(u));
    expect(arr(q.evaluate(5.5))).not.toEqual(at(5.5));
  });
});

describe('batches and per-sample times', () => {
  it('per-sample times (with NaN padding) give each sample its own path', () => {
    const t0 = [0, 0.5, 1.5, 2];
    const t1 = [0.2, 1, Number.NaN, Number.NaN]; // a shorter series
    const x0 = t0.map(sig);
    const x1 = [sig(0.2), sig(1), [Number.NaN, Number.NaN], [Number.NaN, Number.NaN]];
    const p = hermiteCubicBackwardDifferences(f64([x0, x1]), { times: [t0, t1] });
    expect(p.shape).toEqual([2, 2]);
    expect(p.t0).toBe(0);
    expect(p.t1).toBe(2);
    const a = hermiteCubicBackwardDifferences(f64(x0), { times: t0 });
    const b = hermiteCubicBackwardDifferences(f64([sig(0.2), sig(1)]), { times: [0.2, 1] });
    for (const t of [0, 0.1, 0.3, 0.7, 1, 1.2, 1.9, 2]) {
      const v = arr(p.evaluate(t));
      expectClose(v.slice(0, 2), arr(a.evaluate(t)), 1e-12);
      expectClose(v.slice(2), arr(b.evaluate(t)), 1e-12);
      const d = arr(p.derivative(t));
      expectClose(d.slice(0, 2), arr(a.derivative(t)), 1e-12);
      if (t < 0.2 || t > 1) expectClose(d.slice(2), [0, 0], 0);
    }
  });

  it('shared times over a batch equal the per-sample paths', () => {
    const xa = TS.map(sig);
    const xb = TS.map((t) => sig(t + 1));
    const p = linearInterpolation(f64([xa, xb]), { times: TS, timeChannel: true });
    const a = linearInterpolation(f64(xa), { times: TS, timeChannel: true });
    const b = linearInterpolation(f64(xb), { times: TS, timeChannel: true });
    const v = arr(p.evaluate(2.4));
    expectClose(v.slice(0, 3), arr(a.evaluate(2.4)), 1e-14);
    expectClose(v.slice(3), arr(b.evaluate(2.4)), 1e-14);
  });
});

describe('gradients and errors', () => {
  it('paths are differentiable in the data values (gradcheck, with missing values and per-sample times)', () => {
    const x = f64([
      [
        [0.3, Number.NaN],
        [0.1, 0.4],
        [Number.NaN, -0.2],
        [0.5, 0.7],
      ],
      [
        [-0.1, 0.2],
        [0.6, Number.NaN],
        [0.2, 0.1],
        [0.9, -0.4],
      ],
    ]);
    const times = [
      [0, 0.3, 1, 1.6],
      [0.1, 0.5, 0.9, 1.5],
    ];
    for (const make of [hermiteCubicBackwardDifferences, linearInterpolation, rectilinearInterpolation]) {
      gradcheck(
        (v) => {
          const p = make(v, { times, countChannels: true });
          const ts =
            p instanceof InterpolatedPath && p.kind === 'rectilinear' ? [0.7, 2.2, 5.1] : [0.2, 0.75, 1.3];
          return stack([...ts.map((t) => p.evaluate(t)), ...ts.map((t) => p.derivative(t))]);
        },
        [x],
        { name: make.name },
      );
    }
  });

  it('rejects bad input with the function name in the message', () => {
    const x = VALUES();
    expect(() => hermiteCubicBackwardDifferences(tensor([1, 2, 3], { dtype: 'float64' }))).toThrow(
      ShapeError,
    );
    expect(() => hermiteCubicBackwardDifferences(tensor([[1], [2]], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => hermiteCubicBackwardDifferences(x, { times: [0, 1, 2] })).toThrow(
      /^hermiteCubicBackwardDifferences: times have length 3 but the values have length 8/,
    );
    expect(() => linearInterpolation(x, { times: [0, 1, 1, 2, 3, 4, 5, 6] })).toThrow(ArgumentError);
    expect(() => linearInterpolation(x, { times: [0, 1, Number.NaN, 2, 3, 4, 5, 6] })).toThrow(
      /linearInterpolation/,
    );
    expect(() => linearInterpolation(f64([[1], [Number.POSITIVE_INFINITY]]))).toThrow(/finite or NaN/);
    expect(() => linearInterpolation(f64([[1]]))).toThrow(/at least 2 time points/);
    expect(() => rectilinearInterpolation(x, { fill: 'nearest' as 'linear' })).toThrow(/fill must be/);
  });
});
