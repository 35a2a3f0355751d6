/** Shared HTML pieces for report.html and the tour index (no scripts, no external resources). */
import type { Claim } from './claims.js';
import { formatNumber, formatTarget } from './claims.js';

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1d2329; margin: 0; background: #f6f7f9; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid #e3e6ea; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 8px; }
.sub { color: #5b6570; margin: 0 0 12px; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 18px; color: #3b444d; font-size: 14px; margin: 8px 0 0; padding: 0; list-style: none; }
.meta b { color: #1d2329; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid #dfe3e8; padding: 5px 10px; text-align: left; vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, Menlo, Consolas, monospace; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f4f5f7; padding: 10px 12px; overflow-x: auto; border-radius: 4px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; letter-spacing: .02em; }
.pass { background: #d8f3dc; color: #1b5e20; }
.fail { background: #fde2e1; color: #9b1c1c; }
.warn { background: #fff1c2; color: #7a5200; }
.info { background: #e3ecfb; color: #1d4ed8; }
.banner { padding: 10px 14px; border-radius: 4px; margin: 14px 0; }
.banner.fail { border: 1px solid #f5b5b2; }
.banner.warn { border: 1px solid #f1d98a; }
figure { margin: 16px 0 24px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #5b6570; font-size: 13px; margin-top: 4px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 28px; }
.files a { margin-right: 14px; }
footer { margin-top: 40px; color: #8a939c; font-size: 12px; }
`;

export function statusBadge(status: string): string {
  const cls =
    status === 'completed' || status === 'pass'
      ? 'pass'
      : status === 'failed' || status === 'fail'
        ? 'fail'
        : status === 'running' || status === 'skipped'
          ? 'info'
          : 'warn';
  return `<span class="badge ${cls}">${escapeHtml(status.toUpperCase())}</span>`;
}

export function claimsTableHtml(claims: readonly Claim[]): string {
  if (claims.length === 0) return '<p class="sub">No claims recorded.</p>';
  const rows = claims
    .map(
      (c) =>
        `<tr class="claim ${c.passed ? 'pass' : 'fail'}"><td>${escapeHtml(c.name)}${
          c.description ? `<br><span class="sub">${escapeHtml(c.description)}</span>` : ''
        }</td><td class="num">${escapeHtml(formatNumber(c.value))}</td><td class="num">${escapeHtml(
          formatTarget(c),
        )}</td><td>${statusBadge(c.passed ? 'pass' : 'fail')}</td></tr>`,
    )
    .join('\n');
  return `<table class="claims"><thead><tr><th>Claim</th><th>Measured</th><th>Expected</th><th>Result</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** Escapes `|` and newlines for a Markdown table cell. */
export function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function claimsTableMd(claims: readonly Claim[]): string {
  if (claims.length === 0) return '_No claims recorded._\n';
  const lines = ['| Claim | Measured | Expected | Result |', '|---|---:|---:|---|'];
  for (const c of claims) {
    lines.push(
      `| ${mdCell(c.description ? `${c.name} — ${c.description}` : c.name)} | ${formatNumber(c.value)} | ${mdCell(formatTarget(c))} | ${c.passed ? '✅ pass' : '❌ FAIL'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
