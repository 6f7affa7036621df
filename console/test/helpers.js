// Rendering a page into jsdom with a fake api (no server): the fake answers GETs from `routes` and records writes.
import { render } from "preact";
import { act } from "preact/test-utils";

export async function mount(vnode) {
  const root = document.createElement("div");
  document.body.appendChild(root);
  await act(async () => { render(vnode, root); });
  await settle();
  return { root, unmount: () => { render(null, root); root.remove(); } };
}

export async function settle() {
  for (let i = 0; i < 5; i += 1) await act(async () => { await Promise.resolve(); });
}

export function fakeApi(answer) {
  const calls = [];
  const api = {
    calls,
    get: async (path, query) => { calls.push(["GET", path, query]); return answer("GET", path, query); },
    patch: async (path, body) => { calls.push(["PATCH", path, body]); return answer("PATCH", path, body); },
    post: async (path, body) => { calls.push(["POST", path, body]); return answer("POST", path, body); },
    put: async (path, body) => { calls.push(["PUT", path, body]); return answer("PUT", path, body); },
    del: async (path) => { calls.push(["DELETE", path]); return answer("DELETE", path); },
  };
  return api;
}

export const buttons = (root) => [...root.querySelectorAll("button")].map((b) => b.textContent.trim());

export async function key(k, target = document.body) {
  await act(async () => { target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true })); });
  await settle();
}

export const users = {
  operator: { id: "u-op", email: "operator@demo.test", roles: ["OPERATOR"] },
  admin: { id: "u-ad", email: "admin@demo.test", roles: ["ADMIN"] },
  auditor: { id: "u-au", email: "auditor@demo.test", roles: ["AUDITOR"] },
};
