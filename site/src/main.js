/**
 * Wires the page: wait for the API ("Starting…"), take a CSV (file dialog, drop, or example)
 * and check it at once, pick a method (controls built from the model's parameter table), POST
 * the file unchanged, draw a chart and a table per series, offer the CSV download. Every text
 * that came from the user's file or the API is written with textContent (see dom.js).
 */
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { readConfig } from "./config.js";
import { detect, requestIdOf, ApiProblem, CANCELLED } from "./api.js";
import { API_SLOW_MS, API_TRY_ANYWAY_MS, isLocalApi, waitForApi } from "./health.js";
import { buildControls, choiceKey, fieldFor, markInvalid, showMethod, readParams } from "./params.js";
import { el, append, clear } from "./dom.js";
import { formatBytes, formatNumber, plural } from "./format.js";
import { checkFile, FileProblem } from "./filecheck.js";
import { DRAWN_AT_ONCE, drawWhenNear, forgetWaiting, holdRoom } from "./lazy.js";
import { anomalyTable } from "./table.js";
import { renderChart } from "./chart.js";
import { chartScale } from "./scales.js";
import { resultsToCsv } from "./results-csv.js";
import { downloadText, resultsFilename } from "./download.js";
import {
  API_UP_WORDS, STILL_STARTING_WORDS, BELOW_ONE_NOTE, apiWakingWords, apiWaitWords, bandNames, bandWords, cancelledWords, capitalized, detailWords,
  fileTermsWords, generalWarnings, otherFilesWords, onePointWords, scaleWords, seasonWords, sentence, seriesTitles, settingsWords,
  countWords, droppedNoFileWords, resultTooLargeWords, spanWords, staleWords, downloadedEarlierWords, termNotes, untested, warningWords,
} from "./words.js";
import { methodNamed } from "./rules.js";

const $ = (id) => document.getElementById(id);

const state = {
  /** @type {{ name: string, bytes: Uint8Array, terms: string[], rows: number, belowOne: Map<string, Set<string>>,
   *   filled: Map<string, Set<string>> } | null} */
  file: null,
  /** @type {FileProblem | null} the chosen file's problem, shown again on Detect */
  fileProblem: null,
  answer: null,
  busy: false,
  /** @type {AbortController | null} Cancel's, while a request is on its way */
  cancel: null,
  /** "starting" until the API answered (or we stopped waiting), then "ready" */
  api: "starting",
  /** @type {Array<{ destroy: () => void, rescale: () => void }>} the charts on show */
  charts: [],
  /** @type {ReturnType<typeof chartScale> | null} how the charts on show are scaled by default */
  scale: null,
  /** @type {boolean | null} "Scale each chart to its own term" as the person set it for this
   * file (kept when Detect runs again), or null: the file's default (scales.js) */
  ownScales: null,
  /** @type {{ choice: string, done: string } | null} the form's settings the results on show were
   * made with (choiceKey) and what their run said ("Done: …") */
  shown: null,
  /** @type {HTMLElement | null} the setting whose wrong value the error box explains */
  invalid: null,
  /** whether the API (not the page's own check) said `invalid` is wrong: the page cannot
   * tell when it is right again, so any change of it takes the mark off */
  invalidByApi: false,
};

const form = $("detect-form");
const fileInput = $("file-input");
const dropZone = $("drop-zone");
const fileStatus = $("file-status");
const runButton = $("run");
const runLabel = runButton.querySelector(".run-label");
const cancelButton = $("cancel");
const statusBox = $("status");
const errorBox = $("error");
const results = $("results");
const apiStatus = $("api-status");
const config = readConfig();
// A result's title counts it, for tabs and screen readers; it never names the file: the
// title is on a shared screen, in the browser's history and wherever that is synced.
const PAGE_TITLE = document.title;

function announce(text) {
  statusBox.textContent = text;
}

