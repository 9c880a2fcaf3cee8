// Cloud mode: playlists (docs/programming.md) — content in an order of one's own, played on
// screens by the Calendar's schedules. The list, a new one, and an editor: add content, drag ⠿
// (or ↑ ↓) to reorder, a duration per item (empty: the content's own), shuffle, remove, rename,
// delete (refused with the server's message while a schedule plays it), and a small preview
// cycling through the items. Changing needs assets.edit; without it the page only shows.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { can } from "../account";
import type { Asset } from "../api";
import { Confirm, CreateByName, Field, Link, Switch, errorText, formErrors, toast } from "../components";
import { KIND_LABEL, NAME_MAX, humanDuration, kindOf, nameTooLong } from "../format";
import { KindIcon } from "../icons";
import {
  type EditItem,
  type Item,
  bare,
  moveItem,
  newItem,
  parseDuration,
  previewSteps,
  sameItems,
  slotAt,
  totalSeconds,
  withKeys,
} from "../playlist";
import { type Playlist, type PlaylistPatch, type Schedule, programApi } from "../programApi";
import { byName } from "../screens";
import { useStore } from "../store";
import { spoken } from "../charts";
import { sourceOf } from "./Preview";
import { Thumb } from "./Schedule";

const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;

/** An item in the editor: its duration as typed. */
interface Row extends EditItem {
  text: string;
}

const rowsOf = (items: Item[]): Row[] => withKeys(items).map((i) => ({ ...i, text: i.duration === null ? "" : String(i.duration) }));

/** The rows as items, durations read; the bad ones' messages by key. */
function itemsOf(rows: Row[]): { items: Item[]; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const items = rows.map((r) => {
    const d = parseDuration(r.text);
    if ("error" in d) {
      errors[r.key] = d.error;
      return { asset_id: r.asset_id, duration: r.duration };
    }
    return { asset_id: r.asset_id, duration: d.value };
  });
  return { items, errors };
}

// ----- the preview -----

function PreviewStage(props: { asset: Asset | undefined }) {
  const a = props.asset;
  const [broken, setBroken] = useState(false);
  useEffect(() => setBroken(false), [a?.asset_id]);
  if (!a) return <div class="pl-card muted">Content no longer there</div>;
  const kind = kindOf(a.mimetype);
  if (kind === "image" && !broken && !a.is_processing) {
    return <img class="pl-media" src={sourceOf(a)} alt={a.name} onError={() => setBroken(true)} />;
  }
  let host = "";
  try {
    host = new URL(a.uri).hostname;
  } catch {
    // a stored file: no host
  }
  return (
    <div class="pl-card">
      <KindIcon kind={kind} />
      <strong>{a.name}</strong>
      <span class="muted small">
        {KIND_LABEL[kind]}
        {host ? ` · ${host}` : ""}
      </span>
    </div>
  );
}

