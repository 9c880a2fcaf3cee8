// Home: what plays (active, in play order, reorderable) and what does not. Controls the
// role does not allow (cloud mode) are left out.
import { Component } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { can, isCloud } from "../account";
import { api, type Asset } from "../api";
import { assetApi } from "../assetApi";
import { Confirm, Link, Switch, errorText, toast } from "../components";
import { KindIcon } from "../icons";
import { KIND_LABEL, byOrder, formatDay, formatTimeOfDay, humanDuration, kindOf, scheduleChips } from "../format";
import { type PlayStatus, isPlayingNow, playStatus } from "../playing";
import { loadAssets, replaceAsset, setAssets, useStore } from "../store";
import { BulkEdit } from "./BulkEdit";
import { EditAsset } from "./EditAsset";
import { OnScreenNow } from "./OnScreenNow";
import { Preview } from "./Preview";

export function Thumb({ a }: { a: Asset }) {
  const kind = kindOf(a.mimetype);
  const stored = kind === "image" && !a.uri.startsWith("http");
  const [broken, setBroken] = useState(false);
  // Cloud mode: the media cookie carries the access token to /media.
  if ((stored || kind === "image") && !broken && !a.is_processing) {
    return (
      <img
        class="thumb"
        src={stored ? `/media/${a.asset_id}` : a.uri}
        alt=""
        loading="lazy"
        decoding="async"
        onError={() => setBroken(true)}
      />
    );
  }
  return (
    <span class="thumb icon-thumb" aria-hidden="true">
      <KindIcon kind={kind} />
    </span>
  );
}

interface RowProps {
  a: Asset;
  now: number;
  /** Why it is or is not on the screen now. */
  status: PlayStatus;
  fmt: string;
  h24: boolean;
  selected: boolean;
  /** May change it (switch, order, edit) and select it (bulk actions); cloud roles may not. */
  editable: boolean;
  selectable: boolean;
  onSelect: (v: boolean) => void;
  onEdit: () => void;
  onPreview: () => void;
  onToggle: (v: boolean) => void;
  reorder?: { index: number; count: number; move: (from: number, to: number) => void; onHandleDown: (e: PointerEvent) => void };
  dragging?: boolean;
}

function RowView(p: RowProps) {
  const a = p.a;
  const kind = kindOf(a.mimetype);
  const st = p.status;
  const playing = st.reason === "playing";
  // The status chip already names a start or end date; the date chips would say it twice.
  const chips = scheduleChips(a, p.now, p.fmt, p.h24).filter((c) => !st.text.includes(c.text));
  const explain = st.tone === "bad" || st.reason === "processing";
  return (
    <li class={`row${p.dragging ? " dragging" : ""}${p.selected ? " selected" : ""}`} data-id={a.asset_id} data-testid="asset-row">
      {p.selectable ? (
        <input
          type="checkbox"
          class="select"
          checked={p.selected}
          aria-label={`Select ${a.name}`}
          onChange={(e) => p.onSelect((e.currentTarget as HTMLInputElement).checked)}
        />
      ) : null}
      {p.reorder ? (
        <span class="handle" title="Drag to reorder" aria-hidden="true" onPointerDown={p.reorder.onHandleDown}>
          ⠿
        </span>
      ) : null}
      <button type="button" class="thumb-btn" onClick={p.onPreview} aria-label={`Preview ${a.name}`}>
        <Thumb a={a} />
      </button>
      <div class="main">
        <div class="name-line">
          {p.editable ? (
            <button type="button" class="name" onClick={p.onEdit} title="Edit">
              {a.name}
            </button>
          ) : (
            <span class="name">{a.name}</span>
          )}
        </div>
        <div class="meta">
          <span class="kind">{KIND_LABEL[kind]}</span>
          <span class="dur">{humanDuration(a.duration, a.mimetype)}</span>
          {playing ? null : (
            <span class={`chip ${st.tone}`} title={st.detail} data-testid="why">
              {st.text}
            </span>
          )}
          {chips.map((c) => (
            <span class={`chip ${c.tone}`} title={c.title}>
              {c.text}
            </span>
          ))}
        </div>
        {explain ? (
          <p class={`why small ${st.tone}`} data-testid="why-detail">
            {st.detail}
          </p>
        ) : null}
      </div>
      <div class="row-actions">
        {p.reorder ? (
          <span class="move">
            <button
              type="button"
              class="icon"
              aria-label={`Move ${a.name} up`}
              disabled={p.reorder.index === 0}
              onClick={() => p.reorder?.move(p.reorder.index, p.reorder.index - 1)}
            >
              ↑
            </button>
            <button
              type="button"
              class="icon"
              aria-label={`Move ${a.name} down`}
              disabled={p.reorder.index === p.reorder.count - 1}
              onClick={() => p.reorder?.move(p.reorder.index, p.reorder.index + 1)}
            >
              ↓
            </button>
          </span>
        ) : null}
        {p.editable ? <Switch checked={a.is_enabled} label={`Show ${a.name} on the screen`} hideLabel onChange={p.onToggle} /> : null}
      </div>
    </li>
  );
}

