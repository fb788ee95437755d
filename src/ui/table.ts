import { sanitizeForTerminal } from '../texts/sanitize.js';

/**
 * Renders rows as an aligned plain-text table (no colour, so it pipes cleanly). Each cell is one line with no
 * control sequence (see sanitizeForTerminal), measured as printed. Pure.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows].map((row) => row.map((cell) => sanitizeForTerminal(cell)));
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return cells.map(line).join('\n');
}

/** Renders rows as a GitHub-flavoured markdown table; cells as in renderTable, pipes inside them escaped. Pure. */
export function renderMarkdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string) => sanitizeForTerminal(cell).replace(/\|/g, '\\|');
  return [
    `| ${headers.map(escape).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}
