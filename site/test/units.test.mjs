// Unit tests of the page's pure logic (no DOM): `npm test`, and run by tests/site in pytest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { csvCell, resultsToCsv } from "../src/results-csv.js";
import { clockBack, parseTimestamp, timeAxis } from "../src/timestamps.js";
import { CANCELLED, detect, detectUrl, readAnswer, requestIdOf, ApiProblem } from "../src/api.js";
import { readConfig } from "../src/config.js";
import { formatNumber } from "../src/format.js";
import { resultsFilename } from "../src/download.js";
import { checkFile, decodeText, FileProblem } from "../src/filecheck.js";
import { mixedFormats } from "../src/dateformats.js";
import { readCsv } from "../src/csv-read.js";
import { checkValue, rangeWords } from "../src/params.js";
import { METHODS, MODEL_MAX_PAYLOAD_BYTES, paramOf } from "../src/rules.js";
import { chartSummary, extentBounds, extentSpans, eventAt, readoutHint, readoutParts, readoutWhat } from "../src/readout.js";
import { chartScale } from "../src/scales.js";
import {
  seasonWords,
  scaleWords,
  bandNames,
  bandWords,
  capitalized,
  detailWords,
  distinctTitles,
  extentWords,
  fileTermsWords,
  sentence,
  formatWhen,
  generalWarnings,
  apiWaitWords,
  apiWakingWords,
  notJudgedWords,
  onePointWords,
  droppedNoFileWords,
  otherFilesWords,
  resultTooLargeWords,
  settingsWords,
  countWords,
  spanWords,
  termNotes,
  tickLabels,
  tickWords,
  untested,
  warningWords,
  whenAt,
} from "../src/words.js";
import { clearSpace, dataStep, labelsInside, tickSteps } from "../src/ticks.js";
import { keyZoom, pointSpan } from "../src/zoom.js";
import {
  apiIsUp, isLocalApi, waitForApi, API_SLOW_MS, API_TRY_ANYWAY_MS, HEALTH_PAUSES_MS, HEALTH_TRY_TIMEOUT_MS,
} from "../src/health.js";

const DATA = fileURLToPath(new URL("../../tests/data/", import.meta.url));
const MB = 1024 * 1024;
const bytesOf = (text) => new TextEncoder().encode(text);
// The chart's x values for these timestamps (timeAxis), or null: point numbers.
const axisX = (timestamps) => timeAxis(timestamps)?.x ?? null;
const datesOf = (timestamps) => timeAxis(timestamps)?.dates ?? null;

test("csvCell follows the rule shared with the API (tests/data/csv_cells.json)", () => {
  const { cases } = JSON.parse(readFileSync(join(DATA, "csv_cells.json"), "utf8"));
  assert.ok(cases.length > 20);
  for (const [value, expected] of cases) assert.equal(csvCell(value), expected, JSON.stringify(value));
  assert.equal(csvCell(Number.NaN), "");
});

