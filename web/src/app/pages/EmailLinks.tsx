// The pages e-mailed links open (cloud mode): /reset-password, /verify-email and
// /accept-invite, each with `?token=…`. They work signed in or not.
import { useEffect, useRef, useState } from "preact/hooks";
import { v3 } from "../cloudApi";
import { endSession, reloadMe, signedIn, useCloudSession } from "../cloudSession";
import { Field, Link, errorText, formErrors } from "../components";
import { navigate } from "../router";

const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;
const tokenParam = () => new URLSearchParams(location.search).get("token") ?? "";

function Card(props: { title: string; children: preact.ComponentChildren; onSubmit?: (e: Event) => void }) {
  return (
    <div class="login">
      <form class="form card" onSubmit={props.onSubmit ?? ((e) => e.preventDefault())} noValidate aria-labelledby="link-h">
        <h1 id="link-h">{props.title}</h1>
        {props.children}
      </form>
    </div>
  );
}

const NO_TOKEN = "This link is incomplete. Open it again from the e-mail, or copy the whole address into the browser.";

export function ResetPasswordPage() {
  const token = tokenParam();
  const [pw, setPw] = useState({ password: "", password_2: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState(token ? "" : NO_TOKEN);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const err: Record<string, string> = {};
    if (pw.password.length < 8) err.password = "At least 8 characters.";
    else if (pw.password !== pw.password_2) err.password_2 = "The two passwords differ.";
    setErrors(err);
    if (Object.keys(err).length || !token) return;
    setBusy(true);
    try {
      await v3.resetPassword(token, pw.password);
      // Every session of the account has ended: sign in with the new password.
      endSession("Your password has been changed. Sign in with it.");
      navigate("/", true);
    } catch (ex) {
      const r = formErrors(ex, ["password"]);
      setErrors(r.fields);
      setError(r.message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Choose a new password" onSubmit={submit}>
      <Field label="New password" error={errors.password} hint="At least 8 characters; not a common word and not only digits.">
        <input type="password" name="password" autocomplete="new-password" value={pw.password} onInput={(e) => setPw({ ...pw, password: value(e) })} />
      </Field>
      <Field label="Repeat the new password" error={errors.password_2}>
        <input type="password" name="password_2" autocomplete="new-password" value={pw.password_2} onInput={(e) => setPw({ ...pw, password_2: value(e) })} />
      </Field>
      {error ? (
        <p class="error" role="alert">
          {error} <Link href="/forgot-password">Ask for a new link</Link>
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !token}>
          {busy ? "Saving…" : "Save the new password"}
        </button>
      </div>
    </Card>
  );
}

export function VerifyEmailPage() {
  const session = useCloudSession();
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    const token = tokenParam();
    if (!token) {
      setResult({ ok: false, text: NO_TOKEN });
      return;
    }
    v3.verifyEmail(token).then(
      (r) => {
        setResult({ ok: true, text: r.status });
        void reloadMe();
      },
      (e) => setResult({ ok: false, text: errorText(e) }),
    );
  }, []);
  return (
    <Card title="Confirm your e-mail address">
      {result === null ? (
        <p class="muted">Confirming…</p>
      ) : (
        <p class={result.ok ? "notice" : "error"} role={result.ok ? "status" : "alert"}>
          {result.text}
        </p>
      )}
      <p class="switch-form">
        <Link href="/">{session.phase === "in" ? "Go to your schedule" : "Sign in"}</Link>
      </p>
    </Card>
  );
}

export function AcceptInvitePage() {
  const token = tokenParam();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState(token ? "" : NO_TOKEN);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (!password) {
      setErrors({ password: "Enter a password." });
      return;
    }
    setErrors({});
    setError("");
    setBusy(true);
    try {
      await signedIn(await v3.acceptInvite(token, password, name.trim() || undefined));
      navigate("/", true);
    } catch (ex) {
      const r = formErrors(ex, ["password", "name"]);
      setErrors(r.fields);
      setError(r.message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Join your team on Signate" onSubmit={submit}>
      <p class="hint">
        New to Signate? Choose a password (at least 8 characters). Already have an account with this address? Enter its password.
      </p>
      <Field label="Your name (optional)" error={errors.name}>
        <input name="name" autocomplete="name" value={name} onInput={(e) => setName(value(e))} />
      </Field>
      <Field label="Password" error={errors.password}>
        <input type="password" name="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(value(e))} />
      </Field>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !token}>
          {busy ? "Joining…" : "Accept the invitation"}
        </button>
      </div>
    </Card>
  );
}
