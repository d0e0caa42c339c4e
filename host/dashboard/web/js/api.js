// The one way the page talks to the daemon: fetch() against the HTTP API,
// the same routes any client uses. Changes carry the session's CSRF token
// (X-CSRF-Token); the session itself is the HttpOnly cookie, which this
// code never sees. Errors come back as ApiError with a sentence a person
// can read; a daemon that cannot be reached is reported to the connection
// listeners, which show it and retry.

let csrfToken = null;  // in memory only, never in storage
const connectionListeners = new Set();
let unauthorizedHandler = null;
let connected = true;

export function setCsrf(token) { csrfToken = token; }

// fn(true|false) when the daemon becomes reachable or unreachable.
export function onConnection(fn) {
  connectionListeners.add(fn);
  return () => connectionListeners.delete(fn);
}

// Called when a change is refused because the session ended.
export function onUnauthorized(fn) { unauthorizedHandler = fn; }

export function setConnected(now) {
  if (now === connected) return;
  connected = now;
  for (const fn of connectionListeners) fn(now);
}

export class ApiError extends Error {
  constructor(message, status = 0, body = null) {
    super(message);
    this.status = status;
    this.body = body;
    // The settings the error is about (PUT .../settings names them).
    this.fields = Array.isArray(body?.fields) ? body.fields : [];
  }
}

function sentence(text) {
  const trimmed = String(text).trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

function humanMessage(status, body) {
  if (body && typeof body.error === 'string' && body.error) {
    return sentence(body.error);
  }
  if (status === 404) return 'The daemon does not know this page or item.';
  if (status >= 500) return `The daemon failed to answer (HTTP ${status}); see its log.`;
  return `The daemon refused the request (HTTP ${status}).`;
}

// api('GET', '/api/plugins') -> parsed JSON. `options.accept` lists
// error statuses that still carry an answer the caller reads (e.g. 503
// from /readyz): those resolve instead of throwing.
export async function api(method, path, body, options = {}) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined
          : typeof body === 'string' ? body : JSON.stringify(body),
    });
  } catch {
    setConnected(false);
    throw new ApiError('Cannot reach the daemon: the connection was lost. ' +
                       'The page retries by itself.');
  }
  setConnected(true);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (response.ok || (options.accept || []).includes(response.status)) {
    return data;
  }
  if (response.status === 401 && method !== 'GET' && path !== '/api/session' &&
      unauthorizedHandler) {
    unauthorizedHandler(humanMessage(response.status, data));
  }
  throw new ApiError(humanMessage(response.status, data), response.status, data);
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body = {}) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);

// Path segment escaping for plugin keys, action ids, ...
export const seg = encodeURIComponent;
