// The HTTP API: fetch with the bearer token, JSON in and out, errors as ApiError.
// The token lives in this module's variable only: never in localStorage,
// sessionStorage or a cookie (a browser writes those to disk). A reload asks again.

let token = "";
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setToken(t) { token = t; }
export function hasToken() { return token !== ""; }
export function forgetToken() { token = ""; }

// Called with the server's message when a request answers 401 (a bad,
// revoked or expired token): the app shows the login prompt.
export function whenUnauthorized(fn) { onUnauthorized = fn; }

export function authHeaders(extra = {}) {
  return { ...extra, Authorization: `Bearer ${token}` };
}

// Relative to the page, so the dashboard also works behind a path prefix.
export function url(path) { return `api/v1${path}`; }

async function errorOf(resp) {
  let code = "http_" + resp.status, message = `${resp.status} ${resp.statusText}`.trim();
  try {
    const body = await resp.json();
    if (body && typeof body.message === "string") message = body.message;
    if (body && typeof body.code === "string") code = body.code;
  } catch (_) { /* not JSON: keep the status line */ }
  return new ApiError(resp.status, code, message);
}

async function send(method, path, body, accept) {
  const headers = authHeaders({ Accept: accept });
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url(path), init);
  } catch (e) {
    throw new ApiError(0, "unreachable", "the controller does not answer: " + e.message);
  }
  if (!resp.ok) {
    const err = await errorOf(resp);
    if (resp.status === 401) onUnauthorized(err.message);
    throw err;
  }
  return resp;
}

export async function get(path) { return (await send("GET", path, undefined, "application/json")).json(); }
export async function post(path, body = {}) { return (await send("POST", path, body, "application/json")).json(); }

// A binary answer (the thumbnail): a Blob, or null on 404.
export async function getBlob(path) {
  try {
    return await (await send("GET", path, undefined, "image/*")).blob();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

// 401 on a streaming response (the events): same handling as a request.
export async function rejectResponse(resp) {
  const err = await errorOf(resp);
  if (resp.status === 401) onUnauthorized(err.message);
  return err;
}
