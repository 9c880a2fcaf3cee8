// Cloud mode: the week calendar of schedules (docs/programming.md). For every screen, one
// screen or one group: seven columns of 24 h in the tenant's time zone, each schedule's blocks
// (its days and daily window; an overnight window runs on into the next column) in its
// playlist's colour with its priority, conflicts marked (equal priorities play merged, a lower
// one under a higher one is overridden), and for one screen a strip of what actually plays
// (the screen's timeline). New and edited schedules in a dialog; drag a block to move it (also
// across days) or its lower edge to resize it, snapped to 15 minutes and saved on drop.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { can } from "../account";
import {
  type CalSchedule,
  DAY_MIN,
  type DragResult,
  type Occurrence,
  type Piece,
  type Reach,
  aimsAtGroup,
  aimsAtScreen,
  colourOf,
  conflicts,
  dayString,
  daysText,
  dropPatch,
  hm,
  hmEnd,
  instantOf,
  knownZone,
  localDay,
  mondayOf,
  moveBy,
  occurrences,
  parseDay,
  parseHm,
  pieces,
  pxToMinutes,
  reachOf,
  reached,
  resizeBy,
  shades,
  wallMinutes,
  windowText,
} from "../calendar";
import { Dialog, Field, Link, Switch, errorText, toast } from "../components";
import { ApiError } from "../api";
import { DAY_NAMES, NAME_MAX, formatTimeOfDay, nameTooLong } from "../format";
import {
  type Playlist,
  type Schedule,
  type ScheduleFields,
  type TimelineSegment,
  describeTargets,
  fieldOf,
  programApi,
  targetsBody,
} from "../programApi";
import { byName } from "../screens";
import { onLiveEvent, useStore } from "../store";
import { type Fleet, type TargetsValue, TargetsField, checkTargets, useFleet } from "./Targets";

const HOUR_PX = 40;
const HOURS = Array.from({ length: 24 }, (_, h) => h);
const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The tenant's time zone: the settings' `timezone` ("" = UTC). A role that may not read the
 * settings (no devices.view) gets this browser's zone, said so on the page.
 */
