/**
 * The taxonomy figure (the survey's Fig. 1) generated from the registry: a Vega tree layout
 * (root → task/strategy group → losses along the Fig. 1 edges), boxes coloured by learning
 * paradigm as in the survey (pink supervised, blue semi-supervised, yellow unsupervised),
 * further Fig. 1 links dashed, and ⚠ on losses whose survey property tags the checker
 * contradicts. `renderTaxonomySvg` renders it headlessly with `vega` (no browser).
 */
import type { Spec } from 'vega';
import { compareWithSurvey, type LossInfo, type LossParadigm, lossRegistry } from './registry.js';

/** A node of the figure's tree. */
export interface TaxonomyNode {
  readonly id: string;
  readonly parent: string | null;
  readonly label: string;
  readonly kind: 'root' | 'group' | 'loss';
  /** The paradigm of a loss; 'group' for the root and group nodes. */
  readonly paradigm: LossParadigm | 'group';
  /** Estimated label box width in pixels. */
  readonly w: number;
}

/** A Fig. 1 edge that is not a tree edge (second parents, links across groups). */
export interface TaxonomyLink {
  readonly source: string;
  readonly target: string;
}

const GROUPS: { task: LossInfo['task']; strategy: LossInfo['strategy']; label: string }[] = [
  { task: 'regression', strategy: 'error-based', label: 'Regression · error based' },
  { task: 'classification', strategy: 'margin-based', label: 'Classification · margin based' },
  { task: 'classification', strategy: 'probabilistic', label: 'Classification · probabilistic' },
  { task: 'generative', strategy: 'probabilistic', label: 'Generative · probabilistic' },
  { task: 'ranking', strategy: 'margin-based', label: 'Ranking · margin based' },
  { task: 'energy-based', strategy: 'margin-based', label: 'Energy-based · margin based' },
];

/** x of each tree depth: root, groups, then four loss columns. */
const COLUMNS = [0, 175, 405, 625, 815, 1005];

const groupId = (e: Pick<LossInfo, 'task' | 'strategy'>) => `group:${e.task}:${e.strategy}`;
const boxWidth = (label: string, bold = false) => Math.ceil(label.length * (bold ? 7 : 6.3)) + 10;

/** The figure's nodes and extra links, derived from the registry. */
export function taxonomyGraph(registry: readonly LossInfo[] = lossRegistry): {
  nodes: TaxonomyNode[];
  links: TaxonomyLink[];
} {
  const rootLabel = `Loss functions (${registry.length})`;
  const nodes: TaxonomyNode[] = [
    {
      id: 'root',
      parent: null,
      label: rootLabel,
      kind: 'root',
      paradigm: 'group',
      w: boxWidth(rootLabel, true),
    },
  ];
  for (const g of GROUPS) {
    if (registry.some((e) => e.task === g.task && e.strategy === g.strategy)) {
      nodes.push({
        id: groupId(g),
        parent: 'root',
        label: g.label,
        kind: 'group',
        paradigm: 'group',
        w: boxWidth(g.label, true),
      });
    }
  }
  const links: TaxonomyLink[] = [];
  const ids = new Set(registry.map((e) => e.id));
  for (const e of registry) {
    const inTree = e.parents.filter((p) => {
      const pe = registry.find((x) => x.id === p);
      return pe && groupId(pe) === groupId(e);
    });
    const treeParent = inTree[0] ?? groupId(e);
    for (const p of e.parents) if (p !== treeParent && ids.has(p)) links.push({ source: p, target: e.id });
    const label = compareWithSurvey(e).contradicted.length ? `${e.name} ⚠` : e.name;
    nodes.push({
      id: e.id,
      parent: treeParent,
      label,
      kind: 'loss',
      paradigm: e.paradigm,
      w: boxWidth(label),
    });
  }
  return { nodes, links };
}

