/**
 * Column alignment: a number n means the first n columns left-aligned and the rest right-aligned;
 * a string gives one letter per column, "l" or "r".
 */
export type Align = number | string;

const isLeft = (align: Align, i: number): boolean => (typeof align === 'number' ? i < align : align[i] === 'l');

/** A plain-text table. */
export function table(rows: (string | number)[][], header: string[], align: Align = 1): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]): string =>
    r.map((c, i) => (isLeft(align, i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/** The same as a Markdown table. */
export function mdTable(rows: (string | number)[][], header: string[], align: Align = 1): string {
  const esc = (c: string | number): string => String(c).replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (isLeft(align, i) ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
