import { describe, expect, it } from "vitest";
import { canWrite, isAdmin, isStaff } from "../src/roles.js";

const as = (...roles) => ({ id: "u", email: "u@example.com", roles });

describe("roles", () => {
  it("lets operators and admins write, auditors only read, users nothing", () => {
    expect([canWrite(as("OPERATOR")), canWrite(as("ADMIN")), canWrite(as("AUDITOR")), canWrite(as("USER"))])
      .toEqual([true, true, false, false]);
    expect([isStaff(as("AUDITOR")), isStaff(as("USER")), isStaff(null)]).toEqual([true, false, false]);
    expect([isAdmin(as("ADMIN")), isAdmin(as("OPERATOR"))]).toEqual([true, false]);
  });
});