export function useZone(): { zone: string; guessed: boolean } {
  const { settings } = useStore();
  if (settings) return { zone: settings.timezone && knownZone(settings.timezone) ? settings.timezone : "UTC", guessed: false };
  return { zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", guessed: true };
}

/** Times of day in the device's clock style (the 24-hour clock setting), as the whole app shows them. */
function useClock(): (hhmm: string) => string {
  const { settings } = useStore();
  const h24 = settings?.use_24_hour_clock ?? false;
  return (t) => formatTimeOfDay(t, h24);
}

/** What the calendar is drawn for: every screen, one screen, or one group. */
type View = { kind: "all" } | { kind: "screen"; id: string } | { kind: "group"; id: string };

function parseView(v: string): View {
  if (v.startsWith("s:")) return { kind: "screen", id: v.slice(2) };
  if (v.startsWith("g:")) return { kind: "group", id: v.slice(2) };
  return { kind: "all" };
}

const viewValue = (v: View) => (v.kind === "all" ? "all" : `${v.kind === "screen" ? "s" : "g"}:${v.id}`);

function weekLabel(monday: number): string {
  const fmt = (d: number, o: Intl.DateTimeFormatOptions) => new Date(d * 86_400_000).toLocaleDateString([], { ...o, timeZone: "UTC" });
  const a = fmt(monday, { day: "numeric", month: "short" });
  const b = fmt(monday + 6, { day: "numeric", month: "short", year: "numeric" });
  return `${a} – ${b}`;
}

// ----- the dialog -----

interface Draft {
  name: string;
  playlistId: string;
  targets: TargetsValue;
  firstDay: string;
  lastDay: string;
  days: number[];
  allDay: boolean;
  from: string;
  to: string;
  priority: string;
  enabled: boolean;
}

function draftOf(s: Partial<Schedule>, zone: string, playlists: Playlist[]): Draft {
  const t = s.targets ?? { all: true };
  const start = s.start_date ? Date.parse(s.start_date) : NaN;
  const end = s.end_date ? Date.parse(s.end_date) : NaN;
  const from = parseHm(s.play_time_from ?? null);
  const to = parseHm(s.play_time_to ?? null);
  return {
    name: s.name ?? "",
    playlistId: s.playlist_id ?? playlists[0]?.id ?? "",
    targets: { all: t.all === true, screenIds: t.screen_ids ?? [], groupIds: t.group_ids ?? [] },
    firstDay: Number.isNaN(start) ? "" : dayString(localDay(start, zone)),
    // The end is exclusive: the last day is the one before it.
    lastDay: Number.isNaN(end) ? "" : dayString(localDay(end - 1, zone)),
    days: s.play_days?.length ? s.play_days.slice().sort((a, b) => a - b) : [1, 2, 3, 4, 5, 6, 7],
    // A new schedule starts with a window (09:00–17:00) unless told otherwise.
    allDay: "play_time_from" in s ? s.play_time_from == null && s.play_time_to == null : false,
    from: from === null ? "09:00" : hm(from),
    to: to === null ? "17:00" : hm(to),
    priority: String(s.priority ?? 50),
    enabled: s.is_enabled ?? true,
  };
}

function ScheduleDialog(props: {
  schedule: Schedule | null;
  preset: Partial<Schedule>;
  playlists: Playlist[];
  fleet: Fleet | null;
  zone: string;
  onClose: () => void;
  onSaved: (s: Schedule) => void;
  onDeleted: (s: Schedule) => void;
}) {
  const s = props.schedule;
  const [initial] = useState(() => draftOf(s ?? props.preset, props.zone, props.playlists));
  const [d, setD] = useState<Draft>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const set = (p: Partial<Draft>) => setD((x) => ({ ...x, ...p }));

  async function submit(e: Event) {
    e.preventDefault();
    const err: Record<string, string> = {};
    if (!d.name.trim()) err.name = "Name it, e.g. “Breakfast menu”.";
    else if (nameTooLong(d.name, NAME_MAX)) err.name = nameTooLong(d.name, NAME_MAX) as string;
    if (!d.playlistId) err.playlist_id = "Choose the playlist it plays.";
    const t = checkTargets(d.targets);
    if (t) err.targets = t;
    if (!d.days.length) err.play_days = "Pick at least one day. To pause it, turn it off instead.";
    if (!d.allDay) {
      if (parseHm(d.from) === null || parseHm(d.to) === null) err.play_time_from = "Fill in both times, or choose all day.";
      else if (parseHm(d.from) === parseHm(d.to)) err.play_time_from = "The two times must differ.";
    }
    const first = d.firstDay ? parseDay(d.firstDay) : null;
    const last = d.lastDay ? parseDay(d.lastDay) : null;
    if (first !== null && last !== null && last < first) err.end_date = "The last day must not be before the first.";
    const prio = Number(d.priority);
    if (!/^\d+$/.test(d.priority.trim()) || prio > 100) err.priority = "A whole number from 0 to 100.";
    setErrors(err);
    setError("");
    if (Object.keys(err).length) return;

    const body: Partial<ScheduleFields> = {
      name: d.name.trim(),
      playlist_id: d.playlistId,
      targets: targetsBody(d.targets.all, d.targets.screenIds, d.targets.groupIds),
      play_days: d.days,
      play_time_from: d.allDay ? null : d.from,
      play_time_to: d.allDay ? null : d.to,
      priority: prio,
      is_enabled: d.enabled,
    };
    // Dates are sent when set here (the tenant's midnights; the last day included).
    if (!s || d.firstDay !== initial.firstDay) body.start_date = first === null ? null : iso(instantOf(first * DAY_MIN, props.zone));
    if (!s || d.lastDay !== initial.lastDay) body.end_date = last === null ? null : iso(instantOf((last + 1) * DAY_MIN, props.zone));
    setBusy(true);
    try {
      const saved = s
        ? await programApi.updateSchedule(s.id, body)
        : await programApi.createSchedule({ ...body, name: body.name as string, playlist_id: body.playlist_id as string });
      toast(s ? `“${saved.name}” saved` : `Schedule “${saved.name}” created`);
      props.onSaved(saved);
    } catch (ex) {
      const fields: Record<string, string> = {};
      if (ex instanceof ApiError) for (const [k, v] of Object.entries(ex.fields)) fields[fieldOf(k)] = v;
      setErrors(fields);
      setError(Object.keys(fields).length ? "" : errorText(ex));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!s) return;
    setBusy(true);
    try {
      await programApi.removeSchedule(s.id);
      toast(`Schedule “${s.name}” deleted`);
      props.onDeleted(s);
    } catch (ex) {
      setError(`Not deleted: ${errorText(ex)}`);
      setConfirmDelete(false);
    } finally {
      setBusy(false);
    }
  }

  const timeErr = errors.play_time_from || errors.play_time_to;
  return (
    <Dialog title={s ? `Edit “${s.name}”` : "New schedule"} onClose={props.onClose}>
      <form class="form" onSubmit={submit} noValidate>
        <Field label="Name" error={errors.name}>
          <input name="schedule_name" value={d.name} onInput={(e) => set({ name: value(e) })} />
        </Field>
        <Field label="Playlist" error={errors.playlist_id}>
          <select name="playlist" value={d.playlistId} onChange={(e) => set({ playlistId: value(e) })}>
            {props.playlists.length ? null : <option value="">No playlists yet</option>}
            {props.playlists.map((p) => (
              <option value={p.id}>{p.name}</option>
            ))}
          </select>
        </Field>
        {props.playlists.length ? null : (
          <p class="hint">
            A schedule plays a playlist: <Link href="/playlists">make one first</Link>.
          </p>
        )}
        <TargetsField name="schedule" value={d.targets} fleet={props.fleet} error={errors.targets} onChange={(targets) => set({ targets })} />
        <fieldset class={`days${errors.play_days ? " invalid" : ""}`}>
          <legend>Days</legend>
          {DAY_NAMES.map((name, i) => (
            <label class="day">
              <input
                type="checkbox"
                name={`day-${i + 1}`}
                checked={d.days.includes(i + 1)}
                onChange={(ev) => {
                  const on = (ev.currentTarget as HTMLInputElement).checked;
                  set({ days: on ? [...d.days, i + 1].sort((a, b) => a - b) : d.days.filter((x) => x !== i + 1) });
                }}
              />
              {name}
            </label>
          ))}
          {errors.play_days ? (
            <p class="error" role="alert">
              {errors.play_days}
            </p>
          ) : null}
        </fieldset>
        <fieldset class={`window${timeErr ? " invalid" : ""}`}>
          <legend>Time of day</legend>
          <label class="check">
            <input type="checkbox" name="all_day" checked={d.allDay} onChange={(e) => set({ allDay: (e.currentTarget as HTMLInputElement).checked })} />
            All day
          </label>
          {d.allDay ? null : (
            <>
              <div class="two">
                <Field label="From">
                  <input type="time" name="play_time_from" value={d.from} onInput={(e) => set({ from: value(e) })} />
                </Field>
                <Field label="To">
                  <input type="time" name="play_time_to" value={d.to} onInput={(e) => set({ to: value(e) })} />
                </Field>
              </div>
              <p class="hint">In {props.zone}. An end before the start runs overnight (e.g. 22:00 to 06:00) and belongs to the day it starts.</p>
            </>
          )}
          {timeErr ? (
            <p class="error" role="alert">
              {timeErr}
            </p>
          ) : null}
        </fieldset>
        <div class="two">
          <Field label="First day (optional)" error={errors.start_date}>
            <input type="date" name="first_day" value={d.firstDay} onInput={(e) => set({ firstDay: value(e) })} />
          </Field>
          <Field label="Last day (optional)" error={errors.end_date}>
            <input type="date" name="last_day" value={d.lastDay} onInput={(e) => set({ lastDay: value(e) })} />
          </Field>
        </div>
        <Field
          label="Priority"
          error={errors.priority}
          hint="0 to 100. Where schedules overlap the highest priority plays; equal ones play their playlists merged, item by item."
        >
          <input type="number" name="priority" min={0} max={100} step={1} inputMode="numeric" value={d.priority} onInput={(e) => set({ priority: value(e) })} />
        </Field>
        <Switch checked={d.enabled} label="On (turned off, it never plays)" onChange={(enabled) => set({ enabled })} />
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        {confirmDelete && s ? (
          <div class="notice warn confirm-row" role="alert">
            <span>Delete “{s.name}” for good?</span>
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep it
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
              Delete
            </button>
          </div>
        ) : null}
        <div class="actions">
          {s && !confirmDelete ? (
            <button type="button" class="danger push-left" onClick={() => setConfirmDelete(true)}>
              Delete schedule
            </button>
          ) : null}
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : s ? "Save" : "Create schedule"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// ----- the grid -----

interface Drag {
  id: string;
  mode: "move" | "resize";
  occ: Occurrence;
  result: DragResult | null;
}

/** A schedule as the drag would leave it (the grid shows it there while dragging). */
function dragged(s: Schedule, drag: Drag | null): Schedule {
  return drag && drag.result && drag.id === s.id ? { ...s, ...dropPatch(s, drag.result) } : s;
}

function BlockView(props: {
  piece: Piece;
  s: Schedule;
  occ: Occurrence;
  colour: string;
  playlistName: string;
  conflict: ReturnType<typeof conflicts>[number];
  names: Map<string, string>;
  editable: boolean;
  dragging: boolean;
  onPointerDown: (e: PointerEvent, mode: "move" | "resize") => void;
  onOpen: () => void;
}) {
  const clock = useClock();
  const { piece: p, s, conflict: c } = props;
  const top = (p.top / 60) * HOUR_PX;
  const height = Math.max(((p.bottom - p.top) / 60) * HOUR_PX, 14);
  const merged = c.mergedWith.map((id) => props.names.get(id) ?? "another schedule");
  const over = c.overriddenBy.map((id) => props.names.get(id) ?? "another schedule");
  const state = !s.is_enabled ? "off" : c.overridden === "fully" ? "overridden" : c.overridden === "partly" ? "partly" : "";
  const when = `${DAY_NAMES[((props.occ.day % 7) + 7) % 7]} ${windowText(s, clock)}`;
  const words = [
    `${s.name}: ${props.playlistName}`,
    when,
    `priority ${s.priority}`,
    s.is_enabled ? "" : "turned off",
    merged.length ? `plays merged with ${merged.join(", ")}` : "",
    c.overridden === "fully" ? `overridden by ${over.join(", ")}` : c.overridden === "partly" ? `partly overridden by ${over.join(", ")}` : "",
  ].filter(Boolean);
  const short = height < 34;
  return (
    <div
      class={`block ${state}${props.dragging ? " dragging" : ""}${props.editable ? " editable" : ""}${short ? " short" : ""}${p.lanes >= 3 ? " narrow" : ""}`}
      style={{
        top: `${top}px`,
        height: `${height}px`,
        left: `calc(8px + (100% - 10px) * ${p.lane / p.lanes})`,
        width: `calc((100% - 10px) / ${p.lanes} - 2px)`,
        "--c": props.colour,
      }}
      role="button"
      tabIndex={0}
      aria-label={words.join(", ")}
      title={words.join("\n")}
      data-testid="schedule-block"
      data-schedule={s.id}
      data-col={p.col}
      onPointerDown={(e) => props.onPointerDown(e, "move")}
      onClick={props.onOpen}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          props.onOpen();
        }
      }}
    >
      <span class="block-top">
        {props.editable && p.first ? (
          <span class="grip" aria-hidden="true" title="Drag to move">
            ⠿
          </span>
        ) : null}
        <span class="block-name">{s.name}</span>
      </span>
      <span class="prio" aria-hidden="true">
        P{s.priority}
      </span>
      {short && merged.length ? (
        <span class="mark" aria-hidden="true">
          ⇄
        </span>
      ) : null}
      {short ? null : (
        <span class="block-meta" aria-hidden="true">
          {p.first ? windowText(s, clock) : "…continued"}
          {merged.length ? <span class="mark merged"> ⇄ merged</span> : null}
          {state === "overridden" ? <span class="mark"> overridden</span> : state === "partly" ? <span class="mark"> partly overridden</span> : null}
          {state === "off" ? <span class="mark"> off</span> : null}
        </span>
      )}
      {props.editable && p.last ? (
        <span
          class="resize"
          aria-hidden="true"
          title={props.occ.allDay ? "Drag to end earlier" : "Drag to change the end"}
          onPointerDown={(e) => props.onPointerDown(e, "resize")}
        />
      ) : null}
    </div>
  );
}

