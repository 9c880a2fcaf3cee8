// Cloud mode, on the settings page: the organisation (tenant), its name and custom domain,
// and what its plan allows.
import { useEffect, useState } from "preact/hooks";
import { can } from "../account";
import { type Tenant, v3 } from "../cloudApi";
import { reloadMe } from "../cloudSession";
import { BILLING_PATH, planLabel } from "../billingApi";
import { Field, Link, Progress, errorText, formErrors, toast } from "../components";
import { formatBytes } from "../format";
import { useMailStatus } from "../mailStatus";

const MAIL_STATE = {
  ok: "Works",
  not_configured: "Not set up on this server: nothing is e-mailed; invitation and reset links are copied from the Team page",
  unreachable: "Not working right now",
} as const;

export function OrganisationCard() {
  const [t, setT] = useState<Tenant | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [domain, setDomain] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const edit = can("tenant.settings");
  const mail = useMailStatus();

  function show(x: Tenant) {
    setT(x);
    setName(x.name);
    setDomain(x.domain ?? "");
  }
  useEffect(() => {
    v3.tenant().then(show, (e) => setErr(errorText(e)));
  }, []);

  async function save(e: Event) {
    e.preventDefault();
    if (!name.trim()) {
      setErrors({ name: "Give your organisation a name." });
      return;
    }
    if (!t) return;
    const patch: { name?: string; domain?: string | null } = {};
    if (name.trim() !== t.name) patch.name = name.trim();
    if ((domain.trim() || null) !== t.domain) patch.domain = domain.trim() || null;
    if (!Object.keys(patch).length) {
      toast("Nothing changed");
      return;
    }
    setBusy(true);
    try {
      show(await v3.updateTenant(patch));
      setErrors({});
      toast("Organisation saved");
      void reloadMe();
    } catch (ex) {
      const r = formErrors(ex, ["name", "domain"]);
      setErrors(r.fields);
      toast(`Not saved: ${r.message || errorText(ex)}`, "bad");
    } finally {
      setBusy(false);
    }
  }

  if (!t) return <section class="card">{err ? <p class="error">Could not load the organisation: {err}</p> : <p class="muted">Loading…</p>}</section>;
  const used = t.storage_quota_bytes ? t.storage_used_bytes / t.storage_quota_bytes : 0;
  return (
    <form class="form card" onSubmit={save} noValidate aria-labelledby="s-org">
      <h2 id="s-org">Organisation</h2>
      <div class="two">
        <Field label="Organisation name" error={errors.name}>
          <input name="tenant_name" value={name} disabled={!edit} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field label="Custom domain (optional)" error={errors.domain} hint="A host name such as signage.example.com, pointed at this service.">
          <input name="domain" value={domain} disabled={!edit} placeholder="signage.example.com" onInput={(e) => setDomain((e.currentTarget as HTMLInputElement).value)} />
        </Field>
      </div>
      <dl class="facts">
        <dt>Short name</dt>
        <dd class="mono">{t.slug}</dd>
        <dt>Plan</dt>
        <dd>
          {planLabel(t.plan)}
          {can("tenant.billing") ? (
            <>
              {" "}
              · <Link href={BILLING_PATH}>Billing</Link>
            </>
          ) : null}
        </dd>
        <dt>Members</dt>
        <dd>
          {t.member_count} of {t.max_users}
        </dd>
        <dt>Screens allowed</dt>
        <dd>{t.max_devices}</dd>
        {mail ? (
          <>
            <dt>E-mail</dt>
            <dd data-testid="mail-state" title={mail.message} class={mail.state === "ok" ? undefined : "warn"}>
              {MAIL_STATE[mail.state]}
            </dd>
          </>
        ) : null}
        <dt>Storage</dt>
        <dd>
          {formatBytes(t.storage_used_bytes)} used of {formatBytes(t.storage_quota_bytes)}
          <Progress value={Math.min(1, used)} label="Storage used" />
        </dd>
      </dl>
      {edit ? (
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : "Save organisation"}
          </button>
        </div>
      ) : null}
    </form>
  );
}
