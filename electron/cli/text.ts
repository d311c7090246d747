/**
 * Report fields are written by strangers: a control character in an
 * organization-name must not move the cursor or recolour the terminal, and a
 * bidirectional control (U+202E and the others of Unicode TR 9) must not make
 * the rest of the line read backwards.
 */
export function printable(value: string): string {
  return value.replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** A plain-text table with aligned columns. */
export function formatTable(columns: Column[], rows: string[][], indent = '  '): string {
  const cells = rows.map((row) => row.map(printable));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((row) => (row[index] ?? '').length)),
  );
  const line = (row: string[]): string =>
    indent +
    row
      .map((cell, index) =>
        columns[index]?.align === 'right' ? cell.padStart(widths[index] ?? 0) : cell.padEnd(widths[index] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join('\n');
}

const integer = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return integer.format(value);
}

export function formatRate(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 3 : 1)}%`;
}
