// The shell: sign-in gate, navigation, and a hash router over PAGES (skeleton; the pages fill it in).
import { useEffect, useState } from "preact/hooks";
import { PAGES } from "./pages/index.js";

function currentRoute() {
  return window.location.hash.replace(/^#\/?/, "").split("/")[0] || "promotions";
}

export function App() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const page = PAGES.find((p) => p.route === route) || PAGES[0];
  const Page = page.component;
  return (
    <div>
      <nav aria-label="Main">
        <ul>
          {PAGES.map((p) => (
            <li key={p.route}><a href={`#/${p.route}`}>{p.label}</a></li>
          ))}
        </ul>
      </nav>
      <main><Page /></main>
    </div>
  );
}
