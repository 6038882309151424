/**
 * Where the API lives. deploy (and `make up`) write `config.js` next to index.html with
 * `window.TRENDS_CONFIG = {"apiUrl": "..."}`; the URL is never part of the source, so the same
 * build works for every stage. Missing or malformed config is reported, not guessed.
 */

/**
 * @returns {{ apiUrl: string } | { problem: string }}
 */
export function readConfig(win = window) {
  const config = win.TRENDS_CONFIG;
  if (!config || typeof config !== "object") {
    return {
      problem:
        "This page has no API configured: config.js is missing or did not set " +
        "window.TRENDS_CONFIG. Deploy writes it (python -m deploy apply); locally, run `make up`.",
    };
  }
  const raw = typeof config.apiUrl === "string" ? config.apiUrl.trim() : "";
  let url;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return {
      problem:
        `config.js sets apiUrl to ${JSON.stringify(config.apiUrl ?? null)}, which is not an ` +
        "http(s) URL. It should be the HTTP API's invoke URL, as written by deploy.",
    };
  }
  return { apiUrl: url.href.replace(/\/+$/, "") };
}