function showError(problem) {
  clear(errorBox);
  const message = problem instanceof Error ? problem.message : String(problem);
  append(errorBox, el("p", { class: "error-title" }, el("strong", { text: message })));
  if (problem instanceof ApiProblem) {
    if (problem.hint) append(errorBox, el("p", { class: "error-hint", text: problem.hint }));
    const details = [
      problem.code && `code ${problem.code}`,
      problem.status && `HTTP ${problem.status}`,
      problem.requestId && `request id ${problem.requestId}`,
    ].filter(Boolean);
    if (details.length) {
      // When, in the logs' time zone: what finds the request when there is no id to quote.
      details.push(`${new Date().toISOString().slice(0, 19).replace("T", " ")} UTC`);
      append(errorBox, el("p", { class: "error-meta", text: details.join(" · ") }));
    }
  } else if (problem instanceof FileProblem && problem.hint) {
    append(errorBox, el("p", { class: "error-hint", text: problem.hint }));
  }
  errorBox.hidden = false;
  announce("");
}

/** A failure of this page itself (showing an answer, say): the API's logs know nothing of it,
 * so the person gets the id of the request it answered (its log lines) to quote. */
function pageProblem(error, requestId) {
  return new ApiProblem(`Something went wrong: ${error}`, {
    hint: "Try again; if it happens again, report this message with the details below.",
    code: "page_error",
    requestId,
  });
}

/** With results on show, the status line says whether they are those of the form's settings. */
function sayIfStale() {
  if (!state.shown || !state.answer || state.busy) return;
  const text = choiceKey(readParams(form)) === state.shown.choice ? state.shown.done : staleWords(state.answer);
  if (statusBox.textContent !== text) announce(text); // once, not at each step of a slider
}

/** Drop the shown results (they describe an earlier file or run). */
function clearResults() {
  state.shown = null;
  forgetWaiting();
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
  state.answer = null;
  state.scale = null;
  $("scale-choice").hidden = true;
  clear($("series-list"));
  clear($("series-index"));
  $("series-index").hidden = true;
  results.hidden = true;
  document.title = PAGE_TITLE;
}

function hideError() {
  errorBox.hidden = true;
  clear(errorBox);
  if (state.invalid) markInvalid(state.invalid, null); // nothing explains it any more
  state.invalid = null;
  state.invalidByApi = false;
}

/** A wrong setting explained in the error box: the field says so to assistive technology. */
function showInvalid(choice) {
  showError(new ApiProblem(choice.problem));
  state.invalid = choice.input;
  markInvalid(choice.input, errorBox.id);
  choice.input.focus();
}

/** The API refused a setting (400 naming the parameter): its field is marked and focused as
 * for the page's own check; true when the form on show has that field. */
function showApiInvalid(problem) {
  const input = problem.parameter ? fieldFor(form, problem.parameter) : null;
  if (!input) return false;
  state.invalid = input;
  state.invalidByApi = true;
  markInvalid(input, errorBox.id);
  // Under "More settings", folded away: opened, or the focus would go nowhere visible.
  const more = input.closest("details");
  if (more) more.open = true;
  input.focus();
  return true;
}

/** Once the wrong setting is corrected (or its method put away), its explanation goes. */
function recheckInvalid(event) {
  if (!state.invalid) return;
  if (state.invalidByApi) {
    // Only the API can say whether the new value is right: any change of it (or of the
    // method, which puts the field away) takes the mark off.
    if (event.target === state.invalid || state.invalid.closest("fieldset").disabled) hideError();
    return;
  }
  const choice = readParams(form);
  if (!("problem" in choice) || choice.input !== state.invalid) hideError();
}

/** The Detect button: waiting for the API, busy detecting, or ready. Waiting, it stays in the
 * Tab order, marked unavailable (aria-disabled), so a keyboard or screen-reader user finds the
 * page's one action and, pressing it, hears what it waits for; busy, Cancel takes its place. */
