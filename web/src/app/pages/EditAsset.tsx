// Edit every field of one asset (PATCH, v2 on a device, v3 in the cloud).
import { useEffect, useState } from "preact/hooks";
import { isCloud } from "../account";
import { ApiError, type Asset, type AssetPatch } from "../api";
import { assetApi } from "../assetApi";
import { Dialog, Field, Switch, errorText, toast } from "../components";
import { ASSET_NAME_MAX, DAY_NAMES, NO_END, nameTooLong, formatHeaders, fromLocalInput, isNoEnd, isStoredFile, kindOf, parseHeaders, storedFileText, toLocalInput } from "../format";
import { replaceAsset } from "../store";

export interface ScheduleValue {
  start: string;
  end: string;
  /** Plays until turned off: the end date becomes NO_END and the end field is not asked. */
  noEnd?: boolean;
  days: number[];
  from: string;
  to: string;
}

/** Validates the schedule part of a form; returns field → message. */
export function checkSchedule(v: ScheduleValue, requireDates = true): Record<string, string> {
  const err: Record<string, string> = {};
  if (requireDates && !v.start) err.start_date = "Choose when it starts.";
  if (requireDates && !v.noEnd && !v.end) err.end_date = "Choose when it ends, or tick “No end”.";
  if (v.start && v.end && !v.noEnd && fromLocalInput(v.start)! >= fromLocalInput(v.end)!) err.end_date = "The end must be after the start.";
  if (v.days.length === 0) err.play_days = "Pick at least one day. To stop it playing, turn it off instead.";
  if (Boolean(v.from) !== Boolean(v.to)) err.play_time_from = "Fill in both times, or leave both empty.";
  else if (v.from && v.from === v.to) err.play_time_from = "The two times must differ.";
  return err;
}

export function ScheduleFields(props: {
  value: ScheduleValue;
  onChange: (v: ScheduleValue) => void;
  errors: Record<string, string>;
}) {
  const v = props.value;
  const e = props.errors;
  return (
    <>
      <p class="hint">Dates and times are in this browser's time zone; the daily window uses the screen's time zone.</p>
      <div class="two">
        <Field label="Starts" error={e.start_date}>
          <input type="datetime-local" name="start_date" value={v.start} onInput={(ev) => props.onChange({ ...v, start: (ev.currentTarget as HTMLInputElement).value })} />
        </Field>
        <div class="ends">
          <Field label="Ends" error={e.end_date}>
            <input
              type="datetime-local"
              name="end_date"
              value={v.noEnd ? "" : v.end}
              disabled={v.noEnd}
              onInput={(ev) => props.onChange({ ...v, end: (ev.currentTarget as HTMLInputElement).value })}
            />
          </Field>
          <label class="check">
            <input type="checkbox" name="no_end" checked={v.noEnd ?? false} onChange={(ev) => props.onChange({ ...v, noEnd: (ev.currentTarget as HTMLInputElement).checked })} />
            No end
          </label>
        </div>
      </div>
      <fieldset class={`days${e.play_days ? " invalid" : ""}`}>
        <legend>Days it plays</legend>
        {DAY_NAMES.map((name, i) => (
          <label class="day">
            <input
              type="checkbox"
              name={`day-${i + 1}`}
              checked={v.days.includes(i + 1)}
              onChange={(ev) => {
                const on = (ev.currentTarget as HTMLInputElement).checked;
                const days = on ? [...v.days, i + 1].sort() : v.days.filter((d) => d !== i + 1);
                props.onChange({ ...v, days });
              }}
            />
            {name}
          </label>
        ))}
        {e.play_days ? <p class="error" role="alert">{e.play_days}</p> : null}
      </fieldset>
      <fieldset class={`window${e.play_time_from || e.play_time_to ? " invalid" : ""}`}>
        <legend>Time of day (optional)</legend>
        <p class="hint">
          Leave both empty to play all day. Fill in both to play only between them; an end earlier than the start runs overnight
          (e.g. 22:00 to 06:00).
        </p>
        <div class="two">
          <Field label="From">
            <input type="time" name="play_time_from" value={v.from} onInput={(ev) => props.onChange({ ...v, from: (ev.currentTarget as HTMLInputElement).value })} />
          </Field>
          <Field label="Until">
            <input type="time" name="play_time_to" value={v.to} onInput={(ev) => props.onChange({ ...v, to: (ev.currentTarget as HTMLInputElement).value })} />
          </Field>
        </div>
        {e.play_time_from || e.play_time_to ? <p class="error" role="alert">{e.play_time_from || e.play_time_to}</p> : null}
      </fieldset>
    </>
  );
}

export function scheduleOf(a: Asset): ScheduleValue {
  const noEnd = isNoEnd(a.end_date);
  return {
    start: toLocalInput(a.start_date),
    end: noEnd ? "" : toLocalInput(a.end_date),
    noEnd,
    days: a.play_days ?? [1, 2, 3, 4, 5, 6, 7],
    from: a.play_time_from?.slice(0, 5) ?? "",
    to: a.play_time_to?.slice(0, 5) ?? "",
  };
}

export function schedulePatch(v: ScheduleValue): AssetPatch {
  return {
    start_date: fromLocalInput(v.start),
    end_date: v.noEnd ? NO_END : fromLocalInput(v.end),
    play_days: v.days,
    play_time_from: v.from || null,
    play_time_to: v.to || null,
  };
}

/**
 * The size of a stored file: API v3 says it; a device's v2 does not, so ask `/media` for its first
 * byte and read the total from `Content-Range` (no server path or extra endpoint needed).
 */