function PlaylistPreview(props: { items: Item[]; assets: Map<string, Asset>; shuffle: boolean }) {
  const steps = useMemo(() => previewSteps(props.items, (id) => props.assets.get(id)?.duration), [props.items, props.assets]);
  const [at, setAt] = useState({ i: 0, left: steps[0]?.seconds ?? 0 });
  const [playing, setPlaying] = useState(true);
  const stepsRef = useRef(steps);
  stepsRef.current = steps;
  const n = steps.length;
  const i = n ? at.i % n : 0;
  const step = steps[i];

  useEffect(() => {
    if (!playing || !n) return;
    const t = setInterval(() => {
      setAt((a) => {
        const s = stepsRef.current;
        if (!s.length) return a;
        const cur = s[a.i % s.length]?.seconds ?? 0;
        const left = a.left > 0 && a.left <= cur ? a.left : cur;
        if (left > 1) return { i: a.i % s.length, left: left - 1 };
        const next = (a.i + 1) % s.length;
        return { i: next, left: s[next]?.seconds ?? 0 };
      });
    }, 1000);
    return () => clearInterval(t);
  }, [playing, n]);

  const go = (d: number) => {
    if (!n) return;
    const next = (((i + d) % n) + n) % n;
    setAt({ i: next, left: steps[next]?.seconds ?? 0 });
  };

  if (!n) {
    return (
      <section class="pl-preview" aria-labelledby="pl-preview-h">
        <h3 id="pl-preview-h">Preview</h3>
        <div class="pl-stage">
          <div class="pl-card muted">Add content to see it play here</div>
        </div>
      </section>
    );
  }
  // A step whose length changed, or the first one just added: count its whole length.
  const left = at.left > 0 && at.left <= (step?.seconds ?? 0) ? at.left : (step?.seconds ?? 0);
  const item = props.items[step?.index ?? 0];
  const asset = item ? props.assets.get(item.asset_id) : undefined;
  const total = step?.seconds ?? 1;
  return (
    <section class="pl-preview" aria-labelledby="pl-preview-h">
      <h3 id="pl-preview-h">Preview</h3>
      <div class="pl-stage" data-testid="playlist-preview">
        <PreviewStage asset={asset} />
      </div>
      <div class="pl-bar" aria-hidden="true">
        <span style={{ width: `${Math.min(100, ((total - left) / total) * 100)}%` }} />
      </div>
      <p class="pl-caption">
        <span class="pl-now">
          {i + 1} / {n} · {asset?.name ?? "Missing content"}
        </span>
        <span class="muted">
          {step?.own ? spoken(step.seconds) : "its own length"}
          {playing ? ` · ${left} s left` : ""}
        </span>
      </p>
      <div class="controls">
        <button type="button" class="icon" aria-label="Previous item" onClick={() => go(-1)}>
          ◀
        </button>
        <button type="button" class="icon" aria-label={playing ? "Pause the preview" : "Play the preview"} onClick={() => setPlaying(!playing)}>
          {playing ? "❚❚" : "▶"}
        </button>
        <button type="button" class="icon" aria-label="Next item" onClick={() => go(1)}>
          ▶▶
        </button>
      </div>
      {props.shuffle ? <p class="hint">Shown in order here; screens shuffle it.</p> : null}
    </section>
  );
}

// ----- the editor -----

function ItemRow(props: {
  row: Row;
  index: number;
  count: number;
  asset: Asset | undefined;
  editable: boolean;
  dragging: boolean;
  error: string | undefined;
  onText: (t: string) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
  onHandleDown: (e: PointerEvent) => void;
}) {
  const { row, asset, index } = props;
  const name = asset?.name ?? "Missing content";
  const own = asset ? humanDuration(asset.duration, asset.mimetype) : "—";
  return (
    <li class={`row pl-item${props.dragging ? " dragging" : ""}`} data-key={row.key} data-testid="playlist-item">
      {props.editable ? (
        <span class="handle" title="Drag to reorder" aria-hidden="true" onPointerDown={props.onHandleDown}>
          ⠿
        </span>
      ) : null}
      <span class="pl-pos muted" aria-hidden="true">
        {index + 1}
      </span>
      {asset ? (
        <Thumb a={asset} />
      ) : (
        <span class="thumb icon-thumb" aria-hidden="true">
          ?
        </span>
      )}
      <div class="main">
        <span class="name">{name}</span>
        <div class="meta">
          {asset ? <span>{KIND_LABEL[kindOf(asset.mimetype)]}</span> : <span class="chip bad">Deleted: it is skipped</span>}
          <span>Its own: {own}</span>
        </div>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
      </div>
      <div class="row-actions">
        {props.editable ? (
          <>
            <label class="pl-dur">
              <input
                name="item_duration"
                inputMode="numeric"
                aria-label={`Seconds for ${name}`}
                placeholder={asset && asset.duration > 0 ? String(asset.duration) : "own"}
                value={row.text}
                class={props.error ? "invalid" : ""}
                onInput={(e) => props.onText(value(e))}
              />
              <span aria-hidden="true">s</span>
            </label>
            <span class="move">
              <button type="button" class="icon" aria-label={`Move ${name} up`} disabled={index === 0} onClick={() => props.onMove(index - 1)}>
                ↑
              </button>
              <button type="button" class="icon" aria-label={`Move ${name} down`} disabled={index === props.count - 1} onClick={() => props.onMove(index + 1)}>
                ↓
              </button>
            </span>
            <button type="button" class="icon danger" aria-label={`Remove ${name} from the playlist`} onClick={props.onRemove}>
              ✕
            </button>
          </>
        ) : (
          <span class="muted small">{row.duration === null ? "its own length" : spoken(row.duration)}</span>
        )}
      </div>
    </li>
  );
}

