/**
 * Checks a chosen file before anything is sent, the way the model will read it (the rules come
 * from generated/params.json): not empty, not too big, text rather than a workbook or an
 * image, a column of dates in one format and at least one column of numbers (a file without dates may be
 * another of Google Trends' downloads, by region or related queries: it is named, with the
 * one to download instead). Each problem is worded for the
 * person who chose the file. On success it also says what the page found (terms, rows) and
 * which cells were Google Trends' "<1", so the results can explain them.
 */
import { readCsv } from "./csv-read.js";
import { mixedFormats } from "./dateformats.js";
import {
  BASIC_DATE_TIME, BELOW_ONE_MARKS, COMPACT_DATE, DATE_CELL, DELIMITERS, FIRST_CELL_END, LEGACY_ENCODINGS, LEGACY_HEAD_LINES,
  MAX_POINTS, MAX_SERIES, MISSING_CELLS, NOT_CSV, SERIAL_DATE, SHEET_ERROR, OTHER_EXPORTS, OTHER_EXPORTS_HEAD_CHARS, PREAMBLE_KEY, TRENDS_HOW,
} from "./rules.js";
import { formatBytes, formatCount } from "./format.js";
import { distinctTitles } from "./words.js";

/** A problem to show: what is wrong with the file, and what to do. */
export class FileProblem extends Error {
  constructor(message, hint) {
    super(message);
    this.name = "FileProblem";
    this.hint = hint;
  }
}

function startsWith(bytes, signature) {
  return signature.every((b, i) => bytes[i] === b);
}

/**
 * The word of a preamble line ("Kategorie: ..." -> "kategorie") or of a date column's header
 * ("Woche" -> "woche") that names an export's language (the model's exportlocale.language_word).
 */
function languageWord(cell) {
  const m = PREAMBLE_KEY.exec(cell);
  return (m ? m[1] : cell).trim().replace(/^"+|"+$/g, "").toLowerCase();
}

/** The bytes of the first lines (legacy_encoding.decode_legacy's head). */
function headBytes(bytes) {
  let lines = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes[i] === 0x0a && ++lines === LEGACY_HEAD_LINES) return bytes.subarray(0, i);
  }
  return bytes;
}

/** The first lines, where an export's preamble and header are (legacy_encoding.HEAD_LINES). */
function headLines(text) {
  return text.split(/\r\n|\n|\r/).slice(0, LEGACY_HEAD_LINES);
}

/** The language word of the first cell of each line (legacy_encoding.head_words). */
function headWords(lines) {
  return lines.filter((line) => line.trim()).map((line) => languageWord(line.split(FIRST_CELL_END)[0]));
}

const isLower = (ch) => ch !== ch.toUpperCase() && ch === ch.toLowerCase();
const isUpper = (ch) => ch !== ch.toLowerCase() && ch === ch.toUpperCase();

/**
 * How many characters outside ASCII read as the code page's letters: one of them, or the
 * capital of one where a word may have it, not right after a small letter ("Škoda", not
 * "cafŽ"). legacy_encoding.letters_read.
 */
function lettersRead(text, letters) {
  let count = 0;
  const chars = [...text];
  chars.forEach((ch, k) => {
    if (ch.codePointAt(0) < 0x80) return;
    if (letters.includes(ch)) count += 1;
    else if (isUpper(ch) && letters.includes(ch.toLowerCase()) && !(k && isLower(chars[k - 1]))) count += 1;
  });
  return count;
}

function decodeAs(bytes, label) {
  try {
    const text = new TextDecoder(label, { fatal: true }).decode(bytes);
    return label === "windows-1258" ? text.normalize("NFC") : text;
  } catch {
    return null; // not valid in this code page (or not one this browser knows)
  }
}

/**
 * The file's text: UTF-16 by its BOM, else UTF-8, else the code page Excel saved it in,
 * told by the export's own words as the model tells it (legacy_encoding.py), else Windows-1252.
 */
