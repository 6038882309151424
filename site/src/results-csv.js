/**
 * The results as a CSV file: one row per point of every series, with the expected range and,
 * for anomalies, score/direction/kind and the event's first and last date. Cells are quoted
 * per RFC 4180, and text that a spreadsheet would run as a formula (starting with = + - @ tab,
 * CR or NUL) gets a leading apostrophe: the same rule as the API's text/csv answer (the characters
 * come from the model, and tests/data/csv_cells.json is checked on both sides). A value that
 * Google Trends wrote as "<1" is 0.5 here, and its row's note says so. A term too short to test
 * (2-7 points) has no expected range and no anomaly cell, as its chart draws its values alone:
 * "false" would read as "judged normal"; its rows' note says why nothing was tested.
 * A term's `series` cell is its name as its card is headed: with its region or its time range
 * where the file compares one term across them (the `header` cells are then alike too), so
 * that a spreadsheet's filter on it keeps each apart.
 */
import { FORMULA_START } from "./rules.js";
import { BELOW_ONE_NOTE, FILLED_NOTE, bandNames, isBelowOne, isFilled, notJudgedWords, seriesTitles, untested } from "./words.js";

/**
 * The columns, the line's and the range's named as the page names them for the method
 * (`bandNames`): DBSCAN, which expects nothing, has `running_median` and
 * `neighbourhood_lower`/`_upper`, not `expected`, `lower` and `upper`.
 */
function columnsFor(method) {
  const { line, range } = bandNames(method);
  const snake = (words) => words.replace(/ /g, "_");
  const band = line === "expected" ? ["expected", "lower", "upper"]
    : [snake(line), `${snake(range)}_lower`, `${snake(range)}_upper`];
  return [
    "series", "header", "timestamp", "value", ...band,
    "anomaly", "score", "direction", "kind", "event_start", "event_end", "note",
  ];
}

/** One CSV cell. Numbers are written as numbers; text is guarded and quoted when needed. */
export function csvCell(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text) || /^[ \t]|[ \t]$/.test(text)) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

/**
 * The whole answer as CSV text (CRLF line ends, as RFC 4180 and spreadsheets expect).
 * @param {object} answer the API's answer
 * @param {Map<string, Set<string>> | null} [belowOne] the file's "<1" cells (see filecheck.js)
 * @param {Map<string, Set<string>> | null} [filled] its cells without a value, filled in by the model
 */
export function resultsToCsv(answer, belowOne = null, filled = null) {
  const lines = [columnsFor(answer.method).join(",")];
  const titles = seriesTitles(answer);
  answer.series.forEach((series, k) => {
    const byIndex = new Map((series.anomalies || []).map((a) => [a.index, a]));
    const judged = !untested(series);
    const notJudged = judged ? null : notJudgedWords(series);
    const n = series.values.length;
    for (let i = 0; i < n; i += 1) {
      const a = byIndex.get(i);
      const notes = [
        isBelowOne(series, i, belowOne) ? BELOW_ONE_NOTE : null,
        isFilled(series, i, filled) ? FILLED_NOTE : null,
        notJudged,
      ];
      const range = judged
        ? [series.expected?.[i], series.lower?.[i], series.upper?.[i]]
        : [null, null, null];
      lines.push(
        [
          titles[k], series.header ?? "", series.timestamps?.[i] ?? i, series.values[i],
          ...range,
          judged ? Boolean(a) : null, a ? a.score : null, a ? a.direction : null, a ? a.kind : null,
          a ? a.start ?? a.timestamp : null, a ? a.end ?? a.timestamp : null,
          notes.filter(Boolean).join(" ") || null,
        ].map(csvCell).join(","),
      );
    }
  });
  return `${lines.join("\r\n")}\r\n`;
}