// ----- the page -----

export function CalendarPage() {
  const clock = useClock();
  const edit = can("assets.edit");
  const mayTimeline = can("devices.view");
  const { zone, guessed } = useZone();
  const { fleet } = useFleet();
  const [schedules, setSchedules] = useState<Schedule[] | null>(null);
  const [playlists, setPlaylists] = useState<Playlist[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [view, setView] = useState<View>({ kind: "all" });
  const [monday, setMonday] = useState(() => mondayOf(localDay(Date.now(), zone)));
  const [editing, setEditing] = useState<{ schedule: Schedule | null; preset: Partial<Schedule> } | null>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [timeline, setTimeline] = useState<TimelineSegment[] | null>(null);
  const [timelineErr, setTimelineErr] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const colsRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const suppressClick = useRef(false);
  const schedulesRef = useRef(schedules);
  schedulesRef.current = schedules;

  async function load() {
    try {
      const [s, p] = await Promise.all([programApi.schedules(), programApi.playlists()]);
      setSchedules(s);
      setPlaylists(p.slice().sort(byName));
      setErr(null);
    } catch (e) {
      setErr(errorText(e));
    }
  }
  useEffect(() => {
    void load();
    // Events may have been missed (the stream reopened, the tab came back): read again.
    return onLiveEvent((kind) => kind === "resync" && void load());
  }, []);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(t);
  }, []);
  // The organisation's zone may arrive after the page opened: this week is this week there.
  const navigated = useRef(false);
  useEffect(() => {
    if (!navigated.current) setMonday(mondayOf(localDay(Date.now(), zone)));
  }, [zone]);
  const goWeek = (m: number) => {
    navigated.current = true;
    setMonday(m);
  };
  // Mornings first: the grid opens scrolled to 06:00.
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 6 * HOUR_PX - 12;
  }, [schedules !== null]);

  // The chosen screen's plan for the week (devices.view), re-read after every change.
  const screenId = view.kind === "screen" ? view.id : null;
  useEffect(() => {
    setTimeline(null);
    setTimelineErr(null);
    if (!screenId || !mayTimeline) return;
    let alive = true;
    programApi.timeline(screenId, iso(instantOf(monday * DAY_MIN, zone)), iso(instantOf((monday + 7) * DAY_MIN, zone))).then(
      (t) => alive && setTimeline(t),
      (e) => alive && setTimelineErr(errorText(e)),
    );
    return () => {
      alive = false;
    };
  }, [screenId, monday, zone, version]);

  const playlistIds = useMemo(() => (playlists ?? []).map((p) => p.id), [playlists]);
  const playlistName = useMemo(() => new Map((playlists ?? []).map((p) => [p.id, p.name])), [playlists]);
  const names = useMemo(() => new Map((schedules ?? []).map((s) => [s.id, s.name])), [schedules]);
  const groupOf = useMemo(() => new Map((fleet?.screens ?? []).map((s) => [s.id, s.group_id])), [fleet]);
  const screen = view.kind === "screen" ? fleet?.screens.find((s) => s.id === view.id) : undefined;
  const group = view.kind === "group" ? fleet?.groups.find((g) => g.id === view.id) : undefined;

  const visible = useMemo(() => {
    const all = (schedules ?? []).map((s) => dragged(s, drag));
    if (view.kind === "screen") return all.filter((s) => aimsAtScreen(s.targets, view.id, screen?.group_id ?? null));
    if (view.kind === "group") return all.filter((s) => aimsAtGroup(s.targets, view.id));
    return all;
  }, [schedules, drag, view, screen]);

  const layout = useMemo(() => {
    const occ = visible.flatMap((s) => occurrences(s as CalSchedule, monday, zone));
    const byId = new Map<string, CalSchedule>(visible.map((s) => [s.id, s]));
    // One screen or one group: every schedule shown reaches it. Every screen: as the targets say.
    const reach =
      view.kind === "all"
        ? (() => {
            const r = new Map(visible.map((s) => [s.id, reached(s.targets, groupOf)]));
            return (a: string, b: string): Reach => {
              const ra = r.get(a);
              const rb = r.get(b);
              return ra && rb ? reachOf(ra, rb) : "none";
            };
          })()
        : (): Reach => "all";
    return { occ, pieces: pieces(occ), conflicts: conflicts(occ, byId, reach) };
  }, [visible, monday, zone, view, groupOf]);

  const shaded = useMemo(() => (timeline ? shades(timeline, monday, zone) : []), [timeline, monday, zone]);
  const nowAt = wallMinutes(now, zone) - monday * DAY_MIN;
  const today = localDay(now, zone);

  function startDrag(e: PointerEvent, occ: Occurrence, mode: "move" | "resize") {
    if (!edit || e.button !== 0) return;
    const onHandle = (e.target as Element).closest(".grip, .resize");
    // On a touch screen a finger on the block scrolls; the grips drag.
    if (e.pointerType === "touch" && !onHandle) return;
    const cols = colsRef.current;
    if (!cols) return;
    e.preventDefault();
    e.stopPropagation();
    const colAt = (x: number) => {
      const r = cols.getBoundingClientRect();
      return Math.min(6, Math.max(0, Math.floor(((x - r.left) / r.width) * 7)));
    };
    const startCol = colAt(e.clientX);
    const startOffset = e.clientY - cols.getBoundingClientRect().top;
    let moved = false;
    let result: DragResult | null = null;
    const onMove = (ev: PointerEvent) => {
      if (!moved && Math.hypot(ev.clientX - e.clientX, ev.clientY - e.clientY) < 4) return;
      moved = true;
      const dy = ev.clientY - cols.getBoundingClientRect().top - startOffset;
      const minutes = pxToMinutes(dy, HOUR_PX);
      result = mode === "move" ? moveBy(occ, colAt(ev.clientX) - startCol, minutes) : resizeBy(occ, minutes);
      setDrag({ id: occ.scheduleId, mode, occ, result });
    };
    const finish = (drop: boolean) => {
      removeEventListener("pointermove", onMove);
      removeEventListener("pointerup", onUp);
      removeEventListener("pointercancel", onCancel);
      setDrag(null);
      if (moved) {
        suppressClick.current = true;
        setTimeout(() => (suppressClick.current = false), 0);
      }
      if (drop && moved && result) void save(occ.scheduleId, result);
    };
    const onUp = () => finish(true);
    const onCancel = () => finish(false);
    addEventListener("pointermove", onMove);
    addEventListener("pointerup", onUp);
    addEventListener("pointercancel", onCancel);
  }

  async function save(id: string, r: DragResult) {
    const before = schedulesRef.current?.find((s) => s.id === id);
    if (!before) return;
    const patch = dropPatch(before, r);
    setSchedules((l) => (l ? l.map((s) => (s.id === id ? { ...s, ...patch } : s)) : l));
    try {
      const saved = await programApi.updateSchedule(id, patch);
      setSchedules((l) => (l ? l.map((s) => (s.id === id ? saved : s)) : l));
      setVersion((v) => v + 1);
      toast(`“${saved.name}” now plays ${daysText(saved.play_days)}, ${windowText(saved, clock)}`);
    } catch (e) {
      setSchedules((l) => (l ? l.map((s) => (s.id === id ? before : s)) : l));
      toast(`Not moved: ${errorText(e)}`, "bad");
    }
  }

  function open(s: Schedule) {
    if (suppressClick.current) return;
    const real = schedulesRef.current?.find((x) => x.id === s.id) ?? s;
    if (edit) setEditing({ schedule: real, preset: {} });
  }

  /** A click on an empty hour: a new schedule on that day at that hour. */
  function newAt(e: MouseEvent, col: number) {
    if (!edit || suppressClick.current || e.target !== e.currentTarget || !playlists?.length) return;
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const hour = Math.min(23, Math.max(0, Math.floor((e.clientY - r.top) / HOUR_PX)));
    setEditing({ schedule: null, preset: newPreset({ play_days: [col + 1], play_time_from: hm(hour * 60), play_time_to: hm((hour + 1) * 60) }) });
  }

  /** A new schedule aims at what the calendar shows. */
  function newPreset(p: Partial<Schedule>): Partial<Schedule> {
    const targets = view.kind === "screen" ? { screen_ids: [view.id], group_ids: [] } : view.kind === "group" ? { screen_ids: [], group_ids: [view.id] } : { all: true };
    return { targets, ...p };
  }

  const viewName = view.kind === "all" ? "all screens" : view.kind === "screen" ? (screen?.name ?? "this screen") : `group ${group?.name ?? ""}`;
  const listed = visible.slice().sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  const describe = (s: Schedule) =>
    describeTargets(
      s.targets,
      (id) => fleet?.screens.find((x) => x.id === id)?.name,
      (id) => fleet?.groups.find((x) => x.id === id)?.name,
    );
  const shadeColour = (sh: (typeof shaded)[number]) =>
    sh.source === "interrupt" ? "var(--bad)" : sh.source === "default" ? "var(--muted)" : colourOf(sh.playlistIds[0] ?? "", playlistIds);
  const shadeWords = (sh: (typeof shaded)[number]) =>
    sh.source === "interrupt"
      ? "an interrupt"
      : sh.source === "default"
        ? "the default playlist (the Schedule page)"
        : sh.scheduleIds.map((id) => names.get(id) ?? "a schedule").join(" + ");

  return (
    <div class="calendar-page">
      <div class="page-head">
        <h1>Calendar</h1>
        <div class="controls">
          {fleet ? (
            <select aria-label="Show the calendar of" name="calendar_view" value={viewValue(view)} onChange={(e) => setView(parseView(value(e)))}>
              <option value="all">All screens</option>
              {fleet.screens.length ? (
                <optgroup label="Screens">
                  {fleet.screens.map((s) => (
                    <option value={`s:${s.id}`}>{s.name}</option>
                  ))}
                </optgroup>
              ) : null}
              {fleet.groups.length ? (
                <optgroup label="Groups">
                  {fleet.groups.map((g) => (
                    <option value={`g:${g.id}`}>Group {g.name}</option>
                  ))}
                </optgroup>
              ) : null}
            </select>
          ) : null}
          {edit ? (
            <button type="button" class="primary" disabled={!playlists?.length} onClick={() => setEditing({ schedule: null, preset: newPreset({}) })}>
              + New schedule
            </button>
          ) : null}
        </div>
      </div>
      {err ? <p class="error">Could not load the schedules: {err}</p> : null}
      {schedules === null || playlists === null ? (
        err ? null : <p class="muted">Loading…</p>
      ) : (
        <>
          {playlists.length === 0 ? (
            <div class="empty">
              <h2>Nothing scheduled yet</h2>
              <p>
                A schedule plays a playlist on some screens on chosen days and hours. Make a playlist first; until then your screens play
                everything that is on in the Schedule.
              </p>
              <Link href="/playlists" class="button primary">
                Make a playlist
              </Link>
            </div>
          ) : schedules.length === 0 ? (
            <p class="notice">
              No schedules yet: your screens play everything that is on in the Schedule.{" "}
              {edit ? "Click an hour in the calendar or “+ New schedule” to plan a playlist." : "Someone who edits content can plan one."}
            </p>
          ) : null}
          <div class="week-nav">
            <button type="button" aria-label="Previous week" onClick={() => goWeek(monday - 7)}>
              ◀
            </button>
            <button type="button" onClick={() => goWeek(mondayOf(localDay(Date.now(), zone)))} disabled={monday === mondayOf(today)}>
              This week
            </button>
            <button type="button" aria-label="Next week" onClick={() => goWeek(monday + 7)}>
              ▶
            </button>
            <strong class="week-label">{weekLabel(monday)}</strong>
            <span class="muted small">
              {viewName} · times in {zone}
              {guessed ? " (this browser's zone: your role cannot read the organisation's)" : ""}
            </span>
          </div>
          <div class="cal-scroll" ref={scrollRef}>
            <div class="cal" style={{ "--hour": `${HOUR_PX}px` }}>
              <div class="cal-head">
                <div class="cal-corner" />
                {DAY_NAMES.map((n, i) => (
                  <div class={`cal-dayname${monday + i === today ? " today" : ""}`}>
                    {n} {new Date((monday + i) * 86_400_000).getUTCDate()}
                  </div>
                ))}
              </div>
              <div class="cal-body">
                <div class="cal-hours" aria-hidden="true">
                  {HOURS.map((h) => (
                    <span style={{ top: `${h * HOUR_PX}px` }}>{clock(hm(h * 60))}</span>
                  ))}
                </div>
                <div class="cal-cols" ref={colsRef}>
                  {DAY_NAMES.map((n, col) => (
                    <div
                      class={`cal-col${monday + col === today ? " today" : ""}`}
                      data-col={col}
                      role="group"
                      aria-label={`${n} ${dayString(monday + col)}`}
                      onClick={(e) => newAt(e, col)}
                    >
                      {shaded
                        .filter((sh) => sh.col === col)
                        .map((sh) => (
                          <span
                            class={`shade ${sh.source}`}
                            style={{ top: `${(sh.top / 60) * HOUR_PX}px`, height: `${((sh.bottom - sh.top) / 60) * HOUR_PX}px`, background: shadeColour(sh) }}
                            title={`${clock(hm(sh.top))}–${clock(hmEnd(sh.bottom))}: ${shadeWords(sh)}`}
                            data-testid="timeline-shade"
                            data-source={sh.source}
                          />
                        ))}
                      {layout.pieces
                        .filter((p) => p.col === col)
                        .map((p) => {
                          const s = visible.find((x) => x.id === p.scheduleId) as Schedule;
                          const occ = layout.occ[p.occ] as Occurrence;
                          return (
                            <BlockView
                              key={`${p.scheduleId}:${occ.day}:${col}`}
                              piece={p}
                              s={s}
                              occ={occ}
                              colour={colourOf(s.playlist_id, playlistIds)}
                              playlistName={playlistName.get(s.playlist_id) ?? "a playlist"}
                              conflict={layout.conflicts[p.occ] as ReturnType<typeof conflicts>[number]}
                              names={names}
                              editable={edit}
                              dragging={drag?.id === s.id}
                              onPointerDown={(e, mode) => startDrag(e, occ, mode)}
                              onOpen={() => open(s)}
                            />
                          );
                        })}
                      {nowAt >= col * DAY_MIN && nowAt < (col + 1) * DAY_MIN ? (
                        <span class="now-line" style={{ top: `${((nowAt - col * DAY_MIN) / 60) * HOUR_PX}px` }} title={`Now, ${clock(hm(nowAt))}`} />
                      ) : null}
                    </div>
                  ))}
                </div>
              </div>
            </div>
          </div>
          <div class="cal-legend small">
            {playlists
              .filter((p) => visible.some((s) => s.playlist_id === p.id))
              .map((p) => (
                <span class="swatch-item">
                  <span class="swatch" style={{ background: colourOf(p.id, playlistIds) }} />
                  {p.name}
                </span>
              ))}
            <span>P = priority</span>
            <span>⇄ equal priorities play merged</span>
            <span class="legend-faded">faded: overridden by a higher priority</span>
            <span class="legend-off">dashed: turned off</span>
            {edit ? <span>Drag a block to move it (across days too), its lower edge to change the end; 15-minute steps.</span> : null}
          </div>
          {screenId && mayTimeline ? (
            <p class="muted small">
              {timelineErr
                ? `Could not read what ${viewName} plays: ${timelineErr}`
                : `The strip at the left of each day is what ${viewName} actually plays: a playlist's colour for a schedule, grey for the default playlist, red for an interrupt.`}
            </p>
          ) : null}
          <section aria-labelledby="sched-list-h">
            <h2 id="sched-list-h">Schedules for {viewName}</h2>
            {listed.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul class="list people">
                {listed.map((s) => (
                  <li class="person" data-testid="schedule" key={s.id}>
                    <span class="swatch" style={{ background: colourOf(s.playlist_id, playlistIds) }} aria-hidden="true" />
                    <div class="main">
                      <strong>{s.name}</strong>
                      {s.is_enabled ? null : <span class="chip warn">Off</span>}
                      <div class="meta">
                        <Link href={`/playlists?id=${encodeURIComponent(s.playlist_id)}`}>{playlistName.get(s.playlist_id) ?? "Unknown playlist"}</Link>
                        <span>
                          {daysText(s.play_days)}, {windowText(s, clock)}
                        </span>
                        <span>Priority {s.priority}</span>
                        <span>{describe(s)}</span>
                        {s.start_date || s.end_date ? (
                          <span>
                            {s.start_date ? `from ${dayString(localDay(Date.parse(s.start_date), zone))}` : ""}
                            {s.end_date ? ` until ${dayString(localDay(Date.parse(s.end_date) - 1, zone))}` : ""}
                          </span>
                        ) : null}
                      </div>
                    </div>
                    {edit ? (
                      <div class="row-actions">
                        <button type="button" aria-label={`Edit ${s.name}`} onClick={() => setEditing({ schedule: s, preset: {} })}>
                          Edit
                        </button>
                      </div>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
      {editing && playlists ? (
        <ScheduleDialog
          schedule={editing.schedule}
          preset={editing.preset}
          playlists={playlists}
          fleet={fleet}
          zone={zone}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setSchedules((l) => (l ? [...l.filter((x) => x.id !== saved.id), saved] : [saved]));
            setVersion((v) => v + 1);
          }}
          onDeleted={(gone) => {
            setEditing(null);
            setSchedules((l) => (l ? l.filter((x) => x.id !== gone.id) : l));
            setVersion((v) => v + 1);
          }}
        />
      ) : null}
    </div>
  );
}
