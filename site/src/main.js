/**
 * Wires the page: load a CSV (file dialog, drop, or example), pick a method, POST it to the API,
 * render charts + tables, offer the CSV download. Every text that came from the user's file or
 * the API is written with textContent (see dom.js).
 */
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { readConfig } from "./config.js";
import { detect, ApiProblem } from "./api.js";
import { showMethod, readParams } from "./params.js";
import { el, append, clear } from "./dom.js";
import { formatBytes, formatNumber, plural } from "./format.js";
import { anomalyTable } from "./table.js";
import { renderChart } from "./chart.js";
import { resultsToCsv } from "./results-csv.js";
import { downloadText, resultsFilename } from "./download.js";

const $ = (id) => document.getElementById(id);

const state = {
  /** @type {{ name: string, text: string, size: number } | null} */
  file: null,
  answer: null,
  busy: false,
  /** @type {Array<() => void>} */
  disposers: [],
};

const form = $("detect-form");
const fileInput = $("file-input");
const dropZone = $("drop-zone");
const fileStatus = $("file-status");
const runButton = $("run");
const statusBox = $("status");
const errorBox = $("error");
const results = $("results");

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
    if (details.length) append(errorBox, el("p", { class: "error-meta", text: details.join(" · ") }));
  }
  errorBox.hidden = false;
  announce("");
}

/** Drop the shown results (they describe an earlier file or run). */
function clearResults() {
  for (const dispose of state.disposers) dispose();
  state.disposers = [];
  state.answer = null;
  clear($("series-list"));
  results.hidden = true;
}

function hideError() {
  errorBox.hidden = true;
  clear(errorBox);
}

function setBusy(busy) {
  state.busy = busy;
  runButton.disabled = busy;
  form.setAttribute("aria-busy", String(busy));
  runButton.classList.toggle("is-busy", busy);
  runButton.querySelector(".run-label").textContent = busy ? "Detecting…" : "Detect anomalies";
}

/** Keep the loaded CSV in memory; the file itself is sent unchanged. */
function setFile(name, text, size) {
  state.file = { name, text, size };
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== "").length;
  fileStatus.textContent = "";
  append(
    fileStatus,
    el("span", { class: "file-ok", "aria-hidden": "true", text: "✓ " }),
    "Loaded ",
    el("strong", { text: name }),
    ` (${formatBytes(size)}, ${plural(lines, "line", "lines")}).`,
  );
  fileStatus.hidden = false;
  hideError();
  clearResults();
  announce(`Loaded ${name}. Choose a method and press Detect anomalies.`);
}

async function loadFile(file) {
  if (!file) return;
  try {
    setFile(file.name, await file.text(), file.size);
  } catch (error) {
    showError(new ApiProblem(`Could not read ${file.name}.`, { hint: String(error) }));
  }
}

async function loadExample(path, label) {
  try {
    const response = await fetch(path);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const text = await response.text();
    setFile(path.split("/").pop(), text, new Blob([text]).size);
  } catch (error) {
    showError(new ApiProblem(`Could not load the example “${label}”.`, { hint: String(error) }));
  }
}

function describeParameters(parameters) {
  return Object.entries(parameters || {})
    .filter(([key]) => key !== "method")
    .map(([key, value]) => `${key} ${value === null ? "auto" : value}`)
    .join(", ");
}

/** Everything the model reports it used for a series, folded away (it is for experts). */
function parameterDetails(parameters) {
  const entries = Object.entries(parameters || {});
  if (entries.length === 0) return null;
  return el(
    "details",
    { class: "param-details" },
    el("summary", { text: "Parameters used for this series" }),
    el(
      "dl",
      {},
      ...entries.flatMap(([key, value]) => [
        el("dt", { text: key.replace(/_/g, " ") }),
        el("dd", { text: value === null ? "auto" : typeof value === "number" ? formatNumber(value, 4) : String(value) }),
      ]),
    ),
  );
}

