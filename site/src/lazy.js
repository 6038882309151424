/**
 * Charts drawn when they come near the window, for files of many terms. Each chart drawn as
 * its card was added laid the page out again (its width read after the last chart's writes):
 * 400 terms kept the page frozen for 7 to 12 s at 1280 px and about 40 s on a phone, Cancel
 * included. The first charts are drawn at once; the rest hold their place at a chart's height
 * and are drawn a window's height before they scroll into view, or all before a printout.
 */

// Charts drawn at once: a file's first screens, and every chart of the files people export
// (Google Trends compares at most 5 terms; the page's tests go to 20).
export const DRAWN_AT_ONCE = 24;
const NEAR = "100% 0px";

/** @type {Map<Element, () => void>} each waiting chart's box and what draws it */
const pending = new Map();
let near = null;

function drawNow(box) {
  const draw = pending.get(box);
  if (!draw) return;
  pending.delete(box);
  near.unobserve(box);
  box.style.minHeight = "";
  draw();
}

function onNear(entries) {
  for (const entry of entries) if (entry.isIntersecting) drawNow(entry.target);
}

/** Everything still waiting, drawn: a printout lays the page out with no frame in between. */
function drawAllWaiting() {
  for (const box of [...pending.keys()]) drawNow(box);
}

/**
 * Calls `draw` when `box` comes near the window; until then `box` keeps `height` px.
 * @param {HTMLElement} box
 * @param {number} height
 * @param {() => void} draw
 */
export function drawWhenNear(box, height, draw) {
  if (!near) {
    near = new IntersectionObserver(onNear, { rootMargin: NEAR });
    addEventListener("beforeprint", drawAllWaiting);
  }
  box.style.minHeight = `${height}px`;
  pending.set(box, draw);
  near.observe(box);
}

/** Each waiting chart's room set to `height` px (a drawn chart's; 0 or less: left as is). */
export function holdRoom(height) {
  if (!(height > 0)) return;
  for (const box of pending.keys()) box.style.minHeight = `${height}px`;
}

/** Forget the waiting charts (their results are replaced or cleared). */
export function forgetWaiting() {
  for (const box of pending.keys()) near.unobserve(box);
  pending.clear();
}
