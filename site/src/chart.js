/**
 * One uPlot chart per series: the values, the expected line, the lower–upper band shaded, and
 * the anomalies as red points. The chart follows its container's width (phones included); the
 * anomaly table next to it is the accessible, exact version of what the chart shows.
 */
import uPlot from "uplot";
import { parseAxis } from "./timestamps.js";
import { formatNumber } from "./format.js";

const COLORS = {
  value: "#1d4ed8",
  expected: "#6b7280",
  band: "rgba(37, 99, 235, 0.13)",
  bandEdge: "rgba(37, 99, 235, 0.35)",
  anomaly: "#dc2626",
};

function height(width) {
  return width < 520 ? 220 : 300;
}

/** The plotted columns: x, value, expected, lower, upper, anomaly-only values. */
function columns(series) {
  const n = series.values.length;
  const axis = parseAxis(series.timestamps || []);
  const isTime = Boolean(axis && axis.length === n);
  const x = isTime ? axis : Array.from({ length: n }, (_, i) => i);
  const anomalies = new Array(n).fill(null);
  for (const a of series.anomalies || []) {
    if (a.index >= 0 && a.index < n) anomalies[a.index] = series.values[a.index];
  }
  const fill = (arr) => (Array.isArray(arr) && arr.length === n ? arr : new Array(n).fill(null));
  return {
    isTime,
    data: [x, series.values, fill(series.expected), fill(series.lower), fill(series.upper), anomalies],
  };
}

/**
 * Draw `series` into `container`; returns a function that stops resizing and frees the chart.
 * @param {HTMLElement} container
 */
export function renderChart(container, series) {
  const { isTime, data } = columns(series);
  const width = Math.max(container.clientWidth, 200);
  const fmt = (u, v) => (v === null || v === undefined ? "–" : formatNumber(v));
  const opts = {
    width,
    height: height(width),
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
    scales: { x: { time: isTime } },
    cursor: { drag: { x: false, y: false } },
    legend: { show: false }, // the page draws its own key above the chart
    series: [
      { label: isTime ? "Date" : "Point" },
      { label: "Value", stroke: COLORS.value, width: 2, value: fmt, points: { show: false } },
      { label: "Expected", stroke: COLORS.expected, width: 1.5, dash: [6, 4], value: fmt, points: { show: false } },
      { label: "Lower", stroke: COLORS.bandEdge, width: 1, value: fmt, points: { show: false } },
      { label: "Upper", stroke: COLORS.bandEdge, width: 1, value: fmt, points: { show: false } },
      {
        label: "Anomaly",
        stroke: COLORS.anomaly,
        fill: COLORS.anomaly,
        width: 0,
        value: fmt,
        paths: () => null,
        points: { show: true, size: 12, width: 2.5, stroke: "#ffffff", fill: COLORS.anomaly },
      },
    ],
    bands: [{ series: [4, 3], fill: COLORS.band }],
    axes: [
      { stroke: "#4b5563", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#d1d5db" } },
      { stroke: "#4b5563", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#d1d5db" }, size: 44 },
    ],
  };
  const plot = new uPlot(opts, data, container);
  const anomalyCount = (series.anomalies || []).length;
  const canvas = container.querySelector("canvas");
  if (canvas) {
    canvas.setAttribute("role", "img");
    canvas.setAttribute(
      "aria-label",
      `Chart of ${series.name}: ${series.values.length} points, ${anomalyCount} anomalies ` +
        "marked in red. The table below lists them.",
    );
  }
  let lastWidth = width;
  const observer = new ResizeObserver(() => {
    const w = Math.max(container.clientWidth, 200);
    if (w !== lastWidth) {
      lastWidth = w;
      plot.setSize({ width: w, height: height(w) });
    }
  });
  observer.observe(container);
  return () => {
    observer.disconnect();
    plot.destroy();
  };
}
