import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { ConditionEditor, relativeErrors, splitErrors } from "../src/components/ConditionEditor.jsx";

const RULE = { all: [{ login_days: { min: 3 } }, { any: [{ invites: { min: 2 } }, { not: { level: { min: 5 } } }] }] };

describe("splitErrors", () => {
  it("gives a leaf's field error to the field and deeper paths to the children", () => {
    const errors = [{ path: "/all/0/login_days/min", message: "too small" }, { path: "/all", message: "empty" }];
    expect(splitErrors(errors, "/all/0", RULE.all[0])).toEqual({ node: [], fields: { min: "too small" } });
    expect(splitErrors(errors, "", RULE)).toEqual({ node: ["empty"], fields: {} });
  });
  it("gives an unknown key to the node that holds it, and a `not` child's own path to the child", () => {
    const errors = [{ path: "/all/1/any/1/not", message: "bad negated rule" }, { path: "/all/0/foo", message: "unknown" }];
    expect(splitErrors(errors, "/all/1/any/1", RULE.all[1].any[1]).node).toEqual([]);
    expect(splitErrors(errors, "/all/1/any/1/not", { foo: {} }).node).toEqual(["bad negated rule"]);
  });
  it("strips the body prefix", () => {
    expect(relativeErrors([{ path: "/rewardCondition/all/0", message: "m" }, { path: "/name", message: "n" }], "/rewardCondition"))
      .toEqual([{ path: "/all/0", message: "m" }]);
  });
});

describe("ConditionEditor", () => {
  let root;
  afterEach(() => root && render(null, root));

  it("shows each 422 path on the rule node it names", () => {
    root = document.createElement("div");
    document.body.append(root);
    const errors = [
      { path: "/rewardCondition/all/0/login_days/min", message: "Input should be greater than or equal to 0" },
      { path: "/rewardCondition/all/1/any/1/not/level/min", message: "level must be a whole number" },
      { path: "/name", message: "not mine" },
    ];
    act(() => render(<ConditionEditor value={RULE} onChange={() => {}} errors={errors} prefix="/rewardCondition" />, root));
    const node = (path) => root.querySelector(`fieldset.rule[data-path="${path}"]`);
    const own = (el) => [...el.querySelectorAll(".field-error, .node-errors li")]
      .filter((e) => e.closest("fieldset.rule") === el).map((e) => e.textContent);
    expect(own(node("/all/0"))).toEqual(["Input should be greater than or equal to 0"]);
    expect(node("/all/0").classList.contains("has-error")).toBe(true);
    expect(own(node("/all/1/any/1/not"))).toEqual(["level must be a whole number"]);
    expect(own(node("/"))).toEqual([]);
    expect(own(node("/all/1"))).toEqual([]);
    expect(root.textContent).not.toContain("not mine");
    // the field error is tied to its input
    const input = node("/all/0").querySelector("input[aria-invalid='true']");
    expect(document.getElementById(input.getAttribute("aria-describedby")).textContent).toContain("greater than");
  });
});
