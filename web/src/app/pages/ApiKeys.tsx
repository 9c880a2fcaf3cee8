// Cloud mode: API keys for scripts (v3 and the Anthias-compatible API). A new key's secret is
// shown once, with a copy button; revoking asks first.
import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiKey, type ApiKeyCreated, type Role, roleLabel, v3 } from "../cloudApi";
import { Confirm, Dialog, Field, errorText, formErrors, toast } from "../components";
import { shortDate } from "../format";
import { RoleSelect } from "./RoleSelect";

async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http on a LAN address): select the text and copy the old way.
    input?.select();
    return document.execCommand("copy");
  }
}

function SecretDialog(props: { created: ApiKeyCreated; onClose: () => void }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.select(), []);
  return (
    <Dialog title={`API key “${props.created.name}”`} onClose={props.onClose}>
      <p class="notice warn" role="alert">
        Copy this key now and keep it somewhere safe: <strong>you will not see it again.</strong>
      </p>
      <div class="field">
        <label class="label" for="api-key-secret">
          Secret key
        </label>
        <div class="copy-row">
          <input
            ref={ref}
            id="api-key-secret"
            name="secret"
            readOnly
            value={props.created.key}
            class="mono"
            onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
          />
          <button
            type="button"
            onClick={async () => toast((await copyText(props.created.key, ref.current)) ? "Copied to the clipboard" : "Select the key and copy it by hand", "ok")}
          >
            Copy
          </button>
        </div>
        <p class="hint">Send it as Authorization: Bearer &lt;key&gt;. It acts as {roleLabel(props.created.role)}.</p>
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          I have copied it
        </button>
      </div>
    </Dialog>
  );
}

function CreateForm(props: { onCreated: (k: ApiKeyCreated) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("content_manager");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (!name.trim()) {
      setErrors({ name: "Say what the key is for, e.g. “Menu script”." });
      return;
    }
    setBusy(true);
    try {
      const k = await v3.createApiKey(name.trim(), role);
      setErrors({});
      setName("");
      props.onCreated(k);
    } catch (ex) {
      const r = formErrors(ex, ["name", "role"]);
      setErrors(r.fields);
      if (r.message) toast(`Not created: ${r.message}`, "bad");
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="form card" onSubmit={submit} noValidate aria-labelledby="newkey-h">
      <h2 id="newkey-h">New API key</h2>
      <div class="two">
        <Field label="Name" error={errors.name}>
          <input name="key_name" value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field label="Role" error={errors.role}>
          <RoleSelect name="key_role" label="Role" value={role} onChange={setRole} />
        </Field>
      </div>
      <p class="hint">A key can do what its role allows, in this organisation only. Give each script its own key.</p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Creating…" : "Create key"}
        </button>
      </div>
    </form>
  );
}

export function ApiKeysPage() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  async function load() {
    try {
      setKeys(await v3.apiKeys());
      setErr(null);
    } catch (e) {
      setErr(errorText(e));
    }
  }
  useEffect(() => void load(), []);

  async function revoke(k: ApiKey) {
    setRevoking(null);
    try {
      await v3.revokeApiKey(k.id);
      toast(`Key “${k.name}” revoked`);
      void load();
    } catch (e) {
      toast(`Not revoked: ${errorText(e)}`, "bad");
    }
  }

  return (
    <div class="api-keys">
      <div class="page-head">
        <h1>API keys</h1>
      </div>
      {err ? <p class="error">Could not load the keys: {err}</p> : null}
      {keys === null ? (
        err ? null : <p class="muted">Loading…</p>
      ) : keys.length === 0 ? (
        <p class="muted">No keys yet. Scripts and other programs use one to reach the API.</p>
      ) : (
        <ul class="list people">
          {keys.map((k) => (
            <li class="person" data-testid="api-key">
              <div class="main">
                <strong>{k.name}</strong>
                <div class="meta">
                  <span class="mono">{k.prefix}…</span>
                  <span>{roleLabel(k.role)}</span>
                  <span>Created {shortDate(k.created_at)}</span>
                  <span>{k.last_used_at ? `Last used ${shortDate(k.last_used_at)}` : "Never used"}</span>
                </div>
              </div>
              <div class="row-actions">
                <button type="button" class="danger" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`}>
                  Revoke
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <CreateForm
        onCreated={(k) => {
          setCreated(k);
          void load();
        }}
      />
      {created ? <SecretDialog created={created} onClose={() => setCreated(null)} /> : null}
      {revoking ? (
        <Confirm
          title="Revoke this key?"
          text={`Programs using “${revoking.name}” stop working at once. This cannot be undone.`}
          action="Revoke"
          danger
          onNo={() => setRevoking(null)}
          onYes={() => void revoke(revoking)}
        />
      ) : null}
    </div>
  );
}