export function decodeText(bytes) {
  if (startsWith(bytes, [0xff, 0xfe])) return new TextDecoder("utf-16le").decode(bytes);
  if (startsWith(bytes, [0xfe, 0xff])) return new TextDecoder("utf-16be").decode(bytes);
  const utf8 = decodeAs(bytes, "utf-8");
  if (utf8 !== null) return utf8;
  // The code page under which most head words are its languages' words; on a tie, the one
  // under which more of the head reads as its letters; then the first. Counted in the head
  // alone (no code page here has 0x0A inside a character: a 3 MB file took 140-240 ms in
  // Node decoded whole in each), and the whole file read in the best-placed one it fits.
  const head = headBytes(bytes);
  const ranked = [];
  LEGACY_ENCODINGS.forEach(({ label, words, letters }, order) => {
    const text = decodeAs(head, label);
    if (text === null) return;
    const lines = headLines(text);
    const found = headWords(lines).filter((word) => words.has(word)).length;
    if (found) ranked.push({ label, found, read: lettersRead(lines.join("\n"), letters), order });
  });
  ranked.sort((a, b) => b.found - a.found || b.read - a.read || a.order - b.order);
  for (const { label } of ranked) {
    const text = decodeAs(bytes, label);
    if (text !== null) return text;
  }
  return new TextDecoder("windows-1252").decode(bytes);
}

function looksBinary(bytes) {
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) return false;
  const head = bytes.subarray(0, 8192);
  let control = 0;
  for (const b of head) {
    if (b === 0) return true;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control += 1;
  }
  return control > head.length * 0.02;
}

// As timeaxis.looks_like_date: a date as most files write it, yyyymmdd (20200712), or ISO 8601's
// basic form with a time (20210602T1400), which the model reads as 2021-06-02T14:00.
const isDate = (cell) => DATE_CELL.test(cell) || COMPACT_DATE.test(cell.trim()) || BASIC_DATE_TIME.test(cell.trim());
const isNumber = (cell) => cell.trim() !== "" && Number.isFinite(Number(cell.trim()));
const isPlainNumber = (cell) => isNumber(cell) && !COMPACT_DATE.test(cell.trim()); // not 20200712
const isBelowOne = (cell) => BELOW_ONE_MARKS.includes(cell.trim().slice(0, 1));
// No value (blank, N/A, a dash, a spreadsheet error such as #N/A): the model fills it in from
// its neighbours (trends.fill_missing), and the page says so wherever that number is shown.
const isMissing = (cell) => MISSING_CELLS.has(cell.trim().toLowerCase()) || SHEET_ERROR.test(cell.trim());

function numberCell(cell, decimalComma) {
  let text = cell.trim().replace(/%$/, "").replace(/[\u00a0\u202f ]/g, "");
  if (decimalComma && /^[+-]?\d+,\d+$/.test(text)) text = text.replace(",", ".");
  return text !== "" && Number.isFinite(Number(text));
}

/** Rows and the first data row, trying each delimiter in the model's order (trends.py). */
function split(text) {
  const head = text.slice(0, 16384);
  const startOf = (rows) => rows.findIndex((r) => r.length >= 2 && isDate(r[0]));
  for (const delimiter of DELIMITERS) {
    if (delimiter !== "," && (!head.includes(delimiter) || startOf(readCsv(head, delimiter)) < 0)) continue;
    const rows = readCsv(text, delimiter);
    const start = startOf(rows);
    if (start >= 0) return { rows, start, delimiter };
  }
  return null;
}

/**
 * The problem of a file whose first column is numbers: spreadsheet serial dates (most rows
 * start with one, as the model tells them: SERIAL_DATE), named as the model names them, else
 * plain numbers.
 */
function numbersFirst(rows) {
  const serial = rows.filter((r) => r.length >= 2 && SERIAL_DATE.pattern.test(r[0]));
  if (serial.length >= 2 && 2 * serial.length > rows.length) {
    return new FileProblem(SERIAL_DATE.what.replace("{cell}", serial[0][0].trim().slice(0, 20)), SERIAL_DATE.hint);
  }
  return NUMBERS_FIRST;
}

const NUMBERS_FIRST = new FileProblem(
  "The first column of this file holds numbers, not dates.",
  `Each row needs its date first (e.g. 2024-01-31), as in a Google Trends export. ${TRENDS_HOW}`,
);

// The words Trends' exports head their date column with, in every language the model knows
// ("Week", "Woche", "Semaine", "Día", ...): a file whose last line is such a heading has its
// headings and no data rows.
const DATE_HEADINGS = new Set(LEGACY_ENCODINGS.flatMap((e) => [...e.words]));

// A category's interest with no search term: Trends heads the column "Geo: <region>", and the
// model names it by the category its preamble gives ("카테고리: 게임" → 게임), as here.
const GEO_ONLY = /^geo\s*[:：]/i;
const GEO_SUFFIX = /: \(([^()]*)\)\s*$/; // "bitcoin: (Worldwide)": the region in brackets

