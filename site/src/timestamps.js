/**
 * Google Trends timestamps ("2020-07-12", "2004-01", "2021-06-02T14") as Unix seconds for the
 * chart's time axis. Anything else (plain CSVs may label rows however they like) returns null
 * and the chart falls back to point numbers instead of guessing.
 */

const ISO = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ](\d{2})(?::(\d{2})(?::(\d{2}))?)?)?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Seconds since the epoch (UTC) for one cell, or null. */
export function parseTimestamp(text) {
  const m = ISO.exec(String(text).trim());
  if (!m) return null;
  const [, y, mo, d = "1", h = "0", mi = "0", s = "0", zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
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
