// The evaluation a request was decided on, as the API returns it: the rule tree (combinators `{op, passed,
// children}`, leaves `{kind, required, seen, passed}`) as a nested list, and the facts seen when it was made.
const mark = (passed) => (passed ? "passed" : "failed");

function requirement(required) {
  return Object.entries(required || {})
    .filter(([, v]) => v !== null && v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? k : `${k} ${v}`))
    .join(", ");
}

function Node({ node }) {
  if (node.children) {
    return (
      <li>
        <span class={mark(node.passed)}>{node.op} of: {mark(node.passed)}</span>
        <ul>{node.children.map((c, i) => <Node key={i} node={c} />)}</ul>
      </li>
    );
  }
  return (
    <li>
      <span class={mark(node.passed)}>
        {node.kind} (required {requirement(node.required)}): seen {String(node.seen)}, {mark(node.passed)}
      </span>
    </li>
  );
}

export function Explanation({ evaluation }) {
  if (!evaluation) return null;
  const facts = Object.entries(evaluation.facts || {});
  return (
    <div class="evaluation">
      <p>Eligible: {evaluation.eligible ? "yes" : "no"}</p>
      {evaluation.explanation ? <ul class="rules"><Node node={evaluation.explanation} /></ul> : <p>No conditions.</p>}
      {facts.length > 0 && (
        <dl class="facts">
          {facts.map(([k, v]) => [<dt key={`t${k}`}>{k}</dt>, <dd key={`d${k}`}>{String(v)}</dd>])}
        </dl>
      )}
    </div>
  );
}
