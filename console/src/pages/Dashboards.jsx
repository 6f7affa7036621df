// The four analytics views (docs/dashboards.md defines every figure): the headline numbers as text, exactly as the
// API returns them, and Chart.js charts, each with a table of its numbers. Bucket and range apply to the timelines
// and windowed figures; the API echoes the range it used, which is what the page shows.
import { useEffect, useState } from "preact/hooks";
import { ChartFigure } from "../components/Chart.jsx";
import { ProblemList } from "../components/ProblemList.jsx";
import { localToIso } from "../components/time.js";
import "./pages.css";

const BUCKETS = ["hour", "day", "week"];

const percent = (rate) => (rate === null || rate === undefined ? "none" : `${(rate * 100).toFixed(1)}%`);
const seconds = (s) => (s === null || s === undefined ? "none" : `${s} s`);

function label(start, bucket) {
  return bucket === "hour" ? start.slice(0, 13).replace("T", " ") + ":00" : start.slice(0, 10);
}

function Table({ caption, head, rows }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead><tr>{head.map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
      <tbody>{rows.map((r, i) => <tr key={i}>{r.map((c, j) => (j ? <td key={j}>{c}</td> : <th key={j} scope="row">{c}</th>))}</tr>)}</tbody>
    </table>
  );
}

function Distribution({ type, title, counts, keys }) {
  return (
    <ChartFigure type={type} label={title} labels={keys} datasets={[{ label: title, data: keys.map((k) => counts[k]) }]}>
      <Table caption={title} head={["", "count"]} rows={[...keys.map((k) => [k, counts[k]]), ["total", counts.total]]} />
    </ChartFigure>
  );
}

function Timeline({ title, buckets, columns, bucket }) {
  const labels = buckets.map((b) => label(b.start, bucket));
  return (
    <ChartFigure type="line" label={title} labels={labels}
                 datasets={columns.map(([key, name]) => ({ label: name, data: buckets.map((b) => b[key]) }))}>
      <Table caption={title} head={["bucket start", ...columns.map(([, name]) => name)]}
             rows={buckets.map((b) => [b.start, ...columns.map(([key]) => b[key])])} />
    </ChartFigure>
  );
}

function Figures({ items }) {
  return (
    <dl class="headline">
      {items.map(([term, value]) => [<dt key={`t${term}`}>{term}</dt>, <dd key={`d${term}`}>{String(value)}</dd>])}
    </dl>
  );
}

export function Dashboards({ api }) {
  const [bucket, setBucket] = useState("day");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);

  async function load() {
    setError(null);
    // the pickers speak the reader's local time, the API instants; an empty picker leaves its parameter out
    const range = { bucket, from: localToIso(from) ?? undefined, to: localToIso(to) ?? undefined };
    Object.keys(range).forEach((k) => range[k] === undefined && delete range[k]);
    try {
      const [overview, events, rewards, users] = await Promise.all([
        api.get("/dashboard"),
        api.get("/dashboard/event-analytics", range),
        api.get("/dashboard/reward-analytics", range),
        api.get("/dashboard/user-analytics", range),
      ]);
      setData({ overview, events, rewards, users });
    } catch (e) {
      setError(e);
    }
  }

  useEffect(() => { load(); }, [bucket]);

  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">Dashboards</h1>
      <form class="range" onSubmit={(e) => { e.preventDefault(); load(); }}>
        <label>Bucket
          <select value={bucket} onChange={(e) => setBucket(e.currentTarget.value)}>
            {BUCKETS.map((b) => <option key={b} value={b}>{b}</option>)}
          </select>
        </label>
        <label>From <input type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></label>
        <label>To <input type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
        <button type="submit">Show</button>
      </form>
      <ProblemList error={error} />
      {data ? <Views {...data} /> : !error && <p>Loading…</p>}
    </section>
  );
}

