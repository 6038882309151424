/**
 * One uPlot chart per series: the values, the expected line, the expected range shaded, each
 * anomaly as a red point and its extent (start to end) as a pale red span between dashed red
 * lines. A readout above the chart says the date, value, expected value and range under the
 * pointer (or the keyboard's cursor: arrows, Home, End); dragging across the chart zooms in (from
 * the keyboard: + and - around the cursor's point; the + and − buttons, around the readout's
 * point, without a drag), and "Reset zoom" (or a double click, or
 * Escape) shows everything again. The y-scale is the chart's own (fitted to what is in view),
 * or one shared by the file's charts (scales.js: the terms of one Google Trends comparison;
 * it stays put when the chart is zoomed, so heights keep comparing), asked for each time the
 * chart is scaled, so that switching between them keeps the zoom. The chart follows its
 * container's width; the anomaly table beside it is the exact, accessible version of what it
 * shows.
 */
import uPlot from "uplot";
import { el, append, clear } from "./dom.js";
import { timeAxis } from "./timestamps.js";
import { formatNumber } from "./format.js";
import { chartSummary, extentBounds, extentSpans, readoutHint, readoutParts, readoutWhat } from "./readout.js";
import { inStep, watchWidth } from "./sizing.js";
import { clearSpace, labelsInside, tickSteps } from "./ticks.js";
import { keyZoom, pointSpan } from "./zoom.js";
import { formatWhen, tickLabels, untested, whenAt } from "./words.js";

// The chart's colours are the page's (style.css, --chart-*), so that the key above it and the
// canvas agree, and both follow dark mode and forced colours. The range and the spans are pale
// fills, so that the value line and the dots stay what the eye follows; their edges are what
// shows their shape, with 3:1 or more against the ground, either fill and both (WCAG 1.4.11).
// Blue range, red events: apart for red-green colour blindness too, and the spans also by
// their shape (dashed, upright, the plot's full height) against the band's solid edges.
const COLOR_VARS = {
  ground: "--chart-ground",
  axis: "--chart-axis",
  grid: "--chart-grid",
  tick: "--chart-tick",
  value: "--chart-value",
  expected: "--chart-expected",
  band: "--chart-band",
  bandEdge: "--chart-band-edge",
  anomaly: "--chart-anomaly",
  extent: "--chart-extent",
  extentEdge: "--chart-extent-edge",
};

/** The colours the page's style gives `node` now (they change with dark mode and print). */
function readColors(node) {
  const style = getComputedStyle(node);
  return Object.fromEntries(Object.entries(COLOR_VARS).map(([k, v]) => [k, style.getPropertyValue(v).trim()]));
}

// What changes the chart's colours while it is shown: a canvas keeps what it was drawn with.
const COLOR_QUERIES = ["(prefers-color-scheme: dark)", "(forced-colors: active)", "print"];

// The readout's room is measured over its hint and the points with this many of the longest
// words (measuring every point's words would lay the page out again for each).
const READOUT_PROBES = 8;

// Keys that zoom the chart: the visible span is multiplied by this (+ in, - out).
const ZOOM_KEYS = { "+": 0.5, "=": 0.5, "-": 2, _: 2 };
// The least drag (CSS px) that zooms: a click's 2 px slip zoomed into two points.
const ZOOM_DRAG_PX = 12;

// The y-axis: at least this wide (the charts of a file line up), wider when its labels need it.
const Y_AXIS_MIN = 44;
const Y_AXIS_MARGIN = 4; // clear ground left of the widest label, at the chart's edge

// Text widths (CSS px) by pixel ratio, font and words: every chart asks for the same labels'
// widths ("Jan 2020", "100") each time it is laid out, and measuring is a canvas call.
const textWidths = new Map();

/** The width of `text` drawn in `font` on `ctx` (CSS px), measured once a ratio, font and text. */
function textWidth(ctx, font, text) {
  const ratio = window.devicePixelRatio || 1;
  const key = `${ratio}\u0000${font}\u0000${text}`;
  let width = textWidths.get(key);
  if (width === undefined) {
    ctx.save();
    ctx.font = font;
    width = ctx.measureText(text).width / ratio;
    ctx.restore();
    textWidths.set(key, width);
  }
  return width;
}

/**
 * The y-axis's width for the labels it has now: its ticks, the gap to the labels and the widest
 * label, measured in the axis's font (a fixed 44 px cut "12.25" at the chart's left edge). uPlot
 * asks again after placing the labels; its answer after two rounds stands.
 */
