/**
 * Plain words for what the answer holds: dates for people, the kind of an event, "<1", and the
 * settings a run used (no parameter names, no "alpha auto").
 */
import { formatBytes, formatCount, formatNumber, plural } from "./format.js";
import { parseTimestamp } from "./timestamps.js";
import { BASIC_DATE_TIME, BELOW_ONE_VALUE, COMPACT_DATE, methodNamed } from "./rules.js";

// A date as Google Trends' own exports write it: 2020-07-12, 2004-01, 2021-06-02T14, ...; or
// in ISO 8601's basic form, a spreadsheet's yyyymmdd (20200712) or a date and time
// (20210602T14, 20210602T1400, 20210602T140000, each with or without a zone; the model's
// timeaxis.COMPACT_DATE and BASIC_DATE_TIME): one reading each, as the model's.
const EXTENDED_DAY = /^\d{4}-\d{2}(-\d{2})?([T ]\d|$)/;
const isIsoDay = (label) => EXTENDED_DAY.test(label) || COMPACT_DATE.test(label) || BASIC_DATE_TIME.test(label);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export const BELOW_ONE_NOTE = `Google Trends writes "<1" for interest under 1; it is read as ${BELOW_ONE_VALUE}.`;
export const FILLED_NOTE = "No value in the file (an empty cell, N/A or the like): filled in from its neighbours.";

/**
 * A timestamp as a person reads it: "12 Jul 2020", "Jul 2004" (monthly), "2 Jun 2021, 14:00".
 * Labels that are not ISO dates (re-saved files keep their own spelling) are shown as written.
 */
export function formatWhen(label, frequency = "") {
  const text = String(label ?? "");
  const seconds = parseTimestamp(text);
  if (seconds === null) return text;
  const d = new Date(seconds * 1000);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  if (frequency === "monthly" || /^\d{4}-\d{2}$/.test(text.trim())) {
    return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  }
  if (/[T ]\d/.test(text)) {
    const hh = String(d.getUTCHours()).padStart(2, "0");
    const mm = String(d.getUTCMinutes()).padStart(2, "0");
    return `${day}, ${hh}:${mm}`;
  }
  return day;
}

/** "from – to" of an anomaly's extent, or its one date when it is a single point. */
export function extentWords(anomaly, frequency = "", series = null) {
  const at = (index, label) => (series && Number.isInteger(index) ? whenAt(series, index) ?? label : label);
  const start = at(anomaly.start_index ?? anomaly.index, anomaly.start ?? anomaly.timestamp);
  const end = at(anomaly.end_index ?? anomaly.index, anomaly.end ?? anomaly.timestamp);
  if (start === end) return formatWhen(start, frequency);
  const [from, to] = [formatWhen(start, frequency), formatWhen(end, frequency)];
  const [fromDay, fromTime] = from.split(", ");
  const [toDay, toTime] = to.split(", ");
  if (fromTime && toTime && fromDay === toDay) return `${fromDay}, ${fromTime} – ${toTime}`;
  return `${from} – ${to}`;
}

/**
 * A tick label on the chart's time axis, for ticks `step` seconds apart: "2014", "Jan 2014",
 * "3 Jun", "14:00" (a day's first tick says the day). Written out so that no tick reads 6/3/21.
 * Month and day ticks say the year on the axis' first tick (`previous` null) and wherever the
 * year differs from the previous tick's: ticks four months apart may never fall on a January.
 * Ticks 4 weeks apart are days ("9 Aug"): uPlot's months are its 30 days and more.
 */
export function tickWords(seconds, step, previous = undefined) {
  const d = new Date(seconds * 1000);
  const month = MONTHS[d.getUTCMonth()];
  const year = d.getUTCFullYear();
  const newYear =
    previous === null || (previous !== undefined && new Date(previous * 1000).getUTCFullYear() !== year);
  if (step >= 360 * 86400) return String(year);
  if (step > 28 * 86400) return d.getUTCMonth() === 0 || newYear ? `${month} ${year}` : month;
  if (step >= 86400) return newYear ? `${d.getUTCDate()} ${month} ${year}` : `${d.getUTCDate()} ${month}`;
  const hh = String(d.getUTCHours()).padStart(2, "0");
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? `${d.getUTCDate()} ${month}` : `${hh}:${mm}`;
}

/**
 * Point i's date for placing and formatting it: the model's ISO reading (`times`) when the
 * answer has one, since a file re-saved by a spreadsheet spells its dates its own way
 * ("01.02.2004", "2/1/04") and the page parses ISO only; else the label as written.
 */