function syncRunButton() {
  const starting = state.api === "starting";
  runButton.disabled = state.busy;
  if (starting && !state.busy) runButton.setAttribute("aria-disabled", "true");
  else runButton.removeAttribute("aria-disabled");
  form.setAttribute("aria-busy", String(state.busy));
  runButton.classList.toggle("is-busy", state.busy || starting);
  runLabel.textContent = state.busy ? "Detecting…" : starting ? "Starting…" : "Detect anomalies";
  cancelButton.hidden = !state.busy;
}

function setBusy(busy) {
  state.busy = busy;
  syncRunButton();
}

function showFileStatus(kind, ...children) {
  clear(fileStatus);
  fileStatus.className = `file-status file-${kind}`;
  fileStatus.setAttribute("role", kind === "bad" ? "alert" : "status");
  append(fileStatus, ...children);
  fileStatus.hidden = false;
}

/** A file name as text with a line-break opportunity after each _ and - (long export names
 * otherwise wrap mid-word, "…crlf.c" / "sv"; the extension stays whole). The text itself is
 * unchanged. */
function breakable(name) {
  return name.split(/(?<=[_-])/).flatMap((part, k) => (k ? [el("wbr"), part] : [part]));
}

/** Check the chosen bytes now; keep them only when the model can read them. `others`: the
 * names of the files dropped with this one, which are left out (said). */
function setFile(name, bytes, others = []) {
  const left = otherFilesWords(others);
  const leftOut = left ? el("span", { class: "file-others", text: left }) : null;
  hideError();
  clearResults();
  state.ownScales = null; // another file: its own default
  try {
    const found = checkFile(name, bytes, config.maxUploadBytes);
    state.file = { name, bytes, ...found };
    state.fileProblem = null;
    const [count, terms] = fileTermsWords(found.terms, found.ranges);
    showFileStatus(
      "ok",
      el("span", { class: "file-mark", "aria-hidden": "true", text: "✓ " }),
      "Ready: ",
      el("strong", { class: "file-name" }, ...breakable(name)),
      el(
        "span",
        { class: "file-facts" },
        `${count} (`,
        el("span", { class: "file-terms", text: terms }),
        `), ${plural(found.rows, "row", "rows")}, ${formatBytes(bytes.length).replace(" ", "\u00a0")}.`,
      ),
      leftOut,
      // Said once, by this status box (a second live region repeated the news in other words).
      el("span", { class: "visually-hidden", text: " Choose a method and press Detect anomalies." }),
    );
    announce("");
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    refuseFile(error, leftOut);
  }
}

/** Say why there is no file to analyse now (`problem`); Detect says it again. */
function refuseFile(problem, leftOut = null) {
  state.file = null;
  state.fileProblem = problem;
  showFileStatus(
    "bad",
    el("span", { class: "file-mark", "aria-hidden": "true", text: "✗ " }),
    el("strong", { text: problem.message }),
    " ",
    el("span", { class: "file-hint", text: problem.hint }),
    leftOut,
  );
  announce("");
}

/** A drop that held no file (text, a link): said, as a wrong file is. */
function refuseDrop(types) {
  hideError();
  clearResults();
  refuseFile(new FileProblem(...droppedNoFileWords(types)));
}

async function loadFile(file, others = []) {
  if (!file) return;
  try {
    setFile(file.name, new Uint8Array(await file.arrayBuffer()), others);
  } catch (error) {
    showError(new ApiProblem(`Could not read ${file.name}.`, { hint: String(error) }));
  }
}

async function loadExample(path, label) {
  try {
    const response = await fetch(path);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    setFile(path.split("/").pop(), new Uint8Array(await response.arrayBuffer()));
  } catch (error) {
    showError(new ApiProblem(`Could not load the example “${label}”.`, { hint: String(error) }));
  }
}

