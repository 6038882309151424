/**
 * Whether the charts of one answer share a y-scale. Google Trends scales the terms of one
 * comparison together (100 is the highest point of any of them): drawn each on its own scale,
 * a term that never passes 5 looks as big as the one that reaches 100. A file is taken as one
 * comparison when its values are on Trends' scale (whole points or halves from 0 to 100, `<1`
 * read as 0.5: the model's rule in model/trends_anomaly/scale.py) and at most one term reaches
 * 100; several terms that each reach it are exports Trends scaled apart, put side by side (one
 * comparison of real exports ties at its top almost never). Pure, so it is tested without a
 * browser.
 */

export const TRENDS_TOP = 100;

const onTrendsScale = (v) => v >= 0 && v <= TRENDS_TOP && Number.isInteger(2 * v);

/**
 * How the file's charts are scaled by default. `charts`: how many terms are drawn (two points
 * or more: a shared scale needs two charts); `share`: whether they share one y-scale by
 * default; `low` and `top`: the lowest and highest value of any term (the shared scale spans
 * them, from 0 at most); `reason`: "comparison" (shared), "peaks" (`peaks` terms each reach
 * 100) or "scale" (values off Trends' scale: negative, over 100 or fractions).
 * @param {Array<{ values: Array<number | null> }>} seriesList
 * @returns {{ charts: number, share: boolean, low: number | null, top: number | null, reason: string,
 *   peaks: number }}
 */
export function chartScale(seriesList) {
  let low = null;
  let top = null;
  let peaks = 0;
  let trends = true;
  let charts = 0;
  for (const series of seriesList || []) {
    const values = (series.values || []).filter((v) => typeof v === "number" && Number.isFinite(v));
    if ((series.values || []).length >= 2) charts += 1;
    if (!values.length) continue;
    const highest = values.reduce((a, b) => (b > a ? b : a)); // (no spread: 180 000 values)
    const lowest = values.reduce((a, b) => (b < a ? b : a));
    low = low === null ? lowest : Math.min(low, lowest);
    top = top === null ? highest : Math.max(top, highest);
    if (highest === TRENDS_TOP) peaks += 1;
    if (trends && !values.every(onTrendsScale)) trends = false;
  }
  const reason = !trends ? "scale" : peaks > 1 ? "peaks" : "comparison";
  return { charts, share: reason === "comparison", low, top, reason, peaks };
}