export function whenAt(series, i) {
  const iso = Array.isArray(series?.times) ? series.times[i] : undefined;
  return iso ?? series?.timestamps?.[i];
}

/** The labels of a time axis' ticks (see `tickWords`): each knows the tick before it. */
export function tickLabels(splits, step) {
  return splits.map((v, k) => tickWords(v, step, k ? splits[k - 1] : null));
}

/**
 * Titles that tell a file's terms apart: each term's name, with its region where another term
 * has the same name and another region (Trends' comparison of one term across regions), and
 * its dates where one of the same name has the same region (a comparison across time ranges).
 * @param {Array<{ name: string, geo?: string, span?: string }>} terms
 * @returns {string[]}
 */
export function distinctTitles(terms) {
  const counts = (key) => {
    const seen = new Map();
    for (const t of terms) seen.set(key(t), (seen.get(key(t)) ?? 0) + 1);
    return seen;
  };
  const place = (t) => `${t.name}\u0000${t.geo ?? ""}`;
  const names = counts((t) => t.name);
  const places = counts(place);
  return terms.map((t) => {
    if (names.get(t.name) === 1) return t.name;
    const alike = places.get(place(t)); // terms of this name and region
    const extra = [alike < names.get(t.name) ? t.geo : "", alike > 1 ? t.span : ""].filter(Boolean);
    return extra.length ? `${t.name} (${extra.join(", ")})` : t.name;
  });
}

/**
 * The terms of a chosen file, for the line that says it is ready: ["2 terms", "ozempic, wegovy"]
 * (past three, "and 4 more"). A file comparing time ranges has a term's column once per range,
 * each under the same name: it names each term once and says over how many ranges ("1 term
 * over 2 time ranges", "Suicídio"), not "2 terms (Suicídio, Suicídio)".
 * @param {string[]} terms the file's columns' titles (filecheck's `terms`)
 * @param {number} ranges the time ranges the file compares (filecheck's `ranges`)
 * @returns {[string, string]}
 */
export function fileTermsWords(terms, ranges = 1) {
  const names = ranges > 1 ? [...new Set(terms)] : terms;
  const count = plural(names.length, "term", "terms") + (ranges > 1 ? ` over ${ranges} time ranges` : "");
  const list = names.length <= 3 ? names.join(", ") : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
  return [count, list];
}

/**
 * What became of the other files dropped with the one used (`others`: their names), or "" for
 * none: the page reads one file, and the rest were left out without a word.
 * @param {string[]} others
 */
export function otherFilesWords(others) {
  const n = others.length;
  if (!n) return "";
  const list = n <= 3 ? others.join(", ") : `${others.slice(0, 3).join(", ")} and ${n - 3} more`;
  return `${n === 1 ? "1 more file was" : `${n} more files were`} dropped with it (${list}) and left out: ` +
    "the page reads one file at a time. Drop or choose each of them on its own.";
}

/**
 * What a drop that held no file is told (`types`: its dataTransfer types): text or a link
 * dragged onto the file box was ignored without a word, as if the page had not noticed.
 * @param {readonly string[]} types
 * @returns {[string, string]} message and hint
 */
export function droppedNoFileWords(types) {
  const list = Array.from(types || []);
  const what = list.includes("text/uri-list") ? "That was a link, not a file."
    : list.some((t) => t.startsWith("text/")) ? "That was text, not a file."
      : "Nothing was dropped that the page can read: it needs a file.";
  return [what, "Drop the CSV file itself (from your Downloads folder, say), or use “Choose a CSV file”. " +
    "Text copied from a spreadsheet: save it as a CSV file first."];
}

/**
 * A 413 result_too_large in words for the file, from the sizes the API gave (`result`: the
 * answer's bytes, or the fewest it would take; `limit`: the most an answer holds) and the
 * file's `rows`: how many parts at least, and so how many rows each at most. Only what those
 * numbers support: the answer may be larger than `result`, never smaller, hence "or more".
 * @param {{ result: number, limit: number }} sizes
 * @param {number} rows the file's rows of data (0: unknown, not said)
 * @returns {[string, string]} message and hint
 */
