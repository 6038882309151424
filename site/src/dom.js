/**
 * Tiny DOM builder. Every string child becomes a Text node, so user-supplied text (term names,
 * timestamps, API messages) can never be parsed as HTML. This module is the only place that
 * creates elements for the page; there is deliberately no HTML-string path anywhere.
 */

/**
 * Create an element.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 *   `class` sets className, `text` sets textContent, `dataset.x` is written as data-x;
 *   everything else goes through setAttribute (never an event-handler attribute).
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) throw new Error(`event attributes are not allowed: ${key}`);
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

/** Append children; strings and numbers become Text nodes. */
export function append(parent, ...children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Remove every child of a node. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}