function yAxisSize(u, values, axisIdx, cycleNum) {
  const axis = u.axes[axisIdx];
  if (cycleNum > 1) return axis._size;
  const widest = (values ?? []).reduce((a, v) => (String(v).length > a.length ? String(v) : a), "");
  const size = axis.ticks.size + axis.gap + Y_AXIS_MARGIN + (widest ? textWidth(u.ctx, axis.font[0], widest) : 0);
  return Math.max(Y_AXIS_MIN, Math.ceil(size));
}

/**
 * The time axis' `space`: the least room between ticks that keeps their labels, as the axis'
 * font draws them, apart (clearSpace). Widths are kept (textWidth): uPlot asks each time it
 * lays the chart out.
 */
function timeSpace() {
  return (u, axisIdx, min, max, dim) => {
    const axis = u.axes[axisIdx];
    const widthOf = (text) => textWidth(u.ctx, axis.font[0], text);
    const labelsAt = (incr, room) => {
      axis._space = room; // uPlot's splits read it (its hour steps keep ticks over 70% of it)
      const splits = axis.splits(u, axisIdx, min, max, incr, room, false);
      const words = tickLabels(splits, incr);
      return splits.map((v, k) => [((v - min) / (max - min)) * dim, widthOf(words[k])]);
    };
    return clearSpace(max - min, dim, axis.incrs(u, axisIdx, min, max, dim, 0), labelsAt);
  };
}

/** The time axis' labels (uPlot's axis `values`), none cut at the canvas' edges. */
function timeLabels(u, splits, axisIdx, space, step) {
  const font = u.axes[axisIdx].font[0];
  const left = u.bbox.left / uPlot.pxRatio; // the plot's left edge on the canvas (CSS px)
  const centres = splits.map((v) => left + u.valToPos(v, "x"));
  return labelsInside(tickLabels(splits, step), centres, (text) => textWidth(u.ctx, font, text), u.width);
}

function height(width) {
  return width < 520 ? 220 : 300;
}

/**
 * The plotted columns: x, value, expected, lower, upper, anomaly-only values. A term too short
 * to be tested has its values alone: a drawn range reads as a judgement the model never made.
 */
function columns(series) {
  const n = series.values.length;
  const axis = timeAxis(Array.isArray(series.times) ? series.times : series.timestamps || []);
  const isTime = Boolean(axis && axis.x.length === n);
  const x = isTime ? axis.x : Array.from({ length: n }, (_, i) => i);
  const anomalies = new Array(n).fill(null);
  for (const a of series.anomalies || []) {
    if (a.index >= 0 && a.index < n) anomalies[a.index] = series.values[a.index];
  }
  const judged = !untested(series);
  const fill = (arr) => (judged && Array.isArray(arr) && arr.length === n ? arr : new Array(n).fill(null));
  return {
    isTime,
    dates: isTime ? axis.dates : null, // the dates themselves: a date given twice is one to step ticks by
    data: [x, series.values, fill(series.expected), fill(series.lower), fill(series.upper), anomalies],
  };
}

/** Shade each event's extent, half a step beyond its first and last point, between two lines. */
function shadeExtents(spans, x, dates, colors) {
  const bounds = extentBounds(spans, x, dates);
  return (u) => {
    if (!bounds.length) return;
    const { ctx, bbox } = u;
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    const ratio = window.devicePixelRatio || 1;
    const line = Math.max(1, Math.round(ratio)); // one CSS pixel, whole device pixels
    const edges = [];
    ctx.fillStyle = colors().extent;
    for (const [start, end] of bounds) {
      const left = u.valToPos(start, "x", true);
      const right = u.valToPos(end, "x", true);
      const width = Math.round(Math.max(right - left, 3 * ratio));
      const from = Math.round(left - (width - (right - left)) / 2);
      ctx.fillRect(from, bbox.top, width, bbox.height);
      edges.push(from + line / 2, from + width - line / 2);
    }
    // Dashed: lighter than a solid line beside the series, and unlike the band's solid edges.
    ctx.strokeStyle = colors().extentEdge;
    ctx.lineWidth = line;
    ctx.setLineDash([4 * ratio, 3 * ratio]);
    ctx.beginPath();
    for (const at of edges) {
      ctx.moveTo(at, bbox.top);
      ctx.lineTo(at, bbox.top + bbox.height);
    }
    ctx.stroke();
    ctx.restore();
  };
}

