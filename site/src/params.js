/**
 * The method picker: shows only the chosen method's fieldset and reads its parameters.
 * Defaults live in index.html (shown to the user); blank fields are left for the API to infer.
 */

/** Show the fieldset for `method`, hide (and disable) the others. */
export function showMethod(form, method) {
  for (const fieldset of form.querySelectorAll("fieldset[data-method]")) {
    const active = fieldset.dataset.method === method;
    fieldset.hidden = !active;
    fieldset.disabled = !active;
  }
}

/**
 * The chosen method's parameters as strings, blanks omitted.
 * @returns {{ method: string, params: Record<string, string> } | { problem: string }}
 */
export function readParams(form) {
  const method = form.elements.namedItem("method").value;
  const fieldset = form.querySelector(`fieldset[data-method="${method}"]`);
  const params = {};
  if (!fieldset) return { method, params };
  for (const input of fieldset.querySelectorAll("input[name]")) {
    const label = fieldset.querySelector(`label[for="${input.id}"]`);
    const name = label ? label.firstChild.textContent.trim() : input.name;
    if (input.validity.badInput) {
      input.focus();
      return { problem: `${name} must be a number.` };
    }
    const value = input.value.trim();
    if (value !== "") params[input.name] = value;
  }
  return { method, params };
}
