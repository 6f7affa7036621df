// Previous/next over a listing's pages, from the API's own `page`, `limit` and `total` (the SPEC list shape).
export function Pager({ data, onPage }) {
  const pages = Math.max(1, Math.ceil(data.total / data.limit));
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={data.page <= 1} onClick={() => onPage(data.page - 1)}>Previous page</button>
      <span>Page {data.page} of {pages}</span>
      <button type="button" disabled={data.page >= pages} onClick={() => onPage(data.page + 1)}>Next page</button>
    </nav>
  );
}
