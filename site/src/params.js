/**
 * The method picker and its parameter fields, built from the model's parameter table
 * (rules.js → generated/params.json), so defaults, ranges and help cannot drift from what the
 * API accepts. Only the chosen method's fieldset is shown; a blank field is left for the API
 * to choose, and the help says what it will choose.
 */
import { el } from "./dom.js";
import { formatCount, formatNumber } from "./format.js";
import { DEFAULT_METHOD, MAX_MAGNITUDE, METHODS } from "./rules.js";

const fieldId = (method, param) => `${method}-${param.name}`.replace(/_/g, "-");

/** A range slider for a closed number range (sensitivity), a number box otherwise. */
function isSlider(param) {
  return param.kind === "float" && param.max !== null && !param.min_open && !param.max_open && param.default !== null;
}

/** "a number from 0 to 1", "a whole number of at least 1", ... (for help and errors). */
export function rangeWords(param) {
  const noun = param.kind === "float" ? "a number" : "a whole number";
  const lo = formatNumber(param.min, 4);
  const hi = param.max === null ? null : formatNumber(param.max, 4);
  if (param.kind === "period") return `${noun} of at least ${lo}, or 0 for no season`;
  if (hi === null) return param.min_open ? `${noun} above ${lo}` : `${noun} of at least ${lo}`;
  if (param.min_open && param.max_open) return `${noun} between ${lo} and ${hi}, not either end`;
  return `${noun} from ${lo} to ${hi}`;
}

function helpText(param) {
  const parts = [param.help];
  if (param.default !== null) parts.push(`Default ${formatNumber(param.default, 4)}.`);
  else if (param.blank) parts.push(`Leave blank: ${param.blank}.`);
  return parts.join(" ");
}

function field(method, param) {
  const id = fieldId(method, param);
  const helpId = `${id}-help`;
  const common = {
    id, name: param.name, "aria-describedby": helpId, "data-label": param.label,
  };
  let input;
  let output = null;
  if (isSlider(param)) {
    input = el("input", {
      ...common, type: "range", min: param.min, max: param.max, step: param.step, value: param.default,
    });
    // For the eye: an <output> is a live status, and said each step again after the slider's
    // own value (the slider says it).
    output = el("output", { id: `${id}-out`, for: id, "aria-hidden": "true", text: formatNumber(param.default) });
    input.addEventListener("input", () => {
      output.textContent = formatNumber(Number(input.value));
    });
  } else {
    input = el("input", {
      ...common,
      type: "number",
      min: param.kind === "period" ? 0 : param.min,
      max: param.max ?? null,
      step: param.kind === "float" ? "any" : 1,
      inputmode: param.kind === "float" ? "decimal" : "numeric",
      value: param.default ?? null,
      // "auto", not the whole sentence ("found from the dates" was cut to "found from th" in
      // a narrow field): the help under the field says what blank means.
      placeholder: param.default === null ? "auto" : null,
    });
  }
  return el(
    "div",
    { class: "field" },
    el("label", { for: id }, param.label, output ? " " : null, output),
    input,
    el("small", { id: helpId, class: "help", text: helpText(param) }),
  );
}

function fieldset(method) {
  const main = method.params.filter((p) => !p.advanced);
  const more = method.params.filter((p) => p.advanced);
  return el(
    "fieldset",
    { class: "params", "data-method": method.name },
    el("legend", { text: `${method.label.replace(/ \(.*\)$/, "")} settings` }),
    el("p", { class: "muted", text: method.about }),
    main.length ? el("div", { class: "field-row" }, ...main.map((p) => field(method.name, p))) : null,
    more.length
      ? el(
        "details",
        { class: "more-settings" },
        el("summary", { text: "More settings" }),
        el("div", { class: "field-row" }, ...more.map((p) => field(method.name, p))),
      )
      : null,
  );
}

/** Fill the method <select> and the parameter fieldsets from the table. */
export function buildControls(select, container) {
  for (const method of METHODS) {
    select.append(el("option", { value: method.name, text: method.label }));
    container.append(fieldset(method));
  }
  select.value = DEFAULT_METHOD;
}

/** Show the fieldset for `method`, hide (and disable) the others. */
export function showMethod(form, method) {
  for (const set of form.querySelectorAll("fieldset[data-method]")) {
    const active = set.dataset.method === method;
    set.hidden = !active;
    set.disabled = !active;
  }
}

/**
 * Mark a field as wrong for assistive technology, with the message that says why among what
 * describes it (before its help), or, with no message, take both off again.
 * @param {HTMLElement} input a field built here
 * @param {string | null} messageId the id of the element that says what is wrong
 */
export function markInvalid(input, messageId) {
  const help = `${input.id}-help`;
  if (messageId) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${messageId} ${help}`);
  } else {
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", help);
  }
}

/**
 * The shown method's field for the parameter `name` (as the API names it), or null when the
 * form on show has none (another method's, or not a setting of the page).
 */
export function fieldFor(form, name) {
  const method = form.elements.namedItem("method").value;
  const param = METHODS.find((m) => m.name === method)?.params.find((p) => p.name === name);
  return param ? form.querySelector(`#${fieldId(method, param)}`) : null;
}

/**
 * Check one value against its parameter; returns a sentence for a person, or "" when fine.
 * @param {object} param an entry of the table
 * @param {string} raw the field's text ("" = left blank)
 */
export function checkValue(param, raw) {
  const text = raw.trim();
  if (text === "") return "";
  const value = Number(text);
  const problem = `${param.label} must be ${rangeWords(param)}.`;
  if (!Number.isFinite(value)) return problem;
  if (param.kind !== "float" && !Number.isInteger(value)) return problem;
  if (param.kind === "period" && value === 0) return "";
  if (param.min_open ? value <= param.min : value < param.min) return problem;
  if (param.max !== null && (param.max_open ? value >= param.max : value > param.max)) return problem;
  // Beyond what the model computes with: it would refuse it (params.MAX_MAGNITUDE).
  if (Math.abs(value) > MAX_MAGNITUDE) return `${problem.slice(0, -1)}, at most ${formatCount(MAX_MAGNITUDE)}.`;
  return "";
}

/**
 * The chosen method's parameters as strings, blanks omitted, each checked against the table.
 * @returns {{ method: string, params: Record<string, string> } | { problem: string, input: HTMLElement }}
 */
export function readParams(form) {
  const method = form.elements.namedItem("method").value;
  const entry = METHODS.find((m) => m.name === method);
  const params = {};
  if (!entry) return { method, params };
  for (const param of entry.params) {
    const input = form.querySelector(`#${fieldId(method, param)}`);
    if (!input) continue;
    if (input.validity.badInput) return { problem: `${param.label} must be ${rangeWords(param)}.`, input };
    const problem = checkValue(param, input.value);
    if (problem) return { problem, input };
    if (input.value.trim() !== "") params[param.name] = input.value.trim();
  }
  return { method, params };
}

/**
 * The form's settings as one string, to tell whether they changed since a run: a number as
 * its value, so "0.50" after a run at "0.5" is no change (the model reads both alike).
 */
export function choiceKey(choice) {
  if ("problem" in choice) return "";
  const values = Object.entries(choice.params).map(([name, value]) => {
    const number = Number(value);
    return [name, value !== "" && Number.isFinite(number) ? String(number) : value];
  });
  return JSON.stringify([choice.method, values]);
}