function Views({ overview, events, rewards, users }) {
  const ttd = rewards.timeToDecision;
  return (
    <>
      <h2>Overview</h2>
      <Figures items={[
        ["Users", overview.users],
        [`Active users (last ${overview.activeUsers.windowDays} days)`, overview.activeUsers.count],
        ["Promotions", overview.eventsByStatus.total],
        ["Active promotions", overview.eventsByStatus.active],
        ["Inactive promotions", overview.eventsByStatus.inactive],
        ["Rewards", overview.rewardsByType.total],
        ["Reward requests", overview.requestsByStatus.total],
        ["Pending requests", overview.requestsByStatus.pending],
        ["Approved requests", overview.requestsByStatus.approved],
        ["Rejected requests", overview.requestsByStatus.rejected],
      ]} />
      <p>Range: <time dateTime={events.from}>{events.from}</time> to <time dateTime={events.to}>{events.to}</time>,
        by {events.bucket}.</p>

      <h2>Promotions</h2>
      <Figures items={[
        ["Rewards attached", events.rewardsPerEvent.attachedRewards],
        ["Rewards per promotion", events.rewardsPerEvent.average ?? "none"],
        ["Promotions created in range", events.eventsTimeline.reduce((n, b) => n + b.eventsCreated, 0)],
      ]} />
      <div class="charts">
        <Distribution type="doughnut" title="Promotions by status" counts={events.statusDistribution}
                      keys={["active", "inactive"]} />
        <Timeline title="Promotions created" buckets={events.eventsTimeline} bucket={events.bucket}
                  columns={[["eventsCreated", "created"]]} />
      </div>

      <h2>Rewards and requests</h2>
      <Figures items={[
        ["Approval rate", percent(rewards.approvalRate.rate)],
        ["Approved in range", rewards.approvalRate.approved],
        ["Decided in range", rewards.approvalRate.decided],
        ["Mean time to decision", ttd.meanSeconds === null ? "none" : `${ttd.meanSeconds.toFixed(1)} s`],
        ["Time to decision p50", seconds(ttd.p50Seconds)],
        ["Time to decision p90", seconds(ttd.p90Seconds)],
        ["Time to decision p99", seconds(ttd.p99Seconds)],
      ]} />
      <div class="charts">
        <Distribution type="bar" title="Rewards by type" counts={rewards.rewardTypeDistribution}
                      keys={["point", "item", "coupon", "badge"]} />
        <Distribution type="doughnut" title="Requests by status" counts={rewards.requestStatusDistribution}
                      keys={["pending", "approved", "rejected"]} />
        <Timeline title="Requests" buckets={rewards.requestsTimeline} bucket={rewards.bucket}
                  columns={[["requested", "requested"], ["approved", "approved"], ["rejected", "rejected"]]} />
        <ChartFigure type="bar" label="Time to decision" labels={ttd.bins.map(binLabel)}
                     datasets={[{ label: "decisions", data: ttd.bins.map((b) => b.count) }]}>
          <Table caption="Time to decision" head={["up to", "decisions"]}
                 rows={ttd.bins.map((b) => [binLabel(b), b.count])} />
        </ChartFigure>
      </div>

      <h2>Users</h2>
      <Figures items={[
        ["Participation rate", percent(users.participationRate.rate)],
        ["Participants", users.participationRate.participants],
        ["New users in range", users.newUsers],
      ]} />
      <div class="charts">
        <Timeline title="User activity" buckets={users.activityTimeline} bucket={users.bucket}
                  columns={[["activities", "activities"], ["activeUsers", "active users"], ["newUsers", "new users"]]} />
      </div>
    </>
  );
}

function binLabel(bin) {
  const s = bin.upToSeconds;
  if (s === null) return "longer";
  if (s < 60 * 60) return s < 60 ? `${s} s` : `${s / 60} min`;
  return s < 86400 ? `${s / 3600} h` : `${s / 86400} d`;
}
