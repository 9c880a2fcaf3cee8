/**
 * The screen's layers. Each item is built in its own layer, invisible, and
 * only shown once it is decoded; the new layer then fades in over the old one,
 * which is removed afterwards. So there is always a decoded picture on screen.
 */

import { hasKioskExtension, probeFailure, reachable, sendHeadersThroughExtension, webPagePlan } from "./kiosk.js";
import type { Asset } from "./types.js";

/** Why an item could not be shown; it is skipped. */
export class Unplayable extends Error {}

const FADE_MS = 250;
const LOAD_TIMEOUT_MS = 20_000;

export type Kind = "image" | "video" | "web";

/** An item built in a hidden layer, ready to show. */
export interface Item {
  readonly asset: Asset;
  readonly kind: Kind;
  readonly layer: HTMLElement;
  /** Called when it becomes visible: starts a video, the web page refresh timer. */
  start(onEnded: () => void, onError: (reason: string) => void): void;
  /** Stops playback (the picture stays). */
  pause(): void;
  /** Frees everything it holds and removes its layer. */
  dispose(): void;
}

/** Which kind of element plays an asset, by the same substrings Anthias looks for. */
export function kindOf(mimetype: string): Kind | "stream" | null {
  const m = mimetype.toLowerCase();
  if (m.includes("image")) return "image";
  if (m.includes("web")) return "web";
  if (m.includes("video")) return "video";
  if (m.includes("streaming")) return "stream";
  return null;
}

export class Stage {
  private shown: HTMLElement | null = null;
  private shownItem: Item | null = null;
  private leaving: { item: Item; timer: ReturnType<typeof setTimeout> }[] = [];
  private z = 1;

  constructor(private readonly root: HTMLElement) {}

  /** The item on screen, if any. */
  get current(): Item | null {
    return this.shownItem;
  }

  /**
   * Builds `asset` in a new hidden layer and resolves once it can be shown
   * without a blank frame. Rejects (and cleans up) if it cannot be played or
   * `signal` aborts.
   */
  async prepare(asset: Asset, signal: AbortSignal): Promise<Item> {
    const kind = kindOf(asset.mimetype);
    if (kind === null) throw new Unplayable(`unknown mimetype "${asset.mimetype}"`);
    const layer = document.createElement("div");
    layer.className = "layer";
    layer.dataset.asset = asset.asset_id;
    this.root.append(layer);
    let item: Item & Loadable;
    if (kind === "image") item = new ImageItem(asset, layer);
    else if (kind === "web") item = new WebItem(asset, layer);
    else {
      if (kind === "stream" && !/^https?:/i.test(new URL(asset.url, location.href).protocol)) {
        layer.remove();
        throw new Unplayable(`stream ${asset.url}: a browser cannot play this protocol`);
      }
      item = new VideoItem(asset, layer);
    }
    try {
      await withTimeout(item.load(), signal, LOAD_TIMEOUT_MS);
      return item;
    } catch (error) {
      item.dispose();
      throw error;
    }
  }

  /** Fades `item` in over what is on screen, then removes the old layer. */
  show(item: Item): void {
    this.finishFades(item);
    const previous = this.shownItem;
    item.layer.style.zIndex = String(++this.z);
    item.layer.classList.add("shown");
    this.shown = item.layer;
    this.shownItem = item;
    if (previous && previous !== item) {
      previous.pause();
      const timer = setTimeout(() => this.retire(previous), FADE_MS + 50);
      this.leaving.push({ item: previous, timer });
    }
    if (this.z > 1_000_000) this.renumber();
  }

  /** Removes everything from the screen at once. */
  clear(): void {
    this.finishFades(null);
    this.shownItem?.dispose();
    this.shownItem = null;
    this.shown = null;
  }

  /** Whether `item` is the one on screen. */
  isShown(item: Item): boolean {
    return this.shownItem === item;
  }

