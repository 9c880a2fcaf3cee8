// Cloud sign-up: a new account and its organisation (tenant); the short name (slug) is
// suggested from the organisation's name until the user edits it.
import { useState } from "preact/hooks";
import { v3 } from "../cloudApi";
import { signedIn } from "../cloudSession";
import { Field, Link, formErrors } from "../components";
import { isSlug, slugify } from "../format";

const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;

export function SignUpForm() {
  const [f, setF] = useState({ name: "", email: "", password: "", tenant_name: "", tenant_slug: "" });
  const [slugEdited, setSlugEdited] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const put = (k: keyof typeof f, v: string) => setF((x) => ({ ...x, [k]: v }));

  async function submit(e: Event) {
    e.preventDefault();
    const err: Record<string, string> = {};
    if (!f.name.trim()) err.name = "Enter your name.";
    if (!/^\S+@\S+\.\S+$/.test(f.email.trim())) err.email = "Enter a valid e-mail address.";
    if (f.password.length < 8) err.password = "At least 8 characters.";
    if (!f.tenant_name.trim()) err.tenant_name = "Enter your organisation's name.";
    if (!isSlug(f.tenant_slug)) err.tenant_slug = "3 to 40 lowercase letters, digits or hyphens, not starting or ending with a hyphen.";
    setErrors(err);
    setError("");
    if (Object.keys(err).length) return;
    setBusy(true);
    try {
      await signedIn(await v3.signup({ ...f, name: f.name.trim(), email: f.email.trim(), tenant_name: f.tenant_name.trim() }));
    } catch (ex) {
      const r = formErrors(ex, ["name", "email", "password", "tenant_name", "tenant_slug"]);
      setErrors(r.fields);
      setError(r.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form card" onSubmit={submit} noValidate aria-labelledby="signup-h">
      <h1 id="signup-h">Create an account</h1>
      <Field label="Your name" error={errors.name}>
        <input name="name" autocomplete="name" value={f.name} onInput={(e) => put("name", value(e))} />
      </Field>
      <Field label="E-mail" error={errors.email}>
        <input type="email" name="email" autocomplete="username" value={f.email} onInput={(e) => put("email", value(e))} />
      </Field>
      <Field label="Password" error={errors.password} hint="At least 8 characters; not a common word and not only digits.">
        <input type="password" name="password" autocomplete="new-password" value={f.password} onInput={(e) => put("password", value(e))} />
      </Field>
      <Field label="Organisation" error={errors.tenant_name} hint="Your company, shop or team.">
        <input
          name="tenant_name"
          autocomplete="organization"
          value={f.tenant_name}
          onInput={(e) => {
            const v = value(e);
            setF((x) => ({ ...x, tenant_name: v, tenant_slug: slugEdited ? x.tenant_slug : slugify(v) }));
          }}
        />
      </Field>
      <Field label="Short name" error={errors.tenant_slug} hint="Names your organisation in web addresses: lowercase letters, digits and hyphens.">
        <input
          name="tenant_slug"
          autocapitalize="off"
          spellcheck={false}
          value={f.tenant_slug}
          onInput={(e) => {
            const v = value(e);
            setSlugEdited(v !== "");
            put("tenant_slug", v);
          }}
        />
      </Field>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </div>
      <p class="switch-form">
        Already have an account? <Link href="/">Sign in</Link>
      </p>
    </form>
  );
}
