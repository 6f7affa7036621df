// A page whose module (and what it imports, e.g. Chart.js) is fetched only when the page is first shown, so the
// console's first load stays small.
import { useEffect, useState } from "preact/hooks";

export function lazyPage(load, name) {
  let loaded = null;
  return function LazyPage(props) {
    const [Page, setPage] = useState(() => loaded);
    useEffect(() => {
      if (!Page) load().then((m) => { loaded = m[name]; setPage(() => loaded); });
    }, []);
    return Page ? <Page {...props} /> : <p>Loading…</p>;
  };
}