function categoryOf(preamble) {
  for (const row of preamble) {
    const line = row.join(",");
    const m = PREAMBLE_KEY.exec(line); // the key of a preamble line, as languageWord reads it
    if (m && line.slice(m[0].length).trim()) return line.slice(m[0].length).trim();
  }
  return "All searches";
}

function noDates(text) {
  // Another of Trends' downloads (by region, related queries): named, with the one to use.
  const head = text.slice(0, OTHER_EXPORTS_HEAD_CHARS);
  const other = OTHER_EXPORTS.find((kind) => kind.pattern.test(head));
  if (other) return new FileProblem(other.what, other.hint);
  const rows = readCsv(text, ",", 200).filter((r) => r.some((c) => c.trim()));
  const numericFirst = rows.filter((r) => r.length >= 2 && isPlainNumber(r[0])).length;
  if (rows.length && numericFirst >= rows.length / 2) return numbersFirst(rows);
  const last = rows[rows.length - 1];
  if (last && last.length >= 2 && DATE_HEADINGS.has(last[0].trim().toLowerCase())) {
    const headings = last.map((c) => c.trim()).filter(Boolean).join(", ");
    return new FileProblem(
      `This file has its column headings (${headings.slice(0, 80)}) but no rows of data under them.`,
      "Download the CSV again from Google Trends, for a time range with data, and check that it " +
        `was saved completely. ${TRENDS_HOW}`,
    );
  }
  return new FileProblem(
    "This file has no column of dates, so it cannot be a Google Trends export.",
    "Choose the CSV that Google Trends downloads, or a CSV whose first column holds dates " +
      `(e.g. 2024-01-31) and whose other columns hold numbers. ${TRENDS_HOW}`,
  );
}

/**
 * The columns after the first, as the model counts them before it reads any (trends.py
 * parse_table): the longest row's, less trailing empty cells (a spreadsheet's trailing comma).
 * A time-range comparison's later date columns count too, as they do for the model.
 */
function valueColumns(data) {
  // (a loop, not Math.max(...rows): a spread of 150 000 rows overflows the call stack)
  let width = data.reduce((most, r) => Math.max(most, r.length), 0);
  while (width > 1 && data.every((r) => r.length < width || !r[width - 1].trim())) width -= 1;
  return width - 1;
}

/**
 * Check a file's bytes.
 * @param {string} name
 * @param {Uint8Array} bytes
 * @param {number} maxBytes the deployment's upload limit
 * @returns {{ text: string, terms: string[], ranges: number, rows: number, belowOne: Map<string, Set<string>>,
 *   filled: Map<string, Set<string>> }} (`ranges`: the time ranges the file compares, 1 for most
 *   files; `belowOne` and `filled`: the date labels of each column's "<1" cells and of the cells
 *   the model fills in from their neighbours, empty or N/A, by column heading)
 * @throws {FileProblem}
 */
