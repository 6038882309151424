/**
 * The one detection call: POST the file's bytes, unchanged, to `${apiUrl}/detect` with the
 * method and its parameters as query parameters. Every failure becomes an ApiProblem with a
 * message a person can act on: the API's own {error: {message, hint}} when it sent one (except
 * the few that only a program could cause, which are put in words about the file), otherwise
 * what we know.
 */
import { formatBytes } from "./format.js";

export const TIMEOUT_MS = 35_000; // a little above API Gateway's 30 s integration timeout

// Errors the API words for programs calling it (they speak of bodies and Content-Types); the
// page sent the user's file, so it says what they mean for that file.
const ABOUT_THE_FILE = {
  empty_body: ["The file is empty: it has no rows to analyse.",
    "Choose the CSV that Google Trends downloads (Explore → ⋮ → Download CSV)."],
  bad_base64: ["The file could not be sent as it is.", "Try choosing it again."],
  unsupported_media_type: ["The file could not be read as a CSV file.",
    "Choose the CSV that Google Trends downloads, or save your sheet as CSV."],
  payload_too_large: ["The file is larger than this site accepts.",
    "Export a shorter time range or fewer terms from Google Trends, or split the file."],
  // The model's and the Lambda's words are for programs: bytes, SageMaker, "ask for Accept:
  // text/csv", which the page cannot do for its person.
  result_too_large: ["The results for this file are more than the detector can send back at once.",
    "Export a shorter time range or fewer terms from Google Trends, or split the file and run each part."],
};

/** A failure to show the user: message, optional hint, and what we know about it. */
export class ApiProblem extends Error {
  constructor(message, { hint = "", code = "", status = 0, requestId = "", parameter = "", sizes = null } = {}) {
    super(message);
    this.name = "ApiProblem";
    this.hint = hint;
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    /** the request parameter the API named as wrong ("" when none): its field is marked */
    this.parameter = parameter;
    /** a 413 result_too_large's sizes as the API gave them ({ result, limit } bytes), else null */
    this.sizes = sizes;
  }
}

/** `${apiUrl}/detect?method=...&name=value` with blank parameters left out. */
export function detectUrl(apiUrl, method, params) {
  const url = new URL(`${apiUrl}/detect`);
  url.searchParams.set("method", method);
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) {
      url.searchParams.set(name, String(value));
    }
  }
  return url.href;
}

/** The code of the ApiProblem a request stopped with Cancel (`signal`) rejects with. */
export const CANCELLED = "cancelled";

/**
 * Run detection. Resolves with the model's JSON answer; rejects with ApiProblem (code CANCELLED
 * when `signal` aborted it: the person pressed Cancel).
 * @param {string} apiUrl
 * @param {Uint8Array | string} body the file exactly as read
 * @param {string} method
 * @param {Record<string, string>} params
 * @param {{ fetchImpl?: typeof fetch, maxBytes?: number, signal?: AbortSignal | null }} [options]
 */