function writeReadout(node, parts) {
  clear(node);
  parts.forEach(([label, value], k) => {
    if (k) append(node, el("span", { class: "readout-sep", "aria-hidden": "true", text: " · " }));
    append(node, el("span", { class: label ? `readout-part readout-${label.replace(/ /g, "-")}` : "readout-when" },
      label ? `${label} ` : null, el("strong", { text: value })));
  });
}

/**
 * The y-range: the one the file's charts share (from 0, or the lowest value below it, to the
 * highest value of any term: the values, not the bands, with uPlot's own padding and rounding),
 * else uPlot's default range of what this chart shows.
 */
function yRange(shared) {
  return (u, min, max) => {
    const range = shared();
    if (range) return uPlot.rangeNum(Math.min(0, range[0]), range[1], 0.1, true);
    return min === null || min === undefined ? [null, null] : uPlot.rangeNum(min, max, 0.1, true);
  };
}

/**
 * Draw `series` into `container`; returns `destroy` (stops resizing, frees the chart) and
 * `rescale` (asks `context.sharedRange` again, keeping the zoom).
 * @param {HTMLElement} container
 * @param {object} series one series of the answer
 * @param {{ frequency?: string, belowOne?: Map<string, Set<string>> | null, title?: string, method?: string,
 *   sharedRange?: () => [number, number] | null }} [context]
 *   (`title`: the term's name as its card says it, with its region where names repeat;
 *   `sharedRange`: the lowest and highest value of the file's terms while their charts share
 *   a y-scale, else null: each chart's own)
 * @returns {{ destroy: () => void, rescale: () => void }}
 */
