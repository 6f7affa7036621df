// <input type="datetime-local"> speaks the browser's local time without a zone; the API speaks ISO 8601 in UTC.

/** "2026-12-01T09:30" (local) -> "2026-12-01T00:30:00.000Z"; "" -> null. */
export function localToIso(local) {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** ISO UTC -> the local "YYYY-MM-DDTHH:mm" a datetime-local input shows; null -> "". */
export function isoToLocal(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A short human date-time for tables, in the browser's zone. */
export function showTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
