// A condition evaluation's explanation tree ({op, passed, children} or {kind, required, seen, passed}) as nested
// lists: which rules passed, what was required and what was seen. Shared by the condition preview and the review queue.
function describe(node) {
  if (node.op) return node.op === "not" ? "not" : `${node.op} of`;
  const required = Object.entries(node.required || {}).map(([k, v]) => `${k} ${v}`).join(", ");
  const seen = node.seen === undefined || node.seen === null ? "" : `; seen ${JSON.stringify(node.seen)}`;
  return `${node.kind} (${required}${seen})`;
}

export function Explanation({ node }) {
  if (!node || typeof node !== "object") return <span>always eligible</span>;
  return (
    <ul class="explanation">
      <ExplanationNode node={node} />
    </ul>
  );
}

function ExplanationNode({ node }) {
  return (
    <li class={node.passed ? "passed" : "failed"}>
      <span class="verdict">{node.passed ? "passed" : "failed"}</span> {describe(node)}
      {node.children && node.children.length > 0 && (
        <ul>{node.children.map((child, i) => <ExplanationNode key={i} node={child} />)}</ul>
      )}
    </li>
  );
}
