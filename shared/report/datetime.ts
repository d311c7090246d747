// RFC 8460 §4.4 asks for RFC 3339 date-times. Senders also send them
// without a zone (Microsoft), which we read as UTC and report to the caller.

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?$/;

export interface ParsedDateTime {
  epochSeconds: number;
  hasZone: boolean;
}

export function parseReportDateTime(text: string): ParsedDateTime | null {
  const match = DATE_TIME.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', zone] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = fields;
  // A leap second (23:59:60) is legal in RFC 3339; fold it onto the next second.
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  const utcMillis = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC silently rolls 31 February into March; refuse it instead.
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  return { epochSeconds: Math.floor(utcMillis / 1000) - offsetMinutes * 60, hasZone: zone !== undefined };
}

/** `2024-09-03` for UTC seconds. */
export function formatUtcDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

/** Dates already written: assessing every domain writes the same few dozen days thousands of times. */
const datesOfDays = new Map<number, string>();

/** `YYYY-MM-DD` of a UTC day number (days since 1970-01-01), as the rollups count days. */
export function dateOfDay(day: number): string {
  let date = datesOfDays.get(day);
  if (date === undefined) {
    // Bounded: a few decades of days.
    if (datesOfDays.size > 20_000) datesOfDays.clear();
    date = formatUtcDate(day * 86_400);
    datesOfDays.set(day, date);
  }
  return date;
}

/** True for a real calendar date written `YYYY-MM-DD` (not 2026-02-30, which Date.parse rolls over). */
export function isUtcDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const time = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(time) && formatUtcDate(time / 1000) === text;
}
