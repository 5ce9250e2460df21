// SPDX-License-Identifier: MIT
/**
 * Plain-text tables: columns padded to their widest cell, measured without
 * colour escapes so a coloured cell lines up with a plain one. The last
 * column is not padded, so lines carry no trailing spaces.
 * @module
 */
import { stripVTControlCharacters } from 'node:util';

const width = (cell: string): number => stripVTControlCharacters(cell).length;

/** A row of cells, or a section title spanning the table. */
export type Row = string[] | { section: string };

export function renderTable(header: readonly string[], rows: readonly Row[]): string {
  const grid = rows.filter((r): r is string[] => Array.isArray(r));
  const widths = header.map((h, i) => Math.max(width(h), ...grid.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  for (const row of rows) out.push(Array.isArray(row) ? line(row) : row.section);
  return `${out.join('\n')}\n`;
}
