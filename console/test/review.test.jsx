import { ApiError } from "../src/api.js";
import { afterEach, describe, expect, it } from "vitest";
import { act } from "preact/test-utils";
import { Review } from "../src/pages/Review.jsx";
import { buttons, fakeApi, key, mount, settle, users } from "./helpers.js";

const request = (id) => ({
  id, userId: `user-${id}`, eventId: "ev1", rewardId: "rw1", status: "PENDING", reason: null,
  requestedAt: "2026-11-25T10:00:00.000Z", decidedBy: null, decidedAt: null, grant: null,
  evaluation: {
    eligible: true, facts: { login_days: 4 },
    explanation: { op: "all", passed: true, children: [
      { kind: "login_days", required: { min: 3 }, seen: 4, passed: true }] },
  },
});

// A queue the fake server keeps: a decision takes the request out of the PENDING listing.
function queueApi(ids) {
  let pending = ids.map(request);
  return fakeApi((method, path, body) => {
    if (method === "GET") return { items: pending, total: pending.length, page: 1, limit: 50 };
    const id = path.split("/").pop();
    pending = pending.filter((r) => r.id !== id);
    return { ...request(id), status: body.status, reason: body.reason ?? null };
  });
}

let view;
afterEach(() => view && view.unmount());

const items = () => [...view.root.querySelectorAll("li.request")];
const selectedIndex = () => items().findIndex((li) => li.getAttribute("aria-current") === "true");

describe("the review queue", () => {
  it("lists pending requests with their evaluation and Approve/Reject on each", async () => {
    const api = queueApi(["r1", "r2"]);
    view = await mount(<Review api={api} user={users.operator} />);
    expect(api.calls[0]).toEqual(["GET", "/reward-requests", { status: "PENDING", limit: 50 }]);
    expect(items()).toHaveLength(2);
    expect(view.root.textContent).toContain("passed login_days (min 3; seen 4)");
    expect(buttons(view.root).filter((b) => b === "Approve")).toHaveLength(2);
    expect(buttons(view.root).filter((b) => b === "Reject")).toHaveLength(2);
  });

  it("moves the selection with j and k and focuses it", async () => {
    view = await mount(<Review api={queueApi(["r1", "r2", "r3"])} user={users.operator} />);
    expect(selectedIndex()).toBe(0);
    await key("j");
    await key("j");
    expect(selectedIndex()).toBe(2);
    expect(document.activeElement).toBe(items()[2]);
    await key("j"); // stays on the last
    expect(selectedIndex()).toBe(2);
    await key("k");
    expect(selectedIndex()).toBe(1);
  });

  it("approves the selected request with a, which then leaves the list", async () => {
    const api = queueApi(["r1", "r2"]);
    view = await mount(<Review api={api} user={users.operator} />);
    await key("j");
    await key("a");
    expect(api.calls).toContainEqual(["PATCH", "/reward-requests/r2", { status: "APPROVED" }]);
    expect(api.calls.at(-1)[0]).toBe("GET"); // read again after the write
    expect(items().map((li) => li.querySelector("h2").textContent)).toEqual(["Request r1"]);
  });

  it("rejects with r: focuses the reason field, sends the reason, removes the request", async () => {
    const api = queueApi(["r1", "r2"]);
    view = await mount(<Review api={api} user={users.operator} />);
    await key("r");
    const reason = view.root.querySelector("textarea");
    expect(document.activeElement).toBe(reason);
    expect(view.root.querySelector(`label[for="${reason.id}"]`).textContent).toBe("Reason");
    // keys typed in the field are text, not commands
    await key("a", reason);
    await key("j", reason);
    expect(api.calls.filter((c) => c[0] === "PATCH")).toHaveLength(0);
    expect(selectedIndex()).toBe(0);
    await act(async () => {
      reason.value = "duplicate account";
      reason.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await act(async () => { reason.form.requestSubmit(); });
    await settle();
    expect(api.calls).toContainEqual(["PATCH", "/reward-requests/r1", { status: "REJECTED", reason: "duplicate account" }]);
    expect(items()).toHaveLength(1);
    expect(items()[0].querySelector("h2").textContent).toBe("Request r2");
  });

  it("the Approve button decides that request", async () => {
    const api = queueApi(["r1", "r2"]);
    view = await mount(<Review api={api} user={users.operator} />);
    await act(async () => { items()[1].querySelector("button").click(); });
    await settle();
    expect(api.calls).toContainEqual(["PATCH", "/reward-requests/r2", { status: "APPROVED" }]);
    expect(items()).toHaveLength(1);
  });

  it("gives an AUDITOR the queue without any decision control, and a/r do nothing", async () => {
    const api = queueApi(["r1", "r2"]);
    view = await mount(<Review api={api} user={users.auditor} />);
    expect(items()).toHaveLength(2);
    expect(buttons(view.root)).toEqual([]);
    await key("a");
    await key("r");
    expect(view.root.querySelector("textarea")).toBeNull();
    expect(api.calls.every((c) => c[0] === "GET")).toBe(true);
  });

  it("shows the problem when a decision is refused", async () => {
    const api = fakeApi((method) => {
      if (method === "GET") return { items: [request("r1")], total: 1, page: 1, limit: 50 };
      throw new ApiError(409, { title: "Conflict", detail: "not PENDING" });
    });
    view = await mount(<Review api={api} user={users.operator} />);
    await key("a");
    expect(view.root.querySelector('[role="alert"]').textContent).toContain("not PENDING");
    expect(items()).toHaveLength(1);
  });
});

describe("the review queue's names", () => {
  it("names each request's promotion and reward, read once per promotion, and keeps the ids when it cannot", async () => {
    const api = fakeApi((method, path) => {
      if (path === "/events/ev1") return { id: "ev1", name: "Spring Festival" };
      if (path === "/events/ev1/rewards") return { items: [{ rewardId: "rw1", reward: { name: "Gold Coins" } }] };
      return { items: [request("r1"), request("r2")], total: 2, page: 1, limit: 50 };
    });
    view = await mount(<Review api={api} user={users.operator} />);
    await settle();
    expect(view.root.textContent).toContain("promotion Spring Festival (history), reward Gold Coins");
    expect(api.calls.filter((c) => c[1] === "/events/ev1")).toHaveLength(1); // two requests, one read
    view.unmount();
    const unknown = fakeApi((method, path) => {
      if (path.startsWith("/events/")) throw new ApiError(404, { title: "Not found" });
      return { items: [request("r1")], total: 1, page: 1, limit: 50 };
    });
    view = await mount(<Review api={unknown} user={users.operator} />);
    await settle();
    expect(view.root.textContent).toContain("promotion ev1 (history), reward rw1");
  });
});
