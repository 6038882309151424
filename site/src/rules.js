/**
 * What the page shares with the model, read from generated/params.json (written from
 * model/trends_anomaly/params.py by `python -m trends_anomaly.params --json`; a test fails when
 * it is stale): the methods and their parameters, the model's payload limit, the CSV formula
 * guard, how the parser recognises a file's data rows, and which code page a file that is not
 * UTF-8 was saved in.
 */
import table from "./generated/params.json" with { type: "json" };

export const TABLE = table;
export const METHODS = table.methods;
export const DEFAULT_METHOD = table.default_method;
export const MODEL_MAX_PAYLOAD_BYTES = table.model_max_payload_bytes;
export const MAX_MAGNITUDE = table.max_magnitude; // the largest value a parameter takes
export const BELOW_ONE_VALUE = table.below_one_value;

/** A regular expression character class of the characters in `chars` (each taken literally). */
const charClass = (chars) => `[${chars.replace(/[\\\]^-]/g, "\\$&")}]`;

export const FORMULA_START = new RegExp(`^${charClass(table.csv_formula_start)}`);
export const DELIMITERS = table.file.delimiters;
export const FIRST_CELL_END = new RegExp(charClass(DELIMITERS.join(""))); // where a line's first cell ends
export const DATE_CELL = new RegExp(table.file.date_cell);
export const COMPACT_DATE = new RegExp(table.file.compact_date);
export const BASIC_DATE_TIME = new RegExp(table.file.basic_date_time); // 20210602T1400: 2021-06-02T14:00
export const BELOW_ONE_MARKS = table.file.below_one_marks;
export const MISSING_CELLS = new Set(table.file.missing_cells);
export const SHEET_ERROR = new RegExp(table.file.sheet_error); // a spreadsheet's #N/A, #VALUE!, ...: missing
// Dates saved as spreadsheet day counts (44000): the pattern, and the model's words for them.
export const SERIAL_DATE = { ...table.file.serial_date, pattern: new RegExp(table.file.serial_date.pattern) };
export const MAX_SERIES = table.file.max_series; // terms one request analyses at most
export const MAX_POINTS = table.file.max_points; // rows x terms, likewise
// Files chosen by mistake (a workbook, a PDF, an image): their first bytes, what they are, what to do.
export const NOT_CSV = table.file.not_csv;
export const TRENDS_HOW = table.file.trends_how; // where Google Trends downloads a CSV
// Trends' downloads that are not interest over time (by region, related queries, trending now),
// told apart by their first lines: what each is and which download to use instead.
export const OTHER_EXPORTS = table.file.other_exports.map((e) => ({ ...e, pattern: new RegExp(e.pattern, "im") }));
export const OTHER_EXPORTS_HEAD_CHARS = table.file.other_exports_head_chars;
export const LEGACY_HEAD_LINES = table.file.legacy_head_lines;
export const PREAMBLE_KEY = new RegExp(table.file.preamble_key);
export const LEGACY_ENCODINGS = table.file.legacy_encodings.map((e) => ({ ...e, words: new Set(e.words) }));

/** The method entry ({name, label, about, params}) for a method name, or undefined. */
export function methodNamed(name) {
  return METHODS.find((m) => m.name === name);
}

/** The parameter entry of a method, or undefined. */
export function paramOf(method, name) {
  return methodNamed(method)?.params.find((p) => p.name === name);
}