export function renderChart(container, series, context = {}) {
  const { isTime, dates, data } = columns(series);
  const title = context.title ?? series.name;
  const x = data[0];
  const n = x.length;
  const touch = window.matchMedia?.("(pointer: coarse)").matches ?? false;
  const tested = !untested(series);
  const hint = readoutHint(context.frequency, touch, { method: context.method, tested });
  const readout = el("p", { class: "readout", text: hint });
  // Dressed as the page's other secondary buttons (the browser's grey button was out of place).
  // Each named with its chart's term too: a screen reader's list of buttons has every chart's
  // (the name starts with what the button shows or means, WCAG 2.5.3).
  const reset = el("button", {
    type: "button", class: "btn btn-secondary btn-small reset-zoom", hidden: true, text: "Reset zoom",
    "aria-label": `Reset zoom: ${title}`,
  });
  // Zoom without a drag (WCAG 2.5.7: a tap or a click does what the drag does), as + and -
  // do from the keyboard: around the readout's point. Out only when zoomed.
  const zoomButton = (sign, name, hidden) => el("button", {
    type: "button", class: "btn btn-secondary btn-small zoom-step", hidden, title: name,
    "aria-label": `${name}: ${title}`, text: sign,
  });
  const zoomIn = zoomButton("+", "Zoom in", n < 3);
  const zoomOut = zoomButton("\u2212", "Zoom out", true);
  const plotBox = el("div", {
    id: container.id ? `${container.id}-plot` : null,
    class: "chart-plot",
    tabindex: 0,
    // A widget of its own keys: screen readers pass the arrows to it instead of reading on.
    role: "application",
    "aria-label":
      `${chartSummary(title, series, tested)} Arrow keys move along it; the readout above says each point's ` +
      `${readoutWhat(context.method, tested)}. ` +
      "Plus and minus zoom in and out around the point, Escape shows all.",
  });
  // What the keys moved to, said by screen readers too (the readout follows the mouse as well,
  // which must not talk).
  const spoken = el("p", { class: "visually-hidden", "aria-live": "polite", "aria-atomic": "true" });
  // The buttons as one group: where the readout needs the width (a phone), they go below it.
  // "+" last, at the group's right end, where it stays: "−" and Reset appear to its left once
  // zoomed. First, they pushed it left and took its place, so "+" pressed again on the same
  // spot was Reset.
  const zoomTools = el("div", { class: "zoom-tools" }, reset, zoomOut, zoomIn);
  const tools = el("div", { class: "chart-tools" }, readout, zoomTools);
  // As wide as the chart and 0 px high: what the chart's resizing watches (sizing.js).
  const gauge = el("div", { class: "chart-gauge", "aria-hidden": "true" });
  append(container, gauge, tools, plotBox, spoken);

  const width = Math.max(gauge.clientWidth, 200);
  const fmt = (u, v) => (v === null || v === undefined ? "–" : formatNumber(v));
  let lastIdx = null;
  // After a finger lifts, the readout keeps the point it was on: the browser's mouse events
  // that follow a tap move uPlot's cursor off the chart, which would put the hint back.
  let pinned = false;
  const showPoint = (i) => {
    if ((i === null || i === undefined) && pinned) return;
    if (i === lastIdx) return;
    lastIdx = i;
    if (i === null || i === undefined) readout.textContent = hint;
    else writeReadout(readout, readoutParts(series, i, context));
  };
  let colors = readColors(plotBox);
  const axisColors = {
    stroke: () => colors.axis,
    grid: { stroke: () => colors.grid },
    ticks: { stroke: () => colors.tick },
  };
  const zoomed = (u) => n > 1 && (u.scales.x.min > x[0] || u.scales.x.max < x[n - 1]);
  const opts = {
    width,
    height: height(width),
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
    // A zoom spans whole points: its ticks then step on the data's own days (zoom.js).
    scales: { x: { time: isTime, range: (u, min, max) => pointSpan(x, min, max) }, y: { range: yRange(context.sharedRange ?? (() => null)) } },
    // The upright line alone: the level line at the pointer's height read as a threshold no
    // value, range or readout has.
    // A drag shorter than ZOOM_DRAG_PX is a click with a slip, not a zoom (a finger's too).
    cursor: { y: false, drag: { x: true, y: false, setScale: true, dist: ZOOM_DRAG_PX }, points: { size: 8 } },
    legend: { show: false }, // the page draws its own key above the chart
    series: [
      { label: isTime ? "Date" : "Point" },
      { label: "Value", stroke: () => colors.value, width: 2, value: fmt, points: { show: false } },
      { label: "Expected", stroke: () => colors.expected, width: 1.5, dash: [6, 4], value: fmt, points: { show: false } },
      { label: "Lower", stroke: () => colors.bandEdge, width: 1, value: fmt, points: { show: false } },
      { label: "Upper", stroke: () => colors.bandEdge, width: 1, value: fmt, points: { show: false } },
      {
        label: "Anomaly",
        stroke: () => colors.anomaly,
        fill: () => colors.anomaly,
        width: 0,
        value: fmt,
        paths: () => null,
        // Ringed in the ground's colour: a dot on the line stays a dot.
        points: { show: true, size: 12, width: 2.5, stroke: () => colors.ground, fill: () => colors.anomaly },
      },
    ],
    bands: [{ series: [4, 3], fill: () => colors.band }],
    axes: [
      {
        ...axisColors,
        incrs: isTime ? tickSteps(dates) : undefined, // as fine as the data's step, never finer
        ...(isTime ? { space: timeSpace() } : {}), // labels kept apart: "12 Jul 2020" is wider than 50 px
        values: isTime ? timeLabels : undefined,
      },
      { ...axisColors, size: yAxisSize },
    ],
    hooks: {
      drawClear: [shadeExtents(extentSpans(series), x, dates, () => colors)],
      setCursor: [(u) => {
        // The pointer left (the mouse events a tap ends with): the readout keeps its point, and
        // so do the line and the dots, which show where that point is.
        if (pinned && lastIdx !== null && (u.cursor.idx === null || u.cursor.idx === undefined)) {
          requestAnimationFrame(markPinned);
        }
        showPoint(u.cursor.idx);
      }],
      setScale: [(u, key) => {
        if (key !== "x" || reset.hidden === !zoomed(u)) return;
        reset.hidden = !zoomed(u);
        zoomOut.hidden = reset.hidden;
        // Back to all of it (Escape, Reset, a double click, -): said as - says it.
        if (reset.hidden) spoken.textContent = "Showing all points.";
        // The readout narrower (or wider again) beside Reset: its room fitted here, not by a
        // ResizeObserver on the readout, whose refit changed what it watched (a loop error).
        fitReadout();
      }],
    },
  };
  const plot = new uPlot(opts, data, plotBox);

  // The readout's room: the most lines it says anything in at its width (its hint, or the
  // longest words of any point), so the chart below holds still as it changes, and no empty
  // line stands above the chart (a fixed room, for the most a phone might need, left one).
  const longest = Array.from({ length: n }, (_, i) => readoutParts(series, i, context))
    .map((parts) => [parts.reduce((sum, [label, words]) => sum + label.length + words.length + 3, 0), parts])
    .sort((a, b) => b[0] - a[0])
    .slice(0, READOUT_PROBES)
    .map(([, parts]) => parts);
  let fittedWidth = -1;
  /**
   * Fits the readout's room to `room` px (its width, read before), in phases (inStep): every
   * text in a probe of its own, all written before any is read, so that charts fitted together
   * lay the page out once between them, not once a text or a chart.
   */
  function* fitting(room) {
    fittedWidth = room;
    if (!room) return; // not laid out (a printout leaves the readout off)
    const probes = [hint, ...longest].map((words) => {
      const probe = el("p", { class: "readout", "aria-hidden": "true" });
      probe.style.cssText = `position: absolute; visibility: hidden; min-height: 0; width: ${room}px`;
      if (typeof words === "string") probe.textContent = words;
      else writeReadout(probe, words);
      return probe;
    });
    tools.append(...probes);
    yield;
    const most = Math.max(...probes.map((probe) => probe.getBoundingClientRect().height));
    yield;
    for (const probe of probes) probe.remove();
    readout.style.minHeight = `${Math.ceil(most)}px`;
  }
  function fitReadout() {
    inStep([() => fitting(readout.clientWidth)]);
  }
  fitReadout();
  /** The cursor (the readout, the upright line, the dots) on point i. */
  const cursorTo = (i) => {
    const value = series.values[i];
    plot.setCursor({ left: plot.valToPos(x[i], "x"), top: value === null ? 0 : plot.valToPos(value, "y") });
  };
  // The cursor put back on the readout's point (after the frame: not within uPlot's own update).
  function markPinned() {
    if (!pinned || lastIdx === null || (plot.cursor.idx !== null && plot.cursor.idx !== undefined)) return;
    cursorTo(lastIdx);
  }
  // After a zoom from the keys: uPlot keeps the cursor where it was on the screen, over another
  // point once the scale changed; the keys' point is the one to read (after uPlot's update).
  const keepKeyPoint = () => requestAnimationFrame(() => {
    const { min, max } = plot.scales.x;
    if (keyIdx !== null && x[keyIdx] >= min && x[keyIdx] <= max) cursorTo(keyIdx);
  });
  const showAll = () => plot.setScale("x", { min: x[0], max: x[n - 1] });
  reset.addEventListener("click", () => {
    showAll();
    plotBox.focus();
  });

  // The first and last point within [lo, hi]. x rises: the last is the one before the first
  // past hi (findLastIndex is ES2023; the build targets es2020 browsers).
  const within = (lo, hi) => {
    const past = x.findIndex((v) => v > hi);
    return [x.findIndex((v) => v >= lo), past === -1 ? n - 1 : past - 1];
  };

  /**
   * Zoom in (`factor` 0.5) or out (2) around point `centre` when it is in view, else the middle,
   * and say which points are shown.
   */
  const zoomBy = (factor, centre) => {
    const visible = within(plot.scales.x.min, plot.scales.x.max);
    const [a, b] = visible;
    const middle = centre !== null && centre >= a && centre <= b ? centre : Math.round((a + b) / 2);
    let [first, last] = keyZoom(visible, middle, factor, n);
    if (factor > 1 || last - first < b - a) {
      plot.setScale("x", { min: x[first], max: x[last] });
      keepKeyPoint();
    } else [first, last] = visible; // one step shown: as close as it goes
    const at = (i) => (isTime ? formatWhen(whenAt(series, i), context.frequency) : `point ${i + 1}`);
    const all = first <= 0 && last >= n - 1;
    spoken.textContent = all ? "Showing all points." : `Showing ${at(first)} to ${at(last)}.`;
  };
  // The buttons zoom around the readout's point: a tap's (it stays), else the keys', else the
  // middle (a mouse that went to the button left the chart, and the readout its point).
  zoomIn.addEventListener("click", () => zoomBy(ZOOM_KEYS["+"], lastIdx ?? keyIdx));
  zoomOut.addEventListener("click", () => {
    zoomBy(ZOOM_KEYS["-"], lastIdx ?? keyIdx);
    if (zoomOut.hidden) zoomIn.focus(); // all shown: the button the focus was on is gone
  });

  // Keyboard: move the cursor point by point within the visible range.
  let keyIdx = null;
  plotBox.addEventListener("keydown", (event) => {
    const visible = within(plot.scales.x.min, plot.scales.x.max);
    const moves = {
      ArrowRight: (i) => Math.min(i + 1, visible[1]),
      ArrowLeft: (i) => Math.max(i - 1, visible[0]),
      Home: () => visible[0],
      End: () => visible[1],
    };
    if (event.key === "Escape" && zoomed(plot)) {
      showAll();
      keepKeyPoint();
      event.preventDefault();
      return;
    }
    const factor = ZOOM_KEYS[event.key];
    if (factor && n > 1) {
      // Zoom without a mouse (WCAG 2.1.1): around the cursor's point, else the middle.
      event.preventDefault();
      zoomBy(factor, keyIdx);
      return;
    }
    if (!moves[event.key] || visible[0] < 0) return;
    event.preventDefault();
    const from = keyIdx === null || keyIdx < visible[0] || keyIdx > visible[1] ? visible[0] : keyIdx;
    keyIdx = event.key.startsWith("Arrow") && keyIdx === null ? visible[0] : moves[event.key](from);
    cursorTo(keyIdx);
    spoken.textContent = readoutParts(series, keyIdx, context)
      .map(([label, words]) => (label ? `${label} ${words}` : words))
      .join(", ");
  });
  // Touch screens: a tap moves the readout; a finger sliding sideways selects a stretch and
  // zooms into it when lifted (touch-action: pan-y keeps vertical scrolling to the browser).
  const over = plot.over;
  let touchStart = null;
  let touchSpan = null; // [left, right] in CSS px once the finger moved sideways
  const touchLeft = (t) => Math.max(0, Math.min(t.clientX - over.getBoundingClientRect().left, over.clientWidth));
  // A second finger makes it a pinch, which is the browser's (touch-action: pinch-zoom, to read
  // the chart larger): the slide so far is dropped, and nothing zooms when the fingers lift.
  const dropSlide = () => {
    if (touchSpan) plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    touchStart = null;
    touchSpan = null;
  };
  over.addEventListener("touchstart", (event) => {
    const t = event.touches[0];
    if (event.touches.length > 1) dropSlide();
    if (!t || event.touches.length > 1) return;
    touchStart = touchLeft(t);
    touchSpan = null;
    pinned = false;
    plot.setCursor({ left: touchStart, top: t.clientY - over.getBoundingClientRect().top });
  }, { passive: true });
  over.addEventListener("touchmove", (event) => {
    const t = event.touches[0];
    if (event.touches.length > 1) dropSlide();
    if (!t || touchStart === null) return;
    const left = touchLeft(t);
    plot.setCursor({ left, top: t.clientY - over.getBoundingClientRect().top });
    touchSpan = [Math.min(left, touchStart), Math.max(left, touchStart)];
    plot.setSelect({ left: touchSpan[0], width: touchSpan[1] - touchSpan[0], top: 0, height: over.clientHeight }, false);
  }, { passive: true });
  over.addEventListener("touchend", () => {
    if (touchSpan && touchSpan[1] - touchSpan[0] > ZOOM_DRAG_PX) {
      plot.setScale("x", { min: plot.posToVal(touchSpan[0], "x"), max: plot.posToVal(touchSpan[1], "x") });
    }
    if (touchSpan) plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    touchStart = null;
    touchSpan = null;
    pinned = lastIdx !== null;
  }, { passive: true });
  over.addEventListener("touchcancel", dropSlide, { passive: true });

  const canvas = plotBox.querySelector("canvas");
  if (canvas) {
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", chartSummary(title, series, tested));
  }
  let lastWidth = width;
  // The chart's new width and the readout's (with Reset's: setScale), read before any chart
  // writes; then the chart drawn at its width and the readout's room fitted (sizing.js).
  const unwatch = watchWidth(gauge, container, function* refit() {
    const w = Math.max(gauge.clientWidth, 200);
    const room = readout.clientWidth;
    yield;
    if (w !== lastWidth) {
      lastWidth = w;
      plot.setSize({ width: w, height: height(w) });
    }
    if (room !== fittedWidth) yield* fitting(room);
  });
  // Drawn again in the colours of now (synchronously: a print starts right after "print").
  const recolor = () => {
    colors = readColors(plotBox);
    plot.redraw(false);
  };
  const queries = COLOR_QUERIES.map((q) => window.matchMedia?.(q)).filter(Boolean);
  for (const query of queries) query.addEventListener("change", recolor);
  return {
    destroy: () => {
      for (const query of queries) query.removeEventListener("change", recolor);
      unwatch();
      plot.destroy();
    },
    // Scales y again over the same x (uPlot re-ranges y whenever x is set).
    rescale: () => plot.redraw(),
  };
}
