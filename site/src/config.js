/**
 * Where the API lives and how big a file it takes. deploy (and `make up`) write `config.js`
 * next to index.html with `window.TRENDS_CONFIG = {"apiUrl": "...", "maxUploadBytes": ...}`;
 * nothing of it is part of the source, so the same build works for every stage. Missing or
 * malformed config is reported, not guessed; without maxUploadBytes the model's own limit
 * applies (generated/params.json).
 */
import { MODEL_MAX_PAYLOAD_BYTES } from "./rules.js";

/**
 * @returns {{ apiUrl: string, maxUploadBytes: number } | { problem: string, maxUploadBytes: number }}
 */
export function readConfig(win = window) {
  const config = win.TRENDS_CONFIG;
  const limit = Number(config && typeof config === "object" ? config.maxUploadBytes : NaN);
  const maxUploadBytes = Number.isInteger(limit) && limit > 0 && limit <= MODEL_MAX_PAYLOAD_BYTES
    ? limit
    : MODEL_MAX_PAYLOAD_BYTES;
  if (!config || typeof config !== "object") {
    return {
      problem:
        "This page has no API configured: config.js is missing or did not set " +
        "window.TRENDS_CONFIG. Deploy writes it (python -m deploy apply); locally, run `make up`.",
      maxUploadBytes,
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
      maxUploadBytes,
    };
  }
  return { apiUrl: url.href.replace(/\/+$/, ""), maxUploadBytes };
}
