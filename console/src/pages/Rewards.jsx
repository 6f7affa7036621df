// The rewards catalogue: a list filtered by type (`GET /rewards?type=`) and, for OPERATOR/ADMIN, a form that
// creates each of the four types with its own fields (`POST /rewards/{type}`).
import { useEffect, useState } from "preact/hooks";
import { Field } from "../components/Field.jsx";
import { fieldErrors, ProblemList } from "../components/ProblemList.jsx";
import { Pager } from "../components/Pager.jsx";
import { wholeOrText } from "../components/numbers.js";
import { localToIso, showTime } from "../components/time.js";
import { canWrite } from "../roles.js";

const LIMIT = 20;
// Each type's own fields: [body key, label, input type].
export const REWARD_TYPES = {
  POINT: [["points", "Points", "number"]],
  ITEM: [["itemId", "Item id", "text"], ["quantity", "Quantity", "number"]],
  COUPON: [["couponCode", "Coupon code", "text"], ["expiry", "Expiry", "datetime-local"]],
  BADGE: [["badgeId", "Badge id", "text"]],
};

function details(reward) {
  return (REWARD_TYPES[reward.type] || [])
    .map(([key, label]) => `${label}: ${key === "expiry" ? showTime(reward[key]) : reward[key]}`).join(", ");
}

export function Rewards({ api, user }) {
  const [type, setType] = useState("");
  const [page, setPage] = useState(1);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    api.get("/rewards", { type, page, limit: LIMIT })
      .then((d) => live && (setData(d), setError(null)))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [api, type, page, version]);

  return (
    <section>
      <h1>Rewards</h1>
      <form class="filters" role="search" aria-label="Filter rewards" onSubmit={(e) => e.preventDefault()}>
        <Field label="Type" render={(p) => (
          <select {...p} value={type} onChange={(e) => { setType(e.currentTarget.value); setPage(1); }}>
            <option value="">All</option>
            {Object.keys(REWARD_TYPES).map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        )} />
      </form>
      <ProblemList error={error} />
      {data && (
        <>
          <table>
            <caption>{data.total} reward{data.total === 1 ? "" : "s"}</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Details</th><th scope="col">Id</th></tr></thead>
            <tbody>
              {data.items.map((r) => (
                <tr key={r.id}><td>{r.name}</td><td>{r.type}</td><td>{details(r)}</td><td><code>{r.id}</code></td></tr>
              ))}
            </tbody>
          </table>
          <Pager data={data} onPage={setPage} />
        </>
      )}
      {canWrite(user) && <NewReward api={api} onCreated={() => setVersion(version + 1)} />}
    </section>
  );
}

function NewReward({ api, onCreated }) {
  const [type, setType] = useState("POINT");
  const [values, setValues] = useState({ name: "" });
  const [error, setError] = useState(null);
  const [created, setCreated] = useState(null);
  const errs = fieldErrors(error);

  async function submit(e) {
    e.preventDefault();
    setError(null);
    setCreated(null);
    const body = { name: values.name };
    for (const [key, , input] of REWARD_TYPES[type]) {
      const raw = values[key] ?? "";
      if (input === "number") body[key] = raw === "" ? null : wholeOrText(raw);
      else if (input === "datetime-local") body[key] = localToIso(raw);
      else body[key] = raw;
    }
    try {
      const reward = await api.post(`/rewards/${type.toLowerCase()}`, body);
      setCreated(reward);
      setValues({ name: "" });
      onCreated(reward);
    } catch (err) {
      setError(err);
    }
  }

  const set = (key) => (e) => setValues({ ...values, [key]: e.currentTarget.value });
  return (
    <form class="new-reward" onSubmit={submit} noValidate>
      <h2>New reward</h2>
      <Field label="Reward type" render={(p) => (
        <select {...p} value={type} onChange={(e) => { setType(e.currentTarget.value); setError(null); }}>
          {Object.keys(REWARD_TYPES).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      )} />
      <Field label="Reward name" error={errs["/name"]} render={(p) => (
        <input {...p} required value={values.name} onInput={set("name")} />
      )} />
      {REWARD_TYPES[type].map(([key, label, input]) => (
        <Field key={`${type}-${key}`} label={label} error={errs[`/${key}`]} render={(p) => (
          <input {...p} type={input} min={input === "number" ? 1 : undefined} value={values[key] ?? ""} onInput={set(key)} />
        )} />
      ))}
      <ProblemList error={error} shown={["/name", ...REWARD_TYPES[type].map(([key]) => `/${key}`)]} />
      {created && <p role="status">Created {created.type} reward “{created.name}”.</p>}
      <div class="actions"><button type="submit">Create reward</button></div>
    </form>
  );
}
