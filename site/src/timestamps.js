/**
 * Google Trends timestamps ("2020-07-12", "2004-01", "2021-06-02T14") as seconds for the chart's
 * time axis, as written (see parseTimestamp). Anything else (plain CSVs may label rows however
 * they like) returns null and the chart falls back to point numbers instead of guessing.
 */

const ISO = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ](\d{2})(?::(\d{2})(?::(\d{2}))?)?)?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/**
 * The date and time as the cell writes them, in seconds as if they were UTC, or null. A zone
 * offset is dropped, not applied: a one-day export is written in the exporting person's time
 * with its offset ("2024-10-21T08:28:00+07:00"), and the page shows 08:28 as the file does,
 * on the axis, in the readout and in the table, rather than the same instant in UTC (01:28).
 * (A file whose offset changes mid-way, at a daylight-saving change, can then repeat an hour;
 * parseAxis refuses it and the chart numbers the points instead.)
 */
export function parseTimestamp(text) {
  const m = ISO.exec(String(text).trim());
  if (!m) return null;
  const [, y, mo, d = "1", h = "0", mi = "0", s = "0"] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(ms) ? null : ms / 1000;
}

/** All timestamps as strictly increasing seconds, or null if any cell is not a date. */
export function parseAxis(timestamps) {
  const out = [];
  for (const cell of timestamps) {
    const t = parseTimestamp(cell);
    if (t === null || (out.length && t <= out[out.length - 1])) return null;
    out.push(t);
  }
  return out;
}
