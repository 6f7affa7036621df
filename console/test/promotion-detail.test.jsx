import { afterEach, describe, expect, it, vi } from "vitest";
import { act } from "preact/test-utils";
import { PromotionsDetail } from "../src/pages/PromotionsDetail.jsx";
import { buttons, fakeApi, mount, settle, users } from "./helpers.js";

const event = { id: "ev1", name: "Spring", status: "ACTIVE", periodStart: "2026-11-01T00:00:00.000Z", periodEnd: null,
  description: "", updatedAt: "2026-11-01T00:00:00.000Z", rewardCondition: null };
const attached = { rewardId: "rw1", reward: { name: "Gold", type: "POINT" }, stock: 10, remaining: 9, perUserLimit: 1,
  autoResolve: false, condition: null };

let view;
afterEach(() => { if (view) view.unmount(); vi.restoreAllMocks(); });

function platform() {
  let items = [attached];
  return fakeApi((method, path, body) => {
    if (method === "DELETE") { items = []; return null; }
    if (method === "PATCH") { items = [{ ...attached, ...body }]; return items[0]; }
    if (path === "/events/ev1") return event;
    if (path === "/events/ev1/rewards") return { items, total: items.length, page: 1, limit: 100 };
    return { items: [], total: 0, page: 1, limit: 100 };  // the catalogue
  });
}

describe("a promotion's attached rewards", () => {
  it("an operator detaches one after confirming, and the list is read again", async () => {
    const api = platform();
    vi.spyOn(window, "confirm").mockReturnValue(true);
    view = await mount(<PromotionsDetail api={api} user={users.operator} id="ev1" />);
    const detach = view.root.querySelector('button[aria-label="Detach Gold"]');
    await act(async () => { detach.click(); });
    await settle();
    expect(api.calls).toContainEqual(["DELETE", "/events/ev1/rewards/rw1"]);
    expect(view.root.textContent).toContain("No reward attached yet.");
  });

  it("nothing is detached when the operator cancels", async () => {
    const api = platform();
    vi.spyOn(window, "confirm").mockReturnValue(false);
    view = await mount(<PromotionsDetail api={api} user={users.operator} id="ev1" />);
    await act(async () => { view.root.querySelector('button[aria-label="Detach Gold"]').click(); });
    await settle();
    expect(api.calls.some(([method]) => method === "DELETE")).toBe(false);
  });

  it("an operator changes the terms: an empty stock is sent as unlimited (null), and the list is read again", async () => {
    const api = platform();
    view = await mount(<PromotionsDetail api={api} user={users.operator} id="ev1" />);
    await act(async () => { view.root.querySelector('button[aria-label="Change terms of Gold"]').click(); });
    await settle();
    const form = [...view.root.querySelectorAll("form")].find((f) => f.textContent.includes("Terms of Gold"));
    const stock = [...form.querySelectorAll("label")].find((l) => l.textContent === "Stock").control;
    expect(stock.value).toBe("10");
    await act(async () => { stock.value = ""; stock.dispatchEvent(new Event("input", { bubbles: true })); });
    await act(async () => { form.requestSubmit(); });
    await settle();
    expect(api.calls).toContainEqual(["PATCH", "/events/ev1/rewards/rw1",
      { autoResolve: false, perUserLimit: 1, condition: null, stock: null }]);
    expect(view.root.textContent).toContain("unlimited");
    expect(view.root.textContent).not.toContain("Terms of Gold"); // back to the attach form
  });

  it("an auditor gets no Detach button", async () => {
    view = await mount(<PromotionsDetail api={platform()} user={users.auditor} id="ev1" />);
    expect(view.root.textContent).toContain("Gold");
    expect(buttons(view.root)).not.toContain("Detach");
    expect(buttons(view.root)).not.toContain("Change terms");
  });
});
