// Create (`POST /events`) or edit (`PATCH /events/{id}`) a promotion. 422 field errors appear beside the field
// whose body path they name; condition errors on the rule node.
import { useState } from "preact/hooks";
import { ConditionEditor } from "../components/ConditionEditor.jsx";
import { Field } from "../components/Field.jsx";
import { fieldErrors, ProblemList } from "../components/ProblemList.jsx";
import { isoToLocal, localToIso } from "../components/time.js";

export function PromotionsForm({ api, event, onSaved, onCancel }) {
  const editing = Boolean(event);
  const [form, setForm] = useState(() => ({
    name: event ? event.name : "",
    description: event ? event.description || "" : "",
    periodStart: event ? isoToLocal(event.periodStart) : "",
    periodEnd: event ? isoToLocal(event.periodEnd) : "",
    active: event ? event.status === "ACTIVE" : true,
    rewardCondition: event ? event.rewardCondition : null,
  }));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const errs = fieldErrors(error);
  const set = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      name: form.name,
      description: form.description,
      periodStart: localToIso(form.periodStart),
      periodEnd: localToIso(form.periodEnd),
      rewardCondition: form.rewardCondition,
    };
    if (!editing) body.status = form.active ? "ACTIVE" : "INACTIVE"; // editing: the activate/deactivate buttons
    try {
      onSaved(editing ? await api.patch(`/events/${event.id}`, body) : await api.post("/events", body));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const period = { periodStart: localToIso(form.periodStart), periodEnd: localToIso(form.periodEnd) };
  const shown = ["/name", "/description", "/periodStart", "/periodEnd"];
  return (
    <section>
      <h1>{editing ? `Edit ${event.name}` : "New promotion"}</h1>
      <form onSubmit={submit} noValidate>
        <Field label="Name" error={errs["/name"]} render={(p) => (
          <input {...p} required maxLength={200} value={form.name} onInput={set("name")} />
        )} />
        <Field label="Description" error={errs["/description"]} render={(p) => (
          <textarea {...p} rows={3} value={form.description} onInput={set("description")} />
        )} />
        <Field label="Starts" error={errs["/periodStart"]} render={(p) => (
          <input {...p} type="datetime-local" required value={form.periodStart} onInput={set("periodStart")} />
        )} />
        <Field label="Ends" error={errs["/periodEnd"]} hint="empty: open-ended" render={(p) => (
          <input {...p} type="datetime-local" value={form.periodEnd} onInput={set("periodEnd")} />
        )} />
        {!editing && (
          <label class="check">
            <input type="checkbox" checked={form.active}
              onChange={(e) => setForm({ ...form, active: e.currentTarget.checked })} /> Active
          </label>
        )}
        <ConditionEditor legend="Promotion condition" api={api} prefix="/rewardCondition" period={period}
          errors={(error && error.problem && error.problem.errors) || []} value={form.rewardCondition}
          onChange={(rule) => setForm({ ...form, rewardCondition: rule })} />
        <ProblemList error={error} shown={[...shown, ...Object.keys(errs).filter((k) => k.startsWith("/rewardCondition"))]} />
        <div class="actions">
          <button type="submit" disabled={busy}>{editing ? "Save" : "Create"}</button>
          <button type="button" onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
