// Sign-in form for devices with password protection on.
import { useState } from "preact/hooks";
import { api } from "../api";
import { errorText } from "../components";

export function LoginPage(props: { onDone: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (!username || !password) {
      setError("Enter your user name and password.");
      return;
    }
    setBusy(true);
    try {
      await api.login(username, password);
      setError("");
      props.onDone();
    } catch (ex) {
      setError(errorText(ex));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="login">
      <form class="form card" onSubmit={submit} noValidate aria-labelledby="login-h">
        <h1 id="login-h">Sign in</h1>
        <p class="hint">This screen is password protected.</p>
        <label class="field">
          <span class="label">User name</span>
          <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span class="label">Password</span>
          <input type="password" name="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
        </label>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </div>
      </form>
    </div>
  );
}
