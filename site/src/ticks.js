/**
 * The steps the chart's time axis may put its ticks at, from the data's own step: uPlot picks
 * the finest of its steps that fits, so six months of monthly data got a tick every 8 days,
 * dates that no point has. A tick is at most as fine as the data (months for monthly, years
 * once months crowd; weeks for weekly, days for daily, hours for hourly).
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
// uPlot's month and year steps (30 and 365 days): from 30 days on, its ticks fall on the 1st of
// a month (and on 1 January from 365), whatever the months' lengths.
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

// Steps a person counts in: no 8, 9, 10 or 15 days (uPlot's own list has them), which fall
// between the weeks of weekly data and read oddly for daily data ("31 Jul, 15 Aug"). Every 3
// days: a week of hourly data at 320 px (a phone, or 400 % zoom) had room for "3 Jun 2021"
// and "5 Jun" two days apart by a few px too few, and a week apart, only one label.
const STEPS = [
  MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 3 * DAY, WEEK, 2 * WEEK,
  MONTH, 2 * MONTH, 3 * MONTH, 4 * MONTH, 6 * MONTH,
  YEAR, 2 * YEAR, 5 * YEAR, 10 * YEAR, 25 * YEAR, 50 * YEAR, 100 * YEAR,
];

/** The data's step in seconds: the median gap between points (a missing row is one gap). */
export function dataStep(x) {
  const gaps = [];
  for (let i = 1; i < x.length; i += 1) if (x[i] > x[i - 1]) gaps.push(x[i] - x[i - 1]);
  if (!gaps.length) return null;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/**
 * The tick steps (seconds, uPlot's axis `incrs`) for points at `x` (seconds): none finer than
 * the data's step. Months are 28 to 31 days and uPlot's month 30: 10% slack lets a February in.
 * @param {number[]} x
 * @returns {number[] | undefined} undefined (uPlot's own) when the step is unknown
 */
export function tickSteps(x) {
  const step = dataStep(x);
  if (step === null) return undefined;
  const fit = STEPS.filter((s) => s >= step * 0.9);
  // Weekly data: every 4 weeks before months. A tick every 4 weeks is on one of the data's
  // days (uPlot starts a day step at the axis' first day); one a month is on the 1st, a day
  // no point has, and 36 weeks at 1 280 px jumped from every 2 weeks to months.
  if (step === WEEK) fit.splice(fit.indexOf(2 * WEEK) + 1, 0, 4 * WEEK);
  return fit.length ? fit : [STEPS[STEPS.length - 1]];
}

/**
 * The least room (px) between ticks that keeps their labels apart, for uPlot's axis `space`:
 * the room of the finest step in `incrs` whose labels, centred on their ticks, leave `gap` px
 * between each two (else the coarsest step's). uPlot's fixed 50 px ran "12 Jul 2020" into
 * "19 Jul": a label with its year is wider than that. Steps under `least` px are not tried.
 * @param {number} span the scale's extent (seconds)
 * @param {number} dim the plot's width (px)
 * @param {number[]} incrs the axis' steps (seconds), finest first
 * @param {(incr: number, room: number) => Array<[number, number]>} labelsAt each tick's
 *   position (px, left to right) and its label's width (px) at that step
 * @returns {number}
 */
export function clearSpace(span, dim, incrs, labelsAt, gap = 12, least = 16) {
  const room = (incr) => (dim * incr) / span;
  for (const incr of incrs) {
    if (room(incr) < least) continue;
    const labels = labelsAt(incr, room(incr));
    if (labels.every(([at, w], k) => !k || at - labels[k - 1][0] >= (w + labels[k - 1][1]) / 2 + gap)) {
      return room(incr);
    }
  }
  return incrs.length ? room(incrs[incrs.length - 1]) : 50;
}

/**
 * The labels, each `null` (not drawn) where, centred on its tick, it would cross the canvas'
 * edge: a tick near the plot's right end drew "Feb 2019" as "Feb 201" and half a 9.
 * @param {string[]} words the ticks' labels
 * @param {number[]} centres each tick's position on the canvas (CSS px from its left edge)
 * @param {(text: string) => number} widthOf a label's width (CSS px)
 * @param {number} width the canvas' width (CSS px)
 * @returns {Array<string | null>}
 */
export function labelsInside(words, centres, widthOf, width) {
  return words.map((text, k) => {
    const half = widthOf(text) / 2;
    return centres[k] - half < 0 || centres[k] + half > width ? null : text;
  });
}
