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

/** A safe file name derived from the uploaded one: "bitcoin.csv" → "bitcoin-anomalies.csv". */
export function resultsFilename(sourceName) {
  const stem = String(sourceName || "trends").replace(/\.[^.]*$/, "");
  const safe = stem.replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^[._]+/, "").slice(0, 80);
  return `${safe || "trends"}-anomalies.csv`;
}