export function checkFile(name, bytes, maxBytes) {
  if (bytes.length === 0) {
    throw new FileProblem(`${name} is empty.`, `Choose the CSV that Google Trends downloads. ${TRENDS_HOW}`);
  }
  if (bytes.length > maxBytes) {
    throw new FileProblem(
      `${name} is ${formatBytes(bytes.length)}; this site accepts files up to ${formatBytes(maxBytes)}.`,
      "Export a shorter time range or fewer terms from Google Trends, or split the file.",
    );
  }
  for (const { magic, what, hint } of NOT_CSV) {
    if (startsWith(bytes, magic)) {
      throw new FileProblem(`${name} is ${what}, not a CSV file.`, hint);
    }
  }
  if (looksBinary(bytes)) {
    throw new FileProblem(
      `${name} is not a text file, so it cannot be a CSV.`,
      `Choose the CSV that Google Trends downloads. ${TRENDS_HOW}`,
    );
  }
  const text = decodeText(bytes).replace(/^\ufeff/, "");
  if (!text.trim()) {
    throw new FileProblem(`${name} is empty: it holds only blank lines.`, `Choose the CSV that Google Trends downloads. ${TRENDS_HOW}`);
  }
  const found = split(text);
  if (!found) throw noDates(text);
  const { rows, start, delimiter } = found;
  const header = start > 0 && rows[start - 1].some((c) => c.trim()) ? rows[start - 1] : [];
  const data = rows.slice(start).filter((r) => r.some((c) => c.trim()));
  if (data.every((r) => isPlainNumber(r[0]))) throw numbersFirst(data); // "0.0" looks like 0 Jan, not a date
  // Counted before any column is read, as the model counts them: a file of 400 000 columns is
  // refused at once, not after a second of reading each.
  const counted = valueColumns(data);
  if (counted > MAX_SERIES) {
    throw new FileProblem(
      `This file has ${formatCount(counted)} columns besides the dates; the detector analyses at most ` +
        `${formatCount(MAX_SERIES)} at a time.`,
      `Split the columns over several files (a Google Trends export has at most 5 terms).`,
    );
  }
  if (counted * data.length > MAX_POINTS) {
    throw new FileProblem(
      `This file has ${formatCount(data.length)} rows of ${formatCount(counted)} columns besides the dates, ` +
        `${formatCount(counted * data.length)} values; the detector analyses at most ${formatCount(MAX_POINTS)} at a time.`,
      "Export a shorter time range or a coarser step (weekly instead of daily or hourly), or " +
        "fewer terms per file.",
    );
  }
  // Dates in two formats (a day-first row pasted among month-first ones), as the model says it.
  const pair = mixedFormats(data.map((r) => r[0]));
  if (pair) {
    const [a, b] = pair.map((i) => `'${data[i][0].trim().slice(0, 40)}'`);
    throw new FileProblem(
      `The first column's dates are not in one format: ${a} and ${b} cannot be read the same way.`,
      "Use dates such as 2024-01-31, 20240131, 2024-01, 2024-01-31T14:00, 20240131T1400 or " +
        "31/01/2024, one format for the whole column.",
    );
  }
  const columns = []; // { name, geo, dates } of each term's column (dates: its date column's index)
  const preamble = rows.slice(0, Math.max(start - 1, 0));
  const belowOne = new Map();
  const filled = new Map();
  // The date column of the columns after it: one per range when a file compares time ranges.
  let dates = 0;
  for (let j = 1; j <= counted; j += 1) {
    const cells = data.map((r) => r[j] ?? "");
    if (cells.every((c) => !c.trim())) continue; // a trailing comma, not a column
    // A term when it holds more numbers than text, as the model reads it: missing cells (blank,
    // N/A, a dash, a spreadsheet error such as #N/A) are filled there, and a stray cell ("ca. 20") is
    // named in its answer, which says more than "no column of numbers" could here.
    let numbers = 0;
    let words = 0;
    for (const c of cells) {
      const cell = c.trim();
      if (isBelowOne(c) || numberCell(c, delimiter !== ",")) numbers += 1;
      else if (!isMissing(c)) words += 1;
    }
    if (numbers <= words) {
      const first = cells.find((c) => c.trim());
      if (first !== undefined && isDate(first.trim())) dates = j;
      continue;
    }
    // A column without a heading is named as the model names it (trends.parse_table): "value",
    // or "value1", "value2", ... among several; the page said "column 2" and the charts "value".
    const heading = (header[j] ?? "").trim() || (counted > 1 ? `value${j}` : "value");
    const geo = GEO_SUFFIX.exec(heading)?.[1] ?? "";
    if (GEO_ONLY.test(heading)) columns.push({ name: categoryOf(preamble), geo: heading.replace(GEO_ONLY, "").trim(), dates });
    else columns.push({ name: heading.replace(GEO_SUFFIX, ""), geo, dates });
    // Two ranges of one term share a heading: their dates differ, so one set holds both.
    const mark = (cells, test) => {
      const labels = data.filter((r) => test(r[j] ?? "")).map((r) => (r[dates] ?? "").trim()).filter(Boolean);
      if (labels.length) cells.set(heading, new Set([...(cells.get(heading) ?? []), ...labels]));
    };
    mark(belowOne, isBelowOne);
    mark(filled, isMissing);
  }
  const terms = distinctTitles(columns); // one term compared across regions: each says its own
  if (terms.length === 0) {
    throw new FileProblem(
      "This file has dates but no column of numbers next to them.",
      "Each term's column must hold numbers (Google Trends' \"<1\" is fine). If the cells are " +
        "separated by something other than commas, semicolons or tabs, save the file again as CSV.",
    );
  }
  // A comparison of time ranges: each range's columns follow their own date column.
  const ranges = new Set(columns.map((c) => c.dates)).size;
  return { text, terms, ranges, rows: data.length, belowOne, filled };
}
