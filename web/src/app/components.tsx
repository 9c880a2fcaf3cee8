// Shared building blocks: toasts, dialogs, switches and labelled fields.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { can, isCloud } from "./account";
import { ApiError } from "./api";
import { upgradeHint } from "./billingApi";
import { nameTooLong } from "./format";
import { linkClick } from "./router";

// ----- toasts -----
type ToastLink = { href: string; text: string };
type Toast = { id: number; text: string; tone: "ok" | "bad"; link?: ToastLink | undefined };
let toastSeq = 0;
const toastListeners = new Set<(t: Toast[]) => void>();
let toasts: Toast[] = [];

/** Shows `text` for a few seconds; `link` (an in-app page, e.g. Billing) follows it. */
export function toast(text: string, tone: "ok" | "bad" = "ok", link?: ToastLink): void {
  const t = { id: ++toastSeq, text, tone, link };
  // The same message twice in a row replaces the first; at most three at once.
  toasts = [...toasts.filter((x) => x.text !== text), t].slice(-3);
  for (const l of toastListeners) l(toasts);
  setTimeout(() => {
    toasts = toasts.filter((x) => x.id !== t.id);
    for (const l of toastListeners) l(toasts);
  }, tone === "bad" ? 8000 : 4000);
}

export function Toasts() {
  const [list, setList] = useState<Toast[]>(toasts);
  useEffect(() => {
    toastListeners.add(setList);
    return () => toastListeners.delete(setList);
  }, []);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast ${t.tone}`}>
          {t.text}
          {t.link ? (
            <>
              {" "}
              <Link href={t.link.href}>{t.link.text}</Link>
            </>
          ) : null}
        </div>
      ))}
    </div>
  );
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Whether this member is the one to change the plan (they see Billing). */
function mayChangePlan(): boolean {
  return isCloud() && can("tenant.billing");
}

/**
 * A failure as a toast: `prefix` and the server's message, and for a plan limit that a
 * bigger plan lifts, the way there ("Upgrade to Pro", or whom to ask).
 */
export function toastError(prefix: string, e: unknown): void {
  const hint = upgradeHint(e, mayChangePlan());
  if (hint && "link" in hint) toast(`${prefix}${errorText(e)}`, "bad", hint.link);
  else toast(`${prefix}${errorText(e)}${hint ? ` ${hint.text}` : ""}`, "bad");
}

/** After a failure's message: the way to a plan that lifts the limit it hit, if any. */
export function UpgradeHint(props: { error: unknown }) {
  const hint = upgradeHint(props.error, mayChangePlan());
  if (!hint) return null;
  return (
    <>
      {" "}
      {"link" in hint ? (
        <Link href={hint.link.href} class="upgrade-link">
          {hint.link.text}
        </Link>
      ) : (
        <span>{hint.text}</span>
      )}
    </>
  );
}

/** A failure as messages for the form's own `fields`, or else one message for the form. */
export function formErrors(e: unknown, fields: string[]): { fields: Record<string, string>; message: string } {
  const own: Record<string, string> = {};
  if (e instanceof ApiError) for (const [k, v] of Object.entries(e.fields)) if (fields.includes(k)) own[k] = v;
  return { fields: own, message: Object.keys(own).length ? "" : errorText(e) };
}

// ----- dialog -----
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.wide ? "wide" : ""}
      aria-label={props.title}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) props.onClose();
      }}
    >
      <div class="dialog-head">
        <h2>{props.title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={props.onClose}>
          ✕
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/** A yes/no question in a dialog; resolves via the callbacks. */
export function Confirm(props: {
  title: string;
  text: string;
  action: string;
  danger?: boolean;
  onYes: () => void;
  onNo: () => void;
}) {
  return (
    <Dialog title={props.title} onClose={props.onNo}>
      <p>{props.text}</p>
      <div class="actions">
        <button type="button" onClick={props.onNo}>
          Cancel
        </button>
        <button type="button" class={props.danger ? "danger" : "primary"} onClick={props.onYes}>
          {props.action}
        </button>
      </div>
    </Dialog>
  );
}

// ----- form bits -----
export function Switch(props: { checked: boolean; label: string; onChange: (v: boolean) => void; disabled?: boolean; hideLabel?: boolean }) {
  return (
    <label class="switch">
      <input
        type="checkbox"
        role="switch"
        checked={props.checked}
        disabled={props.disabled}
        aria-label={props.hideLabel ? props.label : undefined}
        onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)}
      />
      <span class="track" aria-hidden="true" />
      {props.hideLabel ? null : <span>{props.label}</span>}
    </label>
  );
}

export function Field(props: { label: string; error?: string | undefined; hint?: ComponentChildren; children: ComponentChildren; id?: string }) {
  return (
    <div class={`field${props.error ? " invalid" : ""}`}>
      <label>
        <span class="label">{props.label}</span>
        {props.children}
      </label>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

export function Link(props: { href: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a href={props.href} class={props.class} aria-current={props.current ? "page" : undefined} onClick={linkClick}>
      {props.children}
    </a>
  );
}

export function Progress(props: { value: number; label: string }) {
  return (
    <progress max={1} value={props.value} aria-label={props.label}>
      {Math.round(props.value * 100)}%
    </progress>
  );
}

// ----- create by name -----

/** A one-field form that makes something by its name (a group, a playlist): says what is
 * missing, shows the server's refusal under the field, clears itself when done. */
export function CreateByName<T extends { name: string }>(props: {
  id: string;
  name: string;
  label: string;
  placeholder: string;
  /** Said when the name is empty. */
  empty: string;
  button: string;
  /** "Group", "Playlist": for the toast. */
  what: string;
  create: (name: string) => Promise<T>;
  onCreated: (made: T) => void;
  /** Longest name the server takes, checked before sending. */
  max?: number;
}) {
  const [name, setName] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (!name.trim()) {
      setError(props.empty);
      return;
    }
    const long = props.max ? nameTooLong(name, props.max) : null;
    if (long) {
      setError(long);
      return;
    }
    setBusy(true);
    try {
      const made = await props.create(name.trim());
      setName("");
      setError("");
      toast(`${props.what} “${made.name}” created`);
      props.onCreated(made);
    } catch (ex) {
      setError(formErrors(ex, ["name"]).fields.name ?? errorText(ex));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class={`new-group field${error ? " invalid" : ""}`} onSubmit={submit} noValidate>
      <label class="label" for={props.id}>
        {props.label}
      </label>
      <div class="copy-row">
        <input
          id={props.id}
          name={props.name}
          placeholder={props.placeholder}
          value={name}
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : props.button}
        </button>
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** What a screen skips because it cannot show it here, with the screen's own reason. */
export function SkipList(props: { skipped: { asset_id: string; reason: string }[]; names: Map<string, string> }) {
  return (
    <details class="skipped" data-testid="skipped">
      <summary class="chip warn">
        Skips {props.skipped.length} item{props.skipped.length === 1 ? "" : "s"} it cannot show
      </summary>
      <ul class="plain small">
        {props.skipped.map((k) => (
          <li>
            “{props.names.get(k.asset_id) ?? "an item no longer in the list"}”: {k.reason}
          </li>
        ))}
      </ul>
    </details>
  );
}