function useFileSize(a: Asset): number | null {
  const [size, setSize] = useState<number | null>(a.file_size ?? null);
  useEffect(() => {
    if (typeof a.file_size === "number" || !isStoredFile(a.uri) || a.is_processing) return;
    const ctl = new AbortController();
    fetch(`/media/${encodeURIComponent(a.asset_id)}`, { headers: { Range: "bytes=0-0" }, credentials: "same-origin", signal: ctl.signal })
      .then((r) => {
        const total = /\/(\d+)$/.exec(r.headers.get("Content-Range") ?? "")?.[1];
        const n = total ?? (r.status === 200 ? r.headers.get("Content-Length") : null);
        if (n) setSize(Number(n));
        ctl.abort();
      })
      .catch(() => {
        // Size unknown: the line says what the file is without it.
      });
    return () => ctl.abort();
  }, [a.asset_id, a.uri]);
  return size;
}

/** Where the content comes from: a file kept here (name, size; never its server path) or an address. */
function Source({ a }: { a: Asset }) {
  const size = useFileSize(a);
  if (!isStoredFile(a.uri)) return <p class="muted small uri">{a.uri}</p>;
  const from = typeof a.metadata?.source_url === "string" ? (a.metadata.source_url as string) : "";
  return (
    <p class="muted small uri" data-testid="asset-file">
      File: {storedFileText(a, size)}
      {from ? ` · downloaded from ${from}` : ""}
    </p>
  );
}

export function EditAsset(props: { asset: Asset; onClose: () => void }) {
  const a = props.asset;
  const kind = kindOf(a.mimetype);
  const web = kind === "webpage";
  // v2's reload interval, request headers and certificate switch: API v3 (the cloud) has none.
  const v2Extras = !isCloud();
  const webExtras = web && v2Extras;
  const [name, setName] = useState(a.name);
  const [sched, setSched] = useState<ScheduleValue>(scheduleOf(a));
  const [duration, setDuration] = useState(String(a.duration));
  const [nocache, setNocache] = useState(a.nocache);
  const [skipCheck, setSkipCheck] = useState(a.skip_asset_check);
  const [skipSsl, setSkipSsl] = useState(a.skip_ssl_verify ?? false);
  const [refresh, setRefresh] = useState(String(a.refresh_interval_s ?? 0));
  const [headers, setHeaders] = useState(formatHeaders(a.custom_headers));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function save(e: Event) {
    e.preventDefault();
    const err = checkSchedule(sched);
    if (!name.trim()) err.name = "Give it a name.";
    else if (nameTooLong(name, ASSET_NAME_MAX)) err.name = nameTooLong(name, ASSET_NAME_MAX) as string;
    const dur = Number(duration);
    if (kind !== "video" && (!/^\d+$/.test(duration.trim()) || dur > 31536000)) err.duration = "Whole seconds, from 0 to 31536000 (0 = the default).";
    const ref = Number(refresh);
    if (webExtras && (!/^\d+$/.test(refresh.trim()) || ref > 86400)) err.refresh_interval_s = "Whole seconds, from 0 (never) to 86400.";
    const h = parseHeaders(headers);
    if (webExtras && h.error) err.custom_headers = h.error;
    setErrors(err);
    if (Object.keys(err).length) return;
    const patch: AssetPatch = { name: name.trim(), ...schedulePatch(sched), nocache, skip_asset_check: skipCheck };
    if (v2Extras) patch.skip_ssl_verify = skipSsl;
    if (kind !== "video") patch.duration = dur;
    if (webExtras) {
      patch.refresh_interval_s = ref;
      patch.custom_headers = h.headers;
    }
    setBusy(true);
    try {
      replaceAsset(await assetApi().update(a.asset_id, patch));
      toast("Saved");
      props.onClose();
    } catch (ex) {
      if (ex instanceof ApiError && Object.keys(ex.fields).length) setErrors(ex.fields);
      toast(`Not saved: ${errorText(ex)}`, "bad");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Edit “${a.name}”`} onClose={props.onClose}>
      <form class="form" onSubmit={save} noValidate>
        <Field label="Name" error={errors.name}>
          <input name="name" value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Source a={a} />
        {kind === "video" ? (
          <p class="hint">Videos play to their end.</p>
        ) : (
          <Field label="Show for (seconds)" error={errors.duration} hint="0 uses the default from Settings.">
            <input name="duration" inputMode="numeric" value={duration} onInput={(e) => setDuration((e.currentTarget as HTMLInputElement).value)} />
          </Field>
        )}
        <ScheduleFields value={sched} onChange={setSched} errors={errors} />
        {webExtras ? (
          <>
            <Field label="Reload every (seconds)" error={errors.refresh_interval_s} hint="0 = never reload while shown.">
              <input name="refresh_interval_s" inputMode="numeric" value={refresh} onInput={(e) => setRefresh((e.currentTarget as HTMLInputElement).value)} />
            </Field>
            <Field label="Extra request headers" error={errors.custom_headers} hint="One per line, as Name: Value.">
              <textarea name="custom_headers" rows={3} value={headers} onInput={(e) => setHeaders((e.currentTarget as HTMLTextAreaElement).value)} />
            </Field>
          </>
        ) : null}
        <details class="advanced">
          <summary>Advanced</summary>
          <Switch checked={nocache} label="Don't cache (load fresh every time)" onChange={setNocache} />
          <Switch checked={skipCheck} label="Skip the reachability check" onChange={setSkipCheck} />
          {v2Extras ? <Switch checked={skipSsl} label="Don't verify the site's certificate" onChange={setSkipSsl} /> : null}
        </details>
        {errors.non_field_errors ? <p class="error">{errors.non_field_errors}</p> : null}
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
