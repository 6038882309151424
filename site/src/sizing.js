/**
 * The charts follow their width through one ResizeObserver for all of them, and the charts
 * whose width changed are refitted in step: every chart's reads of the layout, then every
 * chart's writes, then the next reads. A chart that read the layout right after another one
 * wrote to it laid the whole page out again (a file's 50 charts: 101 layouts a resize).
 *
 * What is watched is a chart's gauge: an empty block as wide as the chart and never higher
 * than 0 px. Redrawing the chart at another height (charts under 520 px wide are lower) or
 * giving its readout more room never changes the gauge; watching the chart itself did, from
 * within the observer's own callback, and each crossing of 520 px raised "ResizeObserver loop
 * completed with undelivered notifications".
 */

/**
 * Runs the jobs' phases in step: each job's first phase, then each job's second, and so on.
 * A job is a generator function; each `yield` ends one of its phases.
 * @param {Array<() => Iterator<unknown>>} jobs
 */
export function inStep(jobs) {
  let running = jobs.map((job) => job());
  while (running.length) running = running.filter((it) => !it.next().done);
}

// Charts this far beyond the window's top or bottom edge (a window's height) are refitted when
// they come nearer, not while the window is resized: a file's 50 charts, resized together,
// drew and measured 50 charts a step of a resize to show two or three.
const NEAR = "100% 0px";

/**
 * Each chart's refit, whether it is near the window (true until the IntersectionObserver first
 * says) and whether a resize was left for when it is; by its gauge and by its box.
 * @typedef {{ refit: () => Iterator<unknown>, near: boolean, stale: boolean }} Watched
 * @type {Map<Element, Watched>}
 */
const watched = new Map();
let sizes = null;
let nearness = null;

function refitAll(charts) {
  inStep(charts.map((chart) => chart.refit));
}

function onResize(entries) {
  const charts = entries.map((entry) => watched.get(entry.target)).filter(Boolean);
  for (const chart of charts) chart.stale = !chart.near;
  refitAll(charts.filter((chart) => chart.near));
}

function onNear(entries) {
  const charts = [];
  for (const entry of entries) {
    const chart = watched.get(entry.target);
    if (!chart) continue;
    chart.near = entry.isIntersecting;
    if (chart.near && chart.stale) charts.push(chart);
    if (chart.near) chart.stale = false;
  }
  refitAll(charts);
}

/**
 * The charts a resize left for when they come near, refitted before a printout: printing lays
 * the page out at the paper's width with no frame in between, so each chart prints as last
 * drawn, scaled into its card (a chart left at 618 px among 1038 px ones printed 1.7 times as
 * tall, its labels as much larger).
 */
function refitStale() {
  const charts = [...new Set(watched.values())].filter((chart) => chart.stale);
  for (const chart of charts) chart.stale = false;
  refitAll(charts);
}

/**
 * Calls `refit` (a job for inStep) whenever `gauge` changes its size, in step with the other
 * charts whose gauges changed in the same frame; a chart far from the window (`box`, the
 * chart's own element) is refitted when it comes near, or before a printout. Returns what
 * stops watching.
 * @param {Element} gauge
 * @param {Element} box
 * @param {() => Iterator<unknown>} refit
 * @returns {() => void}
 */
export function watchWidth(gauge, box, refit) {
  if (!sizes) {
    sizes = new ResizeObserver(onResize);
    nearness = new IntersectionObserver(onNear, { rootMargin: NEAR });
    addEventListener("beforeprint", refitStale);
  }
  const chart = { refit, near: true, stale: false };
  watched.set(gauge, chart).set(box, chart);
  sizes.observe(gauge);
  nearness.observe(box);
  return () => {
    sizes.unobserve(gauge);
    nearness.unobserve(box);
    watched.delete(gauge);
    watched.delete(box);
  };
}
