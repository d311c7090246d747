const integer = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return integer.format(value);
}

export function formatRate(rate: number | null): string {
  if (rate === null) return '–';
  const percent = rate * 100;
  return `${percent > 0 && percent < 0.1 ? percent.toFixed(3) : percent.toFixed(1)}%`;
}

/** UTC date of epoch seconds: reports are written in UTC days. */
export function formatDay(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

export function formatDateTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$/, ' UTC');
}

/** Label for a value the sender left out. */
export function orUnnamed(value: string | null, what = 'not named'): string {
  return value ?? `(${what})`;
}
