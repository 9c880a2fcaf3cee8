// Add content: a URL (type guessed, changeable) or uploaded files (chunked, resumable).
import { useState } from "preact/hooks";
import { isCloud } from "../account";
import { ApiError, type Asset } from "../api";
import { assetApi } from "../assetApi";
import { Field, Link, Progress, UpgradeHint, errorText, toast, toastError } from "../components";
import { ASSET_NAME_MAX, KIND_LABEL, NO_END, nameTooLong, type Kind, byOrder, guessKind, nameFromUrl, orderAfterAdding } from "../format";
import { navigate } from "../router";
import { loadAssets, useStore } from "../store";
import { uploadFile } from "../upload";

/**
 * New items play from now with no end: a screen must not go quiet a month after setup because
 * nobody edited each item. (The API's own defaults stay as they are for other clients.)
 */
function fromNowOn(): { start_date: string; end_date: string } {
  return { start_date: new Date().toISOString(), end_date: NO_END };
}

function UrlForm() {
  const { settings } = useStore();
  const [url, setUrl] = useState("");
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind | null>(null);
  const [duration, setDuration] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const shownKind = kind ?? guessKind(url);
  const defaultDuration =
    shownKind === "streaming" ? settings?.default_streaming_duration ?? 300 : shownKind === "video" ? 0 : settings?.default_duration ?? 10;

  async function add(e: Event) {
    e.preventDefault();
    const err: Record<string, string> = {};
    const u = url.trim();
    if (!u) err.uri = "Paste the address (URL) of the page, picture, video or stream.";
    else if (!/^(https?|rtsp|rtmp):\/\/\S+$/i.test(u)) err.uri = "The address should start with https://, http:// or rtsp://";
    const d = duration.trim() === "" ? defaultDuration : Number(duration);
    const long = nameTooLong(name, ASSET_NAME_MAX);
    if (long) err.name = long;
    if (!Number.isInteger(d) || d < 0 || d > 31536000) err.duration = "Whole seconds, from 0 to 31536000.";
    setErrors(err);
    if (Object.keys(err).length) return;
    setBusy(true);
    try {
      await assetApi().create({
        // A name taken from a long address is cut to fit rather than refused.
        name: name.trim() || [...nameFromUrl(u)].slice(0, ASSET_NAME_MAX).join(""),
        uri: u,
        mimetype: shownKind,
        duration: shownKind === "video" ? 0 : d,
        ...fromNowOn(),
        is_enabled: true,
        skip_asset_check: true,
      });
      toast(isCloud() ? "Added — your screens play it whenever no schedule says otherwise" : "Added — it will play on the screen");
      void loadAssets();
      navigate("/");
    } catch (ex) {
      if (ex instanceof ApiError) setErrors(ex.fields);
      toastError("Not added: ", ex);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form card" onSubmit={add} noValidate aria-labelledby="url-h">
      <h2 id="url-h">From the web</h2>
      <Field label="Address (URL)" error={errors.uri} hint="A web page, a picture, a video, a live stream or a YouTube link.">
        <input
          name="uri"
          type="url"
          inputMode="url"
          placeholder="https://example.com"
          value={url}
          onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
        />
      </Field>
      <div class="two">
        <Field label="Type" error={errors.mimetype}>
          <select name="mimetype" value={shownKind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as Kind)}>
            {(Object.keys(KIND_LABEL) as Kind[]).map((k) => (
              <option value={k}>{KIND_LABEL[k]}</option>
            ))}
          </select>
        </Field>
        <Field label="Show for (seconds)" error={errors.duration}>
          <input
            name="duration"
            inputMode="numeric"
            placeholder={String(defaultDuration)}
            disabled={shownKind === "video"}
            value={shownKind === "video" ? "" : duration}
            onInput={(e) => setDuration((e.currentTarget as HTMLInputElement).value)}
          />
        </Field>
      </div>
      <Field label="Name (optional)" error={errors.name}>
        <input name="name" value={name} placeholder={url ? nameFromUrl(url) : "Shown in your list"} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      </Field>
      <p class="hint">It plays from now on, with no end; you can set an end date afterwards.</p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Adding…" : "Add"}
        </button>
      </div>
    </form>
  );
}

interface Item {
  key: number;
  file: File;
  progress: number;
  status: "waiting" | "uploading" | "done" | "failed";
  error?: string;
  /** The refusal behind `error`: over the storage quota it offers a bigger plan. */
  failure?: unknown;
}

let itemSeq = 0;
const ACCEPT = /\.(jpe?g|png|gif|webp|svg|bmp|mp4|webm|mov|mkv|avi|m4v)$/i;