/**
 * Re-renders a row only when what it shows changed, so toggling one of 500 assets stays
 * quick. Its callbacks read the page's latest state through refs, so stale ones are harmless.
 */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(n: RowProps): boolean {
    const o = this.props;
    return (
      o.a !== n.a || o.selected !== n.selected || o.dragging !== n.dragging || o.now !== n.now || o.fmt !== n.fmt ||
      o.status.reason !== n.status.reason || o.status.text !== n.status.text ||
      o.editable !== n.editable || o.selectable !== n.selectable ||
      o.h24 !== n.h24 || !o.reorder !== !n.reorder || o.reorder?.index !== n.reorder?.index || o.reorder?.count !== n.reorder?.count
    );
  }
  override render() {
    return <RowView {...this.props} />;
  }
}

const OPEN_NOTICE_KEY = "signate.open-admin-notice-dismissed";

/**
 * A device starts with no password, and its admin answers anyone on the network: say so on the
 * first page until a password is set (or the owner says they know).
 */
function OpenToNetwork() {
  const { settings } = useStore();
  const [dismissed, setDismissed] = useState(() => {
    try {
      return localStorage.getItem(OPEN_NOTICE_KEY) === "1";
    } catch {
      return false;
    }
  });
  if (isCloud() || !settings || settings.auth_backend !== "" || dismissed) return null;
  return (
    <div class="notice warn open-admin" role="note" data-testid="open-admin">
      <p>
        <strong>No password yet.</strong> Anyone on this network can open this page and change what the screen shows.{" "}
        <Link href="/settings">Set a password in Settings</Link> (Password protection).
      </p>
      <button
        type="button"
        class="link"
        onClick={() => {
          try {
            localStorage.setItem(OPEN_NOTICE_KEY, "1");
          } catch {
            // private mode: hidden for this visit only
          }
          setDismissed(true);
        }}
      >
        Not now
      </button>
    </div>
  );
}

