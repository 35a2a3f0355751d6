import { describe, expect, it } from 'vitest';
import {
  bar,
  curves,
  downsample,
  heatmap,
  histogram,
  lines,
  namespaceSvgIds,
  overlay,
  renderSvg,
  scatter,
} from '../../src/experiment/charts.js';
import { countMarkItems, findAll, markGroups, parseXml } from './svg.js';

const steps = Array.from({ length: 50 }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), acc: i / 50 }));

async function svgOf(spec: Parameters<typeof renderSvg>[0]) {
  const svg = await renderSvg(spec);
  expect(svg.startsWith('<svg')).toBe(true);
  const root = parseXml(svg);
  expect(root.tag).toBe('svg');
  expect(Number(root.attrs.width)).toBeGreaterThan(100);
  expect(Number(root.attrs.height)).toBeGreaterThan(100);
  return { svg, root };
}

function spec(s: unknown): Record<string, unknown> {
  return s as Record<string, unknown>;
}

describe('chart helpers render valid SVG with the expected marks', () => {
  it('curves: one line per metric, log y when values span decades', async () => {
    const s = curves({ data: steps, y: ['loss', 'acc'], title: 'Loss' });
    const { root, svg } = await svgOf(s);
    expect(countMarkItems(root, 'line')).toBe(2);
    expect(svg).toContain('Loss');
    // acc starts at 0, so auto log-y must be off; loss alone spans 50x → log.
    expect(JSON.stringify(spec(s).encoding)).not.toContain('"log"');
    const logSpec = curves({ data: steps, y: 'loss', logX: true });
    expect(JSON.stringify(spec(logSpec).encoding)).toMatch(/"y":\{[^}]*"scale":\{"type":"log"/);
    expect(JSON.stringify(spec(logSpec).encoding)).toMatch(/"x":\{[^}]*"scale":\{"type":"log"/);
    expect(countMarkItems((await svgOf(logSpec)).root, 'line')).toBe(1);
  });

  it('curves drop non-finite and non-positive values on log axes', async () => {
    const data = [
      { step: 1, loss: 1 },
      { step: 2, loss: Number.NaN },
      { step: 3, loss: 0 },
      { step: 4, loss: 0.01 },
    ];
    const s = curves({ data, y: 'loss', logY: true });
    const values = (spec(s).data as { values: { y: number }[] }).values;
    expect(values.map((v) => v.y)).toEqual([1, 0.01]);
    await svgOf(s);
  });

  it('lines per group', async () => {
    const data = [0, 1, 2].flatMap((g) => [1, 2, 3, 4].map((x) => ({ x, y: x * g + 1, g: `g${g}` })));
    const { root } = await svgOf(lines({ data, x: 'x', y: 'y', group: 'g' }));
    expect(countMarkItems(root, 'line')).toBe(3);
    expect(findAll(root, (n) => n.tag === 'text').some((t) => t.attrs['aria-hidden'] !== 'true')).toBe(true);
  });

  it('scatter draws one symbol per finite point', async () => {
    const data = Array.from({ length: 40 }, (_, i) => ({ a: i, b: i % 7, c: i % 2 ? 'odd' : 'even' }));
    data.push({ a: Number.NaN, b: 1, c: 'odd' });
    const { root, svg } = await svgOf(scatter({ data, x: 'a', y: 'b', color: 'c' }));
    expect(countMarkItems(root, 'symbol')).toBe(40);
    expect(svg).toContain('odd');
    expect(markGroups(root, 'symbol').length).toBeGreaterThanOrEqual(1);
  });

  it('bar: one rect per category', async () => {
    const data = ['sgd', 'adam', 'lion'].map((name, i) => ({ name, acc: 0.5 + i / 10 }));
    const { root } = await svgOf(bar({ data, x: 'name', y: 'acc' }));
    expect(countMarkItems(root, 'rect')).toBe(3);
  });

  it('heatmap from a matrix: one rect per cell', async () => {
    const matrix = Array.from({ length: 4 }, (_, r) => Array.from({ length: 5 }, (_, c) => r * c));
    const { root } = await svgOf(heatmap({ matrix, title: 'H' }));
    expect(countMarkItems(root, 'rect')).toBe(20);
  });

  it('heatmap from long-form rows', async () => {
    const data = ['a', 'b'].flatMap((x) => ['u', 'v', 'w'].map((y, i) => ({ x, y, v: i })));
    const { root } = await svgOf(heatmap({ data, x: 'x', y: 'y', value: 'v' }));
    expect(countMarkItems(root, 'rect')).toBe(6);
  });

  it('histogram: one bar per bin with counts summing to n', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const s = histogram({ values, bins: 12 });
    const bins = (spec(s).data as { values: { count: number; x: number; x2: number }[] }).values;
    expect(bins).toHaveLength(12);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(1000);
    const { root } = await svgOf(s);
    expect(countMarkItems(root, 'rect')).toBe(12);
    // Bars have real width (binned x/x2), not zero-width slivers.
    const d = findAll(markGroups(root, 'rect')[0]!, (n) => n.tag === 'path')[0]!.attrs.d!;
    const width = Number(/h(-?[\d.]+)/.exec(d)?.[1]);
    expect(width).toBeGreaterThan(10);
  });

  it('overlay puts several marks on shared axes', async () => {
    const pts = Array.from({ length: 10 }, (_, i) => ({ x: i, y: i * i }));
    const s = overlay([scatter({ data: pts, x: 'x', y: 'y' }), lines({ data: pts, x: 'x', y: 'y' })], {
      title: 'Both',
    });
    expect(spec(s).layer).toHaveLength(2);
    const { root } = await svgOf(s);
    expect(countMarkItems(root, 'symbol')).toBe(10);
    expect(countMarkItems(root, 'line')).toBe(1);
  });

  it('rejects an invalid spec with an error', async () => {
    await expect(
      renderSvg({ mark: 'nonsense' } as unknown as Parameters<typeof renderSvg>[0]),
    ).rejects.toThrow();
  });
});

describe('chart utilities', () => {
  it('downsample keeps the first and last points', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const d = downsample(xs, 100);
    expect(d.length).toBeLessThanOrEqual(101);
    expect(d[0]).toBe(0);
    expect(d[d.length - 1]).toBe(9999);
    expect(downsample([1, 2, 3], 100)).toEqual([1, 2, 3]);
  });

  it('namespaceSvgIds prefixes ids and references', () => {
    const svg =
      '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/></g></svg>';
    const out = namespaceSvgIds(svg, 'c0-');
    expect(out).toContain('id="c0-clip1"');
    expect(out).toContain('url(#c0-clip1)');
    expect(out).toContain('href="#c0-clip1"');
  });
});