export function resultTooLargeWords({ result, limit }, rows) {
  const parts = Math.max(2, Math.ceil(result / limit));
  const each = Math.floor(rows / parts);
  return [
    `The results for this file would be at least ${formatBytes(result)}, more than the ` +
      `${formatBytes(limit)} the detector can send back at once.`,
    `Split it into ${parts} parts or more${each >= 1 ? ` (${formatCount(each)} rows or fewer each)` : ""} ` +
      "and run each part, or export a shorter time range or fewer terms from Google Trends.",
  ];
}

/**
 * Each series' title as its card is headed, and as the download names it: its name, with its
 * region or its time range where the file compares one term across them (distinctTitles).
 */
export function seriesTitles(answer) {
  return distinctTitles(
    (answer.series || []).map((s) => ({ name: s.name, geo: s.geo, span: spanWords(s, answer.frequency) })),
  );
}

/** "level shift", "temporary change", ... */
export function kindWords(kind) {
  return String(kind ?? "").replace(/_/g, " ");
}

/**
 * The dates a series spans ("5 Jan 2020 – 27 Dec 2020"), or "" without dates: two terms of one
 * file can be on different time ranges (Trends' comparison of ranges), with the same name.
 */
export function spanWords(series, frequency = "") {
  const n = (series.timestamps || []).length;
  const [first, last] = [whenAt(series, 0), whenAt(series, n - 1)];
  if (n < 2 || parseTimestamp(String(first)) === null) return "";
  return `${formatWhen(first, frequency)} – ${formatWhen(last, frequency)}`;
}

/**
 * What the model tells about one term alone (its `notes`: where its values are sampling noise,
 * an anomaly on a last row that may be an incomplete period), said under that term's chart,
 * without the term's name the model starts each with.
 */
export function termNotes(series, frequency = "") {
  const notes = (Array.isArray(series?.notes) ? series.notes : []).filter(
    (note) => typeof note === "string" && note !== "",
  );
  if (!notes.length) return [];
  const prefix = `${series.name}: `;
  const at = labelIndex(series);
  return notes
    .map((note) => (note.startsWith(prefix) ? note.slice(prefix.length) : note))
    .map((note) => sentence(datesWritten(note, series, at, frequency)));
}

/**
 * Said under a term's chart when the season length a person set is too long for it: Auto then
 * uses no season for that term (its `period_source` "parameter:too_short"), which the summary's
 * "season length 52" does not tell (52, weeks in a year, set for monthly data, say). "" else.
 */
export function seasonWords(series, answer) {
  if (series?.parameters?.period_source !== "parameter:too_short") return "";
  const asked = answer?.parameters?.period;
  const field = methodNamed(answer?.method)?.params?.find((p) => p.name === "period")?.label ?? "Season length";
  const n = (series.values || []).length;
  return `No season was used: ${n} points are too few for ` +
    `${Number.isFinite(asked) ? `the season of ${asked} points` : "the season"} you set. ` +
    `Leave ${field} blank to have it found from the dates.`;
}

/** Each of the series' labels (as the file writes them) by its index. */
function labelIndex(series) {
  const at = new Map();
  (series?.timestamps || []).forEach((label, i) => at.set(String(label), i));
  return at;
}

/**
 * `text` as a sentence: a capital first letter and a full stop (the model writes clauses). A
 * text that starts with one of `names` (a term: "iPhone: ...") keeps it as the file spells it.
 */
