// The sign-in form, and the screen a signed-in USER gets instead of the console.
import { useEffect, useRef, useState } from "preact/hooks";
import { Field } from "../components/Field.jsx";

export function SignIn({ api, onSignedIn }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const first = useRef(null);
  useEffect(() => first.current && first.current.focus(), []); // keyboard users can type at once

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(email, password));
    } catch (err) {
      setError(err.message || "Sign-in failed");
      setBusy(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to the Reward Ledger console</h1>
      <form onSubmit={submit}>
        <Field label="Email" render={(p) => (
          <input {...p} ref={first} type="email" autocomplete="username" required value={email}
            onInput={(e) => setEmail(e.currentTarget.value)} />
        )} />
        <Field label="Password" render={(p) => (
          <input {...p} type="password" autocomplete="current-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
        )} />
        {error && <p class="problem" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}

/** A USER (no staff role) signed in: the console is not for them, and they see nothing else of it. */
export function StaffOnly({ user, onSignOut }) {
  return (
    <main id="main" class="staff-only">
      <h1>Reward Ledger console</h1>
      <p>Signed in as {user.email}. This console is for staff only: operators, auditors and administrators.</p>
      <button type="button" onClick={onSignOut}>Sign out</button>
    </main>
  );
}
