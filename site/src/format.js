/** Number and size formatting shared by the table, the summary and the chart legend. */

/** A value for display: integers as-is, other numbers with up to `digits` decimals. */
export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toFixed(digits)));
}

/** A count for a person: "540,000", not "540000". */
export function formatCount(count) {
  return count.toLocaleString("en-US");
}

/** A byte count as "3.6 KB" / "1.2 MB". */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "1 anomaly" / "3 anomalies". */
export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}
