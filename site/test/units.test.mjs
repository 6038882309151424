// Unit tests of the page's pure logic (no DOM): `npm test`, and run by tests/site in pytest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { csvCell, resultsToCsv } from "../src/results-csv.js";
import { parseTimestamp, parseAxis } from "../src/timestamps.js";
import { detectUrl, readAnswer, ApiProblem } from "../src/api.js";
import { readConfig } from "../src/config.js";
import { formatNumber } from "../src/format.js";
import { resultsFilename } from "../src/download.js";

test("csvCell quotes separators and guards formulas", () => {
  assert.equal(csvCell("plain"), "plain");
  assert.equal(csvCell('a,"b"'), '"a,""b"""');
  assert.equal(csvCell("line\nbreak"), '"line\nbreak"');
  assert.equal(csvCell("=1+1"), "'=1+1");
  assert.equal(csvCell("+1"), "'+1");
  assert.equal(csvCell("-cmd"), "'-cmd");
  assert.equal(csvCell("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvCell("\tx"), "'\tx");
  assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(csvCell(-1.5), "-1.5"); // numbers are ours, not formulas
  assert.equal(csvCell(null), "");
  assert.equal(csvCell(Number.NaN), "");
  assert.equal(csvCell(true), "true");
});

test("resultsToCsv writes every point and marks the anomalies", () => {
  const answer = {
    series: [
      {
        name: "a,b", header: "a,b: (Worldwide)", timestamps: ["2020-01-05", "2020-01-12"],
        values: [1, 50], expected: [1.5, 2], lower: [0, 0], upper: [3, 4],
        anomalies: [{ index: 1, score: 7.25, direction: "up", kind: "spike" }],
      },
    ],
  };
  const lines = resultsToCsv(answer).split("\r\n");
  assert.equal(lines[0], "series,header,timestamp,value,expected,lower,upper,anomaly,score,direction,kind");
  assert.equal(lines[1], '"a,b","a,b: (Worldwide)",2020-01-05,1,1.5,0,3,false,,,');
  assert.equal(lines[2], '"a,b","a,b: (Worldwide)",2020-01-12,50,2,0,4,true,7.25,up,spike');
  assert.equal(lines[3], "");
});

test("parseTimestamp reads Trends daily, monthly and hourly stamps as UTC", () => {
  assert.equal(parseTimestamp("2020-07-12"), Date.UTC(2020, 6, 12) / 1000);
  assert.equal(parseTimestamp("2004-01"), Date.UTC(2004, 0, 1) / 1000);
  assert.equal(parseTimestamp("2021-06-02T14"), Date.UTC(2021, 5, 2, 14) / 1000);
  assert.equal(parseTimestamp("2021-06-02T14:30:00+02:00"), Date.UTC(2021, 5, 2, 12, 30) / 1000);
  assert.equal(parseTimestamp("week 3"), null);
  assert.deepEqual(parseAxis(["2020-01", "2020-02"]), [Date.UTC(2020, 0, 1) / 1000, Date.UTC(2020, 1, 1) / 1000]);
  assert.equal(parseAxis(["2020-02", "2020-01"]), null); // not increasing: plot by point number
  assert.equal(parseAxis(["2020-01", "x"]), null);
});

test("detectUrl puts method and non-blank parameters in the query", () => {
  assert.equal(
    detectUrl("https://abc.example", "stl", { period: "52", alpha: "", max_anomalies: undefined }),
    "https://abc.example/detect?method=stl&period=52",
  );
  assert.equal(detectUrl("http://127.0.0.1:3000", "auto", { sensitivity: "0.5" }),
    "http://127.0.0.1:3000/detect?method=auto&sensitivity=0.5");
});

async function problemOf(response) {
  try {
    await readAnswer(response);
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

test("readAnswer explains answers that are not ours", async () => {
  const gateway = await problemOf(new Response('{"message":"Service Unavailable"}', { status: 503 }));
  assert.equal(gateway.message, "The API answered HTTP 503: Service Unavailable.");
  const html = await problemOf(new Response("<html>oops</html>", { status: 500 }));
  assert.equal(html.message, "The API answered HTTP 500.");
  const wrong = await problemOf(new Response('{"hello": 1}', { status: 200 }));
  assert.equal(wrong.code, "bad_answer");
  const ok = await readAnswer(new Response('{"series": []}', { status: 200 }));
  assert.deepEqual(ok, { series: [] });
});

test("readConfig needs an http(s) apiUrl and drops trailing slashes", () => {
  assert.deepEqual(readConfig({ TRENDS_CONFIG: { apiUrl: "https://x.example/" } }), { apiUrl: "https://x.example" });
  assert.deepEqual(readConfig({ TRENDS_CONFIG: { apiUrl: "http://127.0.0.1:3000" } }), { apiUrl: "http://127.0.0.1:3000" });
  assert.match(readConfig({}).problem, /config\.js is missing/);
  assert.match(readConfig({ TRENDS_CONFIG: { apiUrl: "javascript:alert(1)" } }).problem, /not an http\(s\) URL/);
  assert.match(readConfig({ TRENDS_CONFIG: {} }).problem, /not an http\(s\) URL/);
});

test("formatting and file names", () => {
  assert.equal(formatNumber(3), "3");
  assert.equal(formatNumber(2.567), "2.57");
  assert.equal(formatNumber(null), "–");
  assert.equal(resultsFilename("multiTimeline (1).csv"), "multiTimeline_1_-anomalies.csv");
  assert.equal(resultsFilename("<img src=x>.csv"), "img_src_x_-anomalies.csv");
  assert.equal(resultsFilename(""), "trends-anomalies.csv");
});
