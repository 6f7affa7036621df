// The review queue: reward requests with the evaluation they were made on, decided with buttons or the keyboard
// (j/k move, a approves, r opens the reason field; keys typed into a field are left alone). After a decision the
// queue is read again at the write's position, so the decided request leaves the list without a reload.
import { useEffect, useRef, useState } from "preact/hooks";
import { canWrite } from "../roles.js";
import { Evaluation } from "../components/Evaluation.jsx";
import { ProblemList } from "../components/ProblemList.jsx";
import { usePromotionNames } from "../components/promotionNames.js";
import "./pages.css";

const LIMIT = 50;
const STATUSES = ["PENDING", "APPROVED", "REJECTED"];

export function isTyping(target) {
  if (!target || !target.tagName) return false;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable === true;
}

// The api answers with parsed bodies only; if it keeps the last write's Ledger-Position we wait for it, else the
// gateway's default (a GET reflects every write acknowledged before it) does the same job.
const positionOf = (api) => (Number.isInteger(api.lastPosition) ? { minPosition: api.lastPosition } : {});

export function Review({ api, user }) {
  const writer = canWrite(user);
  const [status, setStatus] = useState("PENDING");
  const [page, setPage] = useState(null);
  const [selected, setSelected] = useState(0);
  const [rejecting, setRejecting] = useState(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState("");
  const items = page ? page.items : [];
  const names = usePromotionNames(api, items.map((r) => r.eventId));
  const itemRefs = useRef([]);
  const reasonRef = useRef(null);
  const moved = useRef(false);
  const generation = useRef(0);

  async function load(extra = {}) {
    const mine = ++generation.current; // a slower earlier answer must not overwrite a newer one
    try {
      const answer = await api.get("/reward-requests", { status, limit: LIMIT, ...extra });
      if (mine === generation.current) setPage(answer);
    } catch (e) {
      if (mine === generation.current) setError(e);
    }
  }

  useEffect(() => { setPage(null); setSelected(0); load(); }, [status]);

  useEffect(() => {
    if (moved.current && itemRefs.current[selected]) itemRefs.current[selected].focus();
    moved.current = false;
  }, [selected, items.length]);

  useEffect(() => { if (rejecting && reasonRef.current) reasonRef.current.focus(); }, [rejecting]);

  async function decide(request, decision, why) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const body = why ? { status: decision, reason: why } : { status: decision };
      await api.patch(`/reward-requests/${encodeURIComponent(request.id)}`, body);
      setNotice(`Request ${request.id} ${decision.toLowerCase()}.`);
      setRejecting(null);
      setReason("");
      // Shown at once: drop it here, then read the queue again (read your writes) for anything else that moved.
      setPage((p) => p && { ...p, items: p.items.filter((r) => r.id !== request.id), total: p.total - 1 });
      setSelected((s) => Math.max(0, Math.min(s, items.length - 2)));
      await load(positionOf(api));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    const current = items[selected];
    if (e.key === "j" || e.key === "k") {
      e.preventDefault();
      moved.current = true;
      setSelected((s) => (items.length ? Math.max(0, Math.min(items.length - 1, s + (e.key === "j" ? 1 : -1))) : 0));
    } else if (writer && current && current.status === "PENDING" && (e.key === "a" || e.key === "r")) {
      e.preventDefault(); // else the "r" would be typed into the reason field it focuses
      if (e.key === "a") decide(current, "APPROVED");
      else setRejecting(current.id);
    }
  }

  useEffect(() => {
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  });

  return (
    <section aria-labelledby="review-title">
      <h1 id="review-title">Review queue</h1>
      <p class="hint">
        {writer ? "Keys: j / k move, a approves, r rejects (with a reason)." : "Keys: j / k move. Read-only."}
      </p>
      <label for="review-status">Status</label>{" "}
      <select id="review-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
        {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
      </select>
      <p role="status" class="notice">{notice}</p>
      <ProblemList error={error} />
      {page === null ? <p>Loading…</p> : (
        <>
          <p>{page.total} {status.toLowerCase()} request{page.total === 1 ? "" : "s"}
            {page.total > items.length ? `, the newest ${items.length} shown` : ""}.</p>
          <ol class="requests">
            {items.map((r, i) => (
              <li key={r.id} ref={(el) => { itemRefs.current[i] = el; }} tabIndex={-1}
                  class={i === selected ? "request selected" : "request"} aria-current={i === selected ? "true" : undefined}
                  onClick={() => setSelected(i)} aria-labelledby={`req-${r.id}`}>
                <h2 id={`req-${r.id}`}>Request {r.id}</h2>
                <p>
                  User <code>{r.userId}</code>, promotion{" "}
                  <a href={`#/promotions/${r.eventId}`} title={r.eventId}>{names[r.eventId]?.name || r.eventId}</a>
                  {" "}(<a href={`#/history/${r.eventId}`}>history</a>), reward{" "}
                  {names[r.eventId]?.rewards[r.rewardId]
                    ? <span title={r.rewardId}>{names[r.eventId].rewards[r.rewardId]}</span> : <code>{r.rewardId}</code>};
                  requested <time dateTime={r.requestedAt}>{r.requestedAt}</time>;
                  {" "}{r.status}{r.reason ? ` (${r.reason})` : ""}
                  {r.decidedAt ? <>, decided <time dateTime={r.decidedAt}>{r.decidedAt}</time></> : null}
                </p>
                <Evaluation evaluation={r.evaluation} />
                {writer && r.status === "PENDING" && (
                  <div class="actions">
                    <button type="button" disabled={busy} onClick={() => decide(r, "APPROVED")}>Approve</button>{" "}
                    <button type="button" disabled={busy} onClick={() => setRejecting(r.id)}>Reject</button>
                  </div>
                )}
                {writer && rejecting === r.id && (
                  <form class="reject" onSubmit={(e) => { e.preventDefault(); decide(r, "REJECTED", reason.trim()); }}
                        onKeyDown={(e) => { if (e.key === "Escape") setRejecting(null); }}>
                    <label for={`reason-${r.id}`}>Reason</label>
                    <textarea id={`reason-${r.id}`} ref={reasonRef} required maxLength={500} value={reason}
                              onInput={(e) => setReason(e.currentTarget.value)} />
                    <button type="submit" disabled={busy || !reason.trim()}>Confirm rejection</button>{" "}
                    <button type="button" onClick={() => setRejecting(null)}>Cancel</button>
                  </form>
                )}
              </li>
            ))}
          </ol>
          {items.length === 0 && <p>Nothing to review.</p>}
        </>
      )}
    </section>
  );
}
