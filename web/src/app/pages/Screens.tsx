// The tenant's screens (docs/screens.md); on a device, the other screens of the LAN that pair
// with it. The fleet with live status dots (the
// event stream's screen_status, and a local countdown: offline 90 s after the last heartbeat),
// search and filters, adding a screen by the code it shows (also from its QR code,
// /screens/add?code=…), rename / group / tags, commands to a screen or a group, removal, and
// the groups. Changing anything needs devices.manage; without it the page only shows.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { can, isCloud, useMe } from "../account";
import type { Asset } from "../api";
import { Confirm, CreateByName, Dialog, Field, SkipList, UpgradeHint, errorText, formErrors, toast } from "../components";
import { NAME_MAX, nameTooLong } from "../format";
import { navigate, usePath } from "../router";
import {
  type Filter,
  NO_FILTER,
  NO_GROUP,
  STATUS_LABEL,
  ago,
  allTags,
  applyStatus,
  byName,
  commandSummary,
  countByStatus,
  filterScreens,
  isCode,
  isFiltered,
  isStatusEvent,
  nextOffline,
  normalizeCode,
  parseTags,
  rereadIn,
  statusAt,
} from "../screens";
import { type Command, type Group, type Screen, type ScreenPatch, type ScreenStatus, screensApi } from "../screensApi";
import { onLiveEvent, useStore } from "../store";

const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;

/** Where a QR code on a screen points: the page with the add dialog open and the code in it. */
export const ADD_PATH = "/screens/add";

function GroupSelect(props: { groups: Group[]; value: string | null; onChange: (v: string | null) => void; label: string; name?: string }) {
  return (
    <select name={props.name} aria-label={props.label} value={props.value ?? ""} onChange={(e) => props.onChange(value(e) || null)}>
      <option value="">No group</option>
      {props.groups.map((g) => (
        <option value={g.id}>{g.name}</option>
      ))}
    </select>
  );
}

// ----- add a screen by its code -----