test("resultsToCsv writes every point, marks anomalies with their extent, explains <1", () => {
  const answer = {
    series: [
      {
        name: "a,b", header: "a,b: (Worldwide)", timestamps: ["2020-01-05", "2020-01-12", "2020-01-19"],
        values: [0.5, 50, 40], expected: [1.5, 2, 2], lower: [0, 0, 0], upper: [3, 4, 4],
        anomalies: [{ index: 1, score: 7.25, direction: "up", kind: "spike", start: "2020-01-12", end: "2020-01-19" }],
      },
    ],
  };
  const belowOne = new Map([["a,b: (Worldwide)", new Set(["2020-01-05"])]]);
  const lines = resultsToCsv(answer, belowOne).split("\r\n");
  assert.equal(
    lines[0],
    "series,header,timestamp,value,expected,lower,upper,anomaly,score,direction,kind,event_start,event_end,note",
  );
  assert.match(lines[1], /^"a,b","a,b: \(Worldwide\)",2020-01-05,0\.5,1\.5,0,3,false,,,,,,"?Google Trends writes ""<1""/);
  assert.equal(lines[2], '"a,b","a,b: (Worldwide)",2020-01-12,50,2,0,4,true,7.25,up,spike,2020-01-12,2020-01-19,');
  assert.equal(lines[4], "");
  assert.ok(!resultsToCsv(answer).includes("Google Trends writes"), "no note without <1 cells");
  const filled = new Map([["a,b: (Worldwide)", new Set(["2020-01-19"])]]);
  assert.match(resultsToCsv(answer, null, filled).split("\r\n")[3], /,"No value in the file \(an empty cell, N\/A or the like\): filled in from its neighbours\."$/);
  // DBSCAN expects nothing: its columns are named as the page names its line and range.
  assert.equal(
    resultsToCsv({ ...answer, method: "dbscan" }).split("\r\n")[0],
    "series,header,timestamp,value,running_median,neighbourhood_lower,neighbourhood_upper," +
      "anomaly,score,direction,kind,event_start,event_end,note",
  );
});

test("resultsToCsv names each series as its card: one term's regions or time ranges apart", () => {
  const row = (timestamps) => ({ timestamps, values: [1, 2], expected: [1, 2], lower: [0, 0], upper: [3, 3], anomalies: [] });
  const seriesOf = (text) => text.split("\r\n").slice(1, -1).map((line) => line.split(",")[0]);
  const ranges = {
    frequency: "weekly",
    series: [
      { name: "a", geo: "Worldwide", header: "a: (Worldwide)", ...row(["2020-01-05", "2020-01-12"]) },
      { name: "a", geo: "Worldwide", header: "a: (Worldwide)", ...row(["2019-01-06", "2019-01-13"]) },
    ],
  };
  assert.deepEqual(seriesOf(resultsToCsv(ranges)), [
    "a (5 Jan 2020 – 12 Jan 2020)", "a (5 Jan 2020 – 12 Jan 2020)",
    "a (6 Jan 2019 – 13 Jan 2019)", "a (6 Jan 2019 – 13 Jan 2019)",
  ]);
  const regions = {
    series: [
      { name: "b", geo: "Chile", header: "b: (Chile)", ...row(["2020-01-05", "2020-01-12"]) },
      { name: "c", geo: "Chile", header: "c: (Chile)", ...row(["2020-01-05", "2020-01-12"]) },
      { name: "b", geo: "Peru", header: "b: (Peru)", ...row(["2020-01-05", "2020-01-12"]) },
    ],
  };
  assert.deepEqual(seriesOf(resultsToCsv(regions)), ["b (Chile)", "b (Chile)", "c", "c", "b (Peru)", "b (Peru)"]);
});

test("resultsToCsv gives a term too short to test no expected range and no anomaly cell", () => {
  // Its chart draws the values alone; the download wrote the range and "false" (read: judged
  // normal) for every row, the 90 among 10s included.
  const answer = {
    series: [
      {
        name: "t", header: "t: (Worldwide)", timestamps: ["2020-01-05", "2020-01-12", "2020-01-19"],
        values: [10, 90, 0.5], expected: [12, 12, 12], lower: [1, 1, 1], upper: [23, 23, 23],
        anomalies: [], parameters: { tested: false },
      },
    ],
  };
  const belowOne = new Map([["t: (Worldwide)", new Set(["2020-01-19"])]]);
  const lines = resultsToCsv(answer, belowOne).split("\r\n");
  assert.match(lines[2], /^t,t: \(Worldwide\),2020-01-12,90,,,,,,,,,,"?Not judged: 3 points are too few/);
  assert.match(lines[3], /^t,t: \(Worldwide\),2020-01-19,0\.5,,,,,,,,,,"?Google Trends writes ""<1"".* Not judged: /);
});

test("parseTimestamp reads Trends daily, monthly and hourly stamps as written", () => {
  assert.equal(parseTimestamp("2020-07-12"), Date.UTC(2020, 6, 12) / 1000);
  assert.equal(parseTimestamp("2004-01"), Date.UTC(2004, 0, 1) / 1000);
  assert.equal(parseTimestamp("2021-06-02T14"), Date.UTC(2021, 5, 2, 14) / 1000);
  // An offset is dropped, not applied: the page shows the time the file writes.
  assert.equal(parseTimestamp("2021-06-02T14:30:00+02:00"), Date.UTC(2021, 5, 2, 14, 30) / 1000);
  assert.equal(parseTimestamp("2021-06-02T14:30:00Z"), Date.UTC(2021, 5, 2, 14, 30) / 1000);
  // A one-day export at 8-minute steps, written in Jakarta time (tests/data/more): its hours.
  assert.equal(formatWhen("2024-10-21T08:28:00+07:00"), "21 Oct 2024, 08:28");
  assert.equal(formatWhen("2025-09-15T18:36:00-05:00"), "15 Sep 2025, 18:36");
  // An offset in hours alone, which the model reads as -05:00 (82ff603): the same hours, not
  // the label left as the cell wrote it.
  assert.equal(parseTimestamp("2021-06-02T14:30-05"), Date.UTC(2021, 5, 2, 14, 30) / 1000);
  assert.equal(formatWhen("2025-09-15T18:36:00-05"), "15 Sep 2025, 18:36");
  const axis = axisX(["2024-10-21T08:28:00+07:00", "2024-10-21T08:36:00+07:00"]);
  assert.deepEqual(axis.map((t) => tickWords(t, 480)), ["08:28", "08:36"]);
  assert.equal(parseTimestamp("week 3"), null);
  // A fraction after the hour or the minute is ISO 8601's fraction of that hour or minute
  // (00.5 is 00:30), which the model refuses (timeaxis.unread_fraction): not 00:00 here either.
  // After the seconds it is a fraction of a second, as the model reads it.
  assert.equal(parseTimestamp("2021-06-02T00.5"), null);
  assert.equal(parseTimestamp("2021-06-02T00:30.5"), null);
  assert.equal(parseTimestamp("2021-06-02T00:30:30.5"), Date.UTC(2021, 5, 2, 0, 30, 30) / 1000);
  assert.deepEqual(axisX(["2020-01", "2020-02"]), [Date.UTC(2020, 0, 1) / 1000, Date.UTC(2020, 1, 1) / 1000]);
  assert.equal(axisX(["2020-02", "2020-01"]), null); // not increasing: plot by point number
  assert.equal(axisX(["2020-01", "x"]), null);
});

test("timeAxis keeps a date given twice on the time axis, its points a fraction of a step apart", () => {
  // A row pasted twice: the model keeps both rows (and warns). The axis read point numbers
  // ("0, 20 … 260") under a chart whose readout and table said dates.
  const [jan, feb, mar] = ["2020-01", "2020-02", "2020-03"].map(parseTimestamp);
  const axis = axisX(["2020-01", "2020-02", "2020-02", "2020-03"]);
  assert.equal(axis.length, 4);
  assert.deepEqual([axis[0], axis[1], axis[3]], [jan, feb, mar]);
  assert.ok(axis[2] > feb && axis[2] - feb <= (mar - feb) / 4, `${axis[2] - feb} s after Feb`);
  // Three times: each after the one before (uPlot's x rises strictly), all near the date.
  const week = 7 * 86400;
  const sixth = parseTimestamp("2021-06-06");
  const weeks = axisX(["2021-05-30", "2021-06-06", "2021-06-06", "2021-06-06", "2021-06-13"]);
  assert.ok(weeks.every((t, k) => !k || t > weeks[k - 1]), String(weeks));
  assert.ok(weeks.slice(1, 4).every((t) => t >= sixth && t - sixth < week / 4), String(weeks));
  assert.deepEqual(datesOf(["2021-05-30", "2021-06-06", "2021-06-06"]), [sixth - week, sixth, sixth]);
  // The tick steps come from the dates as written: as fine as the data's week, never finer,
  // however many rows repeat.
  const doubled = ["2021-05-30", "2021-05-30", "2021-06-06", "2021-06-06", "2021-06-13", "2021-06-13"];
  assert.deepEqual(tickSteps(datesOf(doubled)), tickSteps(datesOf(["2021-05-30", "2021-06-06", "2021-06-13"])));
  // Point numbers stay for dates that go back, and for one date alone (no step to place by).
  assert.equal(axisX(["2020-01", "2020-02", "2020-02", "2020-01"]), null);
  assert.equal(datesOf(["2020-02", "2020-01"]), null);
  assert.equal(axisX(["2020-01", "2020-01"]), null);
  assert.deepEqual(axisX(["2020-01"]), [jan]);
});

test("timeAxis keeps a clock going back an hour at one place in an hourly or finer series", () => {
  const at = (hhmm) => Date.UTC(2021, 9, 31, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3))) / 1000;
  const hours = ["00:00", "01:00", "02:00", "01:00", "02:00", "03:00", "04:00"];
  const axis = timeAxis(hours.map((h) => `2021-10-31T${h}`));
  assert.ok(axis, "an hourly series going back an hour keeps its dates");
  // The hour said twice (01:00 to 02:00, four points) shares that hour; the rest at its own time.
  assert.deepEqual(axis.x, ["00:00", "01:00", "01:20", "01:40", "02:00", "03:00", "04:00"].map(at));
  assert.deepEqual(axis.dates, axis.x);
  // A one-day export (8 minutes): 00:56 to 01:56 CDT, then 01:04 to 01:56 CST, then 02:04.
  const mm = (m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const cdt = Array.from({ length: 8 }, (_, k) => mm(56 + 8 * k)); // 00:56 ... 01:52
  const cst = Array.from({ length: 7 }, (_, k) => mm(64 + 8 * k)); // 01:04 ... 01:52
  const eight = [...cdt, "01:56", ...cst, "01:56", "02:04"].map(at);
  const placed = clockBack(eight);
  assert.ok(placed.every((t, i) => !i || t > placed[i - 1]), String(placed));
  // Only the hour said twice moves: its 16 points share 01:04 to 01:56, 3 min 28 s apart.
  assert.deepEqual([placed[0], placed[1], placed[16], placed[17]], ["00:56", "01:04", "01:56", "02:04"].map(at));
  assert.equal(placed[2] - placed[1], (52 * 60) / 15);
  // A repeat and a step back together: both kept.
  assert.ok(timeAxis(["2021-10-31T00", "2021-10-31T00", "2021-10-31T01", "2021-10-31T02", "2021-10-31T01", "2021-10-31T03"]));
});

test("timeAxis numbers the points when times go back and no clock change explains it", () => {
  const hourly = (hs) => hs.map((h) => `2021-10-31T${String(h).padStart(2, "0")}`);
  assert.equal(timeAxis(hourly([0, 1, 2, 3, 1, 2, 3, 4])), null); // back two hours
  assert.equal(timeAxis(hourly([0, 1, 2, 1, 2, 3, 2, 3])), null); // back at two places
  // A daily series: a step of a day, where going back an hour is no clock change.
  assert.equal(timeAxis(["2021-10-30T12:00", "2021-10-31T12:00", "2021-10-31T11:30", "2021-11-01T12:00"]), null);
  assert.equal(timeAxis(["2021-10-03", "2021-10-10", "2021-10-09", "2021-10-17"]), null); // weekly, a day back
});

test("detectUrl puts method and non-blank parameters in the query", () => {
  assert.equal(
    detectUrl("https://abc.example", "stl", { period: "52", alpha: "", max_anomalies: undefined }),
    "https://abc.example/detect?method=stl&period=52",
  );
  assert.equal(detectUrl("http://127.0.0.1:3000", "auto", { sensitivity: "0.5" }),
    "http://127.0.0.1:3000/detect?method=auto&sensitivity=0.5");
});

async function problemOf(promiseOrResponse) {
  try {
    await (promiseOrResponse instanceof Response ? readAnswer(promiseOrResponse) : promiseOrResponse);
  } catch (error) {
    assert.ok(error instanceof ApiProblem);
    return error;
  }
  assert.fail("expected an ApiProblem");
}

test("readAnswer passes the API's error message, hint, code and request id through", async () => {
  const body = { error: { code: "internal_error", message: "Boom.", hint: "Retry.", request_id: "r-1" } };
  const problem = await problemOf(new Response(JSON.stringify(body), { status: 502 }));
  assert.equal(problem.message, "Boom.");
  assert.equal(problem.hint, "Retry.");
  assert.equal(problem.code, "internal_error");
  assert.equal(problem.requestId, "r-1");
  assert.equal(problem.status, 502);
});

test("readAnswer words the API's program-facing errors about the user's file", async () => {
  const lambdaWords = {
    error: {
      code: "empty_body", message: "The request body is empty.",
      hint: "Send a Google Trends CSV export (Content-Type: text/csv) or a JSON request.",
    },
  };
  const problem = await problemOf(new Response(JSON.stringify(lambdaWords), { status: 400 }));
  assert.equal(problem.message, "The file is empty: it has no rows to analyse.");
  assert.doesNotMatch(problem.message + problem.hint, /Content-Type|body|JSON/);
  assert.equal(problem.code, "empty_body");
  const lambda413 = {
    error: { code: "payload_too_large", message: "The body is 5000000 bytes; the limit is 4194304 bytes (4 MB).", hint: "Send fewer rows." },
  };
  const big = await problemOf(new Response(JSON.stringify(lambda413), { status: 413 }));
  assert.equal(big.message, "The file is larger than this site accepts.");
  assert.equal(big.status, 413);
  const result413 = {
    error: {
      code: "result_too_large",
      message: "The result would be at least 13499875 bytes, more than SageMaker can return (6291456 bytes, 6 MB).",
      hint: "Send fewer rows or columns (a shorter time range), or ask for Accept: text/csv (the anomalies alone, a much smaller table).",
    },
  };
  const answer = await problemOf(new Response(JSON.stringify(result413), { status: 413 }));
  assert.equal(answer.message, "The results for this file are more than the detector can send back at once.");
  assert.doesNotMatch(answer.message + answer.hint, /bytes|SageMaker|Accept|text\/csv/);
  assert.equal(answer.code, "result_too_large");
  assert.equal(answer.sizes, null); // an API without the sizes as numbers: the words above
  const sized413 = { error: { ...result413.error, result_bytes: 18264567, limit_bytes: 6291456 } };
  const sized = await problemOf(new Response(JSON.stringify(sized413), { status: 413 }));
  assert.deepEqual(sized.sizes, { result: 18264567, limit: 6291456 });
  for (const wrong of [{ result_bytes: "18264567", limit_bytes: 6291456 }, { result_bytes: 5, limit_bytes: 6 },
    { result_bytes: 18264567, limit_bytes: 0 }]) {
    const odd = await problemOf(new Response(JSON.stringify({ error: { ...result413.error, ...wrong } }), { status: 413 }));
    assert.equal(odd.sizes, null, JSON.stringify(wrong));
  }
});

test("droppedNoFileWords says a drop without a file needs the file itself", () => {
  const [text, textHint] = droppedNoFileWords(["text/plain"]);
  assert.equal(text, "That was text, not a file.");
  assert.match(textHint, /Drop the CSV file itself/);
  assert.match(textHint, /save it as a CSV file/); // text copied from a sheet: how to use it
  assert.equal(droppedNoFileWords(["text/uri-list", "text/plain"])[0], "That was a link, not a file.");
  assert.equal(droppedNoFileWords([])[0], "Nothing was dropped that the page can read: it needs a file.");
});

test("resultTooLargeWords says how much smaller, from the sizes the API gave", () => {
  // 17.4 MB against 6 MB: 3 parts at least, each of a third of the rows at most.
  const [message, hint] = resultTooLargeWords({ result: 18264567, limit: 6291456 }, 19000);
  assert.equal(message, "The results for this file would be at least 17.4 MB, more than the 6.0 MB the detector can send back at once.");
  assert.match(hint, /^Split it into 3 parts or more \(6,333 rows or fewer each\) and run each part, or export a shorter/);
  // A result just over the limit: 2 parts; the rows unknown: no rows said.
  const [, two] = resultTooLargeWords({ result: 6291457, limit: 6291456 }, 0);
  assert.match(two, /^Split it into 2 parts or more and run each part/);
});

test("readAnswer explains answers that are not ours", async () => {
  const gateway = await problemOf(new Response('{"message":"Service Unavailable"}', { status: 503 }));
  assert.equal(gateway.message, "The API answered HTTP 503: Service Unavailable.");
  assert.equal(gateway.requestId, "");
  // The gateway's own answers carry the id to quote only in its header (exposed by CORS).
  const throttled = await problemOf(new Response('{"message":"Too Many Requests"}', {
    status: 429, headers: { "apigw-requestid": "Ab1=" },
  }));
  assert.equal(throttled.requestId, "Ab1=");
  const ours = { error: { code: "bad_csv", message: "No date column." } };
  const fromHeader = await problemOf(new Response(JSON.stringify(ours), {
    status: 400, headers: { "apigw-requestid": "Cd2=" },
  }));
  assert.equal(fromHeader.requestId, "Cd2=");
  const html = await problemOf(new Response("<html>oops</html>", { status: 500 }));
  assert.equal(html.message, "The API answered HTTP 500.");
  const wrong = await problemOf(new Response('{"hello": 1}', { status: 200 }));
  assert.equal(wrong.code, "bad_answer");
  const ok = await readAnswer(new Response('{"series": []}', { status: 200 }));
  assert.deepEqual(ok, { series: [] });
});

test("an answer keeps its request id, for the page to quote if it cannot show it", async () => {
  const answer = await readAnswer(new Response('{"series": []}', {
    status: 200, headers: { "apigw-requestid": "Ef3=" },
  }));
  assert.deepEqual(answer, { series: [] }); // the answer itself is unchanged
  assert.equal(requestIdOf(answer), "Ef3=");
  assert.equal(requestIdOf({ series: [] }), "");
  assert.equal(requestIdOf(null), "");
  const wrong = await problemOf(new Response('{"hello": 1}', {
    status: 200, headers: { "apigw-requestid": "Gh4=" },
  }));
  assert.equal(wrong.requestId, "Gh4=");
});

test("detect sends the bytes unchanged and refuses a file over the deployment's limit", async () => {
  const bytes = bytesOf("Week,a\n2020-01-05,1\n");
  let sent = null;
  const fetchImpl = async (url, init) => {
    sent = { url, init };
    return new Response('{"series": []}', { status: 200 });
  };
  await detect("http://api.example", bytes, "auto", { sensitivity: "0.5" }, { fetchImpl, maxBytes: 100 });
  assert.equal(sent.init.body, bytes);
  assert.equal(sent.init.headers["Content-Type"], "application/csv");
  const big = await problemOf(detect("http://api.example", new Uint8Array(5 * MB), "auto", {}, { fetchImpl, maxBytes: 4 * MB }));
  assert.equal(big.message, "The file is 5.0 MB; this site accepts files up to 4.0 MB.");
});

test("readConfig needs an http(s) apiUrl; the upload limit comes from config or the model", () => {
  assert.deepEqual(readConfig({ TRENDS_CONFIG: { apiUrl: "https://x.example/" } }),
    { apiUrl: "https://x.example", maxUploadBytes: MODEL_MAX_PAYLOAD_BYTES });
  assert.deepEqual(readConfig({ TRENDS_CONFIG: { apiUrl: "http://127.0.0.1:3000", maxUploadBytes: 4 * MB } }),
    { apiUrl: "http://127.0.0.1:3000", maxUploadBytes: 4 * MB });
  assert.equal(readConfig({ TRENDS_CONFIG: { apiUrl: "https://x", maxUploadBytes: "lots" } }).maxUploadBytes, 6 * MB);
  assert.equal(readConfig({ TRENDS_CONFIG: { apiUrl: "https://x", maxUploadBytes: 60 * MB } }).maxUploadBytes, 6 * MB);
  assert.match(readConfig({}).problem, /config\.js is missing/);
  assert.match(readConfig({ TRENDS_CONFIG: { apiUrl: "javascript:alert(1)" } }).problem, /not an http\(s\) URL/);
  assert.match(readConfig({ TRENDS_CONFIG: {} }).problem, /not an http\(s\) URL/);
});

test("formatting and file names say what the download holds", () => {
  assert.equal(formatNumber(3), "3");
  assert.equal(formatNumber(2.567), "2.57");
  assert.equal(formatNumber(null), "–");
  assert.equal(resultsFilename("multiTimeline (1).csv", "auto"), "multiTimeline_1-anomalies-auto.csv");
  assert.equal(resultsFilename("en_weekly5y_bitcoin.csv", "stl"), "en_weekly5y_bitcoin-anomalies-stl.csv");
  assert.equal(resultsFilename("<img src=x>.csv", "dbscan"), "img_src_x-anomalies-dbscan.csv");
  assert.equal(resultsFilename("", ""), "trends-anomalies.csv");
  assert.equal(
    resultsFilename("bitcoin.csv", "stl", [["period", 52], ["alpha", 0.05]]),
    "bitcoin-anomalies-stl-period-52-alpha-0.05.csv",
  );
  // A setting at 0 (sensitivity's minimum) keeps its value: "…-sensitivity.csv" said none.
  assert.equal(
    resultsFilename("bitcoin.csv", "auto", [["sensitivity", 0]]),
    "bitcoin-anomalies-auto-sensitivity-0.csv",
  );
});

// --- the file check --------------------------------------------------------------------------

function realFiles() {
  const top = readdirSync(DATA).filter((f) => /\.csv$/.test(f)).map((f) => join(DATA, f));
  const resaved = readdirSync(join(DATA, "resaved")).filter((f) => /\.(csv|txt)$/.test(f))
    .map((f) => join(DATA, "resaved", f));
  return [...top, ...resaved];
}

test("every real export and every spreadsheet re-save passes the check", () => {
  const files = realFiles();
  assert.ok(files.length >= 34, `${files.length} files`);
  for (const path of files) {
    const found = checkFile(path, new Uint8Array(readFileSync(path)), 6 * MB);
    assert.ok(found.terms.length >= 1 && found.rows >= 12, path);
  }
});

/** An irregular log Excel en-US re-saved (m/d/yyyy h:mm:ss), 120 rows written 17 ways (which of
 * day, hour, minute, second are above 12), as the model's test_timeaxis builds it. */
function usLog() {
  const cells = [];
  let t = Date.UTC(2020, 0, 2);
  for (let k = 0; k < 120; k += 1) {
    const d = new Date(t);
    const two = (n) => String(n).padStart(2, "0");
    cells.push(`${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${d.getUTCHours()}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`);
    t += ((5 * 60 + 7) * 60 + 11) * 1000;
  }
  return cells;
}

test("mixedFormats names the two cells the model names when a column mixes formats", () => {
  const log = [...usLog(), "13/1/2020 6:00:00"]; // a day-first row pasted below a month-first log
  const pair = mixedFormats(log);
  assert.deepEqual(pair && pair.map((i) => log[i]), ["1/13/2020 2:13:32", "13/1/2020 6:00:00"]);
  const iso = ["2015-01-04", "2015-01-11", "2015-01-18", "5/17/15"];
  assert.deepEqual(mixedFormats(iso), [0, 3]);
  assert.deepEqual(mixedFormats(["1/5/2020", "1/12/2020", "17.1.2020"]), [0, 2]); // '/' and '.'
  assert.deepEqual(mixedFormats(["1/5/2020", "1/12/20"]), [0, 1]); // four- and two-digit years
  // dd-mm-yy with '-': the model reads 21-10-20 as 21/10/20 (numpy read it as the year 21)
  assert.deepEqual(mixedFormats(["2021-01-03", "2021-01-10", "21-10-20", "2021-01-24"]), [0, 2]);
  assert.deepEqual(mixedFormats(["05-17-15 10:00", "17-05-15 11:00"]), [0, 1]); // two orders
});

test("mixedFormats finds nothing in a column the model reads, or one it leaves to the model", () => {
  const weeks = Array.from({ length: 30 }, (_, k) => new Date(Date.UTC(2020, 0, 5 + 7 * k)));
  const read = [
    weeks.map((d) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`), // month-first
    weeks.map((d) => `${d.getUTCDate()}.${d.getUTCMonth() + 1}.${d.getUTCFullYear() % 100}`), // day-first
    weeks.map((d) => `${d.getUTCDate()}-${d.getUTCMonth() + 1}-${d.getUTCFullYear()}`),
    ["17-05-15", "24-05-15", "31-05-15", "07-06-15"], // dd-mm-yy: not the years 17 to 31
    Array.from({ length: 12 }, (_, m) => `${m + 1}/1/2020`), // either order: the step decides
    ["2021-06-02", "2021-06-02T14", "2021-06-02 15:00", "2021-06"], // numpy's ISO
    usLog(),
    ["1/13/2020 2:13 PM", "1/14/2020 12:00 AM"],
  ];
  for (const cells of read) assert.equal(mixedFormats(cells), null, cells.slice(0, 3).join(" "));
  // Left to the model: a month name, a cell no date (17-05, 17-05-15T10, which numpy read as
  // the year 17 and the model now names as no date).
  for (const cells of [["Jan-04", "2004-02-01"], ["2020-01-05", "13/13/2020", "1/13/2020"], ["2020-01-05", "17-05"], ["2020-01-05", "17-05-15T10"]]) {
    assert.equal(mixedFormats(cells), null, cells.join(" "));
  }
});

test("checkFile refuses a date column in two formats in the model's words", () => {
  const text = `Time,visits\n${[...usLog(), "13/1/2020 6:00:00"].map((d, k) => `${d},${k % 9}`).join("\n")}\n`;
  try {
    checkFile("log.csv", new TextEncoder().encode(text), 6 * MB);
    assert.fail("the file passed the check");
  } catch (error) {
    assert.ok(error instanceof FileProblem, String(error));
    assert.equal(
      error.message,
      "The first column's dates are not in one format: '1/13/2020 2:13:32' and '13/1/2020 6:00:00' cannot be read the same way.",
    );
    assert.equal(error.hint, "Use dates such as 2024-01-31, 20240131, 2024-01, 2024-01-31T14:00, 20240131T1400 or 31/01/2024, one format for the whole column.");
  }
});

test("the check finds the terms and the '<1' cells (any spelling)", () => {
  const glp1 = checkFile("g.csv", new Uint8Array(readFileSync(join(DATA, "en_weekly5y_3terms_lt1_glp1.csv"))), 6 * MB);
  assert.deepEqual(glp1.terms, ["ozempic", "monjauro", "wegovy"]);
  assert.equal(glp1.rows, 262);
  const counted = [...glp1.belowOne.values()].reduce((n, s) => n + s.size, 0);
  assert.equal(counted, 147);
  const fr = checkFile("fr.csv", new Uint8Array(readFileSync(join(DATA, "resaved", "trends-fr_zhcat_fr_weekly2y_lt1_covid.csv"))), 6 * MB);
  assert.deepEqual([...fr.belowOne.get("COVID Delta: (Monde)")].slice(0, 2), ["2020-02-09", "2020-02-16"]);
  const excel = checkFile("x.txt", new Uint8Array(readFileSync(join(DATA, "resaved", "excel-win-de-de-unicode_en_weekly5y_3terms_lt1_glp1.txt"))), 6 * MB);
  assert.equal([...excel.belowOne.values()].reduce((n, s) => n + s.size, 0), 147);
});

test("the check finds the cells the model fills in: empty, N/A, a dash, a spreadsheet error", () => {
  const text = "Week,a: (Worldwide),b\n2020-01-05,1,#N/A\n2020-01-12,,2\n2020-01-19,N/A,3\n2020-01-26,4,\u2013\n2020-02-02,<1,5\n";
  const found = checkFile("t.csv", new TextEncoder().encode(text), 6 * MB);
  assert.deepEqual([...found.filled.get("a: (Worldwide)")], ["2020-01-12", "2020-01-19"]);
  assert.deepEqual([...found.filled.get("b")], ["2020-01-05", "2020-01-26"]);
  const glp1 = checkFile("g.csv", new Uint8Array(readFileSync(join(DATA, "en_weekly5y_3terms_lt1_glp1.csv"))), 6 * MB);
  assert.equal(glp1.filled.size, 0);
});

test("a file comparing time ranges: each range's '<1' cells are dated by its own date column", () => {
  const real = checkFile("c.csv", new Uint8Array(readFileSync(join(DATA, "more", "pt_weekly1y_compare_time_ranges.csv"))), 6 * MB);
  assert.deepEqual(real.terms, ["Suicídio", "Suicídio"]);
  assert.equal(real.ranges, 2);
  assert.deepEqual(fileTermsWords(real.terms, real.ranges), ["1 term over 2 time ranges", "Suicídio"]);
  const text = "Week,a: (Worldwide),Week,a: (Worldwide)\n2020-01-05,<1,2019-01-06,3\n2020-01-12,2,2019-01-13,<1\n";
  const found = checkFile("t.csv", new TextEncoder().encode(text), 6 * MB);
  assert.deepEqual([...found.belowOne.get("a: (Worldwide)")], ["2020-01-05", "2019-01-13"]);
});

test("the files dropped with the one used are named as left out", () => {
  assert.equal(otherFilesWords([]), "");
  assert.match(otherFilesWords(["b.csv"]), /^1 more file was dropped with it \(b\.csv\) and left out: /);
  assert.match(otherFilesWords(["b", "c", "d", "e", "f"]), /^5 more files were dropped with it \(b, c, d and 2 more\)/);
});

test("the ready line counts a file's terms, each named once", () => {
  const glp1 = checkFile("g.csv", new Uint8Array(readFileSync(join(DATA, "en_weekly5y_3terms_lt1_glp1.csv"))), 6 * MB);
  assert.equal(glp1.ranges, 1);
  assert.deepEqual(fileTermsWords(glp1.terms, glp1.ranges), ["3 terms", "ozempic, monjauro, wegovy"]);
  assert.deepEqual(fileTermsWords(["a", "b", "c", "d", "e"]), ["5 terms", "a, b, c and 2 more"]);
  assert.deepEqual(fileTermsWords(["a", "b", "a", "b"], 2), ["2 terms over 2 time ranges", "a, b"]);
  // One term in two regions is two columns of one name with their regions: each says its own.
  assert.deepEqual(fileTermsWords(["x (Chile)", "x (Peru)"]), ["2 terms", "x (Chile), x (Peru)"]);
});

test("a long first cell without a colon is checked in linear time (PREAMBLE_KEY)", () => {
  // ^\s*([^:：]+?)\s*[:：] backtracked quadratically on a letter and spaces with no colon:
  // the page froze for seconds on such a file (read in a code page, as Excel saves it: the
  // first cells of the first lines name its language). Letters instead of spaces are the
  // yardstick.
  const rows = "Week,caf\u00e9: (Worldwide)\n2020-01-05,1\n2020-01-12,2\n2020-01-19,3\n";
  const timed = (first) => {
    const bytes = Uint8Array.from(`${first}\n${rows}`, (c) => c.charCodeAt(0)); // Windows-1252
    let best = Infinity;
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      checkFile("t.csv", bytes, 6 * MB);
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  const slow = timed(`a${" ".repeat(20000)}`);
  const fast = timed("a".repeat(20001));
  assert.ok(slow < 10 * fast + 20, `${slow} ms against ${fast} ms`);
});

function problem(name, bytes, max = 6 * MB) {
  try {
    checkFile(name, bytes, max);
  } catch (error) {
    assert.ok(error instanceof FileProblem, String(error));
    assert.ok(error.hint, "every problem says what to do");
    assert.doesNotMatch(error.message + error.hint, /Content-Type|body|HTTP|JSON/);
    return error.message;
  }
  assert.fail(`${name} passed the check`);
}

test("a file bigger than one request's series or values is refused when chosen", () => {
  // The model refuses more than 1000 series, or 500 000 values, in one request (a 400 after
  // the upload); the page said nothing until Detect. At the limits, the file passes.
  const wide = (terms) => {
    const head = ["Week", ...Array.from({ length: terms }, (_, j) => `t${j}: (Worldwide)`)].join(",");
    const row = ["2020-01-05", ...Array(terms).fill("1")].join(",");
    return bytesOf(`${head}\n${row}\n${row.replace("01-05", "01-12")}\n`);
  };
  assert.equal(checkFile("wide.csv", wide(1000), 6 * MB).terms.length, 1000);
  assert.match(
    problem("wide.csv", wide(1001)),
    /^This file has 1,001 columns besides the dates; the detector analyses at most 1,000 at a time\.$/,
  );
  const long = (rows) => bytesOf(`Day,a,b\n${"2020-01-05,1,2\n".repeat(rows)}`);
  assert.equal(checkFile("long.csv", long(250000), 6 * MB).rows, 250000);
  assert.match(
    problem("long.csv", long(250001)),
    /^This file has 250,001 rows of 2 columns besides the dates, 500,002 values; the detector analyses at most 500,000/,
  );
});

test("a column without a heading is named as the model names it", () => {
  const noHeader = bytesOf("2020-01-05,0\n2020-01-12,1\n2020-01-19,0\n");
  assert.deepEqual(checkFile("n.csv", noHeader, MB).terms, ["value"]);
  const two = bytesOf("2020-01-05,0,3\n2020-01-12,1,4\n2020-01-19,0,5\n");
  assert.deepEqual(checkFile("n.csv", two, MB).terms, ["value1", "value2"]);
});

test("a file too wide for one request is refused from its width, as the model refuses it", () => {
  // The model counts the columns after the first (trailing empty cells cut) before it reads
  // any (trends.parse_table); the page read every column first, so a 400 000-column file took
  // over a second to be refused, and it judged by the columns it found to hold numbers: a file
  // the model refuses (1001 columns) passed as 501 ranges of one term, or was said to have no
  // numbers at all.
  const ranges = (count) => {
    const head = Array.from({ length: count }, () => "Week,a: (Worldwide)").join(",");
    const row = (day) => Array.from({ length: count }, (_, k) => `${2000 + k}-01-${day},1`).join(",");
    return bytesOf(`${head},\n${row("02")},\n${row("09")},\n`); // trailing commas: not columns
  };
  assert.equal(checkFile("r.csv", ranges(500), 6 * MB).terms.length, 500); // 999 columns
  assert.match(problem("r.csv", ranges(501)), /^This file has 1,001 columns besides the dates; the detector analyses at most 1,000/);
  const words = (count) => bytesOf(`Week,${"x,".repeat(count - 1)}x\n2020-01-05,${"a,".repeat(count - 1)}a\n`);
  assert.match(problem("w.csv", words(1001)), /^This file has 1,001 columns besides the dates/);
  assert.match(problem("w.csv", words(1000)), /no column of numbers/);
  const long = bytesOf(`Day,a,b,c\n${"2020-01-05,1,x,\n".repeat(250001)}`); // c: a trailing comma
  assert.match(problem("long.csv", long), /^This file has 250,001 rows of 2 columns besides the dates, 500,002 values; the detector analyses at most 500,000/);
});

test("bad files get a message for a person, never a pass", () => {
  assert.equal(problem("e.csv", new Uint8Array(0)), "e.csv is empty.");
  assert.match(problem("blank.csv", bytesOf(" \r\n\r\n")), /holds only blank lines/);
  assert.match(problem("big.csv", new Uint8Array(7 * MB).fill(65)), /7\.0 MB; this site accepts files up to 6\.0 MB/);
  assert.match(problem("big.csv", bytesOf("Week,a\n2020-01-05,1\n"), 10), /accepts files up to 10 B/);
  assert.match(problem("book.xlsx", new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])), /Excel workbook/);
  assert.match(problem("old.xls", new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1])), /old Excel workbook/);
  assert.match(problem("chart.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10])), /PNG image/);
  assert.match(problem("x.bin", new Uint8Array([1, 2, 3, 0, 5, 6, 7, 8])), /not a text file/);
  assert.match(problem("words.csv", bytesOf("hello world\nthis is not data\n")), /no column of dates/);
  // Headings and no rows, as Trends writes them (preamble included) and in German.
  assert.match(
    problem("head.csv", bytesOf("Category: All categories\n\nWeek,bitcoin: (Worldwide)\n")),
    /has its column headings \(Week, bitcoin: \(Worldwide\)\) but no rows of data/,
  );
  assert.match(problem("kopf.csv", bytesOf("Woche,bitcoin: (Weltweit)\r\n")), /but no rows of data/);
  assert.match(problem("time.csv", bytesOf("Time,Popularity\n0.0,0.23\n0.0059171597633136,0.21\n")), /first column of this file holds numbers/);
  assert.equal(checkFile("c.csv", bytesOf("d,v\n20200105,1\n20200112,2\n"), MB).rows, 2); // compact dates
  assert.match(problem("names.csv", bytesOf("Week,term\n2020-01-05,a\n2020-01-12,b\n")), /no column of numbers/);
});

test("a first column in ISO 8601's basic form with a time is read as the extended form is", () => {
  // The hourly export re-saved with 20210602T14 (…T1400, …T140000, each with or without Z) for
  // 2021-06-02T14: the model reads it as the same instants (timeaxis.BASIC_DATE_TIME), and the
  // page said "This file has no column of dates" when it was chosen.
  const hourly = readFileSync(join(DATA, "en_hourly7d_2terms.csv"), "utf8");
  const extended = checkFile("h.csv", bytesOf(hourly), MB);
  const basic = (tail) => hourly.replace(/^(\d{4})-(\d{2})-(\d{2})T(\d{2})/gm, `$1$2$3T$4${tail}`);
  for (const tail of ["", "00", "0000", "Z", "00Z", "0000Z"]) {
    const found = checkFile("h.csv", bytesOf(basic(tail)), MB);
    assert.deepEqual([found.terms, found.rows, found.ranges], [extended.terms, extended.rows, extended.ranges], tail);
  }
  const lower = checkFile("d.csv", bytesOf("d,v\n20210602T1400,1\n20210602T1500,2\n"), MB);
  assert.equal(lower.rows, 2);
  // A cell of that form that is no date is left to the model, which names it, as it names
  // 2020-13-05 or 20201305 ("The first column must hold dates; '20211399T1400' is not one.").
  const noDate = basic("00").replace("20210602T1600", "20211399T1400");
  assert.equal(checkFile("n.csv", bytesOf(noDate), MB).rows, extended.rows);
  // With an offset (+0200, +02:00, -05) or a fraction after the seconds too, as the model reads
  // 2021-06-02T14:00+02:00 (it refused such a file as "No data rows found").
  for (const tail of ["00+0200", "00+02:00", "0000-0500", "-05", "0000.5+0200", "0000.5"]) {
    const found = checkFile("h.csv", bytesOf(basic(tail)), MB);
    assert.deepEqual([found.terms, found.rows, found.ranges], [extended.terms, extended.rows, extended.ranges], tail);
  }
  // Not the basic form: a small t or z, a fraction of an hour or a minute; digits alone stay numbers.
  for (const cell of ["20210602t1400", "20210602T1400z", "20210602T14.5", "20210602T1400.5+0200", "20210602T1"]) {
    assert.match(problem("x.csv", bytesOf(`d,v\n${cell},1\n${cell},2\n`)), /no column of dates/, cell);
  }
});

test("a spreadsheet error or a stray cell in a column of numbers leaves the term to the model", () => {
  // The model reads #N/A and the dashes as missing, and names a stray cell ("ca. 20") in its answer:
  // the page refused a one-term file with either as having no column of numbers.
  const one = (cell) => bytesOf(`Week,a: (X)\n2020-01-05,1\n2020-01-12,${cell}\n2020-01-19,3\n`);
  for (const cell of ["#N/A", "#DIV/0!", "#WERT!", "\u2014", "\u2013", "?", ".", "ca. 20"]) {
    assert.deepEqual(checkFile("e.csv", one(cell), MB).terms, ["a"], cell);
  }
  assert.match(problem("words.csv", bytesOf("Week,a\n2020-01-05,1\n2020-01-12,b\n2020-01-19,c\n")), /no column of numbers/);
});

test("decodeText reads a file that is not UTF-8 in the code page its Trends words say, as the model does", () => {
  // tests/data/encodings/cases.json: the same cases the model's tests read.
  const { cases } = JSON.parse(readFileSync(join(DATA, "encodings", "cases.json"), "utf8"));
  assert.ok(cases.length >= 10);
  // Node 20.18.3+ decodes windows-1252 as Latin-1 (0x8E as U+008E, not Ž; nodejs/node#60888),
  // browsers as the Encoding Standard says: a case whose text has one of those 27 letters is
  // checked in Chromium (tests/site/test_site_files.py), not here, on such a Node.
  const latin1 = new TextDecoder("windows-1252").decode(Uint8Array.of(0x80)) !== "\u20ac";
  const onlyWindows1252 = /[\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/;
  for (const { hex, text, saved_in: savedIn } of cases) {
    if (latin1 && onlyWindows1252.test(text)) continue;
    const bytes = Uint8Array.from(hex.match(/../g).map((h) => parseInt(h, 16)));
    assert.equal(decodeText(bytes), text, savedIn);
  }
  // A real export saved by Excel on Turkish Windows (Windows-1254, no preamble).
  const turkish = readFileSync(join(DATA, "encodings", "tr_monthly2004_2terms_cp1254_nopreamble_crlf.csv"));
  assert.ok(decodeText(new Uint8Array(turkish)).startsWith("Ay,işkur: (Türkiye),zam: (Türkiye)\r\n"));
});

test("decodeText reads UTF-8, UTF-16 with a BOM, and Windows-1252 (Excel's CSV)", () => {
  assert.equal(decodeText(bytesOf("Categoría")), "Categoría");
  assert.equal(decodeText(new Uint8Array([0xff, 0xfe, 0x41, 0, 0x42, 0])), "AB");
  assert.equal(decodeText(new Uint8Array([0x43, 0x61, 0x74, 0xe9])), "Caté");
});

test("readCsv handles quotes, CRLF and other delimiters", () => {
  assert.deepEqual(readCsv('a,"b,""c"""\r\n1,2\n'), [["a", 'b,"c"'], ["1", "2"]]);
  assert.deepEqual(readCsv("a;b\r1;2", ";"), [["a", "b"], ["1", "2"]]);
  assert.deepEqual(readCsv('x,"line\nbreak"\n'), [["x", "line\nbreak"]]);
});

// --- parameters, read from the model's table ------------------------------------------------------

test("method controls come from the model's table", () => {
  // The shipped methods: a fork that adds or removes one updates this list (docs/swap-your-model.md, "Swap in your own model").
  assert.deepEqual(METHODS.map((m) => m.name), ["auto", "stl", "dbscan"]);
  const sensitivity = paramOf("auto", "sensitivity");
  assert.deepEqual([sensitivity.min, sensitivity.max, sensitivity.default], [0, 1, 0.5]);
  assert.equal(paramOf("stl", "alpha").default, 0.05);
  assert.equal(paramOf("auto", "alpha").default, null);
  assert.ok(paramOf("auto", "alpha").advanced);
  for (const method of METHODS) {
    for (const param of method.params) {
      assert.ok(param.label && param.help, `${method.name}.${param.name} has words`);
      assert.doesNotMatch(param.label, /_/);
    }
  }
});

test("values are checked against the table's ranges, in words", () => {
  const alpha = paramOf("stl", "alpha");
  assert.equal(checkValue(alpha, "0.01"), "");
  assert.equal(checkValue(alpha, ""), "");
  assert.equal(checkValue(alpha, "0.7"), "Significance level must be a number between 0 and 0.5, not either end.");
  assert.equal(checkValue(alpha, "0"), checkValue(alpha, "0.5"));
  const period = paramOf("auto", "period");
  assert.equal(checkValue(period, "0"), ""); // no season
  assert.equal(checkValue(period, "52"), "");
  assert.match(checkValue(period, "1"), /at least 2, or 0 for no season/);
  assert.match(checkValue(period, "2.5"), /whole number/);
  // STL needs a season, at most a day of minutes (its filters' memory): said before sending.
  const stlPeriod = paramOf("stl", "period");
  assert.equal(checkValue(stlPeriod, "52"), "");
  assert.equal(checkValue(stlPeriod, "1440"), "");
  assert.match(checkValue(stlPeriod, "0"), /from 2 to 1440/);
  assert.match(checkValue(stlPeriod, "1441"), /from 2 to 1440/);
  // Past the largest value the model takes (2^53 - 1, JSON's exact integers): said here, not
  // sent for the model to refuse (eps=1e308 passed "a number above 0").
  const eps = paramOf("dbscan", "eps");
  assert.equal(checkValue(eps, "1e308"), "Neighbourhood radius (eps) must be a number above 0, at most 9,007,199,254,740,991.");
  assert.equal(checkValue(eps, "5"), "");
  assert.match(checkValue(paramOf("dbscan", "min_pts"), "1e16"), /at least 1, at most 9,007,199,254,740,991/);
  assert.doesNotMatch(stlPeriod.help, /no season/);
  assert.equal(rangeWords(paramOf("dbscan", "eps")), "a number above 0");
  assert.equal(rangeWords(paramOf("dbscan", "min_pts")), "a whole number of at least 1");
  assert.equal(rangeWords(paramOf("auto", "sensitivity")), "a number from 0 to 1");
});

test("the run's settings are said in words, without 'alpha auto'", () => {
  const text = settingsWords({
    method: "auto",
    parameters: { method: "auto", sensitivity: 0.5, period: null, alpha: null, max_anomalies: null },
  });
  assert.equal(text, "Auto, sensitivity 0.5; everything else chosen from the data");
  assert.doesNotMatch(text, /alpha|max_anomalies|\bauto\b/);
  assert.equal(
    settingsWords({ method: "stl", parameters: { method: "stl", period: 52, alpha: 0.05, max_anomalies: null } }),
    "STL + generalized ESD, season length 52, significance level 0.05; everything else chosen from the data",
  );
  // A season length no series could use is not listed as if it had been.
  const tooLong = (sources) => settingsWords({
    method: "auto",
    parameters: { method: "auto", sensitivity: 0.5, period: 200, alpha: null, max_anomalies: null },
    series: sources.map((source) => ({ parameters: { period_source: source } })),
  });
  assert.equal(
    tooLong(["parameter:too_short"]),
    "Auto, sensitivity 0.5, season length 200 (not used: too long for the series); everything else chosen from the data",
  );
  assert.match(tooLong(["parameter:too_short", "parameter"]), /season length 200 \(not used in 1 of 2 series: too long\)/);
  assert.match(tooLong(["parameter"]), /season length 200;/);
});

test("a run's count says which series were not judged, not that they have no anomalies", () => {
  const judged = { values: [1, 2, 3], anomalies: [{}, {}], parameters: { tested: true } };
  const short = { values: [1, 2, 3], anomalies: [], parameters: { tested: false } };
  assert.equal(countWords([judged]), "2 anomalies in 1 series");
  assert.equal(countWords([short]), "1 series not judged: too few points");
  assert.equal(countWords([short, short]), "2 series not judged: too few points");
  assert.equal(countWords([judged, short]), "2 anomalies in 2 series (1 not judged: too few points)");
  assert.equal(countWords([]), "0 anomalies in 0 series");
});

test("bandWords says what the shaded range is, per method, and nothing for an unknown one", () => {
  const words = METHODS.map((m) => bandWords(m.name));
  for (const [i, text] of words.entries()) {
    // A method added to the model's METHODS needs its sentence: say which, and where.
    const missing = `BAND_WORDS in site/src/words.js has no sentence for method '${METHODS[i].name}': ` +
      'add what its shaded range means (docs/swap-your-model.md, "Swap in your own model")';
    assert.match(text, /shaded range/, missing);
  }
  assert.equal(new Set(words).size, words.length); // each method its own sentence
  assert.match(bandWords("auto"), /at this sensitivity/);
  assert.match(bandWords("dbscan"), /no expected value/);
  assert.equal(bandWords("toString"), "");
  assert.equal(bandWords("nope"), "");
});

test("Trends' other downloads are named, and telling them apart takes no time", () => {
  const said = (text) => {
    try {
      checkFile("f.csv", bytesOf(text), 6 * MB);
    } catch (error) {
      return error;
    }
    return null;
  };
  const geo = said("Category: All categories\n\nCountry,bitcoin: (12/2/21 - 12/2/26)\nNigeria,100\n");
  assert.match(geo.message, /^This is Google Trends' Interest by region \(geoMap\.csv\)/);
  assert.match(geo.hint, /Interest over time \(multiTimeline\.csv\)/);
  assert.match(said("Category: x\r\n\r\nTOP\r\nbtc,100\r\n\r\nRISING\r\nbtc etf,Breakout\r\n").message, /Related queries/);
  // Files without dates that a backtracking pattern took seconds to minutes over.
  for (const text of ["a,b: (" + "1 - 1 ".repeat(700), "x: (".repeat(1100), "\n".repeat(4000) + "Week,x\n"]) {
    const started = performance.now();
    assert.match(said(text).message, /no column of dates/);
    assert.ok(performance.now() - started < 500, `${Math.round(performance.now() - started)} ms`);
  }
});

// --- the chart's readout and extents -------------------------------------------------------------

const SERIES = {
  name: "bitcoin", header: "bitcoin: (Worldwide)",
  timestamps: ["2017-10", "2017-11", "2017-12", "2018-01", "2018-02"],
  values: [0.5, 40, 100, 60, 20], expected: [1, 10, 12, 13, 14], lower: [0, 5, 6, 7, 8], upper: [4, 20, 22, 24, 26],
  anomalies: [{
    index: 2, timestamp: "2017-12", start: "2017-11", end: "2018-01", start_index: 1, end_index: 3, peak_index: 2,
    direction: "up", kind: "spike", value: 100, expected: 12, score: 9,
  }],
};

test("the readout says date, value, expected, range and the event", () => {
  assert.deepEqual(readoutParts(SERIES, 2, { frequency: "monthly" }), [
    ["", "Dec 2017"],
    ["value", "100"],
    ["expected", "12"],
    ["expected range", "6 – 22"],
    ["anomaly", "▲ spike, Nov 2017 – Jan 2018"],
  ]);
  assert.deepEqual(readoutParts(SERIES, 3, { frequency: "monthly" }).slice(1), [
    ["value", "60"],
    ["expected", "13"],
    ["expected range", "7 – 24"],
    ["part of", "▲ spike reported Dec 2017 (Nov 2017 – Jan 2018)"],
  ]);
  const belowOne = new Map([["bitcoin: (Worldwide)", new Set(["2017-10"])]]);
  assert.deepEqual(readoutParts(SERIES, 0, { frequency: "monthly", belowOne })[1], ["value", "<1 (under 1, read as 0.5)"]);
  const filled = new Map([["bitcoin: (Worldwide)", new Set(["2017-10"])]]);
  assert.deepEqual(readoutParts(SERIES, 0, { frequency: "monthly", filled })[1], ["value", "0.5 (no value in the file: filled in)"]);
  assert.equal(eventAt(SERIES, 4), null);
});

test("the readout's hint says what pointing shows, in the readout's words, and how to zoom", () => {
  assert.equal(
    readoutHint("weekly"),
    "Point at the chart to read each week's date, value, expected value and range, and any anomaly; " +
      "drag across it, or use +, to zoom in.",
  );
  assert.equal(
    readoutHint("hourly", true, { method: "dbscan" }),
    "Touch the chart to read each hour's date, value, running median and neighbourhood, and any " +
      "anomaly; slide a finger along it, or tap +, to zoom in.",
  );
  assert.match(readoutHint("", false, { tested: false }), /^Point at the chart to read each point's date and value;/);
  // Every label the readout writes is named by the hint (the date is its unlabelled first part).
  for (const method of ["auto", "stl", "dbscan"]) {
    const what = readoutWhat(method);
    for (const [label] of readoutParts({ ...SERIES, anomalies: [] }, 2, { method }).slice(1)) {
      const named = label === "expected" ? "expected value" : label === "expected range" ? "range" : label;
      assert.ok(what.includes(named), `${method}: ${label} not in "${what}"`);
    }
  }
});

test("a chart's summary names its term, points and anomalies, never by colour", () => {
  const values = [1, 2, 3];
  assert.equal(
    chartSummary("wegovy", { values, anomalies: [{ index: 1 }, { index: 2 }] }),
    "Chart of wegovy: 3 points, 2 anomalies, drawn as dots and listed in the table below.",
  );
  assert.equal(
    chartSummary("x", { values, anomalies: [{ index: 1 }] }),
    "Chart of x: 3 points, 1 anomaly, drawn as dots and listed in the table below.",
  );
  assert.equal(chartSummary("x", { values }), "Chart of x: 3 points, no anomalies.");
  assert.equal(chartSummary("x", { values: [1, 2] }, false), "Chart of x: 2 points, not judged (too short to test).");
});

test("DBSCAN's line and range are read as a running median and its neighbourhood", () => {
  assert.deepEqual(readoutParts(SERIES, 2, { frequency: "monthly", method: "dbscan" }).slice(2, 4), [
    ["running median", "12"],
    ["neighbourhood", "6 – 22"],
  ]);
  assert.deepEqual(readoutParts(SERIES, 2, { frequency: "monthly", method: "stl" })[2], ["expected", "12"]);
  assert.deepEqual(bandNames("auto"), { line: "expected", range: "expected range" });
  assert.deepEqual(bandNames("toString"), { line: "expected", range: "expected range" }); // own keys only
  assert.equal(capitalized(bandNames("dbscan").line), "Running median");
});

test("a term too short to test reads as its date and value only", () => {
  const short = { ...SERIES, anomalies: [], parameters: { tested: false } };
  assert.deepEqual(readoutParts(short, 2, { frequency: "monthly" }), [["", "Dec 2017"], ["value", "100"]]);
});

test("terms of one name are told apart by their region, else by their dates", () => {
  const us = { name: "black friday", geo: "United States", span: "Dec 2025 – Nov 2026" };
  const ca = { ...us, geo: "Canada" };
  assert.deepEqual(distinctTitles([us, ca, { name: "cyber monday", geo: "Canada" }]), [
    "black friday (United States)", "black friday (Canada)", "cyber monday",
  ]);
  const earlier = { ...us, span: "Dec 2024 – Nov 2025" };
  assert.deepEqual(distinctTitles([us, earlier, ca]), [
    "black friday (United States, Dec 2025 – Nov 2026)", "black friday (United States, Dec 2024 – Nov 2025)",
    "black friday (Canada)",
  ]);
  assert.deepEqual(distinctTitles([{ name: "a", geo: "X" }, { name: "a", geo: "X" }]), ["a", "a"]);
});

test("extents merge where they touch and default to the point itself", () => {
  assert.deepEqual(extentSpans(SERIES), [[1, 3]]);
  const two = { anomalies: [{ index: 5 }, { index: 1, start_index: 0, end_index: 2 }, { index: 3, start_index: 3, end_index: 4 }] };
  assert.deepEqual(extentSpans(two), [[0, 5]]);
  assert.deepEqual(extentSpans({ anomalies: [{ index: 2 }, { index: 9 }] }), [[2, 2], [9, 9]]);
});

test("an extent's shade reaches half the data's step beside it, a repeated date's too", () => {
  // Point numbers, and weeks: half a step beyond the first and last point.
  assert.deepEqual(extentBounds([[0, 1], [3, 3]], [0, 1, 2, 3, 4]), [[-0.5, 1.5], [2.5, 3.5]]);
  const week = 7 * 86400;
  const cells = ["2021-05-30", "2021-06-06", "2021-06-13", "2021-06-13", "2021-06-20", "2021-06-27", "2021-06-27"];
  const dates = datesOf(cells);
  const x = axisX(cells);
  // An extent from the second row of 13 Jun to the second of 27 Jun: its end reaches half a
  // week beyond, as beside any other point (the step measured from the row before was the
  // small fraction of a week the second row sits after its date: 3 px on the chart). Its start
  // is halfway between the date's two rows: half a week before covered the first row of
  // 13 Jun, which is no part of the extent.
  const [[left, right]] = extentBounds([[3, 6]], x, dates);
  assert.equal(left, (x[2] + x[3]) / 2, `${(x[3] - left) / 3600} h before the first point`);
  assert.ok(left > x[2], "the date's first row is left out");
  assert.equal(right - x[6], week / 2, `${(right - x[6]) / 3600} h after the last point`);
  // Likewise an extent ending on a date's first row stops short of its second (27 Jun).
  const [[, end]] = extentBounds([[4, 5]], x, dates);
  assert.equal(end, (x[5] + x[6]) / 2);
  // An extent over both rows of a date reaches half a week on each side.
  const [[from, to]] = extentBounds([[2, 3]], x, dates);
  assert.deepEqual([x[2] - from, to - x[3]], [week / 2, week / 2]);
  // At the file's first point the step is the one after it, to the next date.
  const [[first]] = extentBounds([[0, 0]], axisX(["2021-06-13", "2021-06-13", "2021-06-20"]),
    datesOf(["2021-06-13", "2021-06-13", "2021-06-20"]));
  assert.equal(parseTimestamp("2021-06-13") - first, week / 2);
});

test("dates read as a person would", () => {
  assert.equal(formatWhen("2020-07-12"), "12 Jul 2020");
  assert.equal(formatWhen("2004-01"), "Jan 2004");
  assert.equal(formatWhen("2021-06-02T14"), "2 Jun 2021, 14:00");
  assert.equal(formatWhen("17.05.2015"), "17.05.2015"); // not ISO: as the file wrote it
  assert.equal(extentWords({ timestamp: "2020-07-12", start: "2020-07-12", end: "2020-07-12" }), "12 Jul 2020");
  assert.equal(extentWords({ timestamp: "2020-07-19", start: "2020-07-12", end: "2020-08-02" }), "12 Jul 2020 – 2 Aug 2020");
  assert.equal(
    extentWords({ timestamp: "2021-06-06T14", start: "2021-06-06T13", end: "2021-06-06T23" }),
    "6 Jun 2021, 13:00 – 23:00",
  );
});

test("time-axis ticks are written out, never 6/3/21", () => {
  const t = (iso) => Date.parse(`${iso}Z`) / 1000;
  assert.equal(tickWords(t("2014-01-01T00:00"), 2 * 365 * 86400), "2014");
  assert.equal(tickWords(t("2014-01-01T00:00"), 91 * 86400), "Jan 2014");
  assert.equal(tickWords(t("2014-04-01T00:00"), 91 * 86400), "Apr");
  assert.equal(tickWords(t("2021-06-03T00:00"), 86400), "3 Jun");
  assert.equal(tickWords(t("2021-06-03T12:00"), 12 * 3600), "12:00");
  assert.equal(tickWords(t("2021-06-04T00:00"), 12 * 3600), "4 Jun");
});

test("the time axis ticks no finer than the data's step (months for monthly, not weeks)", () => {
  const DAY = 86400;
  const t = (iso) => Date.parse(`${iso}Z`) / 1000;
  const monthly = ["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01", "2020-06-01"].map(t);
  assert.equal(Math.min(...tickSteps(monthly)), 30 * DAY); // uPlot's month: ticks on the 1st
  assert.ok(tickSteps(monthly).includes(365 * DAY)); // years, once months crowd
  const weekly = [0, 1, 2, 3].map((k) => t("2020-07-12T00:00") + k * 7 * DAY);
  assert.equal(Math.min(...tickSteps(weekly)), 7 * DAY);
  assert.ok(!tickSteps(weekly).some((s) => s > 7 * DAY && s < 14 * DAY)); // not 8, 9, 10 days
  const hourly = [0, 1, 2, 4].map((k) => t("2021-06-02T14:00") + k * 3600); // a missing hour
  assert.equal(dataStep(hourly), 3600);
  assert.equal(Math.min(...tickSteps(hourly)), 3600);
  assert.equal(Math.min(...tickSteps([0, 480, 960, 1440])), 600); // 8 minutes: every 10
  assert.equal(Math.min(...tickSteps([0, DAY, 2 * DAY])), DAY);
  assert.equal(tickSteps([t("2020-01-01T00:00")]), undefined); // one point: uPlot's own
});

test("weekly data ticks every 4 weeks, on its own days, before it ticks months", () => {
  const DAY = 86400;
  const t = (iso) => Date.parse(`${iso}T00:00Z`) / 1000;
  const weekly = Array.from({ length: 36 }, (_, k) => t("2020-07-12") + k * 7 * DAY);
  const steps = tickSteps(weekly);
  assert.deepEqual(steps.slice(0, 4), [7 * DAY, 14 * DAY, 28 * DAY, 30 * DAY]);
  const daily = Array.from({ length: 60 }, (_, k) => t("2020-11-03") + k * DAY);
  assert.ok(!tickSteps(daily).includes(28 * DAY)); // daily data: the 1st of each month is a day it has
  // Ticks 4 weeks apart say their day, not their month (two ticks could say "Nov").
  const fourWeeks = ["2020-11-01", "2020-11-29", "2020-12-27", "2021-01-24"].map(t);
  assert.deepEqual(tickLabels(fourWeeks, 28 * DAY), ["1 Nov 2020", "29 Nov", "27 Dec", "24 Jan 2021"]);
});

test("a zoom spans whole points: each end moved to its nearest point", () => {
  const DAY = 86400;
  const weekly = Array.from({ length: 10 }, (_, k) => 1_594_512_000 + k * 7 * DAY); // Sundays from 12 Jul 2020
  assert.deepEqual(pointSpan(weekly, weekly[2] + 2 * DAY, weekly[6] - DAY), [weekly[2], weekly[6]]); // Tue to Sat
  assert.deepEqual(pointSpan(weekly, weekly[2] - 2 * DAY, weekly[6] + 4 * DAY), [weekly[2], weekly[7]]);
  assert.deepEqual(pointSpan(weekly, weekly[2], weekly[6]), [weekly[2], weekly[6]]); // points stay
  assert.deepEqual(pointSpan(weekly, weekly[0], weekly[9]), [weekly[0], weekly[9]]); // all of it
  assert.deepEqual(pointSpan(weekly, weekly[0] - 9 * DAY, weekly[9] + 9 * DAY), [weekly[0], weekly[9]]);
  // Both ends nearest one point: the two points around the span.
  assert.deepEqual(pointSpan(weekly, weekly[3] + 1, weekly[3] + 2), [weekly[3], weekly[4]]);
  assert.deepEqual(pointSpan(weekly, weekly[3] - 2, weekly[3] + 2), [weekly[2], weekly[4]]);
  assert.deepEqual(pointSpan(weekly, weekly[9] + 1, weekly[9] + 2), [weekly[8], weekly[9]]); // past the end
  assert.deepEqual(pointSpan(weekly, weekly[0] - 2, weekly[0] - 1), [weekly[0], weekly[1]]); // before it
  assert.deepEqual(pointSpan([5], 5, 5), [5, 5]); // one point: as uPlot had it
  assert.deepEqual(pointSpan(weekly, null, null), [null, null]);
  const gappy = [0, 1, 2, 10, 11]; // a missing stretch: the points there are, not a grid
  assert.deepEqual(pointSpan(gappy, 3, 9), [2, 10]);
});

test("+ and - zoom in points: half or twice the steps around the point, back out to all", () => {
  const n = 272;
  let shown = [0, n - 1];
  shown = keyZoom(shown, 136, 0.5, n);
  assert.deepEqual(shown, [68, 204]); // half the 271 steps, rounded up, around point 136
  shown = keyZoom(shown, 204, 0.5, n);
  assert.deepEqual(shown, [170, 238]);
  shown = keyZoom(shown, 238, 2, n);
  assert.deepEqual(shown, [135, 271]); // twice the steps: past the end, so it slides inward
  assert.deepEqual(keyZoom(shown, 238, 2, n), [0, n - 1]); // two - after two +: all of them
  for (const m of [269, 270, 273, 1000]) {
    const twice = (s) => keyZoom(s, m >> 1, 2, m);
    const half = (s) => keyZoom(s, m >> 1, 0.5, m);
    assert.deepEqual(twice(twice(half(half([0, m - 1])))), [0, m - 1], `${m} points`);
  }
  assert.deepEqual(keyZoom([0, n - 1], 3, 0.5, n), [0, 136]); // near an end: slides in, same size
  assert.deepEqual(keyZoom([10, 11], 11, 0.5, n), [11, 12]); // one step is the least
  assert.deepEqual(keyZoom([0, 1], 1, 2, 2), [0, 1]);
});

test("a tick label that would cross the canvas' edge is not drawn", () => {
  const widthOf = (text) => text.length * 6;
  const words = ["Feb 2018", "Jun", "Oct", "Feb 2019"]; // 48, 18, 18 and 48 px wide
  assert.deepEqual(labelsInside(words, [30, 400, 800, 1020], widthOf, 1038), ["Feb 2018", "Jun", "Oct", null]);
  assert.deepEqual(labelsInside(words, [20, 400, 800, 1014], widthOf, 1038), [null, "Jun", "Oct", "Feb 2019"]);
  assert.deepEqual(labelsInside(["Jun"], [1029], widthOf, 1038), ["Jun"]); // to the edge exactly
});

test("an axis' first tick and each tick in a new year say the year (4-month ticks skip January)", () => {
  const t = (iso) => Date.parse(`${iso}T00:00Z`) / 1000;
  const fourMonths = ["2020-08-01", "2020-12-01", "2021-04-01", "2021-08-01", "2021-12-01", "2022-04-01"].map(t);
  assert.deepEqual(tickLabels(fourMonths, 122 * 86400), ["Aug 2020", "Dec", "Apr 2021", "Aug", "Dec", "Apr 2022"]);
  const days = ["2020-12-24", "2020-12-31", "2021-01-07"].map(t);
  assert.deepEqual(tickLabels(days, 7 * 86400), ["24 Dec 2020", "31 Dec", "7 Jan 2021"]);
  assert.deepEqual(tickLabels([t("2014-01-01"), t("2016-01-01")], 2 * 365 * 86400), ["2014", "2016"]);
});

test("a re-saved file's dates are placed and written from the model's ISO `times`", () => {
  // As the model answers a German Excel re-save (01.02.2004) of a monthly export.
  const series = {
    name: "x",
    timestamps: ["01.01.2004", "01.02.2004", "01.03.2004"],
    times: ["2004-01-01", "2004-02-01", "2004-03-01"],
    values: [10, 50, 12],
    expected: [10, 11, 12],
    lower: [5, 6, 7],
    upper: [15, 16, 17],
    anomalies: [{ index: 1, timestamp: "01.02.2004", start: "01.02.2004", end: "01.03.2004",
      start_index: 1, end_index: 2, direction: "up", kind: "spike", value: 50, expected: 11 }],
  };
  assert.equal(whenAt(series, 1), "2004-02-01");
  assert.equal(whenAt({ timestamps: ["2/1/04"] }, 0), "2/1/04"); // no `times`: as written
  assert.equal(readoutParts(series, 1, { frequency: "monthly" })[0][1], "Feb 2004");
  assert.equal(extentWords(series.anomalies[0], "monthly", series), "Feb 2004 – Mar 2004");
  assert.equal(extentWords(series.anomalies[0], "monthly"), "01.02.2004 – 01.03.2004"); // (no series)
  assert.equal(spanWords(series, "monthly"), "Jan 2004 – Mar 2004");
  assert.deepEqual(axisX(series.times), [Date.UTC(2004, 0, 1), Date.UTC(2004, 1, 1), Date.UTC(2004, 2, 1)].map((ms) => ms / 1000));
});

test("a file of 180 000 rows is checked without overflowing the call stack", () => {
  const start = Date.UTC(2000, 0, 1);
  const lines = ["Day,x: (Worldwide)"];
  for (let i = 0; i < 180_000; i += 1) {
    lines.push(`${new Date(start + i * 86400000).toISOString().slice(0, 10)},${i % 100}`);
  }
  const bytes = new TextEncoder().encode(lines.join("\n"));
  assert.ok(bytes.length > 2 * MB && bytes.length < 6 * MB);
  const found = checkFile("long.csv", bytes, 6 * MB);
  assert.deepEqual(found.terms, ["x"]);
  assert.equal(found.rows, 180_000);
});

// --- "Starting…": waiting for GET /health --------------------------------------------------------

function standIn(answers) {
  const calls = [];
  const fetchImpl = async (url) => {
    calls.push(url);
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return new Response(next.body ?? "", { status: next.status });
  };
  return { calls, fetchImpl };
}

test("waitForApi polls /health with growing pauses until it answers ok", async () => {
  const { calls, fetchImpl } = standIn([
    new TypeError("Failed to fetch"),
    { status: 503, body: '{"message":"Service Unavailable"}' },
    { status: 200, body: '{"status":"starting"}' },
    { status: 200, body: '{"status":"ok"}' },
  ]);
  const slept = [];
  const up = await waitForApi("http://api.example", { fetchImpl, sleep: async (ms) => slept.push(ms) });
  assert.equal(up, true);
  assert.deepEqual(calls, Array(4).fill("http://api.example/health"));
  assert.deepEqual(slept, HEALTH_PAUSES_MS.slice(0, 3));
  assert.ok(slept[2] > slept[1] && slept[1] > slept[0]);
});

test("waitForApi keeps asking at its last pause until the API answers; a 404 is an API without the route", async () => {
  const answers = Array(40).fill(new TypeError("Failed to fetch"));
  const down = standIn([...answers, { status: 200, body: '{"status":"ok"}' }]);
  const slept = [];
  const up = await waitForApi("http://api.example", { fetchImpl: down.fetchImpl, sleep: async (ms) => slept.push(ms) });
  assert.equal(up, true);
  assert.equal(down.calls.length, 41);
  assert.deepEqual(slept.slice(0, HEALTH_PAUSES_MS.length), HEALTH_PAUSES_MS);
  assert.ok(slept.slice(HEALTH_PAUSES_MS.length).every((ms) => ms === HEALTH_PAUSES_MS.at(-1)));
  assert.ok(API_SLOW_MS <= 5000 && API_TRY_ANYWAY_MS >= 60_000);
  assert.equal(await apiIsUp("http://a", standIn([{ status: 404, body: "{}" }])), true);
  assert.equal(await apiIsUp("http://a", standIn([{ status: 200, body: "not json" }])), false);
});

test("a try at /health waits as long as the API can take to answer, and one try is out at a time", async () => {
  // The HTTP API answers within its 30 s integration timeout (503 past it): a try waits for
  // that answer, however slow, rather than giving up at 5 s as a cold API's answer comes.
  assert.ok(HEALTH_TRY_TIMEOUT_MS > 30_000 && HEALTH_TRY_TIMEOUT_MS < API_TRY_ANYWAY_MS);
  // A try past its timeout is given up (an answer that never comes does not hang the page).
  const never = (url, { signal }) =>
    new Promise((_, reject) => signal.addEventListener("abort", () => reject(new DOMException("x", "AbortError"))));
  assert.equal(await apiIsUp("http://a", { fetchImpl: never, timeoutMs: 5 }), false);
  // waitForApi hands each try its timeout: two tries that never answer are given up after it.
  let tries = 0;
  const twoHang = (url, init) => (++tries <= 2 ? never(url, init) : Promise.resolve(new Response('{"status":"ok"}')));
  const failed = [];
  const hung = await waitForApi("http://a", { fetchImpl: twoHang, sleep: async () => {}, timeoutMs: 5, onWait: (n) => failed.push(n) });
  assert.equal(hung, true);
  assert.deepEqual(failed, [1, 2]);
  // One try at a time: the next is sent only once the last one ended.
  let out = 0;
  let most = 0;
  let answered = 0;
  const slow = async () => {
    out += 1;
    most = Math.max(most, out);
    await new Promise((resolve) => setTimeout(resolve, 5));
    out -= 1;
    answered += 1;
    return new Response(answered < 3 ? "" : '{"status":"ok"}', { status: answered < 3 ? 503 : 200 });
  };
  assert.equal(await waitForApi("http://a", { fetchImpl: slow, sleep: async () => {} }), true);
  assert.deepEqual([answered, most], [3, 1]);
});

test("while the first try waits for a slow API, the page says it is waking up and can take a minute", () => {
  const site = apiWakingWords(false);
  assert.match(site, /^The detector is waking up after a quiet spell: this can take up to a minute\. This page offers Detect anomalies as soon as it answers\. /);
  assert.match(site, /try again later\.$/);
  assert.doesNotMatch(site, /make up/);
  const local = apiWakingWords(true);
  assert.match(local, /^The detector is waking up: this can take up to a minute\. /);
  assert.match(local, /make up runs\.$/);
});

test("each chart says the dates its series spans (two ranges of one term look alike otherwise)", () => {
  assert.equal(spanWords({ timestamps: ["2019-01-06", "2019-01-13", "2019-12-29"] }, "weekly"), "6 Jan 2019 – 29 Dec 2019");
  assert.equal(spanWords({ timestamps: ["2004-01", "2022-07"] }, "monthly"), "Jan 2004 – Jul 2022");
  assert.equal(spanWords({ timestamps: ["2021-06-01T14", "2021-06-08T13"] }, "hourly"), "1 Jun 2021, 14:00 – 8 Jun 2021, 13:00");
  assert.equal(spanWords({ timestamps: [0, 1, 2] }), "");
  assert.equal(spanWords({ values: [1, 2] }), "");
});

test("what the model tells about one term is said under its chart, and only there", () => {
  const sampling =
    "Family Guy: from 2004-01 to 2010-01 the term reads mostly 0, with now and then a lone value";
  const partial = "Family Guy: the anomaly on the last row (2022-01) may be an incomplete month";
  const family = { name: "Family Guy", notes: [sampling, partial] };
  const other = { name: "Other", notes: [] };
  assert.deepEqual(termNotes(family), [
    "From 2004-01 to 2010-01 the term reads mostly 0, with now and then a lone value.",
    "The anomaly on the last row (2022-01) may be an incomplete month.",
  ]);
  assert.deepEqual(termNotes(other), []);
  assert.deepEqual(termNotes({ name: "x" }), []); // an answer from before notes existed
  assert.deepEqual(termNotes({ name: "x", notes: ["done already."] }), ["Done already."]);
  // Dates in a note are written as the page writes dates, from the series' own labels.
  const oneDay = {
    name: "kamala harris",
    timestamps: ["2025-09-16T00:04:00-05:00", "2025-09-16T00:12:00-05:00", "2025-09-16T07:32:00-05:00"],
    notes: ["kamala harris: from 2025-09-16T00:04:00-05:00 to 2025-09-16T07:32:00-05:00 the term reads mostly 0"],
  };
  assert.deepEqual(termNotes(oneDay), ["From 16 Sep 2025, 00:04 to 16 Sep 2025, 07:32 the term reads mostly 0."]);
  const resaved = {
    name: "flu",
    timestamps: ["05/01/2020", "12/01/2020"],
    times: ["2020-01-05", "2020-01-12"],
    notes: ["flu: the anomaly on the last row (12/01/2020) may be an incomplete week."],
  };
  assert.deepEqual(termNotes(resaved, "weekly"), ["The anomaly on the last row (12 Jan 2020) may be an incomplete week."]);
  const answer = {
    series: [family, other],
    warnings: [sampling, "the file is not UTF-8", partial, "Other: a warning about the file"],
  };
  assert.deepEqual(generalWarnings(answer), ["the file is not UTF-8", "Other: a warning about the file"]);
  assert.deepEqual(generalWarnings({ series: [], warnings: ["x"] }), ["x"]);
  assert.deepEqual(generalWarnings({ series: [] }), []);
});

test("a warning about the file writes its ISO dates as the page does, other spellings as they are", () => {
  const ranges = {
    frequency: "weekly",
    series: [
      { name: "a", timestamps: ["2020-01-05", "2020-12-27"] },
      { name: "a", timestamps: ["2019-01-06", "2019-12-29"] },
    ],
  };
  assert.equal(
    warningWords("a: read on the dates of its own column (2019-01-06 to 2019-12-29): the file compares time ranges", ranges),
    "a: read on the dates of its own column (6 Jan 2019 to 29 Dec 2019): the file compares time ranges",
  );
  const resaved = { frequency: "monthly", series: [{ name: "b", timestamps: ["1/1/04", "2/1/04"], times: ["2004-01-01", "2004-02-01"] }] };
  const ambiguous = "Dates such as 1/1/04 can be read day-first or month-first; they were read month-first";
  assert.equal(warningWords(ambiguous, resaved), ambiguous);
  assert.equal(warningWords("the file is not UTF-8", { series: [] }), "the file is not UTF-8");
  const twice = { frequency: "weekly", series: [{ name: "c", timestamps: ["2021-05-30", "2021-05-30"] }] };
  assert.equal(
    warningWords("two rows have the same date, 2021-05-30: both are kept as points", twice),
    "two rows have the same date, 30 May 2021: both are kept as points",
  );
});

test("a warning writes yyyymmdd dates as the page does, and keeps two spellings of one date", () => {
  const compact = {
    frequency: "weekly",
    series: [{ name: "a", timestamps: ["20210530", "2021-06-20", "20210620"], times: ["2021-05-30", "2021-06-20", "2021-06-20"] }],
  };
  assert.equal(
    warningWords("no rows between 20210530 and 20210620 (2 weekly points missing)", compact),
    "no rows between 30 May 2021 and 20 Jun 2021 (2 weekly points missing)",
  );
  const same = "two rows have the same date, 2021-06-20 and 20210620: both are kept as points";
  assert.equal(warningWords(same, compact), same);
  assert.equal(warningWords("the same date, 20210530: both kept", compact), "the same date, 30 May 2021: both kept");
});

test("a warning writes ISO 8601's basic-form times (20210604T0200) as the page does", () => {
  // The model's `times` for them are the extended form; its warnings name the cells as written.
  const stamps = ["20210604T01", "20210604T0200", "20210604T090000", "20210604T1000Z", "20210604T1100"];
  const basic = {
    frequency: "hourly",
    series: [{ name: "a", timestamps: stamps, times: ["2021-06-04T01", "2021-06-04T02:00", "2021-06-04T09:00:00", "2021-06-04T10:00", "2021-06-04T11:00"] }],
  };
  assert.equal(
    warningWords("no rows between 20210604T0200 and 20210604T090000 (6 hourly points missing)", basic),
    "no rows between 4 Jun 2021, 02:00 and 4 Jun 2021, 09:00 (6 hourly points missing)",
  );
  assert.equal(warningWords("the same date, 20210604T01: both kept", basic), "the same date, 4 Jun 2021, 01:00: both kept");
  assert.equal(warningWords("at 20210604T1000Z", basic), "at 4 Jun 2021, 10:00");
  // A word that only looks like one (not a label of the series) stays as written.
  assert.equal(warningWords("no rows after 20210604T1200", basic), "no rows after 20210604T1200");
});

test("a season too long for a term is said under its chart, with what to do", () => {
  const answer = { method: "auto", parameters: { period: 52 } };
  const series = { values: new Array(66).fill(1), parameters: { period: null, period_source: "parameter:too_short" } };
  assert.equal(
    seasonWords(series, answer),
    "No season was used: 66 points are too few for the season of 52 points you set. " +
      "Leave Season length blank to have it found from the dates.",
  );
  for (const source of ["parameter", "parameter:none", "timestamps+confirmed", undefined]) {
    assert.equal(seasonWords({ ...series, parameters: { period_source: source } }, answer), "");
  }
});

test("the details of an analysis are said in words, and a season not used is 'none'", () => {
  const labels = new Map([["period", "Season length"], ["sensitivity", "Sensitivity"]]);
  const noSeason = { period: null, period_source: "none:not_confirmed", seasonal_model: "none" };
  assert.deepEqual(detailWords("period", null, noSeason, labels), ["Season length", "none"]);
  assert.deepEqual(detailWords("period_source", "none:not_confirmed", noSeason, labels), [
    "Season found", "none: the dates suggest one, but the data do not follow it",
  ]);
  assert.deepEqual(detailWords("period_source", "timestamps+confirmed", {}, labels), [
    "Season found", "from the dates, and the data follow it",
  ]);
  assert.deepEqual(detailWords("seasonal_model", "multiplicative"), ["Season model", "a share of the level"]);
  assert.deepEqual(detailWords("seasonal_phase", "week_of_year"), ["Season read by", "week of the year"]);
  assert.deepEqual(detailWords("threshold", 4.0961), ["Reporting threshold (noise units)", "4.0961"]);
  assert.deepEqual(detailWords("sensitivity", 0.5, {}, labels), ["Sensitivity", "0.5"]);
  assert.deepEqual(detailWords("max_anomalies", null), ["max anomalies", "chosen from the data"]);
  assert.deepEqual(detailWords("some_new_key", "a_b"), ["some new key", "a b"]); // unknown: readable
  assert.deepEqual(detailWords("last_row_unreported", "partial_period"), [
    "Drop on the last row", "not reported: the last period may be incomplete",
  ]);
});

test("a warning is listed as a sentence", () => {
  assert.equal(sentence("rows were not in time order and were sorted"), "Rows were not in time order and were sorted.");
  assert.equal(sentence("Already one."), "Already one.");
  assert.equal(sentence("iPhone: 2 missing value(s) filled", ["iPhone"]), "iPhone: 2 missing value(s) filled."); // a term as written
  assert.equal(sentence("the file is in Windows-1254", ["iPhone"]), "The file is in Windows-1254.");
  assert.equal(sentence(""), "");
});

test("a category-only export's column is named by its category, as the model names it", () => {
  const found = checkFile("k.csv", bytesOf("카테고리: 게임\n\n월,Geo: 대한민국\n2008-04,17\n2008-05,19\n"), MB);
  assert.deepEqual(found.terms, ["게임"]);
  const bare = checkFile("w.csv", bytesOf("Month,Geo: Worldwide\n2020-01,5\n2020-02,6\n"), MB);
  assert.deepEqual(bare.terms, ["All searches"]);
});

test("a one-point series is said, with its date and value as the page writes them", () => {
  const one = { name: "x", header: "x: (Worldwide)", timestamps: ["2020-07-12"], times: null, values: [15] };
  assert.equal(onePointWords(one, "unknown"), "Only one point: 12 Jul 2020, value 15. A chart needs two or more.");
  const belowOne = new Map([["x: (Worldwide)", new Set(["2020-07-12"])]]);
  assert.match(onePointWords({ ...one, values: [0.5] }, "", belowOne), /, value <1\./);
  assert.equal(onePointWords({ name: "x", values: [3] }), "Only one point: value 3. A chart needs two or more.");
});

test("a series none of whose points was tested is 'not judged', with why, not 'no anomalies'", () => {
  const five = { name: "x", values: [1, 2, 9, 2, 1], parameters: { tested: false } };
  assert.equal(untested(five), true);
  assert.equal(
    notJudgedWords(five),
    "Not judged: 5 points are too few to tell an anomaly from ordinary ups and downs. " +
      "Export a longer time range from Google Trends.",
  );
  assert.equal(untested({ name: "x", values: [3] }), true); // one point: nothing to compare with
  assert.match(notJudgedWords({ name: "x", values: [3] }), /^Not judged: an anomaly stands out/);
  assert.equal(untested({ ...five, parameters: { period: 52 } }), false);
  assert.equal(untested({ name: "x", values: [1, 2] }), false); // stl, dbscan: no such mark
});

test("detect stops when its signal aborts (Cancel), while waiting and while reading the answer", async () => {
  const waits = (url, { signal }) =>
    new Promise((resolve, reject) => signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
  const cancel = new AbortController();
  const asked = detect("http://api.example", "Week,x\n", "auto", {}, { fetchImpl: waits, signal: cancel.signal });
  cancel.abort();
  await assert.rejects(asked, (e) => e instanceof ApiProblem && e.code === CANCELLED);
  // Aborted while the answer's body is on its way: the same, not "Something went wrong".
  const slowBody = async (url, { signal }) => ({
    ok: true, status: 200, text: () => waits(url, { signal }),
  });
  const late = new AbortController();
  const reading = detect("http://api.example", "Week,x\n", "auto", {}, { fetchImpl: slowBody, signal: late.signal });
  await new Promise((resolve) => setTimeout(resolve, 5));
  late.abort();
  await assert.rejects(reading, (e) => e instanceof ApiProblem && e.code === CANCELLED);
  // Without a signal, a failure is still said as before.
  const down = async () => { throw new TypeError("Failed to fetch"); };
  await assert.rejects(detect("http://api.example", "x", "auto", {}, { fetchImpl: down }), (e) => e.code === "network");
});

test("while the API does not answer, the page says so, that it keeps asking, and what to do", () => {
  assert.equal(isLocalApi("http://127.0.0.1:3000"), true);
  assert.equal(isLocalApi("http://localhost:3000/"), true);
  assert.equal(isLocalApi("https://abc.execute-api.eu-west-1.amazonaws.com"), false);
  assert.equal(isLocalApi("not a url"), false);
  const local = apiWaitWords(true, 4000, 90_000);
  assert.match(local, /^The detector is not answering yet\. This page keeps asking and offers Detect anomalies as soon as it answers\. /);
  assert.match(local, /make up, it may still be starting/);
  const site = apiWaitWords(false, 4000, 90_000);
  assert.match(site, /try again later\.$/);
  assert.doesNotMatch(site, /make up/);
  assert.match(apiWaitWords(false, 90_000, 90_000), /^The detector has not answered for 90 seconds\. This page keeps asking; you can also try Detect anomalies now\./);
});

const TERMS = (...highs) => highs.map((h) => ({ values: [0, h / 2, h, 0.5] }));

test("the terms of one Google Trends comparison share a y-scale; exports scaled apart do not", () => {
  // One comparison: whole points (and "<1" read as 0.5) from 0 to 100, one term at the top.
  assert.deepEqual(chartScale(TERMS(100, 36, 1)), { charts: 3, share: true, low: 0, top: 100, reason: "comparison", peaks: 1 });
  // Cut to a stretch without the peak (a spreadsheet's last 12 months): still one scale, up
  // to its highest value, not its widest band (tests/data/resaved/*-12months_de_*: 51 and 60.9).
  const cut = TERMS(51, 47, 9).map((s) => ({ ...s, upper: [61, 61, 61, 61] }));
  assert.deepEqual([chartScale(cut).share, chartScale(cut).top], [true, 51]);
  // Several terms each at 100: exports put side by side (tests/data/more/it_monthly_semicolons_16terms.csv).
  assert.deepEqual(chartScale(TERMS(100, 5, 100, 85)), { charts: 4, share: false, low: 0, top: 100, reason: "peaks", peaks: 2 });
  // Not on Trends' scale: counts over 100, fractions, negatives.
  for (const terms of [TERMS(250, 40), TERMS(0.37, 0.9), [{ values: [-3, 4] }, { values: [1, 2] }]]) {
    assert.equal(chartScale(terms).reason, "scale", JSON.stringify(terms));
  }
  // One chart: nothing to share (a one-point term is said, not drawn); gaps are skipped.
  assert.equal(chartScale([{ values: [3, 100] }, { values: [7] }]).charts, 1);
  assert.equal(chartScale([{ values: [null, 100] }, { values: [2, null] }]).share, true);
  // A long file is read without spreading its values into a call.
  assert.equal(chartScale([{ values: new Array(200_000).fill(1) }, { values: [1, 100] }]).top, 100);
});

test("the scale note says how to read heights, and why the page did not share the scale itself", () => {
  const comparison = chartScale(TERMS(100, 5));
  assert.match(scaleWords(comparison, false), /^All charts are drawn on one scale: Google Trends scaled their terms together/);
  assert.match(scaleWords(comparison, true), /^Each chart is scaled to its own term\. Heights do not compare/);
  assert.match(scaleWords(chartScale(TERMS(100, 100)), true), /^2 terms each reach 100, so this file may put exports side by side/);
  assert.match(scaleWords(chartScale(TERMS(250, 4)), true), /^The values are not on Google Trends' 0–100 scale/);
  assert.doesNotMatch(scaleWords(chartScale(TERMS(250, 4)), false), /Google Trends/);
});

test("the time axis' ticks are as far apart as their widest neighbours need, not a fixed 50 px", () => {
  // 6 weeks over 270 px: 54 px a week. "12 Jul 2020" (68 px) beside "19 Jul" (33 px) needs
  // 50.5 px and a gap: two weeks apart, the first step whose labels keep 12 px between them.
  const WEEK = 7 * 86400;
  const widths = { [WEEK]: [68, 33, 33, 30, 30, 35], [2 * WEEK]: [68, 33, 35] };
  const labelsAt = (incr, room) => widths[incr].map((w, k) => [k * room, w]);
  assert.equal(clearSpace(5 * WEEK, 270, [WEEK, 2 * WEEK], labelsAt), 108);
  // Room enough for the widest pair: the data's own step.
  assert.equal(clearSpace(5 * WEEK, 600, [WEEK, 2 * WEEK], labelsAt), 120);
  // Nothing fits: the coarsest step (the fewest labels), never the finest.
  assert.equal(clearSpace(5 * WEEK, 100, [WEEK, 2 * WEEK], labelsAt), 40);
  // Steps whose ticks would be under 16 px apart are not even laid out.
  const asked = [];
  clearSpace(5 * WEEK, 50, [WEEK, 2 * WEEK], (incr, room) => (asked.push(incr), labelsAt(incr, room)));
  assert.deepEqual(asked, [2 * WEEK]);
});

test("settings that send the same values are the same choice (0.50 is 0.5)", async () => {
  const { choiceKey } = await import("../src/params.js");
  const at = (params) => choiceKey({ method: "auto", params });
  assert.equal(at({ sensitivity: "0.50" }), at({ sensitivity: "0.5" }));
  assert.equal(at({ period: "52" }), at({ period: "052" }));
  assert.notEqual(at({ sensitivity: "0.5" }), at({ sensitivity: "0.55" }));
  assert.notEqual(at({ max_anomalies: "auto" }), at({ max_anomalies: "5" }));
  assert.equal(choiceKey({ problem: "x" }), "");
});

test("a first column of spreadsheet serial dates is named as the model names it", () => {
  // Dates saved without a date format (44000 is a day in 2020): the page said "holds numbers,
  // not dates", the model what they are and how to save them as dates; both now say the latter.
  const text = "Date,visits\n44000,5\n44007,6\n44014,7\n";
  assert.throws(
    () => checkFile("s.csv", new TextEncoder().encode(text), 6 * MB),
    (err) =>
      err instanceof FileProblem &&
      err.message.startsWith("The first column holds spreadsheet serial numbers ('44000'), not dates") &&
      err.hint.includes("format the first column as dates"),
  );
  const numbers = "Time,Popularity\n0.0,0.23\n0.0059,0.21\n";
  assert.throws(
    () => checkFile("n.csv", new TextEncoder().encode(numbers), 6 * MB),
    (err) => err instanceof FileProblem && err.message === "The first column of this file holds numbers, not dates.",
  );
});
