// Who may do what in the console. The server checks every call again; these only decide which controls exist:
// an AUDITOR gets no write control at all (absent, not disabled), a USER gets only the staff-only message.
export const STAFF = ["OPERATOR", "ADMIN", "AUDITOR"];

export const isStaff = (user) => Boolean(user) && user.roles.some((r) => STAFF.includes(r));
export const canWrite = (user) => Boolean(user) && user.roles.some((r) => r === "OPERATOR" || r === "ADMIN");
export const isAdmin = (user) => Boolean(user) && user.roles.includes("ADMIN");
