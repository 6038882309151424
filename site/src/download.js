/** Save text as a file without a server round trip (Blob + object URL + a temporary link). */

export function downloadText(filename, text, type = "text/csv;charset=utf-8") {
  // The BOM lets spreadsheet programs read non-ASCII term names (e.g. "Hoa Kỳ") as UTF-8.
  const blob = new Blob(["\ufeff", text], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function safe(text) {
  // `??`: a setting at 0 is "0", not left out of the name as "" (`||` dropped it).
  return String(text ?? "").replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^[._]+|_+$/g, "").slice(0, 80);
}

/**
 * A file name that says what the download holds, the method and the settings the run used
 * (`settings`: [name, value] pairs; two runs at two sensitivities were both "…-auto.csv"):
 * "bitcoin.csv", "auto", [["sensitivity", 0.9]] → "bitcoin-anomalies-auto-sensitivity-0.9.csv".
 */
export function resultsFilename(sourceName, method = "", settings = []) {
  const stem = safe(String(sourceName || "").replace(/\.[^.]*$/, "")) || "trends";
  const how = [method, ...settings.flat()].map(safe).filter(Boolean).join("-");
  return `${stem}-anomalies${how ? `-${how}` : ""}.csv`;
}
