// A failed call shown to the user: the problem's detail, and the field errors no field on the form claimed.
export function ProblemList({ error, shown = [] }) {
  if (!error) return null;
  const rest = ((error.problem && error.problem.errors) || []).filter((e) => !shown.includes(e.path));
  return (
    <div class="problem" role="alert">
      <p>{error.message}</p>
      {rest.length > 0 && (
        <ul>
          {rest.map((e) => <li key={e.path}><code>{e.path || "/"}</code> {e.message}</li>)}
        </ul>
      )}
    </div>
  );
}

/** The problem's field errors as {path: message} (the first message of each path). */
export function fieldErrors(error) {
  const out = {};
  for (const e of (error && error.problem && error.problem.errors) || []) if (!(e.path in out)) out[e.path] = e.message;
  return out;
}