export function sentence(text, names = []) {
  const t = String(text).trim();
  if (!t) return t;
  const stop = /[.!?]$/.test(t) ? "" : ".";
  if (names.some((name) => name && t.startsWith(`${name}:`))) return `${t}${stop}`;
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${stop}`;
}

/**
 * `text` with each of the series' timestamps in it (the model writes them as the file does:
 * "2025-09-16T00:04:00-05:00", "05/01/2020") written as the rest of the page writes dates
 * ("16 Sep 2025, 00:04"). Only whole words that are one of the series' own labels (`at`, from
 * `labelIndex`) change, and not two that spell one date two ways.
 */
function datesWritten(text, series, at, frequency) {
  const words = text.split(/(\s+|[(),;])/).map((word) => {
    // A date ending a clause ("the same date, 2021-05-30: both ...") or the text.
    const end = /[.:]$/.test(word) && !at.has(word) ? word.slice(-1) : "";
    const bare = end ? word.slice(0, -1) : word;
    return { word, end, bare, when: at.has(bare) ? formatWhen(whenAt(series, at.get(bare)), frequency) : null };
  });
  // Two spellings of one date ("2021-06-20 and 20210620": cells the warning names) stay as
  // written: written as one date, they would no longer say which cells.
  const spellings = new Map();
  for (const { bare, when } of words) if (when !== null) spellings.set(when, new Set(spellings.get(when)).add(bare));
  return words
    .map(({ word, end, when }) => (when !== null && spellings.get(when).size === 1 ? when + end : word))
    .join("");
}

/**
 * A warning about the whole file as the list above the charts says it: each of the series'
 * dates in it that the model wrote in ISO (or its basic form: 20200712, 20210602T1400), as
 * the file does ("2019-01-06 to 2019-12-29"), written as the rest of the page writes dates
 * ("6 Jan 2019 to 29 Dec 2019"). A date spelt
 * another way is kept: a spreadsheet's spelling may be what the warning is about ("Dates such
 * as 1/1/04 can be read day-first or month-first").
 */
export function warningWords(warning, answer) {
  let text = String(warning);
  for (const series of answer?.series || []) {
    const at = new Map([...labelIndex(series)].filter(([label]) => isIsoDay(label)));
    text = datesWritten(text, series, at, answer.frequency);
  }
  return text;
}

/** The answer's warnings that are not already said under a chart (see `termNotes`). */
export function generalWarnings(answer) {
  const said = new Set((answer.series || []).flatMap((s) => (Array.isArray(s?.notes) ? s.notes : [])));
  return (answer.warnings || []).filter((w) => !said.has(w));
}

/** Whether point `i` of `series` is among `cells` (date labels per column header, filecheck.js). */
function isMarked(series, i, cells) {
  const labels = cells && cells.get(series.header ?? series.name);
  return Boolean(labels && labels.has(String(series.timestamps?.[i] ?? "").trim()));
}

/** Whether point `i` of `series` was "<1" in the file (belowOne: labels per column header). */
export function isBelowOne(series, i, belowOne) {
  return isMarked(series, i, belowOne);
}

/** Whether point `i` of `series` had no value in the file, so the model filled it in. */
export function isFilled(series, i, filled) {
  return isMarked(series, i, filled);
}

/** A value for display: "<1" where the file said so, the number otherwise. */
export function valueWords(series, i, belowOne) {
  return isBelowOne(series, i, belowOne) ? "<1" : formatNumber(series.values[i]);
}

/**
 * What the page says while the API gives no answer (`waited` ms since the page opened): that
 * it keeps asking and offers Detect when it answers, and what to do, for a run on this computer
 * (`make up`) or a site's. After `tryAnyway` ms, that Detect can be tried meanwhile.
 */
export function apiWaitWords(local, waited = 0, tryAnyway = Infinity) {
  const todo = local
    ? "If you started it on this computer with make up, it may still be starting: give it a " +
      "minute, and look for errors in the window where make up runs."
    : "It can take a minute after a quiet spell; if it still does not answer, try again later.";
  if (waited >= tryAnyway) {
    return `The detector has not answered for ${Math.round(waited / 1000)} seconds. This page keeps ` +
      `asking; you can also try Detect anomalies now. ${todo}`;
  }
  return "The detector is not answering yet. This page keeps asking and offers Detect " +
    `anomalies as soon as it answers. ${todo}`;
}

/**
 * Said when the page's first try at the API has waited a few seconds for its answer: nothing
 * failed, the API is slow to answer (a cold start after a quiet spell), and the page waits.
 */
export function apiWakingWords(local) {
  const todo = local
    ? "If it takes longer, look for errors in the window where make up runs."
    : "If it takes longer, try again later.";
  const when = local ? "" : " after a quiet spell";
  return `The detector is waking up${when}: this can take up to a minute. This page offers ` +
    `Detect anomalies as soon as it answers. ${todo}`;
}

/** Said when Detect is pressed before the API answered (it is marked unavailable until then). */
export const STILL_STARTING_WORDS =
  "The detector is still starting: Detect anomalies works as soon as it answers. This page keeps asking.";

/** Said when the API answers after the page said it did not. */
export const API_UP_WORDS = "The detector answers now: Detect anomalies is ready.";

/**
 * Said under Detect when the form's settings were changed after a run: the charts below do not
 * follow the form until Detect is pressed again, and looked as if they did.
 */
export function staleWords(answer) {
  return `Settings changed: the results below are still those of ${settingsWords(answer)}. ` +
    "Press Detect anomalies to see the new settings' results.";
}

/** Said on a download after the settings changed: whose results the file holds. */
export function downloadedEarlierWords(name, answer) {
  return `Downloaded ${name}, the results of the earlier settings (${settingsWords(answer)}).`;
}

/** Said when Cancel stopped a request: nothing changed, and what is on show is from when. */
export function cancelledWords(fileName, earlierShown) {
  return `Cancelled: ${fileName} was not analysed.` +
    (earlierShown ? " The results shown are from your earlier run." : "");
}

/**
 * Said where the chart of a one-point series would be: the point itself (a chart of one point
 * was an empty grid around a date uPlot made up).
 */
export function onePointWords(series, frequency = "", belowOne = null) {
  const when = formatWhen(whenAt(series, 0) ?? "", frequency);
  return `Only one point: ${when ? `${when}, ` : ""}value ${valueWords(series, 0, belowOne)}. ` +
    "A chart needs two or more.";
}

/**
 * Whether the detector tested none of the series' points: one point, or fewer than the model
 * tests (its `parameters.tested` is false). Its empty anomaly list then says nothing either way.
 */
export function untested(series) {
  return (series?.values || []).length < 2 || series?.parameters?.tested === false;
}

/** Said instead of "No anomalies found" for a series whose points were not tested. */
export function notJudgedWords(series) {
  const n = (series?.values || []).length;
  const why = n < 2
    ? "an anomaly stands out from a term's other points, and this one has none."
    : `${n} points are too few to tell an anomaly from ordinary ups and downs.`;
  return `Not judged: ${why} Export a longer time range from Google Trends.`;
}

// What the shaded range means, per method: said once above the charts, so that nobody reads
// Auto's range (the reporting threshold) as a confidence interval, or DBSCAN's as a model.
const BAND_WORDS = {
  auto:
    "The shaded range is where each value would lie if nothing unusual happened, at this " +
    "sensitivity: the values outside it belong to the anomalies (a red dot marks each event's " +
    "peak, pale red between dashed red lines its span). A higher sensitivity narrows it.",
  stl:
    "The shaded range is the trend and season STL found, widened by the outlier test's " +
    "threshold.",
  dbscan:
    "DBSCAN has no expected value: the line is a running median of the values and the shaded " +
    "range its neighbourhood (the radius, as a share of the value range, either side). The " +
    "anomalies are the values with too few neighbours.",
};

// What the line and the shaded range are called, per method, in the key, the readout and the
// table: DBSCAN expects nothing (its note above says so: a running median and its
// neighbourhood), and "Expected" beside that note contradicted it.
const BAND_NAMES = {
  dbscan: { line: "running median", range: "neighbourhood" },
};
const EXPECTED_NAMES = { line: "expected", range: "expected range" };

/** The names of the charts' line and shaded range for `method`: {line, range}, lower case. */
export function bandNames(method) {
  return Object.prototype.hasOwnProperty.call(BAND_NAMES, method) ? BAND_NAMES[method] : EXPECTED_NAMES;
}

/** "running median" → "Running median" (a key's or a column's heading). */
export function capitalized(text) {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** What the shaded range on the charts means for the method that drew it ("" if unknown). */
export function bandWords(method) {
  // (hasOwnProperty, not Object.hasOwn: the build targets es2020 browsers.)
  return Object.prototype.hasOwnProperty.call(BAND_WORDS, method) ? BAND_WORDS[method] : "";
}

/**
 * What the charts' y-scales are, said under the control "Scale each chart to its own term"
 * (index.html): `scale` is chartScale's judgement of the file, `own` whether each chart is
 * scaled to its own term now. It says how to read heights, and why the page did not share the
 * scale by itself where it did not.
 */
export function scaleWords(scale, own) {
  if (!own) {
    return scale.share
      ? "All charts are drawn on one scale: Google Trends scaled their terms together (100 is the " +
          "highest point of any of them), so each line's height compares with the others'. " +
          "To read a small term's detail, scale each chart to its own term."
      : "All charts are drawn on one scale, up to the highest value of any term.";
  }
  const why = {
    peaks: `${scale.peaks} terms each reach 100, so this file may put exports side by side ` +
      "that Google Trends scaled apart: each chart is scaled to its own term.",
    scale: "The values are not on Google Trends' 0–100 scale: each chart is scaled to its own term.",
  }[scale.reason] ?? "Each chart is scaled to its own term.";
  return `${why} Heights do not compare across terms: read the numbers on each chart's axis.`;
}