function PlaylistEditor(props: {
  playlist: Playlist;
  assets: Asset[];
  schedules: Schedule[] | null;
  editable: boolean;
  onSaved: (p: Playlist) => void;
  onDirty: (dirty: boolean) => void;
  onDelete: () => void;
}) {
  const p = props.playlist;
  const [name, setName] = useState(p.name);
  const [shuffle, setShuffle] = useState(p.shuffle);
  const [rows, setRows] = useState<Row[]>(() => rowsOf(p.items));
  const [adding, setAdding] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [drag, setDrag] = useState<{ key: string; over: number } | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const byId = useMemo(() => new Map(props.assets.map((a) => [a.asset_id, a])), [props.assets]);
  const addable = useMemo(() => props.assets.slice().sort(byName), [props.assets]);
  const parsed = useMemo(() => itemsOf(rows), [rows]);
  const dirty = name !== p.name || shuffle !== p.shuffle || Object.keys(parsed.errors).length > 0 || !sameItems(parsed.items, p.items);
  useEffect(() => props.onDirty(dirty), [dirty]);
  useEffect(() => () => props.onDirty(false), []);
  const length = totalSeconds(parsed.items, (id) => byId.get(id)?.duration);
  const usedBy = (props.schedules ?? []).filter((s) => s.playlist_id === p.id);

  const shown = useMemo(() => {
    if (!drag) return rows;
    const from = rows.findIndex((r) => r.key === drag.key);
    return from < 0 ? rows : moveItem(rows, from, drag.over);
  }, [rows, drag]);

  function focusMoved(key: string, up: boolean) {
    requestAnimationFrame(() => {
      const row = listRef.current?.querySelector(`[data-key="${key}"]`);
      const btn = row?.querySelector<HTMLButtonElement>(up ? ".move button:first-child" : ".move button:last-child");
      (btn && !btn.disabled ? btn : row?.querySelector<HTMLButtonElement>(".move button:not([disabled])"))?.focus();
    });
  }

  function move(from: number, to: number) {
    const key = rows[from]?.key;
    setRows(moveItem(rows, from, to));
    if (key) focusMoved(key, to < from);
  }

  function onHandleDown(key: string, e: PointerEvent) {
    e.preventDefault();
    const list = listRef.current;
    if (!list) return;
    const tops = Array.from(list.querySelectorAll<HTMLElement>(":scope > li")).map((r) => r.getBoundingClientRect().top + scrollY);
    const from = rowsRef.current.findIndex((r) => r.key === key);
    if (from < 0) return;
    let over = from;
    setDrag({ key, over });
    const onMove = (ev: PointerEvent) => {
      const to = slotAt(ev.clientY + scrollY, tops);
      if (to !== over) {
        over = to;
        setDrag({ key, over });
      }
    };
    const onUp = () => {
      removeEventListener("pointermove", onMove);
      removeEventListener("pointerup", onUp);
      removeEventListener("pointercancel", onUp);
      setDrag(null);
      if (over !== from) setRows((r) => moveItem(r, from, over));
    };
    addEventListener("pointermove", onMove);
    addEventListener("pointerup", onUp);
    addEventListener("pointercancel", onUp);
  }

  function add(e: Event) {
    e.preventDefault();
    if (!adding) return;
    setRows([...rows, { ...newItem(adding), text: "" }]);
  }

  function discard() {
    setName(p.name);
    setShuffle(p.shuffle);
    setRows(rowsOf(p.items));
    setErrors({});
    setError("");
  }

  async function save(e: Event) {
    e.preventDefault();
    const err: Record<string, string> = { ...parsed.errors };
    if (!name.trim()) err.name = "A playlist needs a name.";
    else if (nameTooLong(name, NAME_MAX)) err.name = nameTooLong(name, NAME_MAX) as string;
    setErrors(err);
    setError("");
    if (Object.keys(err).length) return;
    const patch: PlaylistPatch = {};
    if (name.trim() !== p.name) patch.name = name.trim();
    if (shuffle !== p.shuffle) patch.shuffle = shuffle;
    if (!sameItems(parsed.items, p.items)) patch.items = parsed.items;
    setBusy(true);
    try {
      const saved = await programApi.updatePlaylist(p.id, patch);
      toast(`“${saved.name}” saved`);
      props.onSaved(saved);
    } catch (ex) {
      const r = formErrors(ex, ["name", "shuffle"]);
      setErrors(r.fields);
      setError(r.message);
    } finally {
      setBusy(false);
    }
  }

  const edit = props.editable;
  return (
    <form class="pl-editor card" onSubmit={save} noValidate aria-labelledby="pl-editor-h">
      <div class="pl-editor-head">
        <h2 id="pl-editor-h">{edit ? "Edit playlist" : p.name}</h2>
        {edit ? (
          <button type="button" class="danger" onClick={props.onDelete}>
            Delete playlist
          </button>
        ) : null}
      </div>
      {edit ? (
        <div class="two">
          <Field label="Playlist name" error={errors.name}>
            <input name="playlist_name" value={name} onInput={(e) => setName(value(e))} />
          </Field>
          <div class="field">
            <span class="label">Order</span>
            <Switch checked={shuffle} label="Shuffle on the screens" onChange={setShuffle} />
          </div>
        </div>
      ) : shuffle ? (
        <p class="muted">Shuffled on the screens.</p>
      ) : null}
      <p class="muted small" aria-live="polite">
        {rows.length} item{rows.length === 1 ? "" : "s"}
        {rows.length ? ` · one round takes ${spoken(length.seconds)}${length.open ? " plus the videos' own length" : ""}` : ""}
        {" · "}
        {props.schedules === null ? null : usedBy.length ? (
          <>
            played by {usedBy.map((s) => `“${s.name}”`).join(", ")} (<Link href="/calendar">Calendar</Link>)
          </>
        ) : (
          <>
            no schedule plays it yet{edit ? <> — plan it on the <Link href="/calendar">Calendar</Link></> : null}
          </>
        )}
      </p>
      <div class="pl-body">
        <div class="pl-items">
          {rows.length === 0 ? (
            <p class="empty-inline muted">{edit ? "This playlist is empty. Add content below; it plays in the order you give it." : "This playlist is empty."}</p>
          ) : (
            <>
              {edit ? <p class="muted small">Drag ⠿ or use ↑ ↓ to change the order. Leave the seconds empty to use the content's own.</p> : null}
              <ol class="list" id="playlist-items" ref={listRef}>
                {shown.map((r) => {
                  const index = rows.indexOf(r);
                  return (
                    <ItemRow
                      key={r.key}
                      row={r}
                      index={index}
                      count={rows.length}
                      asset={byId.get(r.asset_id)}
                      editable={edit}
                      dragging={drag?.key === r.key}
                      error={errors[r.key]}
                      onText={(t) => setRows(rowsRef.current.map((x) => (x.key === r.key ? { ...x, text: t } : x)))}
                      onMove={(to) => move(index, to)}
                      onRemove={() => setRows(rowsRef.current.filter((x) => x.key !== r.key))}
                      onHandleDown={(e) => onHandleDown(r.key, e)}
                    />
                  );
                })}
              </ol>
            </>
          )}
          {edit ? (
            addable.length ? (
              <div class="show-row pl-add">
                <select aria-label="Content to add" name="add_asset" value={adding} onChange={(e) => setAdding(value(e))}>
                  <option value="">Content to add…</option>
                  {addable.map((a) => (
                    <option value={a.asset_id}>{a.name}</option>
                  ))}
                </select>
                <button type="button" onClick={add} disabled={!adding}>
                  Add to playlist
                </button>
              </div>
            ) : (
              <p class="muted">
                You have no content yet. <Link href="/add">Add some</Link> first.
              </p>
            )
          ) : null}
        </div>
        <PlaylistPreview items={parsed.items} assets={byId} shuffle={shuffle} />
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {edit && dirty ? (
        <div class="actions sticky savebar">
          <span class="muted">Unsaved changes</span>
          <button type="button" onClick={discard}>
            Discard
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : "Save playlist"}
          </button>
        </div>
      ) : null}
    </form>
  );
}

