// The evaluation a request was decided on, as the API returns it: eligible or not, the rule tree (Explanation,
// shared with the condition preview) and the facts seen when it was made.
import { Explanation } from "./Explanation.jsx";

export function Evaluation({ evaluation }) {
  if (!evaluation) return null;
  const facts = Object.entries(evaluation.facts || {});
  return (
    <div class="evaluation">
      <p>Eligible: {evaluation.eligible ? "yes" : "no"}</p>
      {evaluation.explanation ? <Explanation node={evaluation.explanation} /> : <p>No conditions.</p>}
      {facts.length > 0 && (
        <dl class="facts">
          {facts.map(([k, v]) => [<dt key={`t${k}`}>{k}</dt>, <dd key={`d${k}`}>{String(v)}</dd>])}
        </dl>
      )}
    </div>
  );
}
