// Promotions (the API's "events"): `#/promotions` lists, `#/promotions/new` creates, `#/promotions/<id>` shows one.
import { useEffect, useState } from "preact/hooks";
import { Field } from "../components/Field.jsx";
import { ProblemList } from "../components/ProblemList.jsx";
import { Pager } from "../components/Pager.jsx";
import { showTime } from "../components/time.js";
import { canWrite } from "../roles.js";
import { PromotionsDetail } from "./PromotionsDetail.jsx";
import { PromotionsForm } from "./PromotionsForm.jsx";

const LIMIT = 20;

export function Promotions({ api, user, params = [] }) {
  if (params[0] === "new" && canWrite(user)) {
    return (
      <PromotionsForm api={api} onSaved={(event) => { window.location.hash = `#/promotions/${event.id}`; }}
        onCancel={() => { window.location.hash = "#/promotions"; }} />
    );
  }
  if (params[0] && params[0] !== "new") return <PromotionsDetail key={params[0]} api={api} user={user} id={params[0]} />;
  return <PromotionsList api={api} user={user} />;
}

function PromotionsList({ api, user }) {
  const [filters, setFilters] = useState({ status: "", name: "", inPeriod: "" });
  const [page, setPage] = useState(1);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api.get("/events", { ...filters, page, limit: LIMIT })
        .then((d) => live && (setData(d), setError(null)))
        .catch((e) => live && setError(e));
    }, filters.name ? 250 : 0); // typing a name waits for a pause
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, filters.status, filters.name, filters.inPeriod, page]);

  const set = (key) => (e) => {
    setFilters({ ...filters, [key]: e.currentTarget.value });
    setPage(1);
  };

  return (
    <section>
      <h1>Promotions</h1>
      {canWrite(user) && (
        <p><button type="button" onClick={() => { window.location.hash = "#/promotions/new"; }}>New promotion</button></p>
      )}
      <form class="filters" role="search" aria-label="Filter promotions" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status" render={(p) => (
          <select {...p} value={filters.status} onChange={set("status")}>
            <option value="">Any</option><option value="ACTIVE">Active</option><option value="INACTIVE">Inactive</option>
          </select>
        )} />
        <Field label="Name contains" render={(p) => <input {...p} type="search" value={filters.name} onInput={set("name")} />} />
        <Field label="In period now" render={(p) => (
          <select {...p} value={filters.inPeriod} onChange={set("inPeriod")}>
            <option value="">Either</option><option value="true">Yes</option><option value="false">No</option>
          </select>
        )} />
      </form>
      <ProblemList error={error} />
      {data && (
        <>
          <table>
            <caption>{data.total} promotion{data.total === 1 ? "" : "s"}</caption>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Starts</th><th scope="col">Ends</th></tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <tr key={e.id}>
                  <td><a href={`#/promotions/${e.id}`}>{e.name}</a></td>
                  <td>{e.status}</td>
                  <td>{showTime(e.periodStart)}</td>
                  <td>{e.periodEnd ? showTime(e.periodEnd) : "open-ended"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager data={data} onPage={setPage} />
        </>
      )}
    </section>
  );
}