// ----- the page -----

function NewPlaylistForm(props: { onCreated: (p: Playlist) => void }) {
  return (
    <CreateByName
      id="new-playlist"
      max={NAME_MAX}
      name="new_playlist"
      label="New playlist"
      placeholder="e.g. Morning"
      empty="Name it, e.g. “Morning” or “Lunch menu”."
      button="Create playlist"
      what="Playlist"
      create={(name) => programApi.createPlaylist({ name, shuffle: false, items: [] })}
      onCreated={props.onCreated}
    />
  );
}

export function PlaylistsPage() {
  const { assets, loadError } = useStore();
  const edit = can("assets.edit");
  const [list, setList] = useState<Playlist[] | null>(null);
  const [schedules, setSchedules] = useState<Schedule[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(() => new URLSearchParams(location.search).get("id"));
  const [dirty, setDirty] = useState(false);
  const [switchTo, setSwitchTo] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Playlist | null>(null);
  const [refused, setRefused] = useState<string | null>(null);

  async function load() {
    try {
      const [p, s] = await Promise.all([programApi.playlists(), programApi.schedules().catch(() => null)]);
      setList(p.slice().sort(byName));
      setSchedules(s);
      setErr(null);
    } catch (e) {
      setErr(errorText(e));
    }
  }
  useEffect(() => void load(), []);

  const current = list?.find((p) => p.id === selected) ?? list?.[0] ?? null;

  function choose(id: string) {
    if (id === current?.id) return;
    if (dirty) setSwitchTo(id);
    else {
      setSelected(id);
      setRefused(null);
    }
  }

  async function remove(p: Playlist) {
    setDeleting(null);
    try {
      await programApi.removePlaylist(p.id);
      toast(`Playlist “${p.name}” deleted`);
      setRefused(null);
      setDirty(false);
      setList((l) => (l ? l.filter((x) => x.id !== p.id) : l));
      setSelected(null);
    } catch (e) {
      // 409: a schedule plays it; the server names which.
      setRefused(errorText(e));
      toast(`Not deleted: ${errorText(e)}`, "bad");
    }
  }

  const counts = (p: Playlist) => `${p.items.length} item${p.items.length === 1 ? "" : "s"}${p.shuffle ? " · shuffled" : ""}`;

  return (
    <div class="playlists-page">
      <div class="page-head">
        <h1>Playlists</h1>
        <div class="controls">
          <Link href="/calendar" class="button">
            Calendar
          </Link>
        </div>
      </div>
      {err ? <p class="error">Could not load the playlists: {err}</p> : null}
      {loadError ? <p class="error">Could not load your content: {loadError}</p> : null}
      {list === null ? (
        err ? null : <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <div class="empty">
          <h2>No playlists yet</h2>
          <p>
            A playlist is content in an order you choose. Schedules on the Calendar play playlists on your screens at the times you set; at
            other times screens play everything that is on in the Schedule.
          </p>
          {edit ? <NewPlaylistForm onCreated={(p) => (setList([p]), setSelected(p.id))} /> : <p class="muted">Someone who edits content can make one.</p>}
        </div>
      ) : (
        <div class="pl-layout">
          <nav class="pl-list" aria-label="Playlists">
            <ul class="list">
              {list.map((p) => (
                <li key={p.id}>
                  <button type="button" class="pl-pick" aria-current={p.id === current?.id ? "true" : undefined} onClick={() => choose(p.id)}>
                    <strong>{p.name}</strong>
                    <span class="muted small">{counts(p)}</span>
                  </button>
                </li>
              ))}
            </ul>
            {edit ? (
              <NewPlaylistForm
                onCreated={(p) => {
                  setList((l) => [...(l ?? []), p].sort(byName));
                  choose(p.id);
                }}
              />
            ) : null}
          </nav>
          <div class="pl-main">
            {refused ? (
              <p class="notice warn" role="alert">
                Not deleted: {refused}
              </p>
            ) : null}
            {current && assets ? (
              <PlaylistEditor
                key={`${current.id}:${current.updated_at}`}
                playlist={current}
                assets={assets}
                schedules={schedules}
                editable={edit}
                onDirty={setDirty}
                onDelete={() => setDeleting(current)}
                onSaved={(saved) => setList((l) => (l ? l.map((x) => (x.id === saved.id ? saved : x)).sort(byName) : l))}
              />
            ) : (
              <p class="muted">Loading…</p>
            )}
          </div>
        </div>
      )}
      {switchTo ? (
        <Confirm
          title="Discard your changes?"
          text="This playlist has changes you have not saved."
          action="Discard"
          danger
          onNo={() => setSwitchTo(null)}
          onYes={() => {
            setDirty(false);
            setSelected(switchTo);
            setSwitchTo(null);
            setRefused(null);
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title={`Delete “${deleting.name}”?`}
          text="The playlist goes; its content stays. A playlist a schedule plays cannot be deleted: change or delete the schedule first."
          action="Delete"
          danger
          onNo={() => setDeleting(null)}
          onYes={() => void remove(deleting)}
        />
      ) : null}
    </div>
  );
}
