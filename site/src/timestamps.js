/**
 * Google Trends timestamps ("2020-07-12", "2004-01", "2021-06-02T14") as seconds for the chart's
 * time axis, as written (see parseTimestamp). Anything else (plain CSVs may label rows however
 * they like), or dates that go back, gives no axis (timeAxis: null) and the chart falls back
 * to point numbers instead of guessing. A date given twice (a row pasted twice, which the model keeps) keeps
 * the time axis, and so does a clock going back at a daylight-saving change (timeAxis).
 */

import { dataStep } from "./ticks.js";

// A fraction only after the seconds: after the hour or the minute it is a fraction of that
// (ISO 8601: 00.5 is 00:30), which the model refuses (timeaxis.unread_fraction).
const ISO = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * The date and time as the cell writes them, in seconds as if they were UTC, or null. A zone
 * offset is dropped, not applied: a one-day export is written in the exporting person's time
 * with its offset ("2024-10-21T08:28:00+07:00"), and the page shows 08:28 as the file does,
 * on the axis, in the readout and in the table, rather than the same instant in UTC (01:28).
 * (A file whose offset changes mid-way, at a daylight-saving change, can then go back up to an
 * hour at that one place: timeAxis places it (clockBack).)
 */
export function parseTimestamp(text) {
  const m = ISO.exec(String(text).trim());
  if (!m) return null;
  const [, y, mo, d = "1", h = "0", mi = "0", s = "0"] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(ms) ? null : ms / 1000;
}

// A run of one date's points spreads over at most this share of the data's least step: the
// points stay nearer their own date than the next (a week's 1/8: under a pixel at 5 years).
const REPEAT_SHARE = 1 / 4;

/**
 * The points' places on the time axis, strictly rising as uPlot's x must be (`dates` each at
 * or after the one before, from clockBack): each date's own, and a date's second (third, ...) row a small fraction of the
 * data's least step after its first, so that one row pasted twice keeps the axis in dates (it
 * read "0, 20 … 260", point numbers). The readout, table and download say the dates as the
 * file writes them. Null (point numbers) when every point has one date: no step to place by.
 */
export function spreadRepeats(dates) {
  let least = Infinity;
  let most = 1; // the longest run of one date
  for (let i = 1, run = 1; i < dates.length; i += 1) {
    if (dates[i] > dates[i - 1]) {
      least = Math.min(least, dates[i] - dates[i - 1]);
      run = 1;
    } else most = Math.max(most, (run += 1));
  }
  if (most === 1) return dates;
  if (least === Infinity) return null;
  const apart = (least * REPEAT_SHARE) / most;
  const out = [];
  for (let i = 0, k = 0; i < dates.length; i += 1) {
    k = i && dates[i] === dates[i - 1] ? k + 1 : 0;
    out.push(dates[i] + k * apart);
  }
  return out;
}

const HOUR = 3600;

/**
 * Times (seconds, each a date) that go back where a clock went back an hour, placed in order,
 * or null. What counts: the times go back at exactly one place, by at most an hour, in a
 * series whose step (the median between distinct times) is at most an hour: the night a
 * daylight-saving clock goes back, in an hourly or one-day (8-minute) export written in the
 * exporter's time (01:56 CDT, then 01:04 CST). Anything else going back (by more than an hour,
 * at two places, in a daily or weekly series) is no clock change: null, point numbers.
 *
 * The points of the hour the clock said twice, from the first at or after the time it went
 * back to (01:04 CDT) to the last at or before the time it went back from (01:56 CST), share
 * that hour evenly, in file order; every other point stays at its own time, so the axis says
 * the times the file says everywhere else.
 */
export function clockBack(times) {
  let k = -1; // the point where the times go back
  for (let i = 1; i < times.length; i += 1) {
    if (times[i] >= times[i - 1]) continue;
    if (k >= 0) return null; // a second place
    k = i;
  }
  if (k < 0) return times;
  const [to, from] = [times[k], times[k - 1]];
  const step = dataStep(times);
  if (from - to > HOUR || step === null || step > HOUR) return null;
  let first = k - 1;
  while (first > 0 && times[first - 1] >= to) first -= 1;
  let last = k;
  while (last + 1 < times.length && times[last + 1] <= from) last += 1;
  const apart = (from - to) / (last - first);
  return times.map((t, i) => (i < first || i > last ? t : to + (i - first) * apart));
}

/**
 * The chart's time axis: `x`, the points' places (spreadRepeats), and `dates`, the dates as
 * written (or where clockBack placed the hour a clock said twice), which ticks step by and
 * extents are measured in. Null: the chart numbers the points.
 */
export function timeAxis(timestamps) {
  const times = [];
  for (const cell of timestamps) {
    const t = parseTimestamp(cell);
    if (t === null) return null;
    times.push(t);
  }
  const dates = clockBack(times);
  const x = dates && spreadRepeats(dates);
  return x ? { dates, x } : null;
}
