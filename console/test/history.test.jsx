import { afterEach, describe, expect, it } from "vitest";
import { History } from "../src/pages/History.jsx";
import { PAGES } from "../src/pages/index.js";
import { fakeApi, mount, users } from "./helpers.js";

const history = { page: 1, limit: 50, total: 2, items: [
  { position: 9, streamId: "Event-ev1", type: "RewardRequestApproved", data: { requestId: "r1" }, actorId: "u-op",
    correlationId: null, causationId: null, recordedAt: "2026-11-26T10:00:00.000Z" },
  { position: 3, streamId: "Event-ev1", type: "EventCreated", data: { name: "Winter" }, actorId: "u-ad",
    correlationId: null, causationId: null, recordedAt: "2026-11-25T10:00:00.000Z" },
] };
const requests = { page: 1, limit: 50, total: 1, items: [{ id: "r1", userId: "p1", eventId: "ev1", rewardId: "rw1",
  status: "APPROVED", reason: null, requestedAt: "2026-11-26T09:00:00.000Z", decidedBy: "u-op",
  decidedAt: "2026-11-26T10:00:00.000Z", evaluation: { eligible: true, facts: {}, explanation: null } }] };

function api() {
  return fakeApi((_, path) => {
    if (path === "/events/ev1") return { id: "ev1", name: "Winter" };
    if (path === "/events/ev1/history") return history;
    if (path === "/reward-requests") return requests;
    if (path === "/auth/users/u-op") return { id: "u-op", email: "operator@demo.test", roles: ["OPERATOR"] };
    throw Object.assign(new Error("Not Found"), { status: 404, problem: null });
  });
}

let view;
afterEach(() => view && view.unmount());

describe("a promotion's history", () => {
  it("lists its events newest first with actor and time, and its requests", async () => {
    const fake = api();
    view = await mount(<History api={fake} user={users.auditor} params={["ev1"]} />);
    expect(fake.calls).toContainEqual(["GET", "/events/ev1/history", { page: 1, limit: 50 }]);
    expect(fake.calls).toContainEqual(["GET", "/reward-requests", { eventId: "ev1", limit: 50 }]);
    const rows = [...view.root.querySelectorAll("table")[0].querySelectorAll("tbody tr")];
    expect(rows.map((r) => r.querySelector("th").textContent)).toEqual(["RewardRequestApproved", "EventCreated"]);
    expect(rows[0].textContent).toContain("2026-11-26T10:00:00.000Z");
    expect(rows[0].textContent).toContain("u-op"); // an AUDITOR may not look users up: the id
    expect(view.root.querySelectorAll("table")[1].textContent).toContain("APPROVED");
    expect(view.root.querySelector("button")).toBeNull();
  });

  it("names actors by email for an ADMIN", async () => {
    view = await mount(<History api={api()} user={users.admin} params={["ev1"]} />);
    expect(view.root.querySelector("tbody tr").textContent).toContain("operator@demo.test");
  });

  it("is routed but not in the navigation", () => {
    const row = PAGES.find((p) => p.route === "history");
    expect(row.nav).toBe(false);
    expect(PAGES.find((p) => p.route === "users").roles).toEqual(["ADMIN"]);
  });
});
