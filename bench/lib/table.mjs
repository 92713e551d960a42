// Markdown tables: header + rows of strings, columns padded for reading in a terminal.

export function markdownTable(header, rows) {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => String(r[j] ?? '').length)));
  const line = (cells) => '| ' + cells.map((c, j) => String(c ?? '').padEnd(widths[j])).join(' | ') + ' |';
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  return [line(header), rule, ...rows.map(line)].join('\n');
}