async function eachLimited<T>(items: T[], fn: (t: T) => Promise<unknown>, limit = 4): Promise<number> {
  let failed = 0;
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const t = items[i++] as T;
      try {
        await fn(t);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failed;
}

export function SchedulePage() {
  const { assets, settings, loadError } = useStore();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<Asset | null>(null);
  const [previewing, setPreviewing] = useState<Asset | null>(null);
  const [bulkEdit, setBulkEdit] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [drag, setDrag] = useState<{ id: string; over: number } | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  // Windows open and close while the page is open: re-judge every 30 s, and on every change.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  const now = useMemo(() => Date.now(), [assets, tick]);
  const fmt = settings?.date_format ?? "mm/dd/yyyy";
  const h24 = settings?.use_24_hour_clock ?? false;
  // The daily windows follow the screen's zone; empty means the server's own, which this browser
  // most likely shares on a device.
  const tz = settings?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const mayEdit = can("assets.edit");
  const mayDelete = can("assets.delete");
  const mayAdd = can("assets.create");

  const statuses = useMemo(() => {
    const words = { day: (iso: string) => formatDay(iso, h24), time: (t: string) => formatTimeOfDay(t, h24) };
    return new Map((assets ?? []).map((a) => [a.asset_id, playStatus(a, now, tz, words)]));
  }, [assets, now, tz, h24]);
  const [active, inactive] = useMemo(() => {
    const all = assets ?? [];
    const on = (a: Asset) => isPlayingNow(a, now, tz);
    return [all.filter(on).sort(byOrder), all.filter((a) => !on(a)).sort(byOrder)];
  }, [assets, now, tz]);

  const assetsRef = useRef(assets);
  assetsRef.current = assets;
  const activeRef = useRef(active);
  activeRef.current = active;
  const activeIndex = useMemo(() => new Map(active.map((a, i) => [a.asset_id, i])), [active]);

  // While dragging, show the list in its would-be order.
  const shownActive = useMemo(() => {
    if (!drag) return active;
    const from = active.findIndex((a) => a.asset_id === drag.id);
    if (from < 0) return active;
    const copy = active.slice();
    const [moved] = copy.splice(from, 1);
    copy.splice(drag.over, 0, moved as Asset);
    return copy;
  }, [active, drag]);

  async function saveOrder(list: Asset[]) {
    const ids = list.map((a) => a.asset_id);
    const order = new Map(ids.map((id, i) => [id, i]));
    setAssets((assetsRef.current ?? []).map((a) => (order.has(a.asset_id) ? { ...a, play_order: order.get(a.asset_id) as number } : a)));
    try {
      await assetApi().order(ids);
      toast("New order saved");
    } catch (e) {
      toast(`Could not save the order: ${errorText(e)}`, "bad");
      void loadAssets();
    }
  }

  function move(from: number, to: number) {
    const active = activeRef.current;
    if (to < 0 || to >= active.length) return;
    const copy = active.slice();
    const [m] = copy.splice(from, 1);
    copy.splice(to, 0, m as Asset);
    void saveOrder(copy).then(() => {
      // keep keyboard focus on the moved row's button
      const id = (m as Asset).asset_id;
      requestAnimationFrame(() => {
        const row = listRef.current?.querySelector(`[data-id="${id}"]`);
        const btn = row?.querySelector<HTMLButtonElement>(to < from ? ".move button:first-child" : ".move button:last-child");
        (btn && !btn.disabled ? btn : row?.querySelector<HTMLButtonElement>(".move button:not([disabled])"))?.focus();
      });
    });
  }

  function onHandleDown(id: string, e: PointerEvent) {
    e.preventDefault();
    const active = activeRef.current;
    const list = listRef.current;
    if (!list) return;
    const start = active.findIndex((a) => a.asset_id === id);
    let over = start;
    setDrag({ id, over });
    const onMove = (ev: PointerEvent) => {
      const rows = Array.from(list.querySelectorAll<HTMLElement>(":scope > li"));
      let idx = rows.length - 1;
      for (let i = 0; i < rows.length; i++) {
        const r = (rows[i] as HTMLElement).getBoundingClientRect();
        if (ev.clientY < r.top + r.height / 2) {
          idx = i;
          break;
        }
      }
      // Rows are shown in the would-be order; map back to an index without the dragged row.
      const shownIds = rows.map((r) => r.dataset.id);
      const without = shownIds.filter((x) => x !== id);
      const targetId = shownIds[idx];
      let to = targetId === id ? over : without.indexOf(targetId);
      if (to < 0) to = without.length;
      if (to !== over) {
        over = to;
        setDrag({ id, over });
      }
    };
    const onUp = () => {
      removeEventListener("pointermove", onMove);
      removeEventListener("pointerup", onUp);
      removeEventListener("pointercancel", onUp);
      setDrag(null);
      if (over !== start) {
        const copy = active.slice();
        const [m] = copy.splice(start, 1);
        copy.splice(over, 0, m as Asset);
        void saveOrder(copy);
      }
    };
    addEventListener("pointermove", onMove);
    addEventListener("pointerup", onUp);
    addEventListener("pointercancel", onUp);
  }

  async function toggle(a: Asset, v: boolean) {
    replaceAsset({ ...a, is_enabled: v });
    try {
      replaceAsset(await assetApi().update(a.asset_id, { is_enabled: v }));
    } catch (e) {
      replaceAsset(a);
      toast(`Could not change “${a.name}”: ${errorText(e)}`, "bad");
    }
  }

  function select(id: string, v: boolean) {
    setSelected((old) => {
      const s = new Set(old);
      if (v) s.add(id);
      else s.delete(id);
      return s;
    });
  }

  const chosen = (assets ?? []).filter((a) => selected.has(a.asset_id));

  async function bulk(label: string, fn: (a: Asset) => Promise<unknown>) {
    const failed = await eachLimited(chosen, fn);
    await loadAssets();
    if (failed) toast(`${label}: ${failed} of ${chosen.length} failed`, "bad");
    else toast(`${label}: ${chosen.length} item${chosen.length === 1 ? "" : "s"}`);
    setSelected(new Set());
  }

  if (assets === null) {
    return <p class="muted">{loadError ? `Could not load your content: ${loadError}` : "Loading…"}</p>;
  }

  const rowFor = (a: Asset, reorder?: RowProps["reorder"]) => (
    <Row
      key={a.asset_id}
      a={a}
      now={now}
      status={statuses.get(a.asset_id) as PlayStatus}
      fmt={fmt}
      h24={h24}
      selected={selected.has(a.asset_id)}
      editable={mayEdit}
      selectable={mayEdit || mayDelete}
      onSelect={(v) => select(a.asset_id, v)}
      onEdit={() => setEditing(a)}
      onPreview={() => setPreviewing(a)}
      onToggle={(v) => void toggle(a, v)}
      reorder={reorder}
      dragging={drag?.id === a.asset_id}
    />
  );

  const allIds = assets.map((a) => a.asset_id);
  return (
    <div class="schedule">
      <div class="page-head">
        <h1>Schedule</h1>
        <div class="controls">
          {/* A tenant's screens are driven one by one (or by group) from Screens; "next" here
              would reach no screen of theirs. */}
          {can("devices.manage") && !isCloud() ? (
            <>
              <button type="button" onClick={() => api.control("previous").then(() => toast("Asked the screen to show the previous item"), (e) => toast(errorText(e), "bad"))}>
                ◀ Previous
              </button>
              <button type="button" onClick={() => api.control("next").then(() => toast("Asked the screen to show the next item"), (e) => toast(errorText(e), "bad"))}>
                Next ▶
              </button>
            </>
          ) : null}
          {mayAdd ? (
            <Link href="/add" class="button primary">
              + Add content
            </Link>
          ) : null}
        </div>
      </div>

      <OpenToNetwork />
      {assets.length > 0 && can("devices.view") ? <OnScreenNow assets={assets} now={now} /> : null}
      {assets.length === 0 ? (
        <div class="empty">
          <h2>Nothing on your screen yet</h2>
          {mayAdd ? (
            <>
              <p>
                {isCloud()
                  ? "Add a picture, a video or a web page: your screens play it whenever no schedule in the Calendar says otherwise."
                  : "Add a picture, a video or a web page and it will start playing on the screen straight away."}
              </p>
              <Link href="/add" class="button primary">
                Add your first content
              </Link>
            </>
          ) : (
            <p>Content appears here once someone on your team adds it.</p>
          )}
        </div>
      ) : (
        <>
          {selected.size > 0 ? (
            <div class="bulkbar" role="region" aria-label="Selected items">
              <span>{selected.size} selected</span>
              {mayEdit ? (
                <>
                  <button type="button" onClick={() => bulk("Turned on", (a) => assetApi().update(a.asset_id, { is_enabled: true }))}>
                    Turn on
                  </button>
                  <button type="button" onClick={() => bulk("Turned off", (a) => assetApi().update(a.asset_id, { is_enabled: false }))}>
                    Turn off
                  </button>
                  <button type="button" onClick={() => setBulkEdit(true)}>
                    Edit…
                  </button>
                </>
              ) : null}
              {mayDelete ? (
                <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
                  Delete
                </button>
              ) : null}
              <button type="button" class="link" onClick={() => setSelected(new Set())}>
                Clear
              </button>
            </div>
          ) : null}
          <section aria-labelledby="active-h">
            <div class="section-head">
              <h2 id="active-h">Playing now ({active.length})</h2>
              {mayEdit || mayDelete ? (
                <label class="select-all">
                  <input
                    type="checkbox"
                    checked={selected.size === allIds.length && allIds.length > 0}
                    onChange={(e) => setSelected((e.currentTarget as HTMLInputElement).checked ? new Set(allIds) : new Set())}
                  />
                  Select all
                </label>
              ) : null}
            </div>
            {active.length === 0 ? (
              <p class="muted">
                {inactive.some((a) => a.is_enabled)
                  ? "Nothing plays now: see below why each item is waiting."
                  : "Nothing is turned on. Use the switch next to an item to put it on the screen."}
              </p>
            ) : (
              <>
                <p class="muted small">
                  {isCloud() ? "Your screens play these, in this order, whenever no schedule in the Calendar applies. " : "Shown in this order. "}
                  {mayEdit ? "Drag ⠿ or use ↑ ↓ to change it." : ""}
                </p>
                <ol class="list" ref={listRef} id="active-list">
                  {shownActive.map((a) =>
                    rowFor(
                      a,
                      mayEdit
                        ? {
                            index: activeIndex.get(a.asset_id) ?? 0,
                            count: active.length,
                            move,
                            onHandleDown: (e) => onHandleDown(a.asset_id, e),
                          }
                        : undefined,
                    ),
                  )}
                </ol>
              </>
            )}
          </section>
          <section aria-labelledby="inactive-h">
            <h2 id="inactive-h">Not playing now ({inactive.length})</h2>
            {inactive.length === 0 ? (
              <p class="muted">Everything you added is playing.</p>
            ) : (
              <ul class="list" id="inactive-list">
                {inactive.map((a) => rowFor(a))}
              </ul>
            )}
          </section>
        </>
      )}
      {editing ? <EditAsset asset={editing} onClose={() => setEditing(null)} /> : null}
      {previewing ? <Preview asset={previewing} onClose={() => setPreviewing(null)} /> : null}
      {bulkEdit ? (
        <BulkEdit
          assets={chosen}
          onClose={() => setBulkEdit(false)}
          onDone={() => {
            setBulkEdit(false);
            setSelected(new Set());
          }}
        />
      ) : null}
      {confirmDelete ? (
        <Confirm
          title="Delete content"
          text={`Delete ${selected.size} item${selected.size === 1 ? "" : "s"} for good? This cannot be undone.`}
          action="Delete"
          danger
          onNo={() => setConfirmDelete(false)}
          onYes={() => {
            setConfirmDelete(false);
            void bulk("Deleted", (a) => assetApi().remove(a.asset_id));
          }}
        />
      ) : null}
    </div>
  );
}