  private retire(item: Item): void {
    this.leaving = this.leaving.filter((l) => l.item !== item);
    if (item !== this.shownItem) item.dispose();
  }

  /** Removes layers still fading out (a quick succession of changes). */
  private finishFades(keep: Item | null): void {
    for (const { item, timer } of this.leaving) {
      clearTimeout(timer);
      if (item !== keep && item !== this.shownItem) item.dispose();
    }
    this.leaving = [];
  }

  private renumber(): void {
    this.z = 2;
    if (this.shown) this.shown.style.zIndex = "2";
  }
}

interface Loadable {
  load(): Promise<void>;
}

function withTimeout(work: Promise<void>, signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      cleanup();
      reject(new Unplayable(reason));
    };
    const onAbort = () => fail("superseded");
    const timer = setTimeout(() => fail(`not loaded within ${ms / 1000} s`), ms);
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    if (signal.aborted) return fail("superseded");
    signal.addEventListener("abort", onAbort);
    work.then(
      () => {
        cleanup();
        resolve();
      },
      (error: unknown) => fail(error instanceof Error ? error.message : String(error)),
    );
  });
}

/** Resolves on the first of `ok` events, rejects on `error`; removes its listeners either way. */
function once(target: EventTarget, ok: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (event: Event) => {
      for (const name of ok) target.removeEventListener(name, done);
      target.removeEventListener("error", done);
      if (event.type === "error") reject(new Unplayable(`${what}: load error`));
      else resolve();
    };
    for (const name of ok) target.addEventListener(name, done);
    target.addEventListener("error", done);
  });
}

class ImageItem implements Item, Loadable {
  readonly kind = "image";
  private readonly img = document.createElement("img");

  constructor(
    readonly asset: Asset,
    readonly layer: HTMLElement,
  ) {
    this.img.alt = "";
    this.img.decoding = "async";
    layer.append(this.img);
  }

  async load(): Promise<void> {
    this.img.src = this.asset.url;
    try {
      await this.img.decode();
    } catch {
      throw new Unplayable(`image ${this.asset.url} could not be loaded or decoded`);
    }
  }

  start(): void {}
  pause(): void {}

  dispose(): void {
    this.img.removeAttribute("src");
    this.layer.remove();
  }
}

class VideoItem implements Item, Loadable {
  readonly kind = "video";
  private readonly video = document.createElement("video");
  private ended: (() => void) | null = null;
  private failed: ((reason: string) => void) | null = null;
  private readonly onEnded = () => this.ended?.();
  private readonly onError = () => this.failed?.(`video ${this.asset.url}: playback error`);

  constructor(
    readonly asset: Asset,
    readonly layer: HTMLElement,
  ) {
    const v = this.video;
    v.preload = "auto";
    v.playsInline = true;
    v.muted = true;
    v.disablePictureInPicture = true;
    layer.append(v);
  }

  async load(): Promise<void> {
    const loaded = once(this.video, ["loadeddata"], `video ${this.asset.url}`);
    this.video.src = this.asset.url;
    await loaded;
  }

  start(onEnded: () => void, onError: (reason: string) => void): void {
    this.ended = onEnded;
    this.failed = onError;
    this.video.addEventListener("ended", this.onEnded);
    this.video.addEventListener("error", this.onError);
    // Sound when the browser allows it (kiosk flag); muted otherwise.
    this.video.muted = false;
    this.video.play().catch(() => {
      this.video.muted = true;
      this.video.play().catch(() => onError(`video ${this.asset.url}: cannot start playback`));
    });
  }

  pause(): void {
    this.ended = this.failed = null;
    this.video.pause();
  }

  dispose(): void {
    this.pause();
    this.video.removeEventListener("ended", this.onEnded);
    this.video.removeEventListener("error", this.onError);
    // Releases the decoder and the network connection at once.
    this.video.removeAttribute("src");
    this.video.load();
    this.layer.remove();
  }
}

