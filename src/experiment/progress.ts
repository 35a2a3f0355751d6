/**
 * Terminal output: a redrawable status line on TTYs (progress bar), plain log lines otherwise.
 */

import { formatNumber } from './claims.js';
import type { Logger, ProgressInfo } from './types.js';

/** The subset of a writable stream used for output (tests pass a string collector). */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Owns one stream; keeps a status line at the bottom on a TTY and prints log lines above it. */
export class Terminal {
  private status = '';
  readonly tty: boolean;

  constructor(
    readonly stream: OutputStream,
    tty?: boolean,
  ) {
    this.tty = tty ?? stream.isTTY === true;
  }

  get columns(): number {
    return this.stream.columns && this.stream.columns > 20 ? this.stream.columns : 100;
  }

  /** Prints a full line (clearing and then redrawing the status line on a TTY). */
  line(text: string): void {
    if (this.tty && this.status) this.stream.write('\r\x1b[2K');
    this.stream.write(`${text}\n`);
    if (this.tty && this.status) this.stream.write(this.status);
  }

  /** Replaces the status line (TTY only; ignored otherwise). */
  setStatus(text: string): void {
    if (!this.tty) return;
    const clipped = text.length >= this.columns ? text.slice(0, this.columns - 1) : text;
    this.status = clipped;
    this.stream.write(`\r\x1b[2K${clipped}`);
  }

  /** Removes the status line, leaving the cursor at the start of an empty line. */
  clearStatus(): void {
    if (!this.tty || !this.status) return;
    this.stream.write('\r\x1b[2K');
    this.status = '';
  }
}

/** A logger writing `[prefix] message` lines to the terminal and to an optional sink (log.txt). */
export function createLogger(term: Terminal, prefix: string, sink?: (line: string) => void): Logger {
  const emit = (level: string, message: string) => {
    const tag = level === 'warn' ? 'warning: ' : '';
    term.line(`[${prefix}] ${tag}${message}`);
    sink?.(`${new Date().toISOString()} ${level.toUpperCase()} ${message}`);
  };
  return { info: (m) => emit('info', m), warn: (m) => emit('warn', m) };
}

/** `4.2 s` under a minute, else `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function formatRate(r: number): string {
  if (!Number.isFinite(r)) return '? it/s';
  if (r >= 1) return `${r >= 100 ? Math.round(r) : r.toFixed(1)} it/s`;
  return `${r > 0 ? (1 / r).toFixed(1) : '?'} s/it`;
}

export type ProgressMode = 'tty' | 'plain' | 'none';

export interface ProgressOptions {
  mode: ProgressMode;
  label: string;
  /** Plain mode: print at every `plainPercent`% (default 10) or after `plainSeconds` (default 5). */
  plainPercent?: number;
  plainSeconds?: number;
  /** TTY mode: minimum ms between redraws (default 100). */
  redrawMs?: number;
  now?: () => number;
}

/** Progress reporting: a `\r`-redrawn bar on a TTY, a plain line every N% or few seconds otherwise. */
export class Progress {
  private t0 = 0;
  private step0 = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastPlainTime = 0;
  private lastPlainBucket = -1;
  private started = false;
  private readonly now: () => number;
  lastStep = 0;
  lastTotal = 0;

  constructor(
    private readonly term: Terminal,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? (() => performance.now());
  }

  update(step: number, total: number, info: ProgressInfo = {}): void {
    if (this.opts.mode === 'none') return;
    const t = this.now();
    if (!this.started) {
      this.started = true;
      this.t0 = t;
      this.step0 = step;
      this.lastPlainTime = t;
      this.lastPlainBucket =
        total > 0 ? Math.floor((step / total) * (100 / (this.opts.plainPercent ?? 10))) : 0;
    }
    this.lastStep = step;
    this.lastTotal = total;
    const elapsed = (t - this.t0) / 1000;
    const rate = elapsed > 0 ? (step - this.step0) / elapsed : Number.NaN;
    const eta = rate > 0 ? (total - step) / rate : Number.NaN;
    const extras = Object.entries(info)
      .filter((e): e is [string, number] => typeof e[1] === 'number')
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join('  ');
    const frac = total > 0 ? Math.min(1, step / total) : 0;
    if (this.opts.mode === 'tty') {
      const done = step >= total;
      if (!done && t - this.lastDraw < (this.opts.redrawMs ?? 100)) return;
      this.lastDraw = t;
      const tail = ` ${step}/${total} ${(frac * 100).toFixed(0).padStart(3)}%  ${formatRate(rate)}  ETA ${formatDuration(eta)}${extras ? `  ${extras}` : ''}`;
      const width = Math.max(10, Math.min(30, this.term.columns - tail.length - this.opts.label.length - 6));
      const filled = Math.round(frac * width);
      this.term.setStatus(`${this.opts.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${tail}`);
      return;
    }
    const bucket = Math.floor(frac * (100 / (this.opts.plainPercent ?? 10)));
    const due =
      bucket > this.lastPlainBucket || (t - this.lastPlainTime) / 1000 >= (this.opts.plainSeconds ?? 5);
    if (!due && step < total) return;
    if (step >= total && this.lastPlainBucket === Number.POSITIVE_INFINITY) return;
    this.lastPlainBucket = step >= total ? Number.POSITIVE_INFINITY : bucket;
    this.lastPlainTime = t;
    this.term.line(
      `[${this.opts.label}] step ${step}/${total} (${(frac * 100).toFixed(0)}%)  ${formatRate(rate)}  ETA ${formatDuration(eta)}${extras ? `  ${extras}` : ''}`,
    );
  }

  /** Clears the bar (TTY) so that following output starts on a clean line. */
  finish(): void {
    if (this.opts.mode === 'tty') this.term.clearStatus();
  }
}
