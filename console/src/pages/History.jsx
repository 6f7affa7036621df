// A promotion's history (#/history/<eventId>): the stored events of its stream (changes, rewards attached and
// detached, requests and decisions), newest first with who and when, and the requests made on it.
import { useEffect, useState } from "preact/hooks";
import { isAdmin } from "../roles.js";
import { ProblemList } from "../components/ProblemList.jsx";
import "./pages.css";

const LIMIT = 50;

// The payload in one line; ids and times are what a reader compares, so they stay verbatim.
function summary(data) {
  return Object.entries(data || {})
    .map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`)
    .join("; ");
}

// Only an ADMIN may look users up (GET /auth/users/{id}); everyone else sees the actor's id.
async function actorEmails(api, user, items) {
  if (!isAdmin(user)) return {};
  const ids = [...new Set(items.map((e) => e.actorId).filter(Boolean))];
  const found = await Promise.all(ids.map((id) => api.get(`/auth/users/${encodeURIComponent(id)}`).catch(() => null)));
  return Object.fromEntries(found.filter(Boolean).map((u) => [u.id, u.email]));
}

function Open() {
  const [id, setId] = useState("");
  return (
    <form onSubmit={(e) => { e.preventDefault(); window.location.hash = `#/history/${encodeURIComponent(id.trim())}`; }}>
      <label for="history-id">Promotion id</label>{" "}
      <input id="history-id" required value={id} onInput={(e) => setId(e.currentTarget.value)} />{" "}
      <button type="submit">Open</button>
    </form>
  );
}

export function History({ api, user, params = [] }) {
  const eventId = params[0] ? decodeURIComponent(params[0]) : "";
  const [page, setPage] = useState(1);
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => { setPage(1); }, [eventId]);
  useEffect(() => {
    if (!eventId) return;
    let live = true;
    setError(null);
    const id = encodeURIComponent(eventId);
    Promise.all([
      api.get(`/events/${id}`),
      api.get(`/events/${id}/history`, { page, limit: LIMIT }),
      api.get("/reward-requests", { eventId, limit: LIMIT }),
    ]).then(async ([event, history, requests]) => {
      const emails = await actorEmails(api, user, history.items);
      if (live) setState({ event, history, requests, emails });
    }).catch((e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [eventId, page]);

  if (!eventId) return <section><h1>History</h1><Open /></section>;
  const who = (actorId) => (actorId ? (state.emails[actorId] || actorId) : "the platform");
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History of {state ? state.event.name : eventId}</h1>
      <ProblemList error={error} />
      {state && (
        <>
          <p><a href={`#/promotions/${encodeURIComponent(eventId)}`}>Back to the promotion</a></p>
          <h2>Changes</h2>
          <table>
            <caption>{state.history.total} stored events, newest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th>
              <th scope="col">Details</th></tr></thead>
            <tbody>
              {state.history.items.map((e) => (
                <tr key={e.position}>
                  <td><time dateTime={e.recordedAt}>{e.recordedAt}</time></td>
                  <th scope="row">{e.type}</th>
                  <td>{who(e.actorId)}</td>
                  <td>{summary(e.data)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="History pages">
            {page > 1 && <button type="button" onClick={() => setPage(page - 1)}>Newer</button>}{" "}
            {page * LIMIT < state.history.total &&
              <button type="button" onClick={() => setPage(page + 1)}>Older</button>}
          </nav>
          <h2>Requests</h2>
          <table>
            <caption>{state.requests.total} requests, newest first{state.requests.total > LIMIT
              ? ` (the newest ${LIMIT})` : ""}</caption>
            <thead><tr><th scope="col">Requested</th><th scope="col">User</th><th scope="col">Reward</th>
              <th scope="col">Status</th><th scope="col">Decided</th></tr></thead>
            <tbody>
              {state.requests.items.map((r) => (
                <tr key={r.id}>
                  <td><time dateTime={r.requestedAt}>{r.requestedAt}</time></td>
                  <td>{r.userId}</td>
                  <td>{r.rewardId}</td>
                  <th scope="row">{r.status}{r.reason ? ` (${r.reason})` : ""}</th>
                  <td>{r.decidedAt ? `${r.decidedAt} by ${r.decidedBy ? who(r.decidedBy) : "autoResolve"}` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