/**
 * How many anomalies a run found, in how many series: "2 anomalies in 3 series". A series too
 * short to test is not a series with none: "1 series not judged: too few points", or "(1 not
 * judged: too few points)" after the count of the rest.
 * @param {Array<{ values?: unknown[], anomalies?: unknown[], parameters?: object }>} series
 */
export function countWords(series) {
  const list = series || [];
  const total = list.reduce((sum, s) => sum + (s.anomalies || []).length, 0);
  const notJudged = list.filter((s) => untested(s)).length;
  if (list.length && notJudged === list.length) {
    return `${plural(list.length, "series", "series")} not judged: too few points`;
  }
  const words = `${plural(total, "anomaly", "anomalies")} in ${plural(list.length, "series", "series")}`;
  return notJudged ? `${words} (${notJudged} not judged: too few points)` : words;
}

/** " (not used: too long for the series)" after a season length every series was too short
 * for ("parameter:too_short"), " (not used in 1 of 2 series: too long)" when some were: the
 * summary listed it as if it had been used. "" for any other parameter. */
function unusedWords(answer, name) {
  if (name !== "period") return "";
  const list = answer.series || [];
  const unused = list.filter((s) => s.parameters?.period_source === "parameter:too_short").length;
  if (!unused) return "";
  return unused === list.length ? " (not used: too long for the series)" : ` (not used in ${unused} of ${list.length} series: too long)`;
}