/** Everything the model reports it used for a series, folded away (it is for experts). */
function parameterDetails(series, method) {
  const parameters = series.parameters || {};
  const entries = Object.entries(parameters);
  if (entries.length === 0) return null;
  const labels = new Map((methodNamed(method)?.params ?? []).map((p) => [p.name, p.label]));
  return el(
    "details",
    { class: "param-details" },
    el("summary", { text: "How this series was analysed (details)" }),
    el(
      "dl",
      {},
      ...entries.flatMap(([key, value]) => {
        const [name, words] = detailWords(key, value, parameters, labels);
        return [el("dt", { text: name }), el("dd", { text: words })];
      }),
    ),
  );
}

function downloadNote(answer, belowOne, filled) {
  const anyBelowOne = answer.series.some((s) => belowOne && belowOne.has(s.header ?? s.name));
  const anyFilled = answer.series.some((s) => filled && filled.has(s.header ?? s.name));
  const { line, range } = bandNames(answer.method);
  const band = line === "expected" ? "its expected range" : `its ${line} and ${range}`;
  return (
    `Every point of every term with ${band}; anomalies marked, with the first and ` +
    `last date of each event.${anyBelowOne ? ` ${BELOW_ONE_NOTE} Those rows say so in the note column.` : ""}` +
    (anyFilled ? " Where the file has no value (an empty cell, N/A or the like), one is filled in from its neighbours; the note column says so." : "")
  );
}

// From this many terms on, a list of them above the charts jumps to each (a 16-term file is a
// page some 12 000 px tall).
const INDEX_MIN_SERIES = 4;
// A chart waiting to be drawn (lazy.js) holds this much room until a drawn one is measured.
const WAITING_CHART_PX = 340;

/** Links to each term's chart, with its count of anomalies, when the file has many terms. */
function seriesIndex(series, titles) {
  const nav = $("series-index");
  clear(nav);
  nav.hidden = series.length < INDEX_MIN_SERIES;
  if (nav.hidden) return;
  const items = series.map((s, i) => {
    const count = (s.anomalies || []).length;
    // Named with what the number counts: a screen reader's list of links leaves out the line
    // above that says so. The name starts with what the link shows (WCAG 2.5.3).
    const name = `${titles[i]} ${plural(count, "anomaly", "anomalies")}`;
    return el(
      "li",
      {},
      el("a", { href: `#series-${i}`, "aria-label": name }, titles[i], " ",
        el("span", { class: `badge${count ? " badge-alert" : ""}`, text: String(count) })),
    );
  });
  append(nav, el("p", { class: "muted", text: "Jump to a term (anomalies):" }), el("ul", {}, ...items));
}

/** Whether each chart has a y-scale of its own now: the person's choice, else the file's default. */
function ownScales() {
  const scale = state.scale;
  return !scale || scale.charts < 2 || (state.ownScales ?? !scale.share);
}

/** The range the charts share (see renderChart's `sharedRange`), or null while each has its own. */
function sharedRange() {
  return ownScales() ? null : [state.scale.low, state.scale.top];
}

/** The scale control and its note, as the charts are scaled now. */
function showScaleChoice() {
  const box = $("scale-choice");
  box.hidden = !state.scale || state.scale.charts < 2;
  if (box.hidden) return;
  $("own-scales").checked = ownScales();
  $("scale-note").textContent = scaleWords(state.scale, ownScales());
}

