// Cloud sign-in (e-mail and password) and "forgot password"; sign-up is in SignUp.tsx.
import { useState } from "preact/hooks";
import { v3 } from "../cloudApi";
import { signedIn } from "../cloudSession";
import { Field, Link, errorText, formErrors } from "../components";
import { SignUpForm } from "./SignUp";

const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;

function SignInForm(props: { notice: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const err: Record<string, string> = {};
    if (!email.trim()) err.email = "Enter your e-mail address.";
    if (!password) err.password = "Enter your password.";
    setErrors(err);
    setError("");
    if (Object.keys(err).length) return;
    setBusy(true);
    try {
      await signedIn(await v3.login(email.trim(), password));
    } catch (ex) {
      const r = formErrors(ex, ["email", "password"]);
      setErrors(r.fields);
      setError(r.message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="form card" onSubmit={submit} noValidate aria-labelledby="login-h">
      <h1 id="login-h">Sign in</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <Field label="E-mail" error={errors.email}>
        <input type="email" name="email" autocomplete="username" value={email} onInput={(e) => setEmail(value(e))} />
      </Field>
      <Field label="Password" error={errors.password}>
        <input type="password" name="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(value(e))} />
      </Field>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <Link href="/forgot-password" class="forgot">
          Forgot your password?
        </Link>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </div>
      <p class="switch-form">
        New to Signate? <Link href="/signup">Create an account</Link>
      </p>
    </form>
  );
}

function ForgotForm() {
  const [email, setEmail] = useState("");
  const [error, setError] = useState("");
  const [sent, setSent] = useState("");
  // Why nothing was sent, when the server cannot e-mail (the same for every address).
  const [notSent, setNotSent] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const to = email.trim();
    if (!/^\S+@\S+$/.test(to)) {
      setError("Enter the e-mail address you sign in with.");
      return;
    }
    setBusy(true);
    try {
      const r = await v3.forgotPassword(to);
      setError("");
      setNotSent(r.email_sent === false ? r.status : "");
      setSent(to);
    } catch (ex) {
      setError(errorText(ex));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="form card" onSubmit={submit} noValidate aria-labelledby="forgot-h">
      <h1 id="forgot-h">Reset your password</h1>
      {sent && notSent ? (
        <p class="notice warn" role="status">
          {notSent}
        </p>
      ) : sent ? (
        <p class="notice" role="status">
          If {sent} has an account, a link to choose a new password is on its way. It works for one hour.
        </p>
      ) : (
        <>
          <p class="hint">We will e-mail you a link to choose a new password.</p>
          <Field label="E-mail" error={error}>
            <input type="email" name="email" autocomplete="username" value={email} onInput={(e) => setEmail(value(e))} />
          </Field>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Sending…" : "Send the link"}
            </button>
          </div>
        </>
      )}
      <p class="switch-form">
        <Link href="/">Back to sign in</Link>
      </p>
    </form>
  );
}

/** What a signed-out visitor sees: sign-in, or sign-up at /signup, or /forgot-password. */
export function SignInPage(props: { path: string; notice: string }) {
  return (
    <div class="login">
      {props.path === "/signup" ? <SignUpForm /> : props.path === "/forgot-password" ? <ForgotForm /> : <SignInForm notice={props.notice} />}
    </div>
  );
}