function AddScreenDialog(props: { code: string; groups: Group[]; onClose: () => void; onAdded: (s: Screen) => void }) {
  const [code, setCode] = useState(props.code);
  const [name, setName] = useState("");
  const [group, setGroup] = useState<string | null>(null);
  const [tags, setTags] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  // The refusal behind `error`: at the plan's screen limit it offers a bigger plan.
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // With the code already there (from the QR code), the name is what is left to type
  // (showModal focuses the element marked autofocus).
  const [codeGiven] = useState(() => isCode(normalizeCode(props.code)));

  async function submit(e: Event) {
    e.preventDefault();
    const c = normalizeCode(code);
    const err: Record<string, string> = {};
    if (!isCode(c)) err.code = "Enter the 6 letters and digits shown on the screen.";
    if (!name.trim()) err.name = "Name the screen, e.g. “Lobby” or “Window 2”.";
    else if (nameTooLong(name, NAME_MAX)) err.name = nameTooLong(name, NAME_MAX) as string;
    setErrors(err);
    setError("");
    setFailure(null);
    if (Object.keys(err).length) return;
    setBusy(true);
    try {
      const s = await screensApi.claim({ code: c, name: name.trim(), group_id: group, tags: parseTags(tags) });
      toast(`“${s.name}” added; it starts playing in a few seconds`);
      props.onAdded(s);
    } catch (ex) {
      const r = formErrors(ex, ["code", "name", "group_id", "tags"]);
      setErrors(r.fields);
      setError(r.message);
      setFailure(ex);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Add screen" onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <p class="hint">
          Open <span class="mono">{location.origin}/player/</span> on the screen: it shows a code. Enter it here (or scan its QR code with
          your phone).
        </p>
        <Field label="Pairing code" error={errors.code}>
          <input
            name="code"
            autofocus={!codeGiven}
            class="mono code-input"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            maxLength={9}
            value={code}
            onInput={(e) => setCode(value(e).toUpperCase())}
          />
        </Field>
        <Field label="Name" error={errors.name}>
          <input name="screen_name" autofocus={codeGiven} value={name} onInput={(e) => setName(value(e))} />
        </Field>
        <div class="two">
          <Field label="Group" error={errors.group_id}>
            <GroupSelect name="group" label="Group" groups={props.groups} value={group} onChange={setGroup} />
          </Field>
          <Field label="Tags" error={errors.tags} hint="Separated by commas, e.g. floor-1, lobby.">
            <input name="tags" value={tags} onInput={(e) => setTags(value(e))} />
          </Field>
        </div>
        {error ? (
          <p class="error" role="alert">
            {error}
            <UpgradeHint error={failure} />
          </p>
        ) : null}
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Adding…" : "Add screen"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// ----- rename, group, tags -----

function EditScreenDialog(props: { screen: Screen; groups: Group[]; onClose: () => void; onSaved: (s: Screen) => void }) {
  const s = props.screen;
  const [name, setName] = useState(s.name);
  const [group, setGroup] = useState<string | null>(s.group_id);
  const [tags, setTags] = useState(s.tags.join(", "));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    if (!name.trim() || nameTooLong(name, NAME_MAX)) {
      setErrors({ name: nameTooLong(name, NAME_MAX) ?? "A screen needs a name." });
      return;
    }
    const patch: ScreenPatch = {};
    if (name.trim() !== s.name) patch.name = name.trim();
    if (group !== s.group_id) patch.group_id = group;
    const t = parseTags(tags);
    if (t.join("\n") !== s.tags.join("\n")) patch.tags = t;
    if (!Object.keys(patch).length) {
      props.onClose();
      return;
    }
    setBusy(true);
    try {
      const saved = await screensApi.update(s.id, patch);
      toast(`“${saved.name}” saved`);
      props.onSaved(saved);
    } catch (ex) {
      const r = formErrors(ex, ["name", "group_id", "tags"]);
      setErrors(r.fields);
      setError(r.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Edit “${s.name}”`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <Field label="Name" error={errors.name}>
          <input name="screen_name" value={name} onInput={(e) => setName(value(e))} />
        </Field>
        <Field label="Group" error={errors.group_id} hint="A screen is in one group at most; use tags for the rest.">
          <GroupSelect name="group" label="Group" groups={props.groups} value={group} onChange={setGroup} />
        </Field>
        <Field label="Tags" error={errors.tags} hint="Separated by commas.">
          <input name="tags" value={tags} onInput={(e) => setTags(value(e))} />
        </Field>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// ----- commands -----

type Target = { kind: "screen"; screen: Screen } | { kind: "group"; group: Group };

const BUTTONS: { command: Command; text: string; hint: string }[] = [
  { command: "previous", text: "◀ Previous", hint: "the item before" },
  { command: "next", text: "Next ▶", hint: "the next item" },
  { command: "blank", text: "Blank", hint: "a black screen until unblanked" },
  { command: "unblank", text: "Unblank", hint: "back to the playlist" },
  { command: "reload", text: "Reload", hint: "restarts the player page" },
];

function CommandDialog(props: { target: Target; assets: Asset[]; offline: boolean; onClose: () => void }) {
  const t = props.target;
  const name = t.kind === "screen" ? t.screen.name : t.group.name;
  const showable = useMemo(() => props.assets.filter((a) => a.is_active).sort(byName), [props.assets]);
  const [asset, setAsset] = useState("");
  const [busy, setBusy] = useState(false);

  // Said in the dialog, not in a toast: toasts sit under the modal's backdrop.
  const [said, setSaid] = useState<{ text: string; bad: boolean } | null>(null);

  async function send(command: Command, assetId?: string) {
    setBusy(true);
    setSaid(null);
    try {
      const r =
        t.kind === "screen"
          ? await screensApi.command(t.screen.id, command, assetId)
          : await screensApi.groupCommand(t.group.id, command, assetId);
      setSaid({ text: commandSummary(r, name, t.kind === "group"), bad: r.offline.length > 0 });
    } catch (e) {
      setSaid({ text: `Not sent: ${errorText(e)}`, bad: true });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={t.kind === "screen" ? `Command “${name}”` : `Command group “${name}”`} onClose={props.onClose}>
      {props.offline ? (
        <p class="notice warn">
          {t.kind === "screen" ? "This screen is offline: commands reach connected screens only." : "No screen of this group is online right now."}
        </p>
      ) : null}
      <p class="hint">{t.kind === "group" ? "Goes to every connected screen in the group, at once. " : ""}Nothing is queued for later.</p>
      <div class="command-grid">
        {BUTTONS.map((b) => (
          <button type="button" disabled={busy} title={`Show ${b.hint}`} onClick={() => void send(b.command)}>
            {b.text}
          </button>
        ))}
      </div>
      <form
        class="show-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (asset) void send("show", asset);
        }}
      >
        <select aria-label="Content to show" name="show_asset" value={asset} onChange={(e) => setAsset(value(e))} disabled={!showable.length}>
          <option value="">{showable.length ? "Content to show…" : "No content is playing"}</option>
          {showable.map((a) => (
            <option value={a.asset_id}>{a.name}</option>
          ))}
        </select>
        <button type="submit" disabled={busy || !asset}>
          Show
        </button>
      </form>
      <p class="hint">Show jumps to an item of the schedule (content that is on and in its dates).</p>
      <div aria-live="polite">
        {said ? (
          <p class={said.bad ? "notice warn command-said" : "notice command-said"} role={said.bad ? "alert" : "status"}>
            {said.text}
          </p>
        ) : null}
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

// ----- groups -----

function GroupNameDialog(props: { group: Group; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(props.group.name);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (!name.trim() || nameTooLong(name, NAME_MAX)) {
      setError(nameTooLong(name, NAME_MAX) ?? "A group needs a name.");
      return;
    }
    if (name.trim() === props.group.name) {
      props.onClose();
      return;
    }
    setBusy(true);
    try {
      const g = await screensApi.renameGroup(props.group.id, name.trim());
      toast(`Group renamed to “${g.name}”`);
      props.onSaved();
    } catch (ex) {
      setError(errorText(ex));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog title={`Rename group “${props.group.name}”`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <Field label="Group name" error={error}>
          <input name="group_name" value={name} onInput={(e) => setName(value(e))} />
        </Field>
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function NewGroupForm(props: { onCreated: () => void }) {
  return (
    <CreateByName
      id="new-group"
      max={NAME_MAX}
      name="new_group"
      label="New group"
      placeholder="e.g. Shop windows"
      empty="Name the group, e.g. “Shop windows”."
      button="Create group"
      what="Group"
      create={(name) => screensApi.createGroup(name)}
      onCreated={() => props.onCreated()}
    />
  );
}

// ----- the page -----

function EmptyFleet(props: { manage: boolean; onAdd: () => void }) {
  return (
    <div class="empty">
      <h2>No screens yet</h2>
      <ol class="steps">
        <li>
          On the screen (a smart TV's browser, a Raspberry Pi, any computer in kiosk mode) open{" "}
          <span class="mono">{location.origin}/player/</span>.
        </li>
        <li>A six-character pairing code and a QR code appear on it.</li>
        <li>{props.manage ? "Enter the code here, or scan the QR code with your phone." : "Someone who manages screens enters the code here."}</li>
      </ol>
      {isCloud() ? null : (
        <p class="hint">
          This device's own screen plays without pairing. Other screens pair with it while its password is on (Settings);
          with the password off they play without pairing and are not listed here.
        </p>
      )}
      {props.manage ? (
        <button type="button" class="primary" onClick={props.onAdd}>
          + Add your first screen
        </button>
      ) : null}
    </div>
  );
}

function ScreenCard(props: {
  s: Screen;
  status: ScreenStatus;
  now: number;
  skew: number;
  group: Group | undefined;
  playing: string | null;
  /** Names of assets by id, for the items the screen skips. */
  names: Map<string, string>;
  manage: boolean;
  onCommand: () => void;
  onEdit: () => void;
  onRemove: () => void;
}) {
  const { s, status } = props;
  return (
    <li class="screen" data-testid="screen" data-id={s.id} data-status={status}>
      <span class={`dot ${status}`} aria-hidden="true" title={STATUS_LABEL[status]} />
      <div class="main">
        <strong class="screen-name">{s.name}</strong>
        <div class="meta">
          <span class={`status ${status}`}>{STATUS_LABEL[status]}</span>
          {s.last_seen_at ? <span title={new Date(s.last_seen_at).toLocaleString()}>Last seen {ago(s.last_seen_at, props.now, props.skew)}</span> : null}
          {props.group ? <span class="chip info">{props.group.name}</span> : null}
          {s.tags.map((t) => (
            <span class="chip tag">#{t}</span>
          ))}
        </div>
        {status === "online" || s.resolution || s.ip ? (
          <div class="meta">
            {status === "online" && props.playing ? <span class="playing">Playing {props.playing}</span> : null}
            {s.resolution ? <span>{s.resolution}</span> : null}
            {s.ip ? <span class="mono">{s.ip}</span> : null}
            {s.player_version ? <span>Player {s.player_version}</span> : null}
          </div>
        ) : null}
        {s.skipped?.length ? <SkipList skipped={s.skipped} names={props.names} /> : null}
      </div>
      {props.manage ? (
        <div class="row-actions">
          <button type="button" onClick={props.onCommand} aria-label={`Send a command to ${s.name}`}>
            Command
          </button>
          <button type="button" onClick={props.onEdit} aria-label={`Edit ${s.name}`}>
            Edit
          </button>
          <button type="button" class="danger" onClick={props.onRemove} aria-label={`Remove ${s.name}`}>
            Remove
          </button>
        </div>
      ) : null}
    </li>
  );
}

export function ScreensPage() {
  const path = usePath();
  const me = useMe();
  const manage = can("devices.manage");
  const { assets } = useStore();
  const [screens, setScreens] = useState<Screen[] | null>(null);
  const [groups, setGroups] = useState<Group[]>([]);
  const [err, setErr] = useState<string | null>(null);
  /** Server clock − this browser's clock (ms), from the list's `Date` header. */
  const [skew, setSkew] = useState(0);
  const [readAt, setReadAt] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const [adding, setAdding] = useState<{ code: string } | null>(null);
  const [editing, setEditing] = useState<Screen | null>(null);
  const [commanding, setCommanding] = useState<Target | null>(null);
  const [removing, setRemoving] = useState<Screen | null>(null);
  const [renaming, setRenaming] = useState<Group | null>(null);
  const [deleting, setDeleting] = useState<Group | null>(null);

  // The newest list, also between an event and the next render (two events in a row).
  const current = useRef<Screen[] | null>(null);
  const put = (list: Screen[]) => {
    current.current = list;
    setScreens(list);
  };

  // One read at a time; asked again meanwhile, it reads once more afterwards.
  const reading = useRef({ running: false, again: false, alive: true });
  async function load(): Promise<void> {
    const r = reading.current;
    if (r.running) {
      r.again = true;
      return;
    }
    r.running = true;
    try {
      do {
        r.again = false;
        try {
          const [list, g] = await Promise.all([screensApi.list(), screensApi.groups()]);
          if (!r.alive) return;
          const t = Date.now();
          put(list.screens);
          setGroups(g.slice().sort(byName));
          setSkew(list.serverTime === null ? 0 : list.serverTime - t);
          setReadAt(t);
          setNow(t);
          setErr(null);
        } catch (e) {
          if (!r.alive) return;
          setErr(errorText(e));
          setReadAt(Date.now());
        }
      } while (r.again);
    } finally {
      r.running = false;
    }
  }

  const soon = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  function loadSoon() {
    clearTimeout(soon.current);
    soon.current = setTimeout(() => void load(), 300);
  }

  useEffect(() => {
    reading.current.alive = true;
    void load();
    const off = onLiveEvent((kind, data) => {
      if (kind === "screen_status" && isStatusEvent(data) && current.current) {
        const next = applyStatus(current.current, data);
        if (next) {
          put(next);
          setNow(Date.now());
        } else loadSoon(); // a screen this page does not know yet
        return;
      }
      loadSoon();
    });
    const visible = () => document.visibilityState === "visible" && setNow(Date.now());
    addEventListener("visibilitychange", visible);
    return () => {
      reading.current.alive = false;
      off();
      removeEventListener("visibilitychange", visible);
      clearTimeout(soon.current);
    };
  }, []);

  // The countdown: re-render when the next screen turns offline (and every 30 s for "last
  // seen"), and re-read the fleet before an online screen's heartbeat on the page gets old.
  useEffect(() => {
    if (!screens) return;
    const t = Date.now();
    const flip = nextOffline(screens, t, skew);
    const tick = setTimeout(() => setNow(Date.now()), Math.min(flip === null ? 30_000 : flip + 50, 30_000));
    const due = rereadIn(screens, t, skew, readAt);
    const reread =
      due === null
        ? undefined
        : setTimeout(() => {
            if (document.visibilityState === "visible") void load();
          }, due);
    return () => {
      clearTimeout(tick);
      clearTimeout(reread);
    };
  }, [screens, skew, readAt, now]);

  // /screens/add?code=… (a screen's QR code): the add dialog with the code filled in.
  const addCode = path === ADD_PATH ? normalizeCode(new URLSearchParams(location.search).get("code") ?? "") : null;
  useEffect(() => {
    if (addCode !== null && manage) setAdding({ code: addCode });
  }, [path]);

  function closeAdd() {
    setAdding(null);
    if (location.pathname === ADD_PATH) navigate("/screens", true);
  }

  async function remove(s: Screen) {
    setRemoving(null);
    try {
      await screensApi.remove(s.id);
      toast(`“${s.name}” removed; it shows a pairing code again`);
      if (current.current) put(current.current.filter((x) => x.id !== s.id));
      void load();
    } catch (e) {
      toast(`Not removed: ${errorText(e)}`, "bad");
    }
  }

  async function deleteGroup(g: Group) {
    setDeleting(null);
    try {
      await screensApi.removeGroup(g.id);
      toast(`Group “${g.name}” deleted; its screens stay`);
      if (filter.group === g.id) setFilter({ ...filter, group: "" });
      void load();
    } catch (e) {
      toast(`Not deleted: ${errorText(e)}`, "bad");
    }
  }

  const shown = useMemo(() => (screens ? filterScreens(screens, filter, now, skew) : []), [screens, filter, now, skew]);
  const tags = useMemo(() => allTags(screens ?? []), [screens]);
  const counts = useMemo(() => countByStatus(screens ?? [], now, skew), [screens, now, skew]);
  const groupById = useMemo(() => new Map(groups.map((g) => [g.id, g])), [groups]);
  const assetName = useMemo(() => new Map((assets ?? []).map((a) => [a.asset_id, a.name])), [assets]);
  const inGroup = (g: Group) => (screens ? screens.filter((s) => s.group_id === g.id).length : g.screen_count);
  const onlineIn = (g: Group) => (screens ?? []).filter((s) => s.group_id === g.id && statusAt(s, now, skew) === "online").length;
  const playing = (s: Screen) => {
    const id = s.now_playing?.asset_id;
    return id ? (assetName.get(id) ?? "an item no longer in the schedule") : null;
  };
  const setF = (patch: Partial<Filter>) => setFilter((f) => ({ ...f, ...patch }));

  return (
    <div class="screens-page">
      <div class="page-head">
        <h1>Screens</h1>
        {manage ? (
          <div class="controls">
            <button type="button" class="primary" onClick={() => setAdding({ code: "" })}>
              + Add screen
            </button>
          </div>
        ) : null}
      </div>
      {addCode !== null && !manage ? (
        <p class="notice warn" role="alert">
          Your role cannot add screens. Ask an admin of {me?.tenant.name ?? "your organisation"} to enter the code{" "}
          <span class="mono">{addCode || "shown on the screen"}</span>.
        </p>
      ) : null}
      {err ? <p class="error">Could not load the screens: {err}</p> : null}
      {screens === null ? (
        err ? null : <p class="muted">Loading…</p>
      ) : screens.length === 0 ? (
        <EmptyFleet manage={manage} onAdd={() => setAdding({ code: "" })} />
      ) : (
        <section aria-labelledby="fleet-h">
          <h2 id="fleet-h" class="visually-hidden">
            Your screens
          </h2>
          <div class="filters" role="search" aria-label="Find screens">
            <input
              type="search"
              class="search"
              name="q"
              aria-label="Search screens by name"
              placeholder="Search by name"
              value={filter.q}
              onInput={(e) => setF({ q: value(e) })}
            />
            <select aria-label="Filter by group" name="group_filter" value={filter.group} onChange={(e) => setF({ group: value(e) })}>
              <option value="">All groups</option>
              <option value={NO_GROUP}>No group</option>
              {groups.map((g) => (
                <option value={g.id}>{g.name}</option>
              ))}
            </select>
            <select aria-label="Filter by tag" name="tag_filter" value={filter.tag} onChange={(e) => setF({ tag: value(e) })} disabled={!tags.length}>
              <option value="">{tags.length ? "All tags" : "No tags"}</option>
              {tags.map((t) => (
                <option value={t}>#{t}</option>
              ))}
            </select>
            <select aria-label="Filter by status" name="status_filter" value={filter.status} onChange={(e) => setF({ status: value(e) as Filter["status"] })}>
              <option value="">Any status</option>
              <option value="online">Online</option>
              <option value="offline">Offline</option>
              <option value="never_seen">Never connected</option>
            </select>
          </div>
          <p class="muted small fleet-summary" aria-live="polite">
            {screens.length} screen{screens.length === 1 ? "" : "s"}: {counts.online} online, {counts.offline} offline
            {counts.never_seen ? `, ${counts.never_seen} never connected` : ""}
            {isFiltered(filter) ? ` · ${shown.length} shown` : ""}
          </p>
          {shown.length === 0 ? (
            <p class="muted">
              No screen matches.{" "}
              <button type="button" class="link" onClick={() => setFilter(NO_FILTER)}>
                Clear the filters
              </button>
            </p>
          ) : (
            <ul class="list screens" id="screen-list">
              {shown.map((s) => (
                <ScreenCard
                  key={s.id}
                  s={s}
                  status={statusAt(s, now, skew)}
                  now={now}
                  skew={skew}
                  group={s.group_id ? groupById.get(s.group_id) : undefined}
                  playing={playing(s)}
                  names={assetName}
                  manage={manage}
                  onCommand={() => setCommanding({ kind: "screen", screen: s })}
                  onEdit={() => setEditing(s)}
                  onRemove={() => setRemoving(s)}
                />
              ))}
            </ul>
          )}
        </section>
      )}

      {screens !== null && (screens.length > 0 || groups.length > 0 || manage) ? (
        <section aria-labelledby="groups-h" class="groups">
          <h2 id="groups-h">Groups</h2>
          {groups.length === 0 ? (
            <p class="muted">No groups yet. A group takes commands together and filters the list; a screen is in one group at most.</p>
          ) : (
            <ul class="list people">
              {groups.map((g) => (
                <li class="person" data-testid="group" key={g.id}>
                  <div class="main">
                    <strong>{g.name}</strong>
                    <div class="meta">
                      <span>
                        {inGroup(g)} screen{inGroup(g) === 1 ? "" : "s"}, {onlineIn(g)} online
                      </span>
                    </div>
                  </div>
                  {manage ? (
                    <div class="row-actions">
                      <button type="button" onClick={() => setCommanding({ kind: "group", group: g })} aria-label={`Send a command to group ${g.name}`}>
                        Command
                      </button>
                      <button type="button" onClick={() => setRenaming(g)} aria-label={`Rename group ${g.name}`}>
                        Rename
                      </button>
                      <button type="button" class="danger" onClick={() => setDeleting(g)} aria-label={`Delete group ${g.name}`}>
                        Delete
                      </button>
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {manage ? <NewGroupForm onCreated={() => void load()} /> : null}
        </section>
      ) : null}

      {adding ? (
        <AddScreenDialog
          code={adding.code}
          groups={groups}
          onClose={closeAdd}
          onAdded={(s) => {
            if (current.current) put([...current.current.filter((x) => x.id !== s.id), s]);
            closeAdd();
            void load();
          }}
        />
      ) : null}
      {editing ? (
        <EditScreenDialog
          screen={editing}
          groups={groups}
          onClose={() => setEditing(null)}
          onSaved={(s) => {
            setEditing(null);
            if (current.current) put(current.current.map((x) => (x.id === s.id ? s : x)));
            void load();
          }}
        />
      ) : null}
      {commanding ? (
        <CommandDialog
          target={commanding}
          assets={assets ?? []}
          offline={
            commanding.kind === "screen"
              ? statusAt(screens?.find((s) => s.id === commanding.screen.id) ?? commanding.screen, now, skew) !== "online"
              : onlineIn(commanding.group) === 0
          }
          onClose={() => setCommanding(null)}
        />
      ) : null}
      {removing ? (
        <Confirm
          title={`Remove “${removing.name}”?`}
          text="The screen stops playing your content and shows a new pairing code within seconds. To use it again, add it with that code."
          action="Remove"
          danger
          onNo={() => setRemoving(null)}
          onYes={() => void remove(removing)}
        />
      ) : null}
      {renaming ? (
        <GroupNameDialog
          group={renaming}
          onClose={() => setRenaming(null)}
          onSaved={() => {
            setRenaming(null);
            void load();
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title={`Delete group “${deleting.name}”?`}
          text="Its screens stay, in no group."
          action="Delete group"
          danger
          onNo={() => setDeleting(null)}
          onYes={() => void deleteGroup(deleting)}
        />
      ) : null}
    </div>
  );
}