function renderResults(answer) {
  clearResults();
  state.answer = answer;
  const list = $("series-list");
  const belowOne = state.file ? state.file.belowOne : null;
  const filled = state.file ? state.file.filled : null;
  const context = { frequency: answer.frequency, belowOne, filled, method: answer.method };
  const band = bandNames(answer.method); // the line and the range: DBSCAN expects nothing

  // Which file these are (the form that says so is left off a printout).
  const fileLine = $("results-file");
  clear(fileLine);
  if (state.file) append(fileLine, "File: ", el("strong", {}, ...breakable(state.file.name)));
  fileLine.hidden = !state.file;
  $("results-summary").textContent =
    countWords(answer.series) +
    (answer.frequency && answer.frequency !== "unknown" ? ` · ${answer.frequency} data` : "") +
    ` · ${settingsWords(answer)}.`;
  // What the shaded range means, where one is drawn: a term too short to test has none.
  const banded = answer.series.some((s) => !untested(s));
  $("band-note").textContent = banded ? bandWords(answer.method) : "";
  $("band-note").hidden = !banded;
  $("download-note").textContent = downloadNote(answer, belowOne, filled);

  const warnings = $("warnings");
  clear(warnings);
  const names = answer.series.map((s) => s.name);
  for (const warning of generalWarnings(answer)) {
    const words = typeof warning === "string" ? sentence(warningWords(warning, answer), names) : JSON.stringify(warning);
    append(warnings, el("li", { text: words }));
  }
  warnings.hidden = warnings.childElementCount === 0;

  // The terms of one comparison share a y-scale (scales.js), unless the person said otherwise.
  state.scale = chartScale(answer.series);
  showScaleChoice();

  // One term compared across regions (or time ranges): each title says which.
  const titles = seriesTitles(answer);
  seriesIndex(answer.series, titles);
  results.hidden = false; // visible before drawing, so charts can measure their width
  let waiting = false;
  answer.series.forEach((series, i) => {
    const count = (series.anomalies || []).length;
    const termContext = { ...context, title: titles[i] };
    // One point: no line to draw and nothing to stand out from. Said, not drawn on a made-up axis.
    const drawn = series.values.length >= 2;
    const chart = drawn
      ? el("div", { class: "chart", id: `chart-${i}` })
      : el("p", { class: "one-point", text: onePointWords(series, answer.frequency, belowOne) });
    const badge = count || !untested(series) ? plural(count, "anomaly", "anomalies") : "not judged";
    const headingId = `series-${i}-heading`;
    const period = series.parameters && series.parameters.period;
    const card = el(
      "article",
      { class: "card series", id: `series-${i}`, "aria-labelledby": headingId, "data-series": series.name },
      el(
        "div",
        { class: "series-head" },
        el("h3", { id: headingId, text: titles[i] }),
        el("span", { class: `badge${count ? " badge-alert" : ""}`, text: badge }),
      ),
      el("p", {
        class: "muted series-meta",
        text: [
          series.geo,
          spanWords(series, answer.frequency),
          plural(series.values.length, "point", "points"),
          period ? `season of ${period} points` : "",
        ]
          .filter(Boolean)
          .join(" · "),
      }),
      ...[...termNotes(series, answer.frequency), seasonWords(series, answer)]
        .filter(Boolean)
        .map((note) => el("p", { class: "series-note", text: note })),
      drawn && el(
        "div",
        { class: "legend-key", "aria-hidden": "true" },
        el("span", { class: "key key-value", text: "Value" }),
        // A term too short to test is drawn as its values alone (chart.js): nothing else to key.
        ...(untested(series) ? [] : [
          el("span", { class: "key key-expected", text: capitalized(band.line) }),
          el("span", { class: "key key-band", text: capitalized(band.range) }),
          el("span", { class: "key key-anomaly", text: "Anomaly" }),
          el("span", { class: "key key-extent", text: "Event from start to end" }),
        ]),
      ),
      chart,
      anomalyTable(series, termContext),
      parameterDetails(series, answer.method),
    );
    list.append(card);
    if (!drawn) return;
    const draw = () => state.charts.push(renderChart(chart, series, { ...termContext, sharedRange }));
    if (i < DRAWN_AT_ONCE) {
      draw();
      return;
    }
    waiting = true;
    drawWhenNear(chart, WAITING_CHART_PX, draw);
  });
  // The charts waiting keep a drawn chart's room, so the page does not grow as they are drawn:
  // measured at the next frame, once uPlot has sized the drawn ones (it does so after this task).
  if (waiting) requestAnimationFrame(() => holdRoom(list.querySelector(".chart")?.offsetHeight ?? 0));
}

