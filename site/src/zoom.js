/**
 * Zoom spans, in whole points: what a drag, a touch or the keys zoom the chart to. Pure, so it
 * is tested without a browser.
 */

/**
 * The x-scale's span for a zoom from `min` to `max`, each end moved to its nearest point
 * (uPlot's x `range`). uPlot starts a day step's ticks at the scale's first day: a zoom dragged
 * from a Tuesday put a weekly series' ticks on Tuesdays ("21 Jul", "28 Jul"), days no point
 * has. From a point, they step on the data's weeks, and the zoom shows whole points.
 * @param {number[]} x the points' positions, rising
 * @returns {[number, number]} at least two points' span; `[min, max]` itself when it is unset
 *   or inverted, or the data have under two points
 */
export function pointSpan(x, min, max) {
  const n = x.length;
  if (n < 2 || min === null || max === null || !(min < max)) return [min, max];
  // The index of the first point at or after `v`: a binary search (180 000 points zoom too).
  const from = (v) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x[mid] >= v) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const nearest = (v) => {
    const i = from(v);
    if (i === 0 || i === n) return Math.min(i, n - 1);
    return v - x[i - 1] <= x[i] - v ? i - 1 : i;
  };
  let first = nearest(min);
  let last = nearest(max);
  if (last <= first) {
    // Both ends nearest one point: the points around the span, at least two.
    first = Math.min(Math.max(from(min) - 1, 0), n - 2);
    last = Math.max(Math.min(from(max), n - 1), first + 1);
  }
  return [x[first], x[last]];
}

/**
 * The points the + and - keys zoom to: about half (`factor` 0.5) or twice (2) as many
 * steps as `shown` (the first and last points in view), around point `centre`. Counted in
 * points, not time, so that halving rounds up and two - after two + come back to all of them;
 * near an end the span slides inward rather than shrink; never under one step.
 * @param {[number, number]} shown
 * @param {number} centre
 * @param {number} factor
 * @param {number} n how many points there are (two or more)
 * @returns {[number, number]} the first and last point to show
 */
export function keyZoom(shown, centre, factor, n) {
  const steps = Math.min(Math.max(Math.ceil((shown[1] - shown[0]) * factor), 1), n - 1);
  const first = Math.min(Math.max(centre - Math.floor(steps / 2), 0), n - 1 - steps);
  return [first, first + steps];
}