export async function detect(apiUrl, body, method, params, { fetchImpl = fetch, maxBytes = Infinity, signal = null } = {}) {
  const size = typeof body === "string" ? new Blob([body]).size : body.byteLength;
  if (size > maxBytes) throw tooLarge(size, maxBytes);
  const url = detectUrl(apiUrl, method, params);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const cancel = () => controller.abort();
  if (signal) signal.addEventListener("abort", cancel);
  if (signal && signal.aborted) controller.abort();
  try {
    // The answer's body is read under the same signal: Cancel (and the time limit) stop that too.
    // The file goes as application/csv: the HTTP API hands a text/csv body to the function as
    // UTF-8 text whatever its bytes, so an Excel save in a Windows code page or UTF-16 lost its
    // letters there; any type but text/*, JSON, XML and JavaScript arrives unchanged
    // (base64-encoded; ministackorg/ministack#766, floci-io/floci#2172). Not
    // application/octet-stream, which the API reads as JSON when it starts with "[" or "{": a
    // CSV the page had accepted ("[Week],[sales]") came back as "not valid JSON".
    const response = await fetchImpl(url, {
      method: "POST",
      headers: { "Content-Type": "application/csv", Accept: "application/json" },
      body,
      signal: controller.signal,
      credentials: "omit",
    });
    return await readAnswer(response);
  } catch (error) {
    if (signal && signal.aborted) throw new ApiProblem("Cancelled.", { code: CANCELLED });
    if (error instanceof ApiProblem) throw error;
    if (controller.signal.aborted) {
      throw new ApiProblem(`The API did not answer within ${TIMEOUT_MS / 1000} seconds.`, {
        hint: "Try again in a moment; a first request after a quiet period can be slow.",
        code: "timeout",
      });
    }
    throw new ApiProblem(`Could not reach the API at ${apiUrl}.`, {
      hint:
        "Check your connection. If it persists, the API may be down or not allow this page's " +
        `origin (CORS). (${error && error.message ? error.message : error})`,
      code: "network",
    });
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener("abort", cancel);
  }
}

/** API Gateway's id of each request, the one the API's logs and error bodies carry. */
export const REQUEST_ID_HEADER = "apigw-requestid";

// The request id of each answer `detect` resolved with: should the page fail to show it (a
// bug here, which no server log records), the error it shows quotes the id instead.
const ANSWER_IDS = new WeakMap();

/** The API's request id of an answer `detect` resolved with ("" when the API sent none). */
export function requestIdOf(answer) {
  return (answer && typeof answer === "object" && ANSWER_IDS.get(answer)) || "";
}

function tooLarge(size, limit) {
  return new ApiProblem(
    `The file is ${formatBytes(size)}; this site accepts files up to ${formatBytes(limit)}.`,
    { hint: "Export a shorter time range or fewer terms from Google Trends.", code: "payload_too_large" },
  );
}

/** A result_too_large's `result_bytes` and `limit_bytes` (whole numbers, the result over the
 * limit), or null: an API without them, or numbers that say nothing to split by. */
function resultSizes(error) {
  const result = error.result_bytes;
  const limit = error.limit_bytes;
  const whole = (n) => Number.isSafeInteger(n) && n > 0;
  return whole(result) && whole(limit) && result > limit ? { result, limit } : null;
}

/** Turn a fetch Response into the answer or an ApiProblem. */
export async function readAnswer(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  // The id to quote in a bug report: our error bodies carry it; the gateway's own answers
  // (429, 413, 503) and the results only in the header, which the API's CORS rule exposes.
  const headerId = (response.headers && response.headers.get(REQUEST_ID_HEADER)) || "";
  if (response.ok) {
    if (body && Array.isArray(body.series)) {
      ANSWER_IDS.set(body, headerId);
      return body;
    }
    throw new ApiProblem("The API answered, but not with detection results.", {
      hint: "The API URL in config.js may point at the wrong service.",
      code: "bad_answer",
      status: response.status,
      requestId: headerId,
    });
  }
  const error = body && typeof body.error === "object" && body.error ? body.error : null;
  if (error && typeof error.message === "string") {
    const words = ABOUT_THE_FILE[error.code];
    throw new ApiProblem(words ? words[0] : error.message, {
      hint: words ? words[1] : typeof error.hint === "string" ? error.hint : "",
      code: typeof error.code === "string" ? error.code : "",
      status: response.status,
      requestId: typeof error.request_id === "string" ? error.request_id : headerId,
      parameter: typeof error.parameter === "string" ? error.parameter : "",
      sizes: resultSizes(error),
    });
  }
  const message = body && typeof body.message === "string" ? body.message : "";
  throw new ApiProblem(
    `The API answered HTTP ${response.status}${message ? `: ${message}` : ""}.`,
    {
      hint: response.status >= 500 ? "Try again in a moment." : "",
      code: "http_error",
      status: response.status,
      requestId: headerId,
    },
  );
}
