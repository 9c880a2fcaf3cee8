// Shared building blocks: toasts, dialogs, switches and labelled fields.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";
import { linkClick } from "./router";

// ----- toasts -----
type Toast = { id: number; text: string; tone: "ok" | "bad" };
let toastSeq = 0;
const toastListeners = new Set<(t: Toast[]) => void>();
let toasts: Toast[] = [];

export function toast(text: string, tone: "ok" | "bad" = "ok"): void {
  const t = { id: ++toastSeq, text, tone };
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
        </div>
      ))}
    </div>
  );
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
