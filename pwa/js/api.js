// fetch() for the Waypoint API: JSON in and out, same-origin cookies, errors as ApiError.
import { emit, UNAUTHORIZED } from "./events.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(messageOf(status, body));
    this.status = status;
    this.body = body || {};
  }
  /** The message for one field from a validation error, if any. */
  fieldMessage(key) {
    const hit = (this.body.extra || []).find?.((e) => e.key === key);
    return hit ? hit.message : null;
  }
}

/** The network could not be reached (offline, server down). */
export class OfflineError extends Error {}

function messageOf(status, body) {
  if (!body) return `The server answered ${status}.`;
  const extra = Array.isArray(body.extra) ? body.extra : [];
  const fields = extra
    .filter((e) => e?.message)
    .map((e) => (e.key ? `${e.key.replaceAll("_", " ")}: ${e.message}` : e.message));
  const detail = typeof body.detail === "string" ? body.detail : `The server answered ${status}.`;
  return fields.length ? `${detail} ${fields.join("; ")}` : detail;
}

/** Call the API. `body` is sent as JSON unless `raw` is given (then sent as is). */
export async function api(path, { method = "GET", body, raw, type, headers = {}, signal } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers }, signal };
  if (raw !== undefined) {
    init.body = raw;
    if (type) init.headers["Content-Type"] = type;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new OfflineError("You're offline.");
  }
  if (response.status === 204) return null;
  const isJson = (response.headers.get("content-type") || "").includes("json");
  const data = isJson ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    if (response.status === 401) emit(UNAUTHORIZED);
    throw new ApiError(response.status, data);
  }
  return data;
}

/** True when the error means "we could not reach the server" rather than "the server said no". */
export const isOffline = (error) =>
  error instanceof OfflineError || (error instanceof ApiError && error.status >= 502 && error.status <= 504);
