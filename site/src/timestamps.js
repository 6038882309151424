/**
 * Google Trends timestamps ("2020-07-12", "2004-01", "2021-06-02T14") as seconds for the chart's
 * time axis, as written (see parseTimestamp). Anything else (plain CSVs may label rows however
 * they like), or dates that go back, returns null and the chart falls back to point numbers
 * instead of guessing. A date given twice (a row pasted twice, which the model keeps) keeps
 * the time axis (timeAxis).
 */

const ISO = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ](\d{2})(?::(\d{2})(?::(\d{2}))?)?)?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/**
 * The date and time as the cell writes them, in seconds as if they were UTC, or null. A zone
 * offset is dropped, not applied: a one-day export is written in the exporting person's time
 * with its offset ("2024-10-21T08:28:00+07:00"), and the page shows 08:28 as the file does,
 * on the axis, in the readout and in the table, rather than the same instant in UTC (01:28).
 * (A file whose offset changes mid-way, at a daylight-saving change, can then go back an hour;
 * parseDates refuses it and the chart numbers the points instead.)
 */
export function parseTimestamp(text) {
  const m = ISO.exec(String(text).trim());
  if (!m) return null;
  const [, y, mo, d = "1", h = "0", mi = "0", s = "0"] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(ms) ? null : ms / 1000;
}

/**
 * All timestamps as seconds, each at or after the one before (a date may repeat), or null if
 * any cell is not a date or a date goes back. What the time axis' ticks step by (ticks.js).
 */
export function parseDates(timestamps) {
  const out = [];
  for (const cell of timestamps) {
    const t = parseTimestamp(cell);
    if (t === null || (out.length && t < out[out.length - 1])) return null;
    out.push(t);
  }
  return out;
}

// A run of one date's points spreads over at most this share of the data's least step: the
// points stay nearer their own date than the next (a week's 1/8: under a pixel at 5 years).
const REPEAT_SHARE = 1 / 4;

/**
 * The points' places on the time axis, strictly rising as uPlot's x must be (`dates` from
 * parseDates): each date's own, and a date's second (third, ...) row a small fraction of the
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

/**
 * The chart's time axis: `x`, the points' places (spreadRepeats), and `dates`, the dates as
 * written, which ticks step by and extents are measured in. Null: the chart numbers the points.
 */
export function timeAxis(timestamps) {
  const dates = parseDates(timestamps);
  const x = dates && spreadRepeats(dates);
  return x ? { dates, x } : null;
}
