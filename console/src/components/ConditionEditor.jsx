// A structured editor for the API's condition language (SPEC "Conditions"): a rule is one-key JSON, a leaf over
// user activity facts or a combinator (all / any / not). It validates as you type through the preview route
// (debounced; the server is the grammar's one authority) and shows every 422 `errors[].path` on the node it names.
import { useEffect, useRef, useState } from "preact/hooks";
import { Explanation } from "./Explanation.jsx";
import { wholeOrText } from "./numbers.js";
import { Field } from "./Field.jsx";

export const LEAVES = {
  login_days: [{ name: "min", type: "int" }, { name: "consecutive", type: "bool" }],
  invites: [{ name: "min", type: "int" }],
  purchase_total: [{ name: "min", type: "int" }, { name: "currency", type: "text" }],
  checkins: [{ name: "min", type: "int" }],
  quest_completed: [{ name: "questId", type: "text" }],
  level: [{ name: "min", type: "int" }],
};
export const COMBINATORS = ["all", "any", "not"];
const KINDS = [...COMBINATORS, ...Object.keys(LEAVES)];
const DEFAULT_LEAF = { login_days: { min: 1 } };

export const ruleKind = (rule) => (rule && typeof rule === "object" ? Object.keys(rule)[0] : undefined);

/**
 * The errors (paths relative to the condition's root) that belong to the node at `path`: `node` messages for the
 * node itself, `fields` {field: message} for a leaf's own fields. Deeper paths belong to the children.
 */
export function splitErrors(errors, path, rule) {
  const kind = ruleKind(rule);
  const node = [];
  const fields = {};
  for (const e of errors) {
    if (e.path === path) {
      node.push(e.message);
      continue;
    }
    if (!e.path.startsWith(`${path}/`)) continue;
    const rest = e.path.slice(path.length + 1).split("/");
    if (COMBINATORS.includes(kind)) {
      // `/all` itself is this node's; `/all/0/...` and `/not` (the negated rule's own path) are a child's.
      if (rest.length === 1 && kind !== "not") node.push(e.message);
      else if (rest[0] !== kind) node.push(e.message);
      continue;
    }
    const known = (LEAVES[kind] || []).some((f) => f.name === rest[1]);
    if (rest.length === 2 && rest[0] === kind && known) fields[rest[1]] = e.message;
    else node.push(e.message);
  }
  return { node, fields };
}

/** Switching a node's kind keeps what it can: a leaf becomes the first child of a new combinator. */
function changeKind(rule, kind) {
  const old = ruleKind(rule);
  if (kind === old) return rule;
  if (kind in LEAVES) return { [kind]: kind === "quest_completed" ? { questId: "" } : { min: 1 } };
  const children = old === "all" || old === "any" ? rule[old] : old === "not" ? [rule.not] : [rule];
  return kind === "not" ? { not: children[0] || DEFAULT_LEAF } : { [kind]: children };
}


function LeafFields({ kind, body, fields, onChange }) {
  return (
    <div class="leaf-fields">
      {LEAVES[kind].map((f) => {
        const set = (value) => {
          const next = { ...body };
          if (value === undefined || value === "") delete next[f.name];
          else next[f.name] = value;
          onChange({ [kind]: next });
        };
        if (f.type === "bool") {
          return (
            <label key={f.name} class="check">
              <input type="checkbox" checked={Boolean(body[f.name])}
                onChange={(e) => set(e.currentTarget.checked ? true : undefined)} /> {f.name}
            </label>
          );
        }
        return (
          <Field key={f.name} label={f.name} error={fields[f.name]} render={(p) => (
            <input {...p} type={f.type === "int" ? "number" : "text"} min={f.type === "int" ? 0 : undefined}
              value={body[f.name] ?? ""}
              onInput={(e) => set(f.type === "int" ? wholeOrText(e.currentTarget.value) : e.currentTarget.value)} />
          )} />
        );
      })}
    </div>
  );
}

