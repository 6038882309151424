/**
 * The anomaly table of one series, built with DOM APIs only (names and timestamps come from the
 * user's file). Each row carries data-index so it can be matched to the API's answer. Every
 * cell carries its column's name (data-label): on a phone the rows stack as cards, with nothing
 * hidden and no sideways scrolling. Explicit ARIA roles keep it a table for screen readers
 * whatever CSS does with it.
 */
import { el } from "./dom.js";
import { formatNumber } from "./format.js";
import {
  BELOW_ONE_NOTE, FILLED_NOTE, bandNames, capitalized, extentWords, formatWhen, isBelowOne, isFilled, kindWords,
  notJudgedWords, untested, whenAt,
} from "./words.js";

const ARROWS = { up: "▲", down: "▼" };
// The fourth is the method's name for the line (bandNames): "Expected", DBSCAN's "Running median".
const HEADS = ["Date", "From – to", "Value", null, "Score", "Direction", "Kind"];

function cell(label, attrs, ...children) {
  return el("td", { role: "cell", "data-label": label, ...attrs }, el("span", {}, ...children));
}

/** A captioned table of `series.anomalies`, or a short note when there are none. */
export function anomalyTable(
  series, { frequency = "", belowOne = null, filled = null, title = series.name, method = "" } = {},
) {
  const anomalies = series.anomalies || [];
  const expected = capitalized(bandNames(method).line);
  if (anomalies.length === 0 && untested(series)) {
    return el("p", { class: "no-anomalies", text: notJudgedWords(series) }); // nothing was tested
  }
  if (anomalies.length === 0) {
    return el("p", { class: "no-anomalies", text: "No anomalies found in this series." });
  }
  let anyBelowOne = false;
  let anyFilled = false;
  const rows = anomalies.map((a) => {
    const below = isBelowOne(series, a.index, belowOne);
    const made = !below && isFilled(series, a.index, filled); // no value in the file
    anyBelowOne ||= below;
    anyFilled ||= made;
    return el(
      "tr",
      { role: "row", "data-index": a.index },
      cell("Date", { "data-timestamp": a.timestamp, title: a.timestamp }, formatWhen(whenAt(series, a.index) ?? a.timestamp, frequency)),
      cell("From – to", {}, extentWords(a, frequency, series)),
      cell(
        "Value",
        { class: "num", "data-value": a.value },
        below ? "<1" : formatNumber(a.value),
        below ? el("sup", { "aria-hidden": "true", text: "*" }) : null,
        made ? el("sup", { "aria-hidden": "true", text: "†" }) : null,
      ),
      cell(expected, { class: "num" }, formatNumber(a.expected)),
      cell("Score", { class: "num" }, formatNumber(a.score)),
      cell(
        "Direction",
        { class: `dir dir-${a.direction === "down" ? "down" : "up"}` },
        el("span", { "aria-hidden": "true", text: `${ARROWS[a.direction] ?? ""} ` }),
        String(a.direction ?? ""),
      ),
      cell("Kind", {}, kindWords(a.kind)),
    );
  });
  const head = el(
    "tr",
    { role: "row" },
    ...HEADS.map((name) => el("th", { scope: "col", role: "columnheader", text: name ?? expected })),
  );
  // The table is a tab stop: when the window is too narrow for it (200 % zoom) its box scrolls
  // sideways, and a keyboard scrolls the box around what it focused. The table, not the box:
  // a box of its own role and name (a region named as the caption) had the name said twice.
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { class: "anomalies", role: "table", tabindex: 0 },
      el("caption", {}, `Anomalies in ${title}`),
      el("thead", { role: "rowgroup" }, head),
      el("tbody", { role: "rowgroup" }, ...rows),
    ),
    anyBelowOne ? el("p", { class: "table-note muted", text: `* ${BELOW_ONE_NOTE}` }) : null,
    anyFilled ? el("p", { class: "table-note muted", text: `† ${FILLED_NOTE}` }) : null,
  );
}
