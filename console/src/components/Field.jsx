// A labelled control with its error beside it: `render` gets the props that tie the control to its visible label
// and to the error text (id, aria-invalid, aria-describedby), so every field is named the same way.
import { useId } from "preact/hooks";

export function Field({ label, error, hint, render, className = "field" }) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ") || undefined;
  return (
    <div class={error ? `${className} has-error` : className}>
      <label for={id}>{label}</label>
      {render({ id, "aria-invalid": error ? "true" : undefined, "aria-describedby": described })}
      {hint && <small id={`${id}-hint`} class="hint">{hint}</small>}
      {error && <p id={`${id}-error`} class="field-error">{error}</p>}
    </div>
  );
}
