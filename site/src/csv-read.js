/**
 * A small RFC 4180 reader for checking a file in the browser before it is sent: quoted cells
 * (with "" for a quote and line breaks inside), CRLF, LF or CR line ends, any one-character
 * delimiter. The model parses the file again; this only has to agree on rows and cells.
 */

/**
 * @param {string} text
 * @param {string} delimiter
 * @param {number} [maxRows] stop after this many rows (for sniffing the delimiter)
 * @returns {string[][]}
 */
export function readCsv(text, delimiter = ",", maxRows = Infinity) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  const endRow = () => {
    row.push(cell);
    rows.push(row);
    row = [];
    cell = "";
  };
  while (i < n && rows.length < maxRows) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        cell += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && cell === "") quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = "";
    } else if (c === "\r" || c === "\n") {
      endRow();
      if (c === "\r" && text[i + 1] === "\n") i += 1;
    } else cell += c;
    i += 1;
  }
  if ((cell !== "" || row.length) && rows.length < maxRows) endRow();
  return rows;
}
