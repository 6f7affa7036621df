// The console's only way to the server: the public HTTP API with a bearer token kept in memory (never in
// localStorage, sessionStorage or a JS cookie, so a script injected later cannot lift it from storage). The refresh
// token lives in the HTTP-only cookie the server sets on /auth; `credentials: "same-origin"` lets it travel.

/** A failed call: `status` (0 when the network failed), `problem` (the problem+json body or null), `message`. */
export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message || (problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

// Refresh this long before the access token expires, so a request in flight never carries an expired token.
const REFRESH_MARGIN_MS = 60_000;
const MIN_REFRESH_DELAY_MS = 5_000;

/** Seconds since the epoch at which a JWT expires, or null if it cannot be read (then we rely on 401s). */
export function tokenExpiry(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const exp = JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "="))).exp;
    return typeof exp === "number" ? exp : null;
  } catch {
    return null;
  }
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

async function readBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  if (!type.includes("json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * The API client. `fetch` and `setTimeout`/`clearTimeout` are injectable for tests; `base` prefixes every path.
 * `onSignedOut` is called when a session ends without the user asking (the refresh failed).
 */
export function createApi({ onSignedOut = () => {}, fetch: fetchFn, base = "", timers } = {}) {
  const doFetch = fetchFn || ((...args) => globalThis.fetch(...args));
  const clock = timers || { set: (fn, ms) => setTimeout(fn, ms), clear: (id) => clearTimeout(id) };
  let token = null;
  let refreshTimer = null;
  let refreshing = null; // one refresh at a time: rotation makes a second concurrent refresh a "reuse"

  const api = { user: null };

  function forget() {
    token = null;
    api.user = null;
    if (refreshTimer !== null) clock.clear(refreshTimer);
    refreshTimer = null;
  }

  function adopt(session) {
    token = session.accessToken;
    api.user = session.user;
    if (refreshTimer !== null) clock.clear(refreshTimer);
    const exp = tokenExpiry(token);
    const expiresAt = exp ? exp * 1000 : Date.now() + (session.expiresIn || 0) * 1000;
    const delay = Math.max(expiresAt - Date.now() - REFRESH_MARGIN_MS, MIN_REFRESH_DELAY_MS);
    refreshTimer = clock.set(() => {
      refreshTimer = null;
      refresh().catch(() => {});
    }, delay);
    return session.user;
  }

  async function send(method, path, { query, body, auth = true } = {}) {
    const headers = { Accept: "application/json, application/problem+json" };
    if (auth && token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await doFetch(base + withQuery(path, query), init);
    } catch (err) {
      throw new ApiError(0, null, `network error: ${err && err.message ? err.message : err}`);
    }
    const data = await readBody(response);
    if (!response.ok) {
      const problem = data && typeof data === "object" ? data : null;
      throw new ApiError(response.status, problem, problem ? problem.detail || problem.title : response.statusText);
    }
    return data;
  }

  /** Rotate the refresh cookie for a new access token; on failure the session is over. */
  function refresh({ quiet = false } = {}) {
    if (!refreshing) {
      refreshing = send("POST", "/auth/refresh", { auth: false })
        .then((session) => adopt(session))
        .catch((err) => {
          const hadSession = token !== null;
          forget();
          if (hadSession && !quiet) onSignedOut(err);
          throw err;
        })
        .finally(() => {
          refreshing = null;
        });
    }
    return refreshing;
  }

  async function call(method, path, options) {
    try {
      return await send(method, path, options);
    } catch (err) {
      // One refresh-and-retry: the token may have expired while the tab slept (timers pause in the background).
      if (!(err instanceof ApiError) || err.status !== 401 || token === null) throw err;
      await refresh();
      return send(method, path, options);
    }
  }

  api.signIn = async (email, password) => {
    const session = await send("POST", "/auth/login", { body: { email, password }, auth: false });
    return adopt(session);
  };
  /** On page load: a signed-in user reloading the page keeps the session through the cookie. */
  api.restore = async () => {
    try {
      return await refresh({ quiet: true });
    } catch {
      return null;
    }
  };
  api.signOut = async () => {
    try {
      await send("POST", "/auth/logout", { auth: false });
    } finally {
      forget();
    }
  };
  api.get = (path, query) => call("GET", path, { query });
  api.post = (path, body) => call("POST", path, { body });
  api.patch = (path, body) => call("PATCH", path, { body });
  api.put = (path, body) => call("PUT", path, { body });
  api.del = (path) => call("DELETE", path, {});
  api.hasToken = () => token !== null;
  return api;
}
