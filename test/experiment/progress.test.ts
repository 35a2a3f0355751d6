import { describe, expect, it } from 'vitest';
import { evaluateClaim, formatClaim, formatNumber } from '../../src/experiment/claims.js';
import { createLogger, formatDuration, Progress, Terminal } from '../../src/experiment/progress.js';
import { makeRng } from '../../src/experiment/rng.js';
import { collector } from './helpers.js';

describe('progress reporting', () => {
  it('on a TTY: one line redrawn with \\r showing steps, rate, ETA and loss', () => {
    const out = collector(true);
    let now = 0;
    const p = new Progress(new Terminal(out), { mode: 'tty', label: 'exp', now: () => now });
    for (let step = 1; step <= 100; step++) {
      now += 10; // 100 it/s
      p.update(step, 100, { loss: 1 / step });
    }
    p.finish();
    const text = out.text();
    expect(text).not.toContain('\n');
    const frames = text.split('\r\x1b[2K').filter(Boolean);
    expect(frames.length).toBeGreaterThan(5);
    expect(frames.length).toBeLessThan(20); // throttled to ~10 redraws/s
    const last = frames[frames.length - 1]!;
    expect(last).toContain('100/100');
    expect(last).toContain('100 it/s');
    expect(last).toContain('ETA 0.0 s');
    expect(last).toContain('loss 0.01');
    expect(last).toContain('[##########');
    expect(text.endsWith('\r\x1b[2K')).toBe(true); // cleared at the end
  });

  it('log lines printed during a TTY bar keep the bar at the bottom', () => {
    const out = collector(true);
    const term = new Terminal(out);
    term.setStatus('bar');
    createLogger(term, 'exp').info('hello');
    expect(out.text()).toBe('\r\x1b[2Kbar\r\x1b[2K[exp] hello\nbar');
  });

  it('not on a TTY: plain lines every 10%', () => {
    const out = collector(false);
    let now = 0;
    const p = new Progress(new Terminal(out), { mode: 'plain', label: 'exp', now: () => now });
    for (let step = 1; step <= 1000; step++) {
      now += 1;
      p.update(step, 1000, { loss: 0.5 });
    }
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('[exp] step 100/1000 (10%)  1000 it/s  ETA 0.9 s  loss 0.5');
    expect(lines[9]).toContain('step 1000/1000 (100%)');
    expect(out.text()).not.toContain('\r');
  });

  it('not on a TTY: also a line every few seconds for slow runs', () => {
    const out = collector(false);
    let now = 0;
    const p = new Progress(new Terminal(out), {
      mode: 'plain',
      label: 'exp',
      now: () => now,
      plainSeconds: 5,
    });
    for (let step = 1; step <= 20; step++) {
      now += 1000; // 1 step per second, 1000 steps total → 10% takes 100 s
      p.update(step, 1000);
    }
    expect(out.text().trim().split('\n')).toHaveLength(3); // at steps 6, 11, 16
  });

  it('formats durations', () => {
    expect(formatDuration(3.21)).toBe('3.2 s');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});

describe('claims', () => {
  it('evaluates every relation', () => {
    expect(evaluateClaim({ name: 'a', value: 1, op: '<', target: 2 }).passed).toBe(true);
    expect(evaluateClaim({ name: 'a', value: 2, op: '<', target: 2 }).passed).toBe(false);
    expect(evaluateClaim({ name: 'a', value: 2, op: '<=', target: 2 }).passed).toBe(true);
    expect(evaluateClaim({ name: 'a', value: 3, op: '>', target: 2 }).passed).toBe(true);
    expect(evaluateClaim({ name: 'a', value: 2, op: '>=', target: 2 }).passed).toBe(true);
    expect(evaluateClaim({ name: 'a', value: 0.95, op: 'in', target: [0.9, 1.1] }).passed).toBe(true);
    expect(evaluateClaim({ name: 'a', value: 1.2, op: 'in', target: [0.9, 1.1] }).passed).toBe(false);
    expect(evaluateClaim({ name: 'a', value: Number.NaN, op: '<', target: 1 }).passed).toBe(false);
  });

  it('formats claims and numbers', () => {
    expect(formatClaim(evaluateClaim({ name: 'mse', value: 0.012345, op: '<', target: 0.03 }))).toBe(
      'mse = 0.01235 (expected < 0.03): PASS',
    );
    expect(formatClaim(evaluateClaim({ name: 'r', value: 2, op: 'in', target: [0, 1] }))).toBe(
      'r = 2 (expected in [0, 1]): FAIL',
    );
    expect(formatNumber(1.5e-7)).toBe('1.500e-7');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
  });
});

describe('rng', () => {
  it('is deterministic per seed, restorable, and roughly uniform/normal', () => {
    const a = makeRng(42);
    const b = makeRng(42);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(makeRng(1).next()).not.toBe(makeRng(2).next());
    const state = a.getState();
    const x = a.next();
    a.setState(state);
    expect(a.next()).toBe(x);
    const r = makeRng(0);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 20000; i++) {
      const v = r.normal();
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / 20000)).toBeLessThan(0.05);
    expect(Math.abs(sq / 20000 - 1)).toBeLessThan(0.05);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.int(3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(900);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(r.split().next()).not.toBe(r.next());
  });
});
