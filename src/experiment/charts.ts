/**
 * Chart helpers that return Vega-Lite specs, and headless SVG rendering (vega's `renderer: 'none'`
 * + `toSVG()`: no browser, no canvas; text widths are estimated).
 *
 * The helpers convert the input into a long-form table with fixed internal field names (`x`, `y`,
 * `series`, ...) so user field names with dots or spaces cannot confuse Vega's field parser, and they
 * downsample long curves so the inline SVG stays small.
 */

import type { ColorScheme, LoggerInterface } from 'vega';
import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification (any top-level form). */
export type ChartSpec = TopLevelSpec;

/** One row of tabular chart input. */
export type Row = Readonly<Record<string, number | string | boolean | null | undefined>>;

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
  xTitle?: string;
  yTitle?: string;
}

export interface CurvesOptions extends ChartOptions {
  /** Rows such as the records logged with `ctx.log`. */
  data: readonly Row[];
  /** x field (default `'step'`). */
  x?: string;
  /** One field, or several drawn as separate curves. */
  y: string | readonly string[];
  logX?: boolean;
  /** `'auto'` (default): log scale when all values are positive and span more than a factor of 20. */
  logY?: boolean | 'auto';
  /** Per-curve point budget; longer curves are strided (the last point is always kept). Default 1000. */
  maxPoints?: number;
}

export interface LinesOptions extends ChartOptions {
  data: readonly Row[];
  x: string;
  y: string;
  /** Field whose values name the lines; omitted → one line. */
  group?: string;
  logX?: boolean;
  logY?: boolean | 'auto';
  maxPoints?: number;
  /** Draw points on the lines too. */
  points?: boolean;
}

export type HeatmapOptions = ChartOptions & {
  /** Vega color scheme, default `'viridis'`. */
  scheme?: ColorScheme;
  valueTitle?: string;
} & (
    | { data: readonly Row[]; x: string; y: string; value: string }
    | {
        matrix: readonly (readonly number[])[] | readonly Float64Array[];
        xLabels?: readonly string[];
        yLabels?: readonly string[];
      }
  );

export interface ScatterOptions extends ChartOptions {
  data: readonly Row[];
  x: string;
  y: string;
  /** Categorical field used for color. */
  color?: string;
  logX?: boolean;
  logY?: boolean;
  /** Point size in square pixels (default 30). */
  size?: number;
  opacity?: number;
}

export interface BarOptions extends ChartOptions {
  data: readonly Row[];
  /** Category field. */
  x: string;
  /** Value field. */
  y: string;
  /** Optional grouping field (grouped bars via color + xOffset). */
  color?: string;
  horizontal?: boolean;
}

export interface HistogramOptions extends ChartOptions {
  values: ArrayLike<number>;
  /** Number of equal-width bins (default 30). */
  bins?: number;
  /** Range to bin over (default: min..max of finite values). */
  domain?: readonly [number, number];
  logY?: boolean;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const DEFAULT_WIDTH = 460;
const DEFAULT_HEIGHT = 260;

const baseConfig = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
};

function frame(o: ChartOptions) {
  return {
    $schema: SCHEMA,
    ...(o.title !== undefined ? { title: o.title } : {}),
    width: o.width ?? DEFAULT_WIDTH,
    height: o.height ?? DEFAULT_HEIGHT,
    background: 'white',
    config: baseConfig,
  };
}

function num(v: Row[string]): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

/** Strides `points` down to about `max` items, always keeping the last one. */
export function downsample<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max || max < 2) return points.slice();
  const stride = Math.ceil(points.length / (max - 1));
  const out: T[] = [];
  for (let i = 0; i < points.length; i += stride) out.push(points[i]!);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]!);
  return out;
}

function autoLog(values: readonly number[], setting: boolean | 'auto' | undefined): boolean {
  if (setting === true || setting === false) return setting;
  if (values.length === 0) return false;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const v of values) {
    if (!(v > 0)) return false;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi / lo > 20;
}

type Point = { x: number; y: number; series: string };

function lineSpec(
  points: Point[],
  o: ChartOptions & { logX?: boolean; logY?: boolean | 'auto'; maxPoints?: number; points?: boolean },
  xTitle: string,
  yTitle: string,
  seriesTitle: string,
): ChartSpec {
  const logY = autoLog(
    points.map((p) => p.y),
    o.logY ?? 'auto',
  );
  const logX = o.logX ?? false;
  let kept = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (logX) kept = kept.filter((p) => p.x > 0);
  if (logY) kept = kept.filter((p) => p.y > 0);
  const bySeries = new Map<string, Point[]>();
  for (const p of kept) {
    let list = bySeries.get(p.series);
    if (!list) bySeries.set(p.series, (list = []));
    list.push(p);
  }
  const values: Point[] = [];
  for (const list of bySeries.values()) values.push(...downsample(list, o.maxPoints ?? 1000));
  const multi = bySeries.size > 1;
  return {
    ...frame(o),
    data: { values },
    mark: { type: 'line', clip: true, ...(o.points ? { point: true } : {}) },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: o.xTitle ?? xTitle,
        scale: logX ? { type: 'log' } : { zero: false },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: o.yTitle ?? yTitle,
        scale: logY ? { type: 'log' } : { zero: false },
      },
      ...(multi
        ? { color: { field: 'series', type: 'nominal', title: seriesTitle } }
        : { detail: { field: 'series', type: 'nominal' } }),
    },
  };
}