/**
 * What a run used, in words: "Auto (recommended), sensitivity 0.5". Settings left to the model
 * are not listed one by one ("alpha auto"); the sentence says the rest was chosen from the data.
 */
export function settingsWords(answer) {
  const method = methodNamed(answer.method);
  const parts = [method ? method.label.replace(/ \(.*\)$/, "") : String(answer.method)];
  let chosen = false;
  for (const param of method?.params ?? []) {
    const value = answer.parameters?.[param.name];
    if (value === null || value === undefined) chosen = true;
    else parts.push(`${param.label.replace(/ \(.*\)$/, "").toLowerCase()} ${formatNumber(value, 4)}${unusedWords(answer, param.name)}`);
  }
  let text = parts.join(", ");
  if (chosen) text += "; everything else chosen from the data";
  return text;
}

// What the model reports it used, in a person's words: names (the parameters a person can set
// take their form labels instead) and the values that are codes.
const DETAIL_NAMES = {
  period_source: "Season found",
  seasonal_phase: "Season read by",
  seasonal_model: "Season model",
  window: "Long window (points)",
  local_window: "Local window (points)",
  threshold: "Reporting threshold (noise units)",
  threshold_used: "Threshold used (after the limit on anomalies)",
  noise_scale: "Noise (typical departure)",
  tail_factor: "Heavy-tail factor",
  visible_floor: "Smallest change reported",
  sampling_noise: "Sampling noise",
  last_row_unreported: "Drop on the last row",
};
const SEASON_FOUND = {
  parameter: "as you set it",
  "parameter:none": "none: you set no season",
  "parameter:too_short": "none: the series is shorter than the season you set allows",
  timestamps: "from the dates",
  "timestamps+confirmed": "from the dates, and the data follow it",
  "timestamps+confirmed:weekly": "a weekly rhythm, from the dates, and the data follow it",
  "none:no_calendar_period": "none: the dates suggest no season",
  "none:too_short_for_period": "none: too few cycles to tell",
  "none:not_confirmed": "none: the dates suggest one, but the data do not follow it",
};
const VALUE_WORDS = {
  seasonal_model: { none: "none", additive: "added to the level", multiplicative: "a share of the level" },
  seasonal_phase: { week_of_year: "week of the year" },
  last_row_unreported: { partial_period: "not reported: the last period may be incomplete" },
};

/**
 * One line of "How this series was analysed": [name, value] for parameter `key` with `value`
 * (`labels`: the form's labels of the parameters a person can set). A season length left to
 * the data and not used says "none", not "chosen from the data".
 */
export function detailWords(key, value, parameters = {}, labels = new Map()) {
  const name = labels.get(key) ?? DETAIL_NAMES[key] ?? key.replace(/_/g, " ");
  if (key === "period_source") return [name, SEASON_FOUND[value] ?? String(value).replace(/[_+:]/g, " ")];
  if (key === "period" && value === null && String(parameters.period_source ?? "").includes("none")) {
    return [name, "none"];
  }
  if (value === null) return [name, "chosen from the data"];
  if (typeof value === "number") return [name, formatNumber(value, 4)];
  const words = VALUE_WORDS[key]?.[value];
  return [name, words ?? String(value).replace(/_/g, " ")];
}
