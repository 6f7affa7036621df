// One promotion: its fields and condition, activate/deactivate, edit, the rewards attached to it and a form to
// attach a catalogue reward with its own terms and condition. Write controls exist only for OPERATOR/ADMIN.
import { useEffect, useState } from "preact/hooks";
import { ConditionEditor, ConditionView } from "../components/ConditionEditor.jsx";
import { Field } from "../components/Field.jsx";
import { wholeOrText } from "../components/numbers.js";
import { fieldErrors, ProblemList } from "../components/ProblemList.jsx";
import { showTime } from "../components/time.js";
import { canWrite } from "../roles.js";
import { PromotionsForm } from "./PromotionsForm.jsx";

export function PromotionsDetail({ api, user, id }) {
  const [event, setEvent] = useState(null);
  const [rewards, setRewards] = useState(null);
  const [error, setError] = useState(null);
  const [editing, setEditing] = useState(false);
  const [version, setVersion] = useState(0); // bumped after a write to re-read
  const [changing, setChanging] = useState(null); // the attached reward whose terms are being edited
  const writer = canWrite(user);

  useEffect(() => {
    let live = true;
    Promise.all([api.get(`/events/${encodeURIComponent(id)}`), api.get(`/events/${encodeURIComponent(id)}/rewards`, { limit: 100 })])
      .then(([e, r]) => live && (setEvent(e), setRewards(r), setError(null)))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [api, id, version]);

  async function toggle() {
    setError(null);
    try {
      setEvent(await api.post(`/events/${encodeURIComponent(id)}/${event.status === "ACTIVE" ? "deactivate" : "activate"}`));
    } catch (e) {
      setError(e);
    }
  }

  async function detach(reward) {
    if (!window.confirm(`Detach ${reward.reward ? reward.reward.name : reward.rewardId} from this promotion?`)) return;
    setError(null);
    try {
      await api.del(`/events/${encodeURIComponent(id)}/rewards/${encodeURIComponent(reward.rewardId)}`);
      setVersion(version + 1);
    } catch (e) {
      setError(e);
    }
  }

  if (!event) {
    return <section><h1>Promotion</h1>{error ? <ProblemList error={error} /> : <p>Loading…</p>}</section>;
  }
  if (editing) {
    return (
      <PromotionsForm api={api} event={event} onCancel={() => setEditing(false)}
        onSaved={(saved) => { setEvent(saved); setEditing(false); }} />
    );
  }
  return (
    <section>
      <h1>{event.name}</h1>
      <p><a href="#/promotions">All promotions</a> · <a href={`#/history/${encodeURIComponent(event.id)}`}>History</a></p>
      <ProblemList error={error} />
      <dl class="facts">
        <dt>Status</dt><dd>{event.status}</dd>
        <dt>Starts</dt><dd>{showTime(event.periodStart)}</dd>
        <dt>Ends</dt><dd>{event.periodEnd ? showTime(event.periodEnd) : "open-ended"}</dd>
        <dt>Description</dt><dd>{event.description || "—"}</dd>
        <dt>Updated</dt><dd>{showTime(event.updatedAt)}</dd>
      </dl>
      {writer && (
        <div class="actions">
          <button type="button" onClick={() => setEditing(true)}>Edit</button>
          <button type="button" onClick={toggle}>{event.status === "ACTIVE" ? "Deactivate" : "Activate"}</button>
        </div>
      )}
      <h2>Promotion condition</h2>
      <ConditionView value={event.rewardCondition} />
      <h2>Rewards</h2>
      <AttachedRewards rewards={rewards} detach={writer ? detach : null} change={writer ? setChanging : null} />
      {writer && changing && (
        <RewardTerms key={changing.rewardId} api={api} event={event} existing={changing}
          onDone={() => { setChanging(null); setVersion(version + 1); }} onCancel={() => setChanging(null)} />
      )}
      {writer && !changing && (
        <RewardTerms api={api} event={event} attached={rewards} onDone={() => setVersion(version + 1)} />
      )}
    </section>
  );
}

function AttachedRewards({ rewards, detach, change }) {
  if (!rewards) return null;
  if (rewards.items.length === 0) return <p>No reward attached yet.</p>;
  return (
    <table>
      <caption>{rewards.total} attached reward{rewards.total === 1 ? "" : "s"}</caption>
      <thead>
        <tr>
          <th scope="col">Reward</th><th scope="col">Type</th><th scope="col">Stock</th><th scope="col">Remaining</th>
          <th scope="col">Per user</th><th scope="col">Auto-resolve</th><th scope="col">Condition</th>
          {detach && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {rewards.items.map((r) => (
          <tr key={r.rewardId}>
            <td>{r.reward ? r.reward.name : r.rewardId}</td>
            <td>{r.reward ? r.reward.type : "—"}</td>
            <td>{r.stock ?? "unlimited"}</td>
            <td>{r.remaining ?? "—"}</td>
            <td>{r.perUserLimit}</td>
            <td>{r.autoResolve ? "yes" : "no"}</td>
            <td><ConditionView value={r.condition} /></td>
            {detach && (
              <td>
                <button type="button" onClick={() => change(r)}
                  aria-label={`Change terms of ${r.reward ? r.reward.name : r.rewardId}`}>Change terms</button>{" "}
                <button type="button" onClick={() => detach(r)}
                  aria-label={`Detach ${r.reward ? r.reward.name : r.rewardId}`}>Detach</button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const EMPTY = { rewardId: "", stock: "", perUserLimit: "1", autoResolve: false, condition: null };

/** The form of an attached reward's terms as it stands (stock empty = unlimited). */
const termsOf = (r) => ({ rewardId: r.rewardId, stock: r.stock === null || r.stock === undefined ? "" : String(r.stock),
  perUserLimit: String(r.perUserLimit), autoResolve: Boolean(r.autoResolve), condition: r.condition ?? null });

/** Attach a catalogue reward (`existing` absent: POST) or change an attached one's terms (`existing`: PATCH, where an
 * empty stock means unlimited and no condition removes the rule). */
function RewardTerms({ api, event, attached, existing, onDone, onCancel }) {
  const [catalogue, setCatalogue] = useState([]);
  const [form, setForm] = useState(existing ? termsOf(existing) : EMPTY);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const errs = fieldErrors(error);
  const name = existing && (existing.reward ? existing.reward.name : existing.rewardId);

  useEffect(() => {
    if (!existing) api.get("/rewards", { limit: 100 }).then((page) => setCatalogue(page.items)).catch(setError);
  }, [api]);

  const taken = new Set(((attached && attached.items) || []).map((r) => r.rewardId));
  const choices = catalogue.filter((r) => !taken.has(r.id));
  const set = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { autoResolve: form.autoResolve, perUserLimit: wholeOrText(form.perUserLimit), condition: form.condition };
    const stock = form.stock.trim() === "" ? null : wholeOrText(form.stock);
    const path = `/events/${encodeURIComponent(event.id)}/rewards`;
    try {
      if (existing) {
        await api.patch(`${path}/${encodeURIComponent(existing.rewardId)}`, { ...body, stock });
      } else {
        await api.post(path, { rewardId: form.rewardId, ...body, ...(stock === null ? {} : { stock }) });
        setForm(EMPTY);
      }
      onDone();
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  }

  return (
    <form class="attach" onSubmit={submit} noValidate>
      <h3>{existing ? `Terms of ${name}` : "Attach a reward"}</h3>
      {!existing && (
        <Field label="Reward" error={errs["/rewardId"]} render={(p) => (
          <select {...p} required value={form.rewardId} onChange={set("rewardId")}>
            <option value="">Choose a catalogue reward</option>
            {choices.map((r) => <option key={r.id} value={r.id}>{r.name} ({r.type})</option>)}
          </select>
        )} />
      )}
      <Field label="Stock" error={errs["/stock"]} hint="empty: unlimited" render={(p) => (
        <input {...p} type="number" min={0} value={form.stock} onInput={set("stock")} />
      )} />
      <Field label="Per-user limit" error={errs["/perUserLimit"]} render={(p) => (
        <input {...p} type="number" min={1} value={form.perUserLimit} onInput={set("perUserLimit")} />
      )} />
      <label class="check">
        <input type="checkbox" checked={form.autoResolve}
          onChange={(e) => setForm({ ...form, autoResolve: e.currentTarget.checked })} /> Auto-resolve
      </label>
      <ConditionEditor legend="Reward condition" api={api} prefix="/condition" value={form.condition}
        period={{ periodStart: event.periodStart, periodEnd: event.periodEnd }}
        errors={(error && error.problem && error.problem.errors) || []}
        onChange={(rule) => setForm({ ...form, condition: rule })} />
      <ProblemList error={error} shown={Object.keys(errs).filter((k) => ["/rewardId", "/stock", "/perUserLimit"].includes(k)
        || k === "/condition" || k.startsWith("/condition/"))} />
      <div class="actions">
        <button type="submit" disabled={busy}>{existing ? "Save terms" : "Attach"}</button>
        {existing && <>{" "}<button type="button" onClick={onCancel}>Cancel</button></>}
      </div>
    </form>
  );
}
