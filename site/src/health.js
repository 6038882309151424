/**
 * "Starting…": wait until the API says it is up (`GET {apiUrl}/health` → 200 {"status": "ok"})
 * before offering Detect, polling with a growing pause and giving up after a bound. An API
 * that answers 404 there predates the route: it is up. Timers and fetch are injectable, so the
 * waiting is tested without a clock.
 */

// Pauses between tries: quick at first (a local stack is up in seconds), then every 5 s; about
// 90 s in all, longer than a cold Lambda plus a model container's start.
export const HEALTH_PAUSES_MS = [250, 500, 1000, 2000, 3000, 5000, 5000, 5000, 5000, 5000,
  5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000];
export const HEALTH_TRY_TIMEOUT_MS = 5000;

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
 * Poll until the API is up. Resolves true when it is, false when every try failed.
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
    if (tries >= pauses.length) return false;
    onWait(tries + 1);
    await sleep(pauses[tries]);
  }
}

/** Seconds the whole wait can take (for the message when it gives up). */
export function healthBoundSeconds(pauses = HEALTH_PAUSES_MS) {
  return Math.round(pauses.reduce((a, b) => a + b, 0) / 1000);
}
