import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../src/app.jsx";
import { ApiError } from "../src/api.js";

const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

function fakeApi(user, { failLogin } = {}) {
  return {
    user: null,
    restore: vi.fn(async () => null),
    signIn: vi.fn(async () => {
      if (failLogin) throw new ApiError(401, { status: 401, detail: "wrong email or password" }, "wrong email or password");
      return user;
    }),
    signOut: vi.fn(async () => {}),
    get: vi.fn(async () => ({ items: [], total: 0, page: 1, limit: 20 })),
    post: vi.fn(),
  };
}

async function signIn(root) {
  const byLabel = (text) => {
    const label = [...root.querySelectorAll("label")].find((l) => l.textContent === text);
    return document.getElementById(label.htmlFor);
  };
  byLabel("Email").value = "x@demo.test";
  byLabel("Email").dispatchEvent(new Event("input", { bubbles: true }));
  byLabel("Password").value = "pw";
  byLabel("Password").dispatchEvent(new Event("input", { bubbles: true }));
  const button = [...root.querySelectorAll("button")].find((b) => b.textContent === "Sign in");
  await act(async () => button.click());
  await flush();
}

describe("the sign-in screen", () => {
  let root;
  afterEach(() => {
    render(null, root);
    root.remove();
  });

  it("tells a USER the console is for staff, and shows nothing else but Sign out", async () => {
    root = document.body.appendChild(document.createElement("div"));
    const api = fakeApi({ id: "u", email: "player001@demo.test", roles: ["USER"] });
    await act(async () => render(<App api={api} />, root));
    await flush();
    await signIn(root);
    expect(root.textContent).toContain("for staff");
    expect(root.querySelector("nav")).toBeNull();
    expect([...root.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Sign out"]);
    expect(api.get).not.toHaveBeenCalled();
  });

  it("shows a wrong password's problem detail in an alert", async () => {
    root = document.body.appendChild(document.createElement("div"));
    const api = fakeApi(null, { failLogin: true });
    await act(async () => render(<App api={api} />, root));
    await flush();
    await signIn(root);
    expect(root.querySelector("[role=alert]").textContent).toBe("wrong email or password");
  });

  it("gives staff the navigation (Users only for ADMIN) and Sign out; an AUDITOR no write control", async () => {
    root = document.body.appendChild(document.createElement("div"));
    const api = fakeApi({ id: "a", email: "auditor@demo.test", roles: ["AUDITOR"] });
    await act(async () => render(<App api={api} />, root));
    await flush();
    await signIn(root);
    const links = [...root.querySelectorAll("nav a")].map((a) => a.textContent);
    expect(links).toContain("Promotions");
    expect(links).toContain("Rewards");
    expect(links).not.toContain("Users");
    const buttons = [...root.querySelectorAll("button")].map((b) => b.textContent);
    expect(buttons).toContain("Sign out");
    expect(buttons).not.toContain("New promotion");
    expect(root.textContent).toContain("auditor@demo.test");
  });
});