function renderResults(answer) {
  clearResults();
  state.answer = answer;
  const list = $("series-list");

  const total = answer.series.reduce((sum, s) => sum + (s.anomalies || []).length, 0);
  const summary = $("results-summary");
  summary.textContent =
    `${plural(total, "anomaly", "anomalies")} in ${plural(answer.series.length, "series", "series")}` +
    ` · method ${answer.method}` +
    (answer.frequency ? ` · ${answer.frequency} data` : "") +
    (describeParameters(answer.parameters) ? ` · ${describeParameters(answer.parameters)}` : "");

  const warnings = $("warnings");
  clear(warnings);
  for (const warning of answer.warnings || []) {
    append(warnings, el("li", { text: typeof warning === "string" ? warning : JSON.stringify(warning) }));
  }
  warnings.hidden = warnings.childElementCount === 0;

  results.hidden = false; // visible before drawing, so charts can measure their width
  answer.series.forEach((series, i) => {
    const count = (series.anomalies || []).length;
    const chart = el("div", { class: "chart" });
    const headingId = `series-${i}-heading`;
    const period = series.parameters && series.parameters.period;
    const card = el(
      "article",
      { class: "card series", "aria-labelledby": headingId, "data-series": series.name },
      el(
        "div",
        { class: "series-head" },
        el("h3", { id: headingId, text: series.name }),
        el("span", { class: `badge${count ? " badge-alert" : ""}`, text: plural(count, "anomaly", "anomalies") }),
      ),
      el("p", {
        class: "muted series-meta",
        text: [series.geo, `${series.values.length} points`, period ? `period ${period}` : ""]
          .filter(Boolean)
          .join(" · "),
      }),
      el(
        "div",
        { class: "legend-key", "aria-hidden": "true" },
        el("span", { class: "key key-value", text: "Value" }),
        el("span", { class: "key key-expected", text: "Expected" }),
        el("span", { class: "key key-band", text: "Expected range" }),
        el("span", { class: "key key-anomaly", text: "Anomaly" }),
      ),
      chart,
      anomalyTable(series),
      parameterDetails(series.parameters),
    );
    list.append(card);
    state.disposers.push(renderChart(chart, series));
  });
}

async function run(event) {
  event.preventDefault();
  if (state.busy) return;
  hideError();
  const config = readConfig();
  if ("problem" in config) {
    showError(new ApiProblem(config.problem));
    return;
  }
  if (!state.file) {
    showError(new ApiProblem("Choose a CSV file first.", {
      hint: "Use “Choose a CSV file”, drop a file on it, or try an example.",
    }));
    dropZone.focus();
    return;
  }
  const choice = readParams(form);
  if ("problem" in choice) {
    showError(new ApiProblem(choice.problem));
    return;
  }
  setBusy(true);
  announce(`Detecting anomalies in ${state.file.name}…`);
  try {
    const answer = await detect(config.apiUrl, state.file.text, choice.method, choice.params);
    renderResults(answer);
    const total = answer.series.reduce((sum, s) => sum + (s.anomalies || []).length, 0);
    announce(
      `Done: ${plural(total, "anomaly", "anomalies")} found in ` +
        `${plural(answer.series.length, "series", "series")}.`,
    );
    $("results-heading").focus({ preventScroll: false });
  } catch (error) {
    clearResults();
    showError(error instanceof ApiProblem ? error : new ApiProblem(`Something went wrong: ${error}`));
    errorBox.focus();
  } finally {
    setBusy(false);
  }
}

function init() {
  const config = readConfig();
  if ("problem" in config) {
    const box = $("config-problem");
    box.textContent = config.problem;
    box.hidden = false;
  }

  showMethod(form, form.elements.namedItem("method").value);
  form.elements.namedItem("method").addEventListener("change", (e) => showMethod(form, e.target.value));
  const sensitivity = $("auto-sensitivity");
  const sensitivityOut = $("auto-sensitivity-out");
  const syncSensitivity = () => {
    sensitivityOut.textContent = formatNumber(Number(sensitivity.value));
  };
  sensitivity.addEventListener("input", syncSensitivity);
  syncSensitivity();

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
    loadFile(e.dataTransfer && e.dataTransfer.files[0]);
  });
  // A file dropped next to the zone must not replace the page with the file.
  for (const type of ["dragover", "drop"]) window.addEventListener(type, (e) => e.preventDefault());

  for (const button of document.querySelectorAll("[data-example]")) {
    button.addEventListener("click", () => loadExample(button.dataset.example, button.textContent));
  }

  form.addEventListener("submit", run);
  $("download").addEventListener("click", () => {
    if (!state.answer) return;
    const name = resultsFilename(state.file ? state.file.name : "trends");
    downloadText(name, resultsToCsv(state.answer));
    announce(`Downloaded ${name}.`);
  });
}

init();