function RuleNode({ rule, path, errors, onChange, onRemove }) {
  const kind = ruleKind(rule);
  const { node, fields } = splitErrors(errors, path, rule);
  const children = kind === "all" || kind === "any" ? rule[kind] : [];
  const setChild = (i, child) => onChange({ [kind]: children.map((c, j) => (j === i ? child : c)) });
  return (
    <fieldset class={node.length || Object.keys(fields).length ? "rule has-error" : "rule"} data-path={path || "/"}>
      <legend>Rule {path || "/"}</legend>
      <Field label="Rule type" render={(p) => (
        <select {...p} value={kind} onChange={(e) => onChange(changeKind(rule, e.currentTarget.value))}>
          {KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
        </select>
      )} />
      {node.length > 0 && <ul class="node-errors">{node.map((m, i) => <li key={i}>{m}</li>)}</ul>}
      {kind in LEAVES && <LeafFields kind={kind} body={rule[kind] || {}} fields={fields} onChange={onChange} />}
      {(kind === "all" || kind === "any") && children.map((child, i) => (
        <RuleNode key={i} rule={child} path={`${path}/${kind}/${i}`} errors={errors}
          onChange={(c) => setChild(i, c)} onRemove={() => onChange({ [kind]: children.filter((_, j) => j !== i) })} />
      ))}
      {(kind === "all" || kind === "any") && (
        <button type="button" onClick={() => onChange({ [kind]: [...children, DEFAULT_LEAF] })}>Add rule</button>
      )}
      {kind === "not" && (
        <RuleNode rule={rule.not} path={`${path}/not`} errors={errors}
          onChange={(c) => onChange({ not: c })} />
      )}
      {onRemove && <button type="button" onClick={onRemove}>Remove rule {path}</button>}
    </fieldset>
  );
}

/** Errors under `prefix` (e.g. "/rewardCondition") with paths made relative to the condition's root. */
export function relativeErrors(errors, prefix) {
  return (errors || [])
    .filter((e) => e.path === prefix || (e.path || "").startsWith(`${prefix}/`))
    .map((e) => ({ path: e.path.slice(prefix.length), message: e.message }));
}

function defaultPeriod() {
  const end = new Date();
  return { periodStart: new Date(end.getTime() - 30 * 86400_000).toISOString(), periodEnd: end.toISOString() };
}

/**
 * Props: `value` (a rule or null = always eligible), `onChange`, `errors` (a problem's errors, absolute paths),
 * `prefix` (where the condition sits in the submitted body), `api` (for live validation and the preview; omit
 * to edit offline), `period` ({periodStart, periodEnd} ISO, for the preview), `legend`.
 */
export function ConditionEditor({ value, onChange, errors = [], prefix = "/condition", api, period, legend = "Condition" }) {
  const [live, setLive] = useState([]);
  const [preview, setPreview] = useState(null);
  const [previewError, setPreviewError] = useState(null);
  const latest = useRef(0);
  const [fallback] = useState(defaultPeriod); // fixed once, so the live check does not re-run every render
  const window_ = period && period.periodStart ? period : fallback;

  useEffect(() => {
    if (!api || !value) {
      setLive([]);
      return undefined;
    }
    const ticket = ++latest.current;
    const timer = setTimeout(async () => {
      try {
        await api.post("/conditions/preview", { condition: value, ...window_, sampleSize: 0 });
        if (ticket === latest.current) setLive([]);
      } catch (err) {
        if (ticket !== latest.current) return;
        setLive(err.status === 422 ? relativeErrors(err.problem && err.problem.errors, "/condition") : []);
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [api, JSON.stringify(value), window_.periodStart, window_.periodEnd]);

  const submitted = relativeErrors(errors, prefix);
  const shown = [...submitted, ...live.filter((l) => !submitted.some((s) => s.path === l.path))];

  async function runPreview() {
    setPreviewError(null);
    try {
      setPreview(await api.post("/conditions/preview", { condition: value, ...window_, sampleSize: 10 }));
    } catch (err) {
      setPreview(null);
      setPreviewError(err);
      if (err.status === 422) setLive(relativeErrors(err.problem && err.problem.errors, "/condition"));
    }
  }

  return (
    <fieldset class="condition-editor">
      <legend>{legend}</legend>
      {value ? (
        <>
          <RuleNode rule={value} path="" errors={shown} onChange={onChange} />
          <div class="actions">
            <button type="button" onClick={() => onChange(null)}>Remove condition</button>
            {api && <button type="button" onClick={runPreview}>Preview</button>}
          </div>
        </>
      ) : (
        <div class="actions">
          <p>No condition: everyone is eligible.</p>
          <button type="button" onClick={() => onChange(DEFAULT_LEAF)}>Add condition</button>
        </div>
      )}
      {previewError && <p class="problem" role="alert">{previewError.message}</p>}
      {preview && (
        <section class="preview" aria-label="Preview">
          <p><strong>{preview.eligible}</strong> of {preview.users} users qualify ({Math.round(preview.tookMs)} ms).</p>
          {preview.sample.length > 0 && (
            <table>
              <caption>Sample</caption>
              <thead><tr><th scope="col">User</th><th scope="col">Eligible</th><th scope="col">Why</th></tr></thead>
              <tbody>
                {preview.sample.map((s) => (
                  <tr key={s.userId}>
                    <td><code>{s.userId}</code></td>
                    <td>{s.evaluation.eligible ? "yes" : "no"}</td>
                    <td><Explanation node={s.evaluation.explanation} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </fieldset>
  );
}

/** Read-only display of a stored rule as nested lists (no control at all: an AUDITOR sees these). */
export function ConditionView({ value }) {
  if (!value) return <p>No condition: everyone is eligible.</p>;
  return <ul class="condition-view"><RuleText rule={value} /></ul>;
}

function RuleText({ rule }) {
  const kind = ruleKind(rule);
  if (kind === "all" || kind === "any" || kind === "not") {
    const children = kind === "not" ? [rule.not] : rule[kind];
    return (
      <li>{kind === "not" ? "not" : `${kind} of`}
        <ul>{children.map((c, i) => <RuleText key={i} rule={c} />)}</ul>
      </li>
    );
  }
  const terms = Object.entries(rule[kind] || {}).map(([k, v]) => `${k} ${v}`).join(", ");
  return <li><code>{kind}</code> {terms}</li>;
}