async function run(event) {
  event.preventDefault();
  if (state.busy) return;
  if (state.api === "starting") {
    announce(STILL_STARTING_WORDS);
    return;
  }
  hideError();
  if ("problem" in config) {
    showError(new ApiProblem(config.problem));
    return;
  }
  if (!state.file) {
    if (state.fileProblem) showError(state.fileProblem);
    else {
      showError(new ApiProblem("Choose a CSV file first.", {
        hint: "Use “Choose a CSV file”, drop a file on it, or try an example.",
      }));
    }
    dropZone.focus();
    return;
  }
  const choice = readParams(form);
  if ("problem" in choice) {
    showInvalid(choice);
    return;
  }
  const pressed = document.activeElement === runButton;
  state.cancel = new AbortController();
  const { signal } = state.cancel;
  setBusy(true);
  if (pressed) cancelButton.focus(); // Detect is disabled now; Cancel is the one thing to do
  const file = state.file;
  announce(`Detecting anomalies in ${file.name}…`);
  // Another file chosen while the request is on its way: its answer describes the earlier
  // file, so it is set aside, never shown under the later file's name (nor its error).
  const setAside = () => {
    if (state.file === file) return false;
    announce(
      `The results for ${file.name} were set aside: ` +
        `${state.file ? state.file.name : "another file"} was chosen meanwhile.`,
    );
    return true;
  };
  let answer = null;
  try {
    answer = await detect(config.apiUrl, file.bytes, choice.method, choice.params, {
      maxBytes: config.maxUploadBytes,
      signal,
    });
    if (setAside()) return;
    renderResults(answer);
    const counted = countWords(answer.series);
    document.title = `${counted} – ${PAGE_TITLE}`;
    const done = `Done: ${counted}.`;
    announce(done);
    state.shown = { choice: choiceKey(choice), done };
    $("results-heading").focus({ preventScroll: false });
  } catch (error) {
    if (error instanceof ApiProblem && error.code === CANCELLED) {
      // The page stays as it was before Detect: the results on show (if any), no error.
      announce(cancelledWords(file.name, !results.hidden));
      return;
    }
    if (setAside()) return;
    clearResults();
    if (error instanceof ApiProblem && error.code === "result_too_large" && error.sizes) {
      // How much smaller, from the sizes the API gave: the file's parts and their rows.
      [error.message, error.hint] = resultTooLargeWords(error.sizes, file.rows || 0);
    }
    showError(error instanceof ApiProblem ? error : pageProblem(error, requestIdOf(answer)));
    if (!(error instanceof ApiProblem && showApiInvalid(error))) errorBox.focus();
  } finally {
    const cancelHadFocus = document.activeElement === cancelButton;
    state.cancel = null;
    setBusy(false);
    if (cancelHadFocus) runButton.focus(); // Cancel is hidden now
  }
}

/**
 * "Starting…" until GET {apiUrl}/health answers; then Detect is offered. Without an answer
 * after a few seconds the page says so: that the detector is waking up (a try still waits for
 * its answer) or that it does not answer (a try failed), and what to do, and keeps asking;
 * after a minute and a half it offers Detect anyway (still asking).
 */
async function waitUntilReady() {
  if ("problem" in config) {
    state.api = "ready"; // nothing to wait for: Detect explains the missing config
    syncRunButton();
    return;
  }
  apiStatus.textContent = "Starting the detector…";
  apiStatus.hidden = false;
  syncRunButton();
  const local = isLocalApi(config.apiUrl);
  let said = false;
  let waited = 0; // what the page has said so far: 0, API_SLOW_MS, API_TRY_ANYWAY_MS
  let failed = false; // a try failed: refused, an error status, or no answer in its time
  const say = () => {
    said = true;
    apiStatus.className = "notice notice-wait api-status";
    const words = failed || waited >= API_TRY_ANYWAY_MS
      ? apiWaitWords(local, waited, API_TRY_ANYWAY_MS)
      : apiWakingWords(local);
    // The same words again are left alone: a screen reader may read a rewritten status twice.
    if (apiStatus.textContent !== words) apiStatus.textContent = words;
  };
  const slow = setTimeout(() => {
    waited = API_SLOW_MS;
    say();
  }, API_SLOW_MS);
  const anyway = setTimeout(() => {
    state.api = "ready";
    syncRunButton();
    waited = API_TRY_ANYWAY_MS;
    say();
  }, API_TRY_ANYWAY_MS);
  const onWait = () => {
    failed = true;
    if (said) say(); // "waking up" said, then a try failed: the words follow
  };
  await waitForApi(config.apiUrl, { onWait });
  clearTimeout(slow);
  clearTimeout(anyway);
  state.api = "ready";
  syncRunButton();
  apiStatus.hidden = true;
  apiStatus.textContent = "";
  if (said && !state.busy) announce(API_UP_WORDS);
}

