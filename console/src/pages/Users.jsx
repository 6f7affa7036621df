// Users (ADMIN): find an account by email, see its roles, set them. The server refuses what it must (e.g. an
// admin removing the last admin); the page shows that problem as it came.
import { useState } from "preact/hooks";
import { isAdmin } from "../roles.js";
import { ProblemList } from "../components/ProblemList.jsx";
import "./pages.css";

export const ROLES = ["USER", "OPERATOR", "AUDITOR", "ADMIN"];

export function Users({ api, user }) {
  const [email, setEmail] = useState("");
  const [found, setFound] = useState(null);
  const [roles, setRoles] = useState([]);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);

  if (!isAdmin(user)) return <p>This page is for administrators.</p>;

  const show = (u) => { setFound(u); setRoles(u.roles); };

  async function find(e) {
    e.preventDefault();
    setError(null); setNotice(""); setFound(null);
    try {
      show(await api.get("/auth/users/email", { email: email.trim() }));
    } catch (err) {
      setError(err);
    }
  }

  async function save(e) {
    e.preventDefault();
    setBusy(true); setError(null); setNotice("");
    try {
      show(await api.patch(`/auth/users/${encodeURIComponent(found.id)}/roles`, { roles }));
      setNotice("Roles saved.");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const toggle = (role, on) => setRoles((rs) => (on ? ROLES.filter((r) => r === role || rs.includes(r))
    : rs.filter((r) => r !== role)));

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <form onSubmit={find}>
        <label for="user-email">User email</label>{" "}
        <input id="user-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />{" "}
        <button type="submit">Find</button>
      </form>
      <p role="status">{notice}</p>
      <ProblemList error={error} />
      {found && (
        <article aria-labelledby="found-user">
          <h2 id="found-user">{found.email}</h2>
          <dl class="headline">
            <dt>Id</dt><dd><code>{found.id}</code></dd>
            <dt>Roles</dt><dd>{found.roles.join(", ") || "none"}</dd>
            <dt>Registered</dt><dd>{found.createdAt || "unknown"}</dd>
            <dt>Last sign-in</dt><dd>{found.lastLoginAt || "never"}</dd>
          </dl>
          <form onSubmit={save}>
            <fieldset>
              <legend>Roles</legend>
              {ROLES.map((r) => (
                <label key={r} class="role">
                  <input type="checkbox" checked={roles.includes(r)}
                         onChange={(e) => toggle(r, e.currentTarget.checked)} /> {r}{" "}
                </label>
              ))}
            </fieldset>
            <button type="submit" disabled={busy}>Save roles</button>
          </form>
        </article>
      )}
    </section>
  );
}
