/** A minimal XML reader for tests: checks well-formedness and lets tests count elements. */

export interface XmlNode {
  tag: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

/** Parses SVG text into a tree; throws on mismatched or unclosed tags. */
export function parseXml(text: string): XmlNode {
  const root: XmlNode = { tag: '#root', attrs: {}, children: [] };
  const stack: XmlNode[] = [root];
  const tagRe =
    /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|(<)/g;
  for (let m = tagRe.exec(text); m; m = tagRe.exec(text)) {
    if (m[5]) throw new Error(`malformed tag at offset ${m.index}: ${text.slice(m.index, m.index + 40)}`);
    if (!m[2]) continue;
    const [, closing, tag, attrText, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (!open || open.tag !== tag) throw new Error(`</${tag}> closes <${open?.tag}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
      attrs[a[1]!] = a[2] ?? a[3] ?? '';
    const node: XmlNode = { tag: tag!, attrs, children: [] };
    stack[stack.length - 1]!.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.tag}>`);
  if (root.children.length !== 1) throw new Error(`expected one root element, got ${root.children.length}`);
  return root.children[0]!;
}

export function findAll(node: XmlNode, pred: (n: XmlNode) => boolean, out: XmlNode[] = []): XmlNode[] {
  if (pred(node)) out.push(node);
  for (const c of node.children) findAll(c, pred, out);
  return out;
}

/** Data-mark groups (`<g class="mark-<type> role-mark ...">`), excluding axes and legends. */
export function markGroups(svg: XmlNode, type: string): XmlNode[] {
  return findAll(svg, (n) => {
    const cls = (n.attrs.class ?? '').split(/\s+/);
    return n.tag === 'g' && cls.includes(`mark-${type}`) && cls.includes('role-mark');
  });
}

/** Number of `<path>` items drawn by marks of `type`. */
export function countMarkItems(svg: XmlNode, type: string): number {
  return markGroups(svg, type).reduce((s, g) => s + findAll(g, (n) => n.tag === 'path').length, 0);
}