function init() {
  if ("problem" in config) {
    const box = $("config-problem");
    box.textContent = config.problem;
    box.hidden = false;
  }
  const select = form.elements.namedItem("method");
  buildControls(select, $("method-fields"));
  showMethod(form, select.value);
  select.addEventListener("change", (e) => showMethod(form, e.target.value));
  // After a run, a changed setting: the results on show are the earlier settings' (said once).
  for (const type of ["input", "change"]) {
    form.addEventListener(type, sayIfStale);
    form.addEventListener(type, recheckInvalid);
  }
  $("drop-limit").textContent = `Up to ${formatBytes(config.maxUploadBytes)}.`;

  dropZone.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    loadFile(fileInput.files && fileInput.files[0]);
    fileInput.value = ""; // choosing the same file again still fires change
  });
  for (const type of ["dragenter", "dragover"]) {
    dropZone.addEventListener(type, (e) => {
      e.preventDefault();
      dropZone.classList.add("is-over");
    });
  }
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("is-over"));
  dropZone.addEventListener("drop", (e) => {
    e.preventDefault();
    dropZone.classList.remove("is-over");
    const files = Array.from((e.dataTransfer && e.dataTransfer.files) || []);
    if (!files.length) {
      refuseDrop(e.dataTransfer ? e.dataTransfer.types : []);
      return;
    }
    loadFile(files[0], files.slice(1).map((f) => f.name));
  });
  // A file dropped next to the zone must not replace the page with the file.
  for (const type of ["dragover", "drop"]) window.addEventListener(type, (e) => e.preventDefault());

  for (const button of document.querySelectorAll("[data-example]")) {
    button.addEventListener("click", () => loadExample(button.dataset.example, button.textContent));
  }

  form.addEventListener("submit", run);
  cancelButton.addEventListener("click", () => state.cancel && state.cancel.abort());
  // Escape backs out of the wait as Cancel does, wherever the focus is (unless something on
  // the page used the key already: a zoomed chart shows all again).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented || !state.cancel) return;
    event.preventDefault();
    state.cancel.abort();
  });
  $("own-scales").addEventListener("change", (event) => {
    state.ownScales = event.target.checked;
    showScaleChoice();
    for (const chart of state.charts) chart.rescale();
  });
  $("download").addEventListener("click", () => {
    if (!state.answer) return;
    // The settings the run used (those the model chose itself are left out: "chosen").
    const used = (methodNamed(state.answer.method)?.params ?? [])
      .map((p) => [p.name, state.answer.parameters?.[p.name]])
      .filter(([, value]) => value !== null && value !== undefined);
    const name = resultsFilename(state.file ? state.file.name : "trends", state.answer.method, used);
    downloadText(name, resultsToCsv(state.answer, state.file?.belowOne ?? null, state.file?.filled ?? null));
    // With the settings changed since the run, the file holds the earlier settings' results:
    // said, and the notice that the results shown are those stays (sayIfStale's words).
    const stale = choiceKey(readParams(form)) !== state.shown?.choice;
    announce(stale ? `${downloadedEarlierWords(name, state.answer)} ${staleWords(state.answer)}` : `Downloaded ${name}.`);
  });
  waitUntilReady();
}

init();
