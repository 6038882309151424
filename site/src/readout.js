/**
 * What the chart's readout says about one point: its date, value, expected value and range,
 * and the event it belongs to. Pure, so it is tested without a browser.
 */
import { formatNumber, plural } from "./format.js";
import { bandNames, extentWords, formatWhen, isBelowOne, isFilled, kindWords, untested, whenAt } from "./words.js";
import { BELOW_ONE_VALUE } from "./rules.js";

const UNIT = { hourly: "hour", daily: "day", weekly: "week", monthly: "month" };

/**
 * What the readout says of a point, as a list: "date, value, expected value and range"
 * (readoutParts' parts; DBSCAN's "running median and neighbourhood"); a term too short to test
 * has its date and value only.
 */
export function readoutWhat(method = "", tested = true) {
  if (!tested) return "date and value";
  const { line, range } = bandNames(method);
  return line === "expected" ? "date, value, expected value and range" : `date, value, ${line} and ${range}`;
}

/**
 * What a chart shows, in words: its term, its points and its anomalies (drawn as dots, listed in
 * the table under it when there are any). The name of the chart's tab stop and its canvas's
 * text alternative: said without colour, which a screen reader's user may not see.
 */
export function chartSummary(title, series, tested = true) {
  const count = (series.anomalies || []).length;
  const found = !tested
    ? "not judged (too short to test)"
    : count
      ? `${plural(count, "anomaly", "anomalies")}, drawn as dots and listed in the table below`
      : "no anomalies";
  return `Chart of ${title}: ${plural(series.values.length, "point", "points")}, ${found}.`;
}

/**
 * The readout's text before the pointer (or a finger) is on the chart: what pointing shows
 * (what readoutParts will say, in the same words) and how to zoom.
 */
export function readoutHint(frequency = "", touch = false, { method = "", tested = true } = {}) {
  const unit = UNIT[frequency] ?? "point";
  const what = `each ${unit}'s ${readoutWhat(method, tested)}${tested ? ", and any anomaly" : ""}`;
  return touch
    ? `Touch the chart to read ${what}; slide a finger along it, or tap +, to zoom in.`
    : `Point at the chart to read ${what}; drag across it, or use +, to zoom in.`;
}

/** The anomaly whose extent holds point i (the one reported nearest to it), or null. */
export function eventAt(series, i) {
  let best = null;
  for (const a of series.anomalies || []) {
    const start = a.start_index ?? a.index;
    const end = a.end_index ?? a.index;
    if (i < start || i > end) continue;
    if (!best || Math.abs(a.index - i) < Math.abs(best.index - i)) best = a;
  }
  return best;
}

/**
 * The readout for point i as labelled parts: [["", "12 Jul 2020"], ["value", "45"], ...]; a
 * term too short to test has its date and value only. The line and the range are named as the
 * `method`'s (bandNames: DBSCAN's "running median" and "neighbourhood").
 * @returns {Array<[string, string]>}
 */
export function readoutParts(series, i, { frequency = "", belowOne = null, filled = null, method = "" } = {}) {
  const parts = [["", formatWhen(whenAt(series, i) ?? i, frequency)]];
  const value = isBelowOne(series, i, belowOne)
    ? `<1 (under 1, read as ${BELOW_ONE_VALUE})`
    : isFilled(series, i, filled)
      ? `${formatNumber(series.values[i])} (no value in the file: filled in)`
      : formatNumber(series.values[i]);
  parts.push(["value", value]);
  if (untested(series)) return parts; // nothing was expected of a term too short to test
  const names = bandNames(method);
  if (series.expected) parts.push([names.line, formatNumber(series.expected[i])]);
  if (series.lower && series.upper) {
    parts.push([names.range, `${formatNumber(series.lower[i])} – ${formatNumber(series.upper[i])}`]);
  }
  const event = eventAt(series, i);
  if (event) {
    const what = `${event.direction === "down" ? "▼" : "▲"} ${kindWords(event.kind)}`;
    const extent = extentWords(event, frequency, series);
    if (event.index === i) parts.push(["anomaly", `${what}, ${extent}`]);
    else {
      const reported = formatWhen(whenAt(series, event.index) ?? event.timestamp, frequency);
      parts.push(["part of", `${what} reported ${reported} (${extent})`]);
    }
  }
  return parts;
}

/** The extents to shade, as [first index, last index] pairs, merged where they overlap. */
export function extentSpans(series) {
  const spans = (series.anomalies || [])
    .map((a) => [a.start_index ?? a.index, a.end_index ?? a.index])
    .sort((p, q) => p[0] - q[0]);
  const merged = [];
  for (const [s, e] of spans) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/**
 * Where each extent's shade starts and ends on the x axis (`x`, the chart's x values): half a
 * step beyond its first and last point. The step is the data's own, between distinct dates
 * (`dates`, timeAxis', when the axis is in time): a date given twice has its second point a
 * small fraction of a step after its first (spreadRepeats), and a step measured from that point
 * shaded a few minutes beside it, 3 px, where any other point has half a week. An extent covers
 * its own rows only: one starting on a date's second row starts halfway from the date's first
 * row (half a step covered that row too), and one ending on a date's first row ends halfway to
 * its second.
 */
export function extentBounds(spans, x, dates = x) {
  const at = dates && dates.length === x.length ? dates : x;
  const halfStep = (i) => {
    // The gap to the nearest earlier distinct date, or at the start the next distinct date's.
    let j = i - 1;
    while (j >= 0 && at[j] === at[i]) j -= 1;
    if (j >= 0) return (at[i] - at[j]) / 2;
    j = i + 1;
    while (j < at.length && at[j] === at[i]) j += 1;
    const step = at[j] - at[i];
    return Number.isFinite(step) ? step / 2 : 0;
  };
  const start = (s) => (s > 0 && at[s - 1] === at[s] ? (x[s - 1] + x[s]) / 2 : x[s] - halfStep(s));
  const end = (e) => (e + 1 < at.length && at[e + 1] === at[e] ? (x[e] + x[e + 1]) / 2 : x[e] + halfStep(e));
  return spans.map(([s, e]) => [start(s), end(e)]);
}
