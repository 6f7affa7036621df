// A refused call as the reader sees it: the problem+json title/detail and each field error with its path.
export function Problem({ error }) {
  if (!error) return null;
  const problem = error.problem || {};
  const errors = problem.errors || [];
  return (
    <div role="alert" class="problem">
      <p>{problem.detail || problem.title || error.message || String(error)}</p>
      {errors.length > 0 && (
        <ul>{errors.map((e, i) => <li key={i}><code>{e.path}</code>: {e.message}</li>)}</ul>
      )}
    </div>
  );
}
