/**
 * Two cells of a date column that the model cannot read the same way (timeaxis.mixed_formats),
 * found when a file is chosen rather than by Detect's 400: most rows 1/13/2020 (month-first)
 * and one pasted 13/1/2020 (day-first), or ISO dates and one 5/17/15.
 *
 * Only what the model surely refuses is found, so that nothing it reads is refused here. The
 * cells read are of two kinds, as the model reads them:
 * - ISO dates, 2020-07-12 with an optional time (numpy's reader): any of them read together;
 * - spreadsheet dates, 7/12/2020, 12.07.20, 12-07-2020 with an optional time
 *   (timeaxis._NUMERIC_DATE, day before year): one layout for the whole column (separator and
 *   year width), and one day/month order for the whole column, month-first or day-first.
 * A column with a cell of any other kind (a month name, a zone, 2020/07/12, yyyymmdd, a cell
 * that is no date) is left to the model, which names what it finds. 17-05-15 is a spreadsheet
 * date (dd-mm-yy) here as in the model, which no longer lets numpy read it as the year 17.
 */

const ISO_DATE = /^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?)?)?$/;
// timeaxis._NUMERIC_DATE, whole cell: day, month and year fields split by one of . / - (the
// same twice), an optional time with optional seconds and AM/PM.
const NUMERIC_DATE =
  /^(\d{1,4})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{1,4})\.?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp])\.?[Mm]\.?)?)?$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year, month) {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS[month - 1];
}

function isDay(year, month, day) {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** The time's fields are a time of day (timeaxis._clock_seconds). */
function isClock(hour, minute, second, half) {
  if (hour === undefined) return true;
  const h = Number(hour);
  if (half && !(h >= 1 && h <= 12)) return false;
  return h <= 23 && Number(minute) <= 59 && Number(second ?? 0) <= 59;
}

/**
 * How the model reads a cell alone: { iso: true }, or { layout, monthFirst, dayFirst } for a
 * spreadsheet date (which orders read it), or null: another kind, or no date.
 */
export function readCell(cell) {
  const text = cell.trim();
  const iso = ISO_DATE.exec(text);
  if (iso) {
    const [, y, mo, d = "01", h = "00", mi = "00", s = "00"] = iso;
    return isDay(Number(y), Number(mo), Number(d)) && isClock(h, mi, s) ? { iso: true } : null;
  }
  const m = NUMERIC_DATE.exec(text);
  if (!m || m[1].length === 4 || (m[4].length !== 2 && m[4].length !== 4)) return null;
  if (!isClock(m[5], m[6], m[7], m[8])) return null;
  const [a, b, c] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const year = m[4].length === 4 ? c : c < 30 ? 2000 + c : 1900 + c; // as Excel and Sheets
  const monthFirst = isDay(year, a, b);
  const dayFirst = isDay(year, b, a);
  return monthFirst || dayFirst ? { layout: `${m[2]}${m[4].length}`, monthFirst, dayFirst } : null;
}

/** Whether the model reads these cells (each read alone by readCell) as one column. */
function readTogether(read) {
  if (read.every((r) => r.iso)) return true;
  if (read.some((r) => r.iso)) return false;
  if (new Set(read.map((r) => r.layout)).size > 1) return false;
  return read.every((r) => r.monthFirst) || read.every((r) => r.dayFirst);
}

// How a cell is written (timeaxis._nines, _fields): its digits as 9, and each field as 9 or,
// when above 12 (a day or a year, never a month), D. Cells written alike are read alike.
const ABOVE_12 = /(?<![0-9])0*(?:[1-9][0-9]{2,}|1[3-9]|[2-9][0-9])(?![0-9])/g;
const nines = (cell) => cell.trim().replace(/[0-9]/g, "9");
const written = (cell) => `${nines(cell)}\u0000${cell.trim().replace(ABOVE_12, "D").replace(/[0-9]+/g, "9")}`;

/** The model's _conflict: the shortest run from the first that does not read ends with a cell
 * that conflicts with one before it; the run is found in halves. */
function conflict(read) {
  if (readTogether(read)) return null;
  let low = 1;
  let high = read.length; // read[:low] reads, read[:high] does not
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (readTogether(read.slice(0, middle))) low = middle;
    else high = middle;
  }
  const j = high - 1;
  for (let i = 0; i < j; i += 1) if (!readTogether([read[i], read[j]])) return [i, j];
  return null;
}

/**
 * The indices [i, j] of two cells the model names as "not in one format", the same two it
 * names (timeaxis.mixed_formats: the first cell of each way of writing, by digits, then by
 * digits and fields above 12), or null when the column reads or is left to the model.
 * @param {string[]} cells the date column, one cell per data row
 */
export function mixedFormats(cells) {
  const read = cells.map(readCell);
  if (read.some((r) => r === null) || readTogether(read)) return null;
  for (const way of [nines, written]) {
    const firsts = new Map();
    cells.forEach((cell, i) => {
      const key = way(cell);
      if (!firsts.has(key)) firsts.set(key, i);
    });
    const kinds = [...firsts.values()]; // ascending: each first seen in file order
    const pair = conflict(kinds.map((i) => read[i]));
    if (pair) return [kinds[pair[0]], kinds[pair[1]]];
  }
  return null;
}
