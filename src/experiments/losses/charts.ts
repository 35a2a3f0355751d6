/**
 * Vega-Lite specs the generic chart helpers do not cover: bars with error bars and overlaid
 * histograms of several groups.
 */
import type { ChartSpec } from '../../experiment/charts.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const config = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 300 },
  title: { fontSize: 14, anchor: 'start' as const },
};

/** One bar: category `x`, optional series `c`, value `y` with the interval [lo, hi]. */
export interface ErrorBarRow {
  x: string;
  c?: string;
  y: number;
  lo: number;
  hi: number;
}

/** Bars (grouped by `c` when present) with error bars from `lo` to `hi`. */
export function errorBars(o: {
  data: readonly ErrorBarRow[];
  title: string;
  xTitle: string;
  yTitle: string;
  colorTitle?: string;
  logY?: boolean;
  width?: number;
  height?: number;
}): ChartSpec {
  const values = o.data.filter((r) => Number.isFinite(r.y) && (!o.logY || r.y > 0));
  const order = [...new Set(values.map((r) => r.x))];
  const grouped = values.some((r) => r.c !== undefined);
  const x = { field: 'x', type: 'nominal' as const, title: o.xTitle, sort: order };
  // A log axis cannot include the bars' zero baseline: fix the domain and start the bars at its bottom.
  const positive = values.flatMap((r) => [r.lo, r.y]).filter((v) => v > 0);
  const dMin = positive.length ? Math.min(...positive) / 2 : 1e-3;
  const dMax = Math.max(...values.map((r) => r.hi), dMin * 10) * 1.5;
  const yScale = o.logY ? { type: 'log' as const, domain: [dMin, dMax] } : {};
  const base = o.logY ? { y2: { datum: dMin } } : {};
  const offset = grouped ? { xOffset: { field: 'c', type: 'nominal' as const } } : {};
  const color = grouped
    ? { color: { field: 'c', type: 'nominal' as const, title: o.colorTitle ?? 'series' } }
    : {};
  return {
    $schema: SCHEMA,
    title: o.title,
    width: o.width ?? 460,
    height: o.height ?? 260,
    background: 'white',
    config,
    data: { values: values.map((r) => ({ ...r, lo: o.logY ? Math.max(r.lo, dMin) : r.lo })) },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: o.yTitle, scale: yScale, stack: null },
          ...base,
          ...color,
          ...offset,
        },
      },
      {
        mark: { type: 'rule', color: 'black' },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', scale: yScale },
          y2: { field: 'hi' },
          ...offset,
        },
      },
    ],
  } as unknown as ChartSpec;
}

/** Counts of several groups of values binned on a shared grid, drawn as overlaid translucent bars. */
export function overlaidHistograms(o: {
  groups: readonly { name: string; values: ArrayLike<number> }[];
  title: string;
  xTitle: string;
  bins?: number;
  width?: number;
  height?: number;
}): ChartSpec {
  const nb = o.bins ?? 40;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const g of o.groups) {
    for (let i = 0; i < g.values.length; i++) {
      const v = g.values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi > lo)) {
    lo = Number.isFinite(lo) ? lo - 0.5 : 0;
    hi = lo + 1;
  }
  const w = (hi - lo) / nb;
  const values: { x: number; x2: number; count: number; group: string }[] = [];
  for (const g of o.groups) {
    const counts = new Array<number>(nb).fill(0);
    for (let i = 0; i < g.values.length; i++) {
      const v = g.values[i]!;
      if (Number.isFinite(v)) counts[Math.min(nb - 1, Math.floor((v - lo) / w))]! += 1;
    }
    counts.forEach((count, i) => {
      values.push({ x: lo + i * w, x2: lo + (i + 1) * w, count, group: g.name });
    });
  }
  return {
    $schema: SCHEMA,
    title: o.title,
    width: o.width ?? 460,
    height: o.height ?? 220,
    background: 'white',
    config,
    data: { values },
    mark: { type: 'bar', opacity: 0.55 },
    encoding: {
      x: {
        field: 'x',
        bin: 'binned',
        type: 'quantitative',
        title: o.xTitle,
        scale: { domain: [lo, hi], zero: false },
      },
      x2: { field: 'x2' },
      y: { field: 'count', type: 'quantitative', title: 'count', stack: null },
      color: { field: 'group', type: 'nominal', title: '' },
    },
  } as unknown as ChartSpec;
}

/**
 * Fixes the colours of a single-view spec's nominal colour field: `domain[i]` gets `range[i]`
 * (so e.g. "real" data keep one colour across charts). Returns the same spec.
 */
export function withColors(spec: ChartSpec, domain: readonly string[], range: readonly string[]): ChartSpec {
  const enc = (spec as { encoding?: { color?: Record<string, unknown> } }).encoding;
  if (enc?.color) enc.color.scale = { domain: [...domain], range: [...range] };
  return spec;
}

/** Mean and sample standard deviation. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(n, 1);
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}