/** Assets already warned about, so the log says it once, not every cycle. */
const headerWarned = new Set<string>();

/**
 * Web pages this screen cannot show are refused before any frame exists, so
 * Chromium's grey error page never appears (it fires `load` like a real page,
 * and the player could not tell them apart): one that refuses frames when the
 * kiosk extension is not here, one the server found unreachable, one this
 * screen cannot reach. With the extension, the page's extra request headers
 * are installed before its frame loads.
 */
async function readyWebPage(asset: Asset): Promise<void> {
  const plan = webPagePlan(asset, hasKioskExtension());
  if ("skip" in plan) throw new Unplayable(`web page ${asset.url}: ${plan.skip}`);
  if (!(await reachable(asset.url))) {
    const why = probeFailure(asset, navigator.onLine);
    if (why !== null) throw new Unplayable(`web page ${asset.url}: ${why}`);
  }
  if (plan.headers === "extension") {
    try {
      await sendHeadersThroughExtension(asset.url, asset.headers);
    } catch (error) {
      console.warn(`[signate] ${asset.asset_id}: extra request headers not sent: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (plan.headers === "unsendable" && !headerWarned.has(asset.asset_id)) {
    headerWarned.add(asset.asset_id);
    console.warn(`[signate] ${asset.asset_id}: extra request headers need the kiosk extension; shown without them`);
  }
}

class WebItem implements Item, Loadable {
  readonly kind = "web";
  private frame: HTMLIFrameElement;
  private refresh: ReturnType<typeof setInterval> | undefined;
  private incoming: HTMLIFrameElement | null = null;

  constructor(
    readonly asset: Asset,
    readonly layer: HTMLElement,
  ) {
    this.frame = this.makeFrame();
  }

  async load(): Promise<void> {
    await readyWebPage(this.asset);
    return this.navigate(this.frame);
  }

  start(): void {
    const every = Math.max(0, Math.floor(this.asset.refresh_interval_s || 0));
    if (every > 0) this.refresh = setInterval(() => this.reload(), every * 1000);
  }

  pause(): void {
    clearInterval(this.refresh);
    this.refresh = undefined;
  }

  dispose(): void {
    this.pause();
    for (const f of [this.frame, this.incoming]) if (f) f.src = "about:blank";
    this.incoming = null;
    this.layer.remove();
  }

  /** Loads a fresh copy behind the visible one and swaps when it has loaded. */
  private reload(): void {
    if (this.incoming) return;
    const next = this.makeFrame();
    next.classList.add("incoming");
    this.incoming = next;
    this.navigate(next).then(
      () => {
        if (this.incoming !== next) return;
        this.frame.src = "about:blank";
        this.frame.remove();
        next.classList.remove("incoming");
        this.frame = next;
        this.incoming = null;
      },
      () => {
        if (this.incoming === next) this.incoming = null;
        next.src = "about:blank";
        next.remove();
      },
    );
  }

  private makeFrame(): HTMLIFrameElement {
    const f = document.createElement("iframe");
    // No top navigation: a page cannot take the player away.
    f.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-presentation");
    f.allow = "autoplay; fullscreen";
    f.referrerPolicy = "no-referrer";
    f.tabIndex = -1;
    this.layer.append(f);
    return f;
  }

  private navigate(frame: HTMLIFrameElement): Promise<void> {
    const loaded = new Promise<void>((resolve) => frame.addEventListener("load", () => resolve(), { once: true }));
    frame.src = this.asset.nocache ? cacheBusted(this.asset.url) : this.asset.url;
    return withTimeout(loaded, new AbortController().signal, LOAD_TIMEOUT_MS);
  }
}

/** `url` with a query parameter that makes every load a fresh one. */
export function cacheBusted(url: string, now = Date.now()): string {
  try {
    const u = new URL(url, location.href);
    u.searchParams.set("_signate_nc", String(now));
    return u.href;
  } catch {
    return url;
  }
}
