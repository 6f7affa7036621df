import { describe, expect, it } from "vitest";
import { PAGES } from "../src/pages/index.js";

describe("the page registry", () => {
  it("gives every page a unique route and a label", () => {
    const routes = PAGES.map((p) => p.route);
    expect(new Set(routes).size).toBe(routes.length);
    for (const page of PAGES) expect(page.label).toBeTruthy();
  });
});
