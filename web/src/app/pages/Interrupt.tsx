// Cloud mode: interrupts (docs/programming.md) — an asset or a message shown on some screens at
// once, over every schedule, until ended (or until a moment). The header's big button (with
// screens.interrupt) opens the dialog: start one (targets, an asset or a message with its
// colours and a live preview, optional end) and end the active ones. While any is active a
// banner says so on every page.
import { useEffect, useMemo, useState } from "preact/hooks";
import { can } from "../account";
import type { Asset } from "../api";
import { ApiError } from "../api";
import { Dialog, Field, errorText } from "../components";
import { formatDay, formatTime, fromLocalInput } from "../format";
import { type Interrupt, type InterruptStart, describeTargets, fieldOf, programApi, targetsBody } from "../programApi";
import { byName } from "../screens";
import { onLiveEvent, useStore } from "../store";
import { type Fleet, type TargetsValue, TargetsField, checkTargets, useFleet } from "./Targets";

const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value;

// ----- the active interrupts, shared by the button, the dialog and the banner -----

interface State {
  active: Interrupt[];
  open: boolean;
}

let state: State = { active: [], open: false };
const listeners = new Set<(s: State) => void>();
let timer: ReturnType<typeof setTimeout> | undefined;
let forbidden = false;
let running = false;

function set(p: Partial<State>): void {
  state = { ...state, ...p };
  for (const l of listeners) l(state);
}

function useInterrupts(): State {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => void listeners.delete(setS);
  }, []);
  return s;
}

/** Those still on at `now` (an `until` passed ends one without a word from the server). */
function stillOn(list: Interrupt[], now = Date.now()): Interrupt[] {
  return list
    .filter((i) => !i.ended_at && !(i.until && Date.parse(i.until) <= now))
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

/** Reads the active interrupts; again every 30 s while the page is visible, and when one runs out. */
export async function refreshInterrupts(): Promise<void> {
  if (forbidden || !running) return;
  clearTimeout(timer);
  try {
    set({ active: stillOn(await programApi.interrupts()) });
  } catch (e) {
    // A role that may not read them sees no banner.
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) forbidden = true;
  }
  if (!running || forbidden) return;
  const ends = state.active.map((i) => (i.until ? Date.parse(i.until) - Date.now() : Infinity));
  timer = setTimeout(() => {
    if (document.visibilityState === "visible") void refreshInterrupts();
    else set({ active: stillOn(state.active) });
  }, Math.max(500, Math.min(30_000, ...ends.map((ms) => ms + 250))));
}

/** Starts watching (signed in, with a role that may see interrupts); answers the stop. */
export function watchInterrupts(): () => void {
  if (!can("screens.interrupt") && !can("devices.view")) return () => {};
  running = true;
  forbidden = false;
  void refreshInterrupts();
  const off = onLiveEvent((kind) => {
    if (kind === "resync") void refreshInterrupts();
  });
  const visible = () => document.visibilityState === "visible" && void refreshInterrupts();
  addEventListener("visibilitychange", visible);
  return () => {
    running = false;
    clearTimeout(timer);
    off();
    removeEventListener("visibilitychange", visible);
    set({ active: [], open: false });
  };
}

// ----- what an interrupt shows -----

function MessageBox(props: { text: string; background: string; color: string; small?: boolean }) {
  return (
    <div class={`int-preview${props.small ? " small" : ""}`} style={{ background: props.background, color: props.color }}>
      <span>{props.text || "Your message"}</span>
    </div>
  );
}

function whatOf(i: Interrupt, assets: Asset[] | null): string {
  if (i.message) return `“${i.message.text}”`;
  const a = assets?.find((x) => x.asset_id === i.asset_id);
  return a ? a.name : "content";
}

function untilText(i: Interrupt, h24: boolean): string {
  return i.until ? `until ${formatDay(i.until, h24)}` : "until ended";
}

// ----- the dialog -----

const COLOURS: [string, string, string][] = [
  ["Alarm red", "#b00020", "#ffffff"],
  ["Warning amber", "#ffb000", "#000000"],
  ["Calm blue", "#0b3d91", "#ffffff"],
  ["Black", "#000000", "#ffffff"],
];