function UploadForm() {
  const { settings } = useStore();
  const [items, setItems] = useState<Item[]>([]);
  const [over, setOver] = useState(false);

  function update(key: number, patch: Partial<Item>) {
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...patch } : i)));
  }

  async function run(item: Item): Promise<Asset | null> {
    const isVideo = item.file.type.startsWith("video") || /\.(mp4|webm|mov|mkv|avi|m4v)$/i.test(item.file.name);
    update(item.key, { status: "uploading", progress: 0 });
    try {
      const up = await uploadFile(item.file, (p) => update(item.key, { progress: p }));
      const created = await assetApi().createUploaded({
        name: [...(item.file.name.replace(/\.[^.]+$/, "") || item.file.name)].slice(0, ASSET_NAME_MAX).join(""),
        uri: up.uri,
        ext: up.ext,
        mimetype: isVideo ? "video" : "image",
        duration: isVideo ? 0 : settings?.default_duration ?? 10,
        ...fromNowOn(),
        is_enabled: true,
        skip_asset_check: true,
        // v3 keeps the name the file had, for the edit dialog; v2 takes no metadata.
        ...(isCloud() ? { metadata: { file_name: item.file.name } } : {}),
      });
      update(item.key, { status: "done", progress: 1 });
      void loadAssets();
      return created;
    } catch (e) {
      update(item.key, { status: "failed", error: errorText(e), failure: e });
      return null;
    }
  }

  async function addFiles(files: FileList | File[]) {
    const fresh: Item[] = [];
    for (const file of Array.from(files)) {
      const item: Item = { key: ++itemSeq, file, progress: 0, status: "waiting" };
      if (!ACCEPT.test(file.name) && !/^(image|video)\//.test(file.type)) {
        item.status = "failed";
        item.error = "Only pictures and videos can be uploaded.";
      }
      fresh.push(item);
    }
    setItems((list) => [...list, ...fresh]);
    // Two at a time: enough to fill the link without starving the device.
    const waiting = fresh.filter((i) => i.status === "waiting");
    const queue = waiting.slice();
    const created = new Map<number, Asset>();
    const worker = async () => {
      for (let it = queue.shift(); it; it = queue.shift()) {
        const a = await run(it);
        if (a) created.set(it.key, a);
      }
    };
    await Promise.all([worker(), worker()]);
    // Uploads finish in any order, and each API places a new item its own way: put this batch
    // after everything else, in the order the files were chosen.
    const added = waiting.flatMap((i) => created.get(i.key)?.asset_id ?? []);
    if (added.length > 1) {
      try {
        const all = await assetApi().list();
        await assetApi().order(orderAfterAdding(all.slice().sort(byOrder), added));
      } catch (e) {
        toast(`Added, but not in the order chosen: ${errorText(e)}`, "bad");
      }
      void loadAssets();
    }
  }

  return (
    <section class="card" aria-labelledby="up-h">
      <h2 id="up-h">From this computer or phone</h2>
      <label
        class={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer?.files.length) void addFiles(e.dataTransfer.files);
        }}
      >
        <input
          type="file"
          name="file_upload"
          multiple
          accept="image/*,video/*"
          class="visually-hidden"
          onChange={(e) => {
            const input = e.currentTarget as HTMLInputElement;
            if (input.files?.length) void addFiles(input.files);
            input.value = "";
          }}
        />
        <span class="big">Drop pictures or videos here</span>
        <span class="button">or choose files</span>
      </label>
      {items.length ? (
        <ul class="uploads">
          {items.map((i) => (
            <li class={`upload ${i.status}`} data-testid="upload">
              <span class="fname">{i.file.name}</span>
              <Progress value={i.progress} label={`Upload of ${i.file.name}`} />
              <span class="ustatus">
                {i.status === "done"
                  ? "Added ✓"
                  : i.status === "failed"
                    ? (
                        <>
                          {i.error}
                          <UpgradeHint error={i.failure} />
                        </>
                      )
                    : i.status === "waiting"
                      ? "Waiting"
                      : `${Math.round(i.progress * 100)}%`}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {items.some((i) => i.status === "done") ? (
        <p>
          <Link href="/">See your schedule →</Link>
        </p>
      ) : null}
    </section>
  );
}

export function AddContentPage() {
  return (
    <div class="add">
      <div class="page-head">
        <h1>Add content</h1>
      </div>
      <div class="grid2">
        <UploadForm />
        <UrlForm />
      </div>
    </div>
  );
}
