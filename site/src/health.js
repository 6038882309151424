/**
 * "Starting…": wait until the API says it is up (`GET {apiUrl}/health` → 200 {"status": "ok"})
 * before offering Detect, polling with a growing pause, and on for as long as the page is open
 * (the page says what is going on meanwhile: API_SLOW_MS, API_TRY_ANYWAY_MS). An API that
 * answers 404 there predates the route: it is up. Timers and fetch are injectable, so the
 * waiting is tested without a clock.
 */

// Pauses between tries: quick at first (a local stack is up in seconds), then every 5 s (the
// last pause repeats).
export const HEALTH_PAUSES_MS = [250, 500, 1000, 2000, 3000, 5000];
export const HEALTH_TRY_TIMEOUT_MS = 5000;
// Without an answer this long, the page says the API is not answering yet, and what to do.
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
 * Poll until the API is up; resolves (true) when it is. `pauses` between tries, the last one
 * repeated for as long as it takes.
 * @param {string} apiUrl
 * @param {{ fetchImpl?: typeof fetch, sleep?: (ms: number) => Promise<void>,
 *           pauses?: number[], onWait?: (tries: number) => void }} [options]
 */
export async function waitForApi(apiUrl, {
  fetchImpl = fetch,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  pauses = HEALTH_PAUSES_MS,
  onWait = () => {},
} = {}) {
  for (let tries = 0; ; tries += 1) {
    if (await apiIsUp(apiUrl, { fetchImpl })) return true;
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