function ActiveList(props: { active: Interrupt[]; assets: Asset[] | null; fleet: Fleet | null; onEnd: (i: Interrupt) => void; busy: string | null }) {
  const h24 = useStore().settings?.use_24_hour_clock ?? false;
  return (
    <section aria-labelledby="int-active-h">
      <h3 id="int-active-h">Active now</h3>
      <ul class="list people">
        {props.active.map((i) => (
          <li class="person" data-testid="interrupt" key={i.id}>
            {i.message ? <MessageBox small text={i.message.text} background={i.message.background} color={i.message.color} /> : null}
            <div class="main">
              <strong>{whatOf(i, props.assets)}</strong>
              <div class="meta">
                <span>
                  {describeTargets(
                    i.targets,
                    (id) => props.fleet?.screens.find((s) => s.id === id)?.name,
                    (id) => props.fleet?.groups.find((g) => g.id === id)?.name,
                  )}
                </span>
                <span>since {formatTime(new Date(i.created_at), h24)}</span>
                <span>{untilText(i, h24)}</span>
              </div>
            </div>
            <div class="row-actions">
              <button type="button" class="danger" disabled={props.busy === i.id} onClick={() => props.onEnd(i)}>
                {props.busy === i.id ? "Ending…" : "End now"}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function InterruptDialog(props: { onClose: () => void }) {
  const { active } = useInterrupts();
  const { assets } = useStore();
  const { fleet } = useFleet();
  const [kind, setKind] = useState<"message" | "asset">("message");
  const [text, setText] = useState("");
  const [background, setBackground] = useState("#b00020");
  const [color, setColor] = useState("#ffffff");
  const [assetId, setAssetId] = useState("");
  const [targets, setTargets] = useState<TargetsValue>({ all: true, screenIds: [], groupIds: [] });
  const [until, setUntil] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  // Said in the dialog: toasts sit under the modal's backdrop.
  const [said, setSaid] = useState<{ text: string; bad: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [ending, setEnding] = useState<string | null>(null);
  const showable = useMemo(() => (assets ?? []).filter((a) => !a.is_processing).sort(byName), [assets]);

  async function start(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const err: Record<string, string> = {};
    if (kind === "message") {
      if (!text.trim()) err.message = "Write the message the screens show.";
      else if (text.trim().length > 500) err.message = "At most 500 characters.";
    } else if (!assetId) err.asset_id = "Choose the content to show.";
    const t = checkTargets(targets);
    if (t) err.targets = t;
    const end = until ? fromLocalInput(until) : null;
    if (until && (!end || Date.parse(end) <= Date.now())) err.until = "Choose a moment in the future, or leave it empty.";
    setErrors(err);
    setSaid(null);
    if (Object.keys(err).length) return;
    const base = { targets: targetsBody(targets.all, targets.screenIds, targets.groupIds), until: end };
    const body: InterruptStart = kind === "message" ? { ...base, message: { text: text.trim(), background, color } } : { ...base, asset_id: assetId };
    setBusy(true);
    try {
      const made = await programApi.startInterrupt(body);
      set({ active: [...state.active.filter((x) => x.id !== made.id), made] });
      setSaid({ text: "Interrupt started: the screens show it within a second.", bad: false });
      // Up to the list of active ones, where it can be ended.
      form.closest("dialog")?.scrollTo({ top: 0 });
      setText("");
      setUntil("");
      void refreshInterrupts();
    } catch (ex) {
      const fields: Record<string, string> = {};
      if (ex instanceof ApiError) for (const [k, v] of Object.entries(ex.fields)) fields[fieldOf(k)] = v;
      setErrors(fields);
      setSaid({ text: `Not started: ${errorText(ex)}`, bad: true });
    } finally {
      setBusy(false);
    }
  }

  async function end(i: Interrupt) {
    setEnding(i.id);
    setSaid(null);
    try {
      await programApi.endInterrupt(i.id);
      set({ active: state.active.filter((x) => x.id !== i.id) });
      setSaid({ text: "Interrupt ended: the screens go back to their schedule.", bad: false });
      void refreshInterrupts();
    } catch (ex) {
      setSaid({ text: `Not ended: ${errorText(ex)}`, bad: true });
    } finally {
      setEnding(null);
    }
  }

  return (
    <Dialog title="Interrupt screens" onClose={props.onClose}>
      {active.length ? <ActiveList active={active} assets={assets} fleet={fleet} onEnd={(i) => void end(i)} busy={ending} /> : null}
      <div aria-live="polite">
        {said ? (
          <p class={said.bad ? "notice warn" : "notice"} role={said.bad ? "alert" : "status"}>
            {said.text}
          </p>
        ) : null}
      </div>
      <form class="form" onSubmit={start} noValidate aria-labelledby="int-new-h">
        <h3 id="int-new-h">{active.length ? "Start another" : "Show something now"}</h3>
        <p class="hint">It shows on the chosen screens at once, over every schedule, until you end it.</p>
        <fieldset>
          <legend>Show</legend>
          <label class="check">
            <input type="radio" name="int-kind" checked={kind === "message"} onChange={() => setKind("message")} />A message
          </label>
          <label class="check">
            <input type="radio" name="int-kind" checked={kind === "asset"} onChange={() => setKind("asset")} />
            Content
          </label>
        </fieldset>
        {kind === "message" ? (
          <>
            <Field label="Message text" error={errors.message} hint={`${text.trim().length} / 500`}>
              <textarea name="int_text" rows={2} maxLength={500} value={text} onInput={(e) => setText(value(e))} />
            </Field>
            <div class="int-colours">
              <label>
                <span class="label">Background</span>
                <input type="color" name="int_background" value={background} onInput={(e) => setBackground(value(e))} />
              </label>
              <label>
                <span class="label">Text colour</span>
                <input type="color" name="int_color" value={color} onInput={(e) => setColor(value(e))} />
              </label>
              <div class="int-presets" role="group" aria-label="Colour presets">
                {COLOURS.map(([name, bg, fg]) => (
                  <button
                    type="button"
                    class="swatch-btn"
                    title={name}
                    aria-label={name}
                    style={{ background: bg, color: fg }}
                    onClick={() => {
                      setBackground(bg);
                      setColor(fg);
                    }}
                  >
                    A
                  </button>
                ))}
              </div>
            </div>
            {errors.background || errors.color ? (
              <p class="error" role="alert">
                {errors.background || errors.color}
              </p>
            ) : null}
            <p class="label">Preview</p>
            <MessageBox text={text.trim()} background={background} color={color} />
          </>
        ) : (
          <Field label="Content to show" error={errors.asset_id}>
            <select name="int_asset" value={assetId} onChange={(e) => setAssetId(value(e))}>
              <option value="">{showable.length ? "Choose…" : "No content yet"}</option>
              {showable.map((a) => (
                <option value={a.asset_id}>{a.name}</option>
              ))}
            </select>
          </Field>
        )}
        <TargetsField name="interrupt" value={targets} fleet={fleet} error={errors.targets} onChange={setTargets} />
        <Field label="Until (optional)" error={errors.until} hint="In this browser's time zone. Empty: until you end it here.">
          <input type="datetime-local" name="int_until" value={until} onInput={(e) => setUntil(value(e))} />
        </Field>
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Done
          </button>
          <button type="submit" class="primary danger-fill" disabled={busy}>
            {busy ? "Starting…" : "Start interrupt"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// ----- the button and the banner -----

/** The header's button (screens.interrupt) and its dialog. */
export function InterruptButton() {
  const { active, open } = useInterrupts();
  if (!can("screens.interrupt")) return null;
  return (
    <>
      <button type="button" class={`interrupt-btn${active.length ? " on" : ""}`} onClick={() => set({ open: true })} title="Show a message or content on screens now">
        <span aria-hidden="true">⚠</span> Interrupt{active.length ? ` (${active.length})` : ""}
      </button>
      {open ? <InterruptDialog onClose={() => set({ open: false })} /> : null}
    </>
  );
}

/** While any interrupt is on: a banner on every page. */
export function InterruptBanner() {
  const { active } = useInterrupts();
  const { assets, settings } = useStore();
  if (!active.length) return null;
  const first = active[active.length - 1] as Interrupt;
  return (
    <div class="banner interrupt-banner" role="status" data-testid="interrupt-banner">
      <span>
        <strong>Interrupt on:</strong> {whatOf(first, assets)} {untilText(first, settings?.use_24_hour_clock ?? false)}
        {active.length > 1 ? ` (and ${active.length - 1} more)` : ""}. Screens show it instead of their schedule.
      </span>
      {can("screens.interrupt") ? (
        <button type="button" onClick={() => set({ open: true })}>
          Manage
        </button>
      ) : null}
    </div>
  );
}
