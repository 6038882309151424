/**
 * The results as a CSV file: one row per point of every series, with the band and, for
 * anomalies, score/direction/kind. Cells are quoted per RFC 4180 and text cells that a
 * spreadsheet would run as a formula (= + - @ tab CR) are prefixed with an apostrophe.
 */

const COLUMNS = [
  "series", "header", "timestamp", "value", "expected", "lower", "upper",
  "anomaly", "score", "direction", "kind",
];
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell. Numbers are written as numbers; text is guarded and quoted when needed. */
export function csvCell(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text) || text !== text.trim()) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** The whole answer as CSV text (CRLF line ends, as RFC 4180 and spreadsheets expect). */
export function resultsToCsv(answer) {
  const lines = [COLUMNS.join(",")];
  for (const series of answer.series) {
    const byIndex = new Map((series.anomalies || []).map((a) => [a.index, a]));
    const n = series.values.length;
    for (let i = 0; i < n; i += 1) {
      const a = byIndex.get(i);
      lines.push(
        [
          series.name, series.header ?? "", series.timestamps?.[i] ?? i, series.values[i],
          series.expected?.[i], series.lower?.[i], series.upper?.[i],
          Boolean(a), a ? a.score : null, a ? a.direction : null, a ? a.kind : null,
        ].map(csvCell).join(","),
      );
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}
