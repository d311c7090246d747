const integer = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return integer.format(value);
}

export { formatRate } from '../../shared/summary/types.js';

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
