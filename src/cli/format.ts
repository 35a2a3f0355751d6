/** Plain-text tables and small formatting helpers for terminal output. */

/** Display width, treating combining marks as zero and everything else as one column. */
function width(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strip ANSI escapes
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].filter((c) => !/\p{M}/u.test(c)).length;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

/** Aligned columns; `right` marks numeric columns. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[] = [],
): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => pad(c, widths[i]!, right[i] === true))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** `2025-01-31 14:25` from an ISO string, in local time. */
export function shortDate(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Whether to use color on a stream. */
export function useColor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

export function paint(on: boolean, code: 'green' | 'red' | 'yellow' | 'dim' | 'bold', s: string): string {
  if (!on) return s;
  const c = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 }[code];
  return `\x1b[${c}m${s}\x1b[0m`;
}
