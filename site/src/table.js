/**
 * The anomaly table of one series, built with DOM APIs only (names and timestamps come from the
 * user's file). Each row carries data-index so it can be matched to the API's answer.
 */
import { el } from "./dom.js";
import { formatNumber } from "./format.js";

const ARROWS = { up: "▲", down: "▼" };

/** A captioned table of `series.anomalies`, or a short note when there are none. */
export function anomalyTable(series) {
  const anomalies = series.anomalies || [];
  if (anomalies.length === 0) {
    return el("p", { class: "no-anomalies", text: "No anomalies found in this series." });
  }
  const head = el(
    "tr",
    {},
    ...["Date", "Value", "Expected", "Score", "Direction", "Kind"].map((name) =>
      el("th", { scope: "col", text: name }),
    ),
  );
  const rows = anomalies.map((a) =>
    el(
      "tr",
      { "data-index": a.index },
      el("td", { text: a.timestamp ?? series.timestamps?.[a.index] ?? a.index }),
      el("td", { class: "num", text: formatNumber(a.value) }),
      el("td", { class: "num", text: formatNumber(a.expected) }),
      el("td", { class: "num", text: formatNumber(a.score) }),
      el(
        "td",
        { class: `dir dir-${a.direction === "down" ? "down" : "up"}` },
        el("span", { "aria-hidden": "true", text: `${ARROWS[a.direction] ?? ""} ` }),
        String(a.direction ?? ""),
      ),
      el("td", { text: String(a.kind ?? "").replace(/_/g, " ") }),
    ),
  );
  return el(
    "div",
    { class: "table-scroll", role: "region", "aria-label": `Anomalies in ${series.name}`, tabindex: 0 },
    el(
      "table",
      { class: "anomalies" },
      el("caption", {}, `Anomalies in ${series.name}`),
      el("thead", {}, head),
      el("tbody", {}, ...rows),
    ),
  );
}
