import { ApiError } from "../src/api.js";
import { afterEach, describe, expect, it } from "vitest";
import { act } from "preact/test-utils";
import { Users } from "../src/pages/Users.jsx";
import { fakeApi, mount, settle, users } from "./helpers.js";

const player = { id: "p1", email: "player001@demo.test", roles: ["USER"], createdAt: "2026-11-01T00:00:00.000Z",
  lastLoginAt: null };

let view;
afterEach(() => view && view.unmount());

async function type(input, value) {
  await act(async () => { input.value = value; input.dispatchEvent(new Event("input", { bubbles: true })); });
}

async function submit(form) {
  await act(async () => { form.requestSubmit(); });
  await settle();
}

describe("the users page", () => {
  it("finds a user by email and sets roles", async () => {
    const api = fakeApi((method, path, body) => (method === "GET" ? player : { ...player, roles: body.roles }));
    view = await mount(<Users api={api} user={users.admin} />);
    const email = view.root.querySelector("#user-email");
    expect(view.root.querySelector("label[for=user-email]").textContent).toBe("User email");
    await type(email, "player001@demo.test");
    await submit(email.form);
    expect(api.calls[0]).toEqual(["GET", "/auth/users/email", { email: "player001@demo.test" }]);
    expect(view.root.textContent).toContain("USER");
    const operator = [...view.root.querySelectorAll("label.role")].find((l) => l.textContent.includes("OPERATOR"));
    await act(async () => { operator.querySelector("input").click(); });
    await submit(view.root.querySelector("fieldset").form);
    expect(api.calls[1]).toEqual(["PATCH", "/auth/users/p1/roles", { roles: ["USER", "OPERATOR"] }]);
    expect(view.root.querySelector('[role="status"]').textContent).toBe("Roles saved.");
  });

  it("shows the problem on refusal", async () => {
    const api = fakeApi((method) => {
      if (method === "GET") return player;
      throw new ApiError(403, { title: "Forbidden", detail: "no" });
    });
    view = await mount(<Users api={api} user={users.admin} />);
    const email = view.root.querySelector("#user-email");
    await type(email, "player001@demo.test");
    await submit(email.form);
    await submit(view.root.querySelector("fieldset").form);
    expect(view.root.querySelector('[role="alert"]').textContent).toContain("no");
  });

  it("is for ADMIN only", async () => {
    view = await mount(<Users api={fakeApi(() => null)} user={users.auditor} />);
    expect(view.root.querySelector("input, button")).toBeNull();
  });
});
