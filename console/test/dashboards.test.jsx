import { ApiError } from "../src/api.js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { act } from "preact/test-utils";
import { Dashboards } from "../src/pages/Dashboards.jsx";
import { fakeApi, mount, settle, users } from "./helpers.js";

const counts = { active: 3, inactive: 2, total: 5 };
const rewards = { point: 4, item: 1, coupon: 2, badge: 0, total: 7 };
const requests = { pending: 6, approved: 11, rejected: 2, total: 19 };
const active = { count: 42, windowDays: 30, from: "2026-11-03T00:00:00.000Z", to: "2026-12-02T06:00:00.000Z" };
const echo = (q) => ({ from: "2026-11-01T00:00:00.000Z", to: "2026-12-02T00:00:00.000Z", bucket: q.bucket });
const ANSWERS = {
  "/dashboard": () => ({ eventsByStatus: counts, rewardsByType: rewards, requestsByStatus: requests, users: 1234,
    activeUsers: active }),
  "/dashboard/event-analytics": (q) => ({ ...echo(q), statusDistribution: counts,
    rewardsPerEvent: { events: 5, attachedRewards: 9, average: 1.8 },
    eventsTimeline: [{ start: "2026-11-01T00:00:00.000Z", eventsCreated: 2 }, { start: "2026-11-02T00:00:00.000Z", eventsCreated: 3 }] }),
  "/dashboard/reward-analytics": (q) => ({ ...echo(q), rewardTypeDistribution: rewards, requestStatusDistribution: requests,
    requestsTimeline: [{ start: "2026-11-01T00:00:00.000Z", requested: 8, approved: 5, rejected: 1 }],
    approvalRate: { approved: 5, decided: 6, rate: 0.8333 },
    timeToDecision: { decided: 6, meanSeconds: 95.25, p50Seconds: 60, p90Seconds: 300, p99Seconds: null,
      bins: [{ upToSeconds: 60, count: 4 }, { upToSeconds: 300, count: 1 }, { upToSeconds: null, count: 1 }] } }),
  "/dashboard/user-analytics": (q) => ({ ...echo(q), participationRate: { participants: 17, users: 1234, rate: 0.0138 },
    activeUsers: active, newUsers: 77,
    activityTimeline: [{ start: "2026-11-01T00:00:00.000Z", activities: 310, activeUsers: 29, newUsers: 4 }] }),
};

let view;
afterEach(() => view && view.unmount());
// jsdom has no 2D canvas; say so quietly (the page then shows only the tables, as it would without one).
beforeAll(() => { HTMLCanvasElement.prototype.getContext = () => null; });

const figure = (root, term) => {
  const dt = [...root.querySelectorAll("dt")].find((d) => d.textContent === term);
  return dt && dt.nextElementSibling.textContent;
};

describe("the dashboards", () => {
  it("shows the API's numbers as text", async () => {
    const api = fakeApi((_, path, query) => ANSWERS[path](query));
    view = await mount(<Dashboards api={api} user={users.auditor} />);
    const r = view.root;
    expect(figure(r, "Users")).toBe("1234");
    expect(figure(r, "Active users (last 30 days)")).toBe("42");
    expect(figure(r, "Promotions")).toBe("5");
    expect(figure(r, "Pending requests")).toBe("6");
    expect(figure(r, "Approved requests")).toBe("11");
    expect(figure(r, "Rewards per promotion")).toBe("1.8");
    expect(figure(r, "Approval rate")).toBe("83.3%");
    expect(figure(r, "Time to decision p90")).toBe("300 s");
    expect(figure(r, "Time to decision p99")).toBe("none");
    expect(figure(r, "New users in range")).toBe("77");
    expect(r.textContent).toContain("2026-11-01T00:00:00.000Z");
  });

  it("names every chart and gives it a table of its numbers", async () => {
    view = await mount(<Dashboards api={fakeApi((_, path, q) => ANSWERS[path](q))} user={users.operator} />);
    const canvases = [...view.root.querySelectorAll("canvas")];
    expect(canvases.map((c) => c.getAttribute("aria-label"))).toEqual([
      "Promotions by status", "Promotions created", "Rewards by type", "Requests by status", "Requests",
      "Time to decision", "User activity"]);
    for (const c of canvases) expect(c.closest("figure").querySelector("table")).not.toBeNull();
    const activity = view.root.querySelector("canvas[aria-label='User activity']").closest("figure");
    expect(activity.querySelector("tbody").textContent).toContain("310");
  });

  it("asks again with the bucket picked, and has no write control", async () => {
    const api = fakeApi((_, path, q) => ANSWERS[path](q));
    view = await mount(<Dashboards api={api} user={users.auditor} />);
    expect(api.calls).toContainEqual(["GET", "/dashboard/user-analytics", { bucket: "day" }]);
    const select = view.root.querySelector("select");
    await act(async () => { select.value = "week"; select.dispatchEvent(new Event("change", { bubbles: true })); });
    await settle();
    expect(api.calls).toContainEqual(["GET", "/dashboard/reward-analytics", { bucket: "week" }]);
    expect([...view.root.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Show"]);
  });

  it("shows a refused range's problem", async () => {
    const api = fakeApi((_, path, q) => {
      if (path === "/dashboard") return ANSWERS[path](q);
      throw new ApiError(400, { title: "Bad Request", errors: [{ path: "/bucket", message: "too many buckets" }] });
    });
    view = await mount(<Dashboards api={api} user={users.operator} />);
    expect(view.root.querySelector('[role="alert"]').textContent).toContain("/bucket too many buckets");
  });
});
