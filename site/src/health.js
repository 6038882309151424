/**
 * "Starting…": wait until the API says it is up (`GET {apiUrl}/health` → 200 {"status": "ok"})
 * before offering Detect, one try at a time, with a growing pause between tries that failed,
 * and on for as long as the page is open (the page says what is going on meanwhile:
 * API_SLOW_MS, API_TRY_ANYWAY_MS). An API that answers 404 there predates the route: it is up.
 * Timers and fetch are injectable, so the waiting is tested without a clock.
 */

// Pauses between tries that failed: quick at first (a local stack is up in seconds), then
// every 5 s (the last pause repeats).
export const HEALTH_PAUSES_MS = [250, 500, 1000, 2000, 3000, 5000];
// How long one try waits for its answer: a little above the HTTP API's 30 s integration
// timeout (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html), as
// /detect does (api.js), so a try gets whatever answer the API gives, however slow. A cold
// Lambda's Init alone may take up to 10 s, and longer when retried at the first invocation
// (docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html); with 5 s here
// every try was given up before its answer came, and the page never took the API as up.
export const HEALTH_TRY_TIMEOUT_MS = 35_000;
// Without an answer this long, the page says what is going on (the detector is waking up, or
// not answering yet) and what to do.
export const API_SLOW_MS = 4000;
// Without an answer this long (longer than a cold Lambda plus a model container's start),
// Detect is offered anyway, while the page keeps asking: a /health that fails alone must not
// keep anyone from trying.
export const API_TRY_ANYWAY_MS = 90_000;

/** One try: true when the API is up. */
export async function apiIsUp(apiUrl, { fetchImpl = fetch, timeoutMs = HEALTH_TRY_TIMEOUT_MS } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchImpl(`${apiUrl}/health`, {
      method: "GET",
      headers: { Accept: "application/json" },
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store",
    });
    if (response.status === 404) return true;
    if (!response.ok) return false;
    const body = await response.json().catch(() => null);
    return Boolean(body && body.status === "ok");
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Poll until the API is up; resolves (true) when it is. One try at a time (no second request
 * while one still waits: a cold API is not asked twice), `pauses` after each try that failed,
 * the last one repeated for as long as it takes; `onWait` is told after each.
 * @param {string} apiUrl
 * @param {{ fetchImpl?: typeof fetch, sleep?: (ms: number) => Promise<void>,
 *           pauses?: number[], timeoutMs?: number, onWait?: (tries: number) => void }} [options]
 */
export async function waitForApi(apiUrl, {
  fetchImpl = fetch,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  pauses = HEALTH_PAUSES_MS,
  timeoutMs = HEALTH_TRY_TIMEOUT_MS,
  onWait = () => {},
} = {}) {
  for (let tries = 0; ; tries += 1) {
    if (await apiIsUp(apiUrl, { fetchImpl, timeoutMs })) return true;
    onWait(tries + 1);
    await sleep(pauses[Math.min(tries, pauses.length - 1)]);
  }
}

/** Whether the API is on this computer (a local run, `make up`). */
export function isLocalApi(apiUrl) {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(apiUrl).hostname);
  } catch {
    return false;
  }
}
