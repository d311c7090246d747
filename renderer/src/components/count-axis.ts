/*
 * A chart's value axis: its ticks and how wide it must be for its labels.
 * The chart library takes the axis width as a number and cuts labels that
 * do not fit from the left, so a fixed 64 px showed "16,000,000" as
 * ".6,000,000". The width follows from the longest label instead, estimated
 * from the font rather than measured (measuring is a layout per label).
 */

/** Axis labels are drawn at this size (px). */
export const AXIS_FONT_PX = 12;
/**
 * The widest character of a number label, as a share of the font size:
 * DejaVu Sans, the sans-serif of Debian and most Linux desktops, has digits
 * 0.64 em wide; Arial, Helvetica and Segoe UI are narrower.
 */
const CHARACTER_EM = 0.64;
/** The tick mark (6 px) and the gap between it and its label. */
const TICK_AND_GAP_PX = 12;
const MINIMUM_PX = 40;

/** The width (px) a value axis needs to show each of these labels whole. */
export function axisWidth(labels: readonly string[]): number {
  const longest = Math.max(0, ...labels.map((label) => label.length));
  return Math.max(MINIMUM_PX, Math.ceil(longest * CHARACTER_EM * AXIS_FONT_PX) + TICK_AND_GAP_PX);
}

/**
 * Ticks for a count axis from 0 to at least `top`: whole numbers, about four
 * steps of 1, 2 or 5 times a power of ten (0, 1; 0, 2, 4, 6; 0, 500, 1,000 …).
 */
export function countTicks(top: number): number[] {
  const raw = Math.max(1, top / 4);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw) ?? 10 * power;
  const wholeStep = Math.max(1, Math.round(step));
  const count = Math.max(1, Math.ceil(top / wholeStep));
  return Array.from({ length: count + 1 }, (_, index) => index * wholeStep);
}
