// The shell: restores the session on load, gates on sign-in and role, and routes the URL hash over PAGES
// (`#/<route>/<params...>`). Pages get `{ api, user, params }`.
import { useEffect, useMemo, useState } from "preact/hooks";
import { createApi } from "./api.js";
import { PAGES } from "./pages/index.js";
import { SignIn, StaffOnly } from "./pages/SignIn.jsx";
import { isStaff } from "./roles.js";

export function parseHash(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return { route: parts[0] || "promotions", params: parts.slice(1) };
}

const visiblePages = (user) => PAGES.filter((p) => !p.roles || p.roles.some((r) => user.roles.includes(r)));

export function App({ api: given }) {
  const [user, setUser] = useState(undefined); // undefined: still restoring the session; null: signed out
  const api = useMemo(() => given || createApi({ onSignedOut: () => setUser(null) }), [given]);
  const [location, setLocation] = useState(() => parseHash(window.location.hash));

  useEffect(() => {
    let live = true;
    if (api.user) setUser(api.user);
    else api.restore().then((u) => live && setUser(u || null));
    return () => {
      live = false;
    };
  }, [api]);

  useEffect(() => {
    const onHash = () => setLocation(parseHash(window.location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  // Keyboard and screen-reader users land on the new page's heading, not at the top of the document.
  useEffect(() => {
    const h1 = document.querySelector("main h1");
    if (h1 && user) {
      h1.setAttribute("tabindex", "-1");
      h1.focus();
    }
  }, [location.route, location.params.join("/"), Boolean(user)]);

  async function signOut() {
    await api.signOut().catch(() => {});
    setUser(null);
  }

  if (user === undefined) return <main id="main"><p aria-live="polite">Loading…</p></main>;
  if (user === null) return <SignIn api={api} onSignedIn={setUser} />;
  if (!isStaff(user)) return <StaffOnly user={user} onSignOut={signOut} />;

  const pages = visiblePages(user);
  const page = pages.find((p) => p.route === location.route) || pages[0];
  const Page = page.component;
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main").focus(); }}>
        Skip to content
      </a>
      <header>
        <span class="brand">Reward Ledger</span>
        <nav aria-label="Main">
          <ul>
            {pages.filter((p) => p.nav !== false).map((p) => (
              <li key={p.route}>
                <a href={`#/${p.route}`} aria-current={p.route === page.route ? "page" : undefined}>{p.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">{user.email}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page key={page.route} api={api} user={user} params={location.params} />
      </main>
    </div>
  );
}
