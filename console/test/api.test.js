import { describe, expect, it, vi } from "vitest";
import { ApiError, createApi, tokenExpiry } from "../src/api.js";

// A JWT-shaped token whose payload carries `exp` (the signature is never checked client-side).
function jwt(exp, tag = "a") {
  const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "EdDSA" })}.${b64({ exp, sub: tag })}.sig`;
}
const USER = { id: "u1", email: "op@x.test", roles: ["OPERATOR"] };
const json = (status, body, type = "application/json") => ({
  ok: status >= 200 && status < 300, status, statusText: `S${status}`,
  headers: { get: (h) => (h.toLowerCase() === "content-type" ? type : null) },
  json: async () => body,
});
const session = (tag) => json(200, { accessToken: jwt(Math.floor(Date.now() / 1000) + 900, tag), tokenType: "Bearer",
  expiresIn: 900, user: USER });

// A fake server: `routes` maps "METHOD path" to a list of answers taken in order; every call is recorded.
function fakeFetch(routes) {
  const calls = [];
  const fetch = vi.fn(async (url, init) => {
    calls.push({ url, init });
    const queue = routes[`${init.method} ${url}`];
    if (!queue || queue.length === 0) throw new Error(`unexpected ${init.method} ${url}`);
    return queue.shift();
  });
  return { fetch, calls };
}
const timers = { set: vi.fn(() => 1), clear: vi.fn() };

describe("api.js", () => {
  it("reads a JWT's exp", () => {
    expect(tokenExpiry(jwt(1234))).toBe(1234);
    expect(tokenExpiry("garbage")).toBeNull();
  });

  it("keeps the token in memory only and sends it as a bearer with same-origin credentials", async () => {
    const { fetch, calls } = fakeFetch({ "POST /auth/login": [session("one")], "GET /events?page=2": [json(200, { items: [] })] });
    const api = createApi({ fetch, timers });
    expect(await api.signIn("op@x.test", "pw")).toEqual(USER);
    expect(api.user).toEqual(USER);
    expect(JSON.parse(calls[0].init.body)).toEqual({ email: "op@x.test", password: "pw" });
    await api.get("/events", { page: 2, name: "" });
    expect(calls[1].init.headers.Authorization).toMatch(/^Bearer .+\..+\.sig$/);
    expect(calls.every((c) => c.init.credentials === "same-origin")).toBe(true);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).toBe("");
    expect(timers.set).toHaveBeenCalled(); // silent refresh scheduled before exp
    const delay = timers.set.mock.calls.at(-1)[1];
    expect(delay).toBeGreaterThan(800_000);
    expect(delay).toBeLessThan(900_000);
  });

  it("refreshes once and retries a call that got 401", async () => {
    const { fetch, calls } = fakeFetch({
      "POST /auth/login": [session("old")],
      "GET /rewards": [json(401, { status: 401, title: "Unauthorized" }, "application/problem+json"), json(200, { items: [1] })],
      "POST /auth/refresh": [session("new")],
    });
    const api = createApi({ fetch, timers });
    await api.signIn("a", "b");
    expect(await api.get("/rewards")).toEqual({ items: [1] });
    const auths = calls.filter((c) => c.url === "/rewards").map((c) => c.init.headers.Authorization);
    expect(auths[0]).not.toBe(auths[1]);
    expect(atob(auths[1].split(".")[1])).toContain('"sub":"new"');
  });

  it("signs out (onSignedOut) when the refresh after a 401 fails", async () => {
    const onSignedOut = vi.fn();
    const { fetch } = fakeFetch({
      "POST /auth/login": [session("x")],
      "GET /rewards": [json(401, { status: 401, title: "Unauthorized" }, "application/problem+json")],
      "POST /auth/refresh": [json(401, { status: 401, title: "Unauthorized", detail: "reused" }, "application/problem+json")],
    });
    const api = createApi({ fetch, timers, onSignedOut });
    await api.signIn("a", "b");
    await expect(api.get("/rewards")).rejects.toMatchObject({ status: 401 });
    expect(onSignedOut).toHaveBeenCalledTimes(1);
    expect(api.user).toBeNull();
    expect(api.hasToken()).toBe(false);
  });

  it("turns a problem+json answer into an ApiError with the problem and its detail", async () => {
    const problem = { type: "/problems/invalid", title: "Rule violated", status: 422, detail: "invalid condition",
      errors: [{ path: "/rewardCondition/all/0/login_days/min", message: "too small" }] };
    const { fetch } = fakeFetch({ "POST /events": [json(422, problem, "application/problem+json")] });
    const api = createApi({ fetch, timers });
    const err = await api.post("/events", { name: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.problem).toEqual(problem);
    expect(err.message).toBe("invalid condition");
  });

  it("does not retry a failed login, and shows the problem's detail", async () => {
    const { fetch, calls } = fakeFetch({
      "POST /auth/login": [json(401, { status: 401, title: "Unauthorized", detail: "wrong email or password" }, "application/problem+json")],
    });
    const api = createApi({ fetch, timers });
    await expect(api.signIn("a", "b")).rejects.toMatchObject({ status: 401, message: "wrong email or password" });
    expect(calls).toHaveLength(1);
  });

  it("signs out: POST /auth/logout, then forgets the token", async () => {
    const { fetch, calls } = fakeFetch({ "POST /auth/login": [session("s")], "POST /auth/logout": [json(204, null)] });
    const api = createApi({ fetch, timers });
    await api.signIn("a", "b");
    await api.signOut();
    expect(calls.at(-1).init.method).toBe("POST");
    expect(calls.at(-1).url).toBe("/auth/logout");
    expect(api.user).toBeNull();
    expect(api.hasToken()).toBe(false);
  });

  it("restores a session from the refresh cookie on load, quietly failing when there is none", async () => {
    const { fetch } = fakeFetch({ "POST /auth/refresh": [session("r"), json(401, { status: 401 }, "application/problem+json")] });
    const onSignedOut = vi.fn();
    const api = createApi({ fetch, timers, onSignedOut });
    expect(await api.restore()).toEqual(USER);
    const other = createApi({ fetch, timers, onSignedOut });
    expect(await other.restore()).toBeNull();
    expect(onSignedOut).not.toHaveBeenCalled();
  });
});