/** Curves over steps: one or more metric fields against `x` (default `step`), log y when it helps. */
export function curves(o: CurvesOptions): ChartSpec {
  const xField = o.x ?? 'step';
  const ys = typeof o.y === 'string' ? [o.y] : [...o.y];
  const points: Point[] = [];
  for (const y of ys) {
    for (const row of o.data) {
      const xv = num(row[xField]);
      const yv = num(row[y]);
      if (xv === undefined || yv === undefined) continue;
      points.push({ x: xv, y: yv, series: y });
    }
  }
  return lineSpec(points, o, xField, ys.length === 1 ? ys[0]! : 'value', 'metric');
}

/** Lines per group: `y` against `x`, one line per distinct value of `group`. */
export function lines(o: LinesOptions): ChartSpec {
  const points: Point[] = [];
  for (const row of o.data) {
    const xv = num(row[o.x]);
    const yv = num(row[o.y]);
    if (xv === undefined || yv === undefined) continue;
    points.push({ x: xv, y: yv, series: o.group === undefined ? o.y : String(row[o.group]) });
  }
  return lineSpec(points, o, o.x, o.y, o.group ?? '');
}

/** A heatmap from long-form rows (`x`, `y`, `value` fields) or from a matrix (rows = y). */
export function heatmap(o: HeatmapOptions): ChartSpec {
  const values: { x: string; y: string; v: number | null; xi: number; yi: number }[] = [];
  let xTitle = 'x';
  let yTitle = 'y';
  let valueTitle = o.valueTitle ?? 'value';
  if ('matrix' in o) {
    o.matrix.forEach((row, yi) => {
      for (let xi = 0; xi < row.length; xi++) {
        const v = row[xi]!;
        values.push({
          x: o.xLabels?.[xi] ?? String(xi),
          y: o.yLabels?.[yi] ?? String(yi),
          v: Number.isFinite(v) ? v : null,
          xi,
          yi,
        });
      }
    });
    xTitle = o.xTitle ?? 'column';
    yTitle = o.yTitle ?? 'row';
  } else {
    const xs = new Map<string, number>();
    const ys = new Map<string, number>();
    for (const row of o.data) {
      const xk = String(row[o.x]);
      const yk = String(row[o.y]);
      if (!xs.has(xk)) xs.set(xk, xs.size);
      if (!ys.has(yk)) ys.set(yk, ys.size);
      const v = num(row[o.value]);
      values.push({
        x: xk,
        y: yk,
        v: v !== undefined && Number.isFinite(v) ? v : null,
        xi: xs.get(xk)!,
        yi: ys.get(yk)!,
      });
    }
    xTitle = o.xTitle ?? o.x;
    yTitle = o.yTitle ?? o.y;
    valueTitle = o.valueTitle ?? o.value;
  }
  const nx = new Set(values.map((v) => v.x)).size;
  const ny = new Set(values.map((v) => v.y)).size;
  return {
    ...frame(o),
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: {
        field: 'x',
        type: 'ordinal',
        title: xTitle,
        sort: { field: 'xi', op: 'min' },
        axis: {
          labels: nx <= 40,
          ticks: nx <= 40,
          ...(nx > 12 ? { labelAngle: 0, labelOverlap: 'parity' as const } : {}),
        },
      },
      y: {
        field: 'y',
        type: 'ordinal',
        title: yTitle,
        sort: { field: 'yi', op: 'min' },
        axis: { labels: ny <= 40, ticks: ny <= 40, ...(ny > 12 ? { labelOverlap: 'parity' as const } : {}) },
      },
      color: {
        field: 'v',
        type: 'quantitative',
        title: valueTitle,
        scale: { scheme: o.scheme ?? 'viridis' },
      },
    },
  };
}

/** A scatter plot, optionally colored by a categorical field. */
export function scatter(o: ScatterOptions): ChartSpec {
  const values: { x: number; y: number; c?: string }[] = [];
  for (const row of o.data) {
    const xv = num(row[o.x]);
    const yv = num(row[o.y]);
    if (xv === undefined || yv === undefined || !Number.isFinite(xv) || !Number.isFinite(yv)) continue;
    if ((o.logX && xv <= 0) || (o.logY && yv <= 0)) continue;
    values.push(o.color === undefined ? { x: xv, y: yv } : { x: xv, y: yv, c: String(row[o.color]) });
  }
  return {
    ...frame(o),
    data: { values },
    mark: { type: 'circle', size: o.size ?? 30, opacity: o.opacity ?? 0.7 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: o.xTitle ?? o.x,
        scale: o.logX ? { type: 'log' } : { zero: false },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: o.yTitle ?? o.y,
        scale: o.logY ? { type: 'log' } : { zero: false },
      },
      ...(o.color !== undefined ? { color: { field: 'c', type: 'nominal', title: o.color } } : {}),
    },
  };
}