/** The Vega specification of the taxonomy tree. */
export function taxonomySpec(registry: readonly LossInfo[] = lossRegistry): Spec {
  const { nodes, links } = taxonomyGraph(registry);
  const leaves = nodes.filter((n) => !nodes.some((m) => m.parent === n.id)).length;
  const height = leaves * 30;
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    description: 'Taxonomy of the loss functions of Ciampiconi et al. (arXiv 2301.05579v1), Fig. 1.',
    width: 1200,
    height,
    padding: 10,
    background: 'white',
    title: {
      text: `A taxonomy of ${registry.length} loss functions (after Ciampiconi et al. 2023, Fig. 1)`,
      subtitle: [
        'Box colour: learning paradigm. Dashed: further Fig. 1 links. ⚠: a survey property tag is contradicted by the property checker.',
      ],
      anchor: 'start',
    },
    data: [
      {
        name: 'tree',
        values: nodes as unknown as object[],
        transform: [
          { type: 'stratify', key: 'id', parentKey: 'parent' },
          {
            type: 'tree',
            method: 'tidy',
            size: [{ signal: 'height' }, { signal: 'width - 230' }],
            separation: true,
            as: ['y', 'x', 'depth', 'children'],
          },
          // Fixed columns per depth (the group column is wider than the tree's even spacing).
          { type: 'formula', expr: `${JSON.stringify(COLUMNS)}[datum.depth]`, as: 'x' },
          { type: 'formula', expr: 'datum.x + datum.w', as: 'xr' },
        ],
      },
      {
        name: 'links',
        source: 'tree',
        transform: [
          { type: 'treelinks' },
          {
            type: 'linkpath',
            orient: 'horizontal',
            shape: 'diagonal',
            sourceX: 'source.xr',
            sourceY: 'source.y',
            targetX: 'target.x',
            targetY: 'target.y',
          },
        ],
      },
      {
        name: 'extra',
        values: links as unknown as object[],
        transform: [
          { type: 'lookup', from: 'tree', key: 'id', fields: ['source', 'target'], as: ['s', 't'] },
          // Forward links run right edge → left edge; links back to an earlier column run from
          // the source's lower edge to the target's right edge.
          { type: 'formula', expr: 'datum.t.x >= datum.s.xr', as: 'fwd' },
          { type: 'formula', expr: 'datum.fwd ? datum.s.xr : datum.s.x + 15', as: 'sx' },
          { type: 'formula', expr: 'datum.fwd ? datum.s.y : datum.s.y + 9', as: 'sy' },
          { type: 'formula', expr: 'datum.fwd ? datum.t.x : datum.t.xr', as: 'tx' },
          { type: 'formula', expr: 'datum.t.y', as: 'ty' },
          {
            type: 'linkpath',
            orient: 'horizontal',
            shape: 'diagonal',
            sourceX: 'sx',
            sourceY: 'sy',
            targetX: 'tx',
            targetY: 'ty',
          },
        ],
      },
    ],
    scales: [
      {
        name: 'paradigm',
        type: 'ordinal',
        domain: ['supervised', 'semi-supervised', 'unsupervised', 'group'],
        range: ['#f8c8dc', '#bcd7f5', '#f9e79f', '#e5e7e9'],
      },
    ],
    legends: [
      {
        fill: 'paradigm',
        title: 'Paradigm',
        orient: 'bottom-right',
        values: ['supervised', 'semi-supervised', 'unsupervised'],
        symbolType: 'square',
        symbolStrokeColor: '#555',
      },
    ],
    marks: [
      {
        type: 'path',
        from: { data: 'links' },
        encode: {
          update: { path: { field: 'path' }, stroke: { value: '#9aa0a6' }, strokeWidth: { value: 1.2 } },
        },
      },
      {
        type: 'path',
        from: { data: 'extra' },
        encode: {
          update: {
            path: { field: 'path' },
            stroke: { value: '#c0392b' },
            strokeWidth: { value: 1.2 },
            strokeDash: { value: [4, 3] },
          },
        },
      },
      {
        type: 'rect',
        from: { data: 'tree' },
        encode: {
          update: {
            x: { field: 'x' },
            y: { field: 'y', offset: -9 },
            width: { field: 'w' },
            height: { value: 18 },
            cornerRadius: { value: 3 },
            fill: { scale: 'paradigm', field: 'paradigm' },
            stroke: { value: '#555' },
            strokeWidth: { signal: "datum.kind === 'loss' ? 0.8 : 1.5" },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'tree' },
        encode: {
          update: {
            x: { field: 'x', offset: 5 },
            y: { field: 'y' },
            text: { field: 'label' },
            baseline: { value: 'middle' },
            fontSize: { value: 11 },
            font: { value: 'Helvetica, Arial, sans-serif' },
            fontWeight: { signal: "datum.kind === 'loss' ? 'normal' : 'bold'" },
            fill: { value: '#1b1b1b' },
          },
        },
      },
    ],
  };
}

/** Renders the taxonomy figure to an SVG string, headlessly (vega's `renderer: 'none'`). */
export async function renderTaxonomySvg(registry: readonly LossInfo[] = lossRegistry): Promise<string> {
  const vega = await import('vega');
  const view = new vega.View(vega.parse(taxonomySpec(registry)), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
