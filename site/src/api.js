/**
 * The one network call: POST the raw CSV to `${apiUrl}/detect` with the method and its
 * parameters as query parameters. Every failure becomes an ApiProblem with a message a person
 * can act on: the API's own {error: {message, hint}} when it sent one, otherwise what we know.
 */

export const MAX_UPLOAD_BYTES = 6 * 1024 * 1024; // the API (Lambda/SageMaker) request limit
export const TIMEOUT_MS = 35_000; // a little above API Gateway's 30 s integration timeout

/** A failure to show the user: message, optional hint, and what we know about it. */
export class ApiProblem extends Error {
  constructor(message, { hint = "", code = "", status = 0, requestId = "" } = {}) {
    super(message);
    this.name = "ApiProblem";
    this.hint = hint;
    this.code = code;
    this.status = status;
    this.requestId = requestId;
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

/**
 * Run detection. Resolves with the model's JSON answer; rejects with ApiProblem.
 * @param {string} apiUrl
 * @param {string} csvText the file exactly as read
 * @param {string} method
 * @param {Record<string, string>} params
 */
export async function detect(apiUrl, csvText, method, params, { fetchImpl = fetch } = {}) {
  const size = new Blob([csvText]).size;
  if (size > MAX_UPLOAD_BYTES) {
    throw new ApiProblem(
      `The file is ${(size / 1024 / 1024).toFixed(1)} MB; the API accepts at most 6 MB.`,
      { hint: "Export a shorter time range or fewer terms from Google Trends.", code: "too_large" },
    );
  }
  const url = detectUrl(apiUrl, method, params);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetchImpl(url, {
      method: "POST",
      headers: { "Content-Type": "text/csv", Accept: "application/json" },
      body: csvText,
      signal: controller.signal,
      credentials: "omit",
    });
  } catch (error) {
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
  }
  return readAnswer(response);
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
  if (response.ok) {
    if (body && Array.isArray(body.series)) return body;
    throw new ApiProblem("The API answered, but not with detection results.", {
      hint: "The API URL in config.js may point at the wrong service.",
      code: "bad_answer",
      status: response.status,
    });
  }
  const error = body && typeof body.error === "object" && body.error ? body.error : null;
  if (error && typeof error.message === "string") {
    throw new ApiProblem(error.message, {
      hint: typeof error.hint === "string" ? error.hint : "",
      code: typeof error.code === "string" ? error.code : "",
      status: response.status,
      requestId: typeof error.request_id === "string" ? error.request_id : "",
    });
  }
  const message = body && typeof body.message === "string" ? body.message : "";
  throw new ApiProblem(
    `The API answered HTTP ${response.status}${message ? `: ${message}` : ""}.`,
    {
      hint: response.status >= 500 ? "Try again in a moment." : "",
      code: "http_error",
      status: response.status,
    },
  );
}