/** A bar chart of `y` per category `x` (grouped by `color` when given). */
export function bar(o: BarOptions): ChartSpec {
  const values: { x: string; y: number; c?: string }[] = [];
  const order: string[] = [];
  for (const row of o.data) {
    const yv = num(row[o.y]);
    if (yv === undefined || !Number.isFinite(yv)) continue;
    const xk = String(row[o.x]);
    if (!order.includes(xk)) order.push(xk);
    values.push(o.color === undefined ? { x: xk, y: yv } : { x: xk, y: yv, c: String(row[o.color]) });
  }
  const cat = { field: 'x', type: 'nominal' as const, title: o.xTitle ?? o.x, sort: order };
  const val = { field: 'y', type: 'quantitative' as const, title: o.yTitle ?? o.y };
  const color =
    o.color !== undefined ? { color: { field: 'c', type: 'nominal' as const, title: o.color } } : {};
  const offset =
    o.color !== undefined ? (o.horizontal ? { yOffset: { field: 'c' } } : { xOffset: { field: 'c' } }) : {};
  return {
    ...frame(o),
    data: { values },
    mark: { type: 'bar' },
    encoding: o.horizontal
      ? { y: cat, x: val, ...color, ...offset }
      : { x: cat, y: val, ...color, ...offset },
  };
}

/** Bins `values` (in JS, so millions of values stay cheap) and draws the counts as bars. */
export function histogram(o: HistogramOptions): ChartSpec {
  const finite: number[] = [];
  for (let i = 0; i < o.values.length; i++) {
    const v = o.values[i]!;
    if (Number.isFinite(v)) finite.push(v);
  }
  const nb = Math.max(1, Math.floor(o.bins ?? 30));
  let lo = o.domain?.[0] ?? Math.min(...(finite.length ? finite : [0]));
  let hi = o.domain?.[1] ?? Math.max(...(finite.length ? finite : [1]));
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / nb;
  const counts = new Array<number>(nb).fill(0);
  for (const v of finite) {
    if (v < lo || v > hi) continue;
    counts[Math.min(nb - 1, Math.floor((v - lo) / width))]! += 1;
  }
  const values = counts.map((count, i) => ({ x: lo + i * width, x2: lo + (i + 1) * width, count }));
  return {
    ...frame(o),
    data: { values: o.logY ? values.filter((b) => b.count > 0) : values },
    mark: { type: 'bar', stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: {
        field: 'x',
        bin: 'binned',
        type: 'quantitative',
        title: o.xTitle ?? 'value',
        scale: { domain: [lo, hi], zero: false },
      },
      x2: { field: 'x2' },
      y: {
        field: 'count',
        type: 'quantitative',
        title: o.yTitle ?? 'count',
        ...(o.logY ? { scale: { type: 'log' } } : {}),
      },
    },
  };
}

/**
 * Draws several single-view specs (e.g. from {@link scatter} and {@link lines}) on shared axes.
 * Frame properties (title, size) come from `o`, falling back to the first spec.
 */
export function overlay(specs: readonly ChartSpec[], o: ChartOptions = {}): ChartSpec {
  const layer: Record<string, unknown>[] = [];
  let first: Record<string, unknown> | undefined;
  for (const spec of specs) {
    const {
      $schema: _s,
      config: _c,
      width,
      height,
      title,
      background: _b,
      ...rest
    } = spec as unknown as Record<string, unknown>;
    first ??= { width, height, title };
    if (!('mark' in rest))
      throw new Error('charts.overlay: only single-view specs (with a mark) can be overlaid');
    layer.push(rest);
  }
  const opts: ChartOptions = {
    width: o.width ?? (first?.width as number | undefined),
    height: o.height ?? (first?.height as number | undefined),
  };
  const title = o.title ?? (first?.title as string | undefined);
  if (title !== undefined) opts.title = title;
  return { ...frame(opts), layer } as unknown as ChartSpec;
}

/** The helpers exposed on `ctx.charts`. */
export const charts = { curves, lines, heatmap, scatter, bar, histogram, overlay } as const;
export type ChartHelpers = typeof charts;

/** Renders a Vega-Lite spec to an SVG string, headlessly. */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const warnings: string[] = [];
  const logger: LoggerInterface = {
    level(_level?: number) {
      return _level === undefined ? 0 : logger;
    },
    error(...args: readonly unknown[]) {
      throw new Error(args.map(String).join(' '));
    },
    warn(...args: readonly unknown[]) {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  } as LoggerInterface;
  // Loaded lazily: vega is the slowest import of the CLI, and most commands never draw.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vgSpec = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Prefixes every `id` in an SVG (and the `url(#…)`/`href="#…"` references to them) so several
 * inline SVGs can live in one HTML page without their clip paths and gradients colliding.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}${id}"`);
}
