/**
 * The screen player: follows the playlist and its schedule, preloads the next
 * item, takes live commands over the WebSocket, records proof of play, and
 * keeps playing from its caches while the server is away.
 *
 * A cloud screen without a device token (the playlist answers 401 with
 * `Signate-Pairing: required`, or the server sends `{"type":"unpaired"}`)
 * stops, forgets its playlist and cached media, and shows the pairing view
 * (`pairing.ts`) until an admin claims its code; then the page reloads and
 * plays. Over the WebSocket it sends a heartbeat (resolution, version, what is
 * on screen) on connecting and every 25 s, besides `now_playing` on changes.
 *
 * What plays follows the program the playlist carries (docs/programming.md,
 * `program.ts`): every second the rule is applied at the server's time; when
 * its Source changes (an interrupt starts or ends, a schedule's window opens
 * or closes) the screen cuts to the new source's first item at once, from the
 * kept playlist too while the server is away. Without a program (an older
 * server, device mode) the assets' own schedules alone decide, as before.
 *
 * State for tests and tools: `document.body.dataset.state` (splash, playing,
 * standby, blank, stopped, pairing, message: an interrupt's message),
 * `dataset.current` (the asset on screen), `dataset.source` (interrupt,
 * schedule or default: what the rule says plays now; absent while pairing),
 * `dataset.interrupt` (the id of the interrupt that shows; absent otherwise),
 * `dataset.pairingCode` (the code on the pairing view; "" while there is none;
 * absent outside pairing), and `window.__signate`.
 */

import { Channel, type Message } from "./channel.js";
import { Clock } from "./clock.js";
import { type Entry, lineup, type MessageView, plain } from "./lineup.js";
import { Pairing, type PairingView, resolution } from "./pairing.js";
import { hasKioskExtension } from "./kiosk.js";
import { PlayLog } from "./plays.js";
import { at, DEFAULT_SOURCE, readProgram, type Source, sourceKey } from "./program.js";
import { Rotation } from "./rotation.js";
import { displayOn } from "./schedule.js";
import { fetchPlaylist, forgetPlaylist, postPlays, UNPAIRED, type Fetched } from "./server.js";
import { type Item, Stage } from "./stage.js";
import type { Asset, Playlist, ProgramJson } from "./types.js";
import { PLAYER_VERSION } from "./version.js";

const SPLASH_MS = 5000;
/** Standby re-check, display power and schedule checks. */
const TICK_MS = 5000;
/**
 * The program's rule is applied every second, just after each whole second of
 * server time (where schedule boundaries fall): a boundary or an interrupt's
 * end shows at once.
 */
const PROGRAM_TICK_MS = 1000;
const PROGRAM_TICK_LATE_MS = 5;
const FLUSH_MS = 10_000;
/** Playlist poll while the WebSocket is down (it may be a proxy that drops sockets). */
const POLL_MS = 60_000;
/** setTimeout's limit; longer durations are waited in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Longest showing the server records. */
const MAX_PLAY_MS = 86_400_000;
/** Heartbeat over the WebSocket (the server wants one at least every 30 s). */
const HEARTBEAT_MS = 25_000;

type State = "splash" | "playing" | "standby" | "blank" | "stopped" | "pairing" | "message";

interface Showing {
  /** The asset as its source plays it (duration, playlist, schedule, interrupt). */
  asset: Entry;
  item: Item;
  /** Server time when it appeared. */
  startedAt: number;
  /** Shown by `asset&<id>`, outside the rotation and regardless of schedule. */
  extra: boolean;
  recorded: boolean;
}

interface Preload {
  asset: Entry;
  controller: AbortController;
  promise: Promise<Item | null>;
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function el(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} missing from index.html`);
  return found;
}

class Player {
  private readonly store = storage();
  private readonly clock = new Clock(this.store);
  private readonly plays = new PlayLog(this.store);
  private readonly rotation = new Rotation<Entry>(Math.random, (entry) => entry.key);
  private readonly stage = new Stage(el("stage"));
  private readonly channel: Channel;
  private playlist: Playlist | null = null;
  /** The playlist's program, read; null: none (an older server, device mode). */
  private program: ProgramJson | null = null;
  /** What the rule says plays now, and its key. */
  private source: Source = DEFAULT_SOURCE;
  private sourceId = sourceKey(DEFAULT_SOURCE);
  /** The interrupt's message the source shows instead of assets. */
  private message: MessageView | null = null;
  /** The message view on screen (JSON), so it is rebuilt only when it changes. */
  private messageShown: string | null = null;
  /** Assets the server sent with an `asset&<id>` command (used once). */
  private readonly sentAssets = new Map<string, Asset>();
  private showing: Showing | null = null;
  private preloaded: Preload | null = null;
  /** Bumped by every advance, stop and blank: an older advance then gives up. */
  private generation = 0;
  private advancing = false;
  private loading: AbortController | null = null;
  private endTimer: ReturnType<typeof setTimeout> | undefined;
  private splashTimer: ReturnType<typeof setTimeout> | undefined;
  private splashing = false;
  private stopped = false;
  private blanked = false;
  private powerOff = false;
  private failures = 0;
  private fetching: Promise<void> | null = null;
  private refetchAgain = false;
  private reported: string | null | undefined;
  private worker: ServiceWorkerRegistration | null = null;
  private mediaUrls: string[] | null = null;
  /** Why each asset was last skipped (it could not be shown here), until it shows. */
  private readonly skipped = new Map<string, string>();
  /** Set once the screen turns out to be unpaired; only a reload (after pairing) clears it. */
  private pairing: Pairing | null = null;

  constructor() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.channel = new Channel(
      `${scheme}//${location.host}/player/ws`,
      (m) => this.onMessage(m),
      () => this.onConnected(),
    );
  }

  async boot(): Promise<void> {
    this.registerWorker();
    const fetched = await fetchPlaylist(this.store);
    if (fetched === UNPAIRED) return this.unpair();
    if (fetched) this.apply(fetched, true);
    else this.render();
    this.channel.start();
    setInterval(() => this.tick(), TICK_MS);
    this.programTick();
    setInterval(() => {
      if (!this.pairing) void this.plays.flush(postPlays);
    }, FLUSH_MS);
    setInterval(() => {
      if (!this.pairing && (!this.channel.open || !this.playlist)) void this.refetch();
    }, POLL_MS);
    setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    // The showing cut short by a reload still counts; localStorage keeps it.
    addEventListener("pagehide", () => this.record());
  }

  /** Read-only view for tests and tools. */
  readonly debug = {
    state: () => document.body.dataset.state ?? "",
    current: () => document.body.dataset.current ?? "",
    source: () => document.body.dataset.source ?? "",
    interrupt: () => document.body.dataset.interrupt ?? "",
    playlist: () => this.rotation.items.map((a) => a.asset_id),
    failures: () => this.failures,
    pendingPlays: () => this.plays.pending,
    clockOffsetMs: () => this.clock.offset,
    connected: () => this.channel.open,
    pairingCode: () => document.body.dataset.pairingCode ?? "",
    /** Assets skipped as unplayable here, with the reason (e.g. a web page that refuses frames). */
    skipped: () => Object.fromEntries(this.skipped),
    kiosk: () => hasKioskExtension(),
  };

  // ----- server messages -------------------------------------------------

  private onConnected(): void {
    this.reported = undefined;
    this.heartbeat();
    this.report();
    void this.plays.flush(postPlays);
    void this.refetch();
  }

  private onMessage(message: Message): void {
    if (this.pairing) return;
    if (message.type === "unpaired") this.unpair();
    else if (message.type === "command" && typeof message.command === "string") {
      // `asset&<id>` may name an asset outside the playlist (disabled, undated): the server
      // sends it along, as Anthias shows such an asset regardless of its schedule.
      const sent = message.asset as Asset | undefined;
      if (sent && typeof sent === "object" && typeof sent.asset_id === "string") this.sentAssets.set(sent.asset_id, sent);
      this.command(message.command);
    }
    else if (message.type === "reload" || message.type === "settings") void this.refetch();
  }

  private command(text: string): void {
    const split = text.indexOf("&");
    const name = split < 0 ? text : text.slice(0, split);
    const param = split < 0 ? "" : text.slice(split + 1);
    switch (name) {
      case "next":
      case "previous":
      case "asset":
        if (this.stopped || this.blanked || this.powerOff) {
          console.info(`[signate] ${name} ignored: playback is ${this.blanked ? "blanked" : "stopped"}`);
          return;
        }
        this.endSplash(false);
        void this.advance(name === "asset" ? "jump" : name, param);
        return;
      case "stop":
        this.stop();
        return;
      case "play":
        if (!this.stopped) return;
        this.stopped = false;
        void this.advance("next");
        return;
      case "blank":
        this.blanked = true;
        this.endSplash(false);
        this.goDark();
        return;
      case "unblank":
        if (!this.blanked) return;
        this.blanked = false;
        void this.advance("next");
        return;
      case "reload":
        // The whole page (a new player version, a stuck browser); the showing
        // cut short is recorded on pagehide. `{"type":"reload"}` (no command)
        // is the playlist refetch.
        console.info("[signate] reload command: reloading the page");
        location.reload();
        return;
      default:
        console.info(`[signate] unknown command "${text}" ignored`);
    }
  }

  /** Fetches the playlist again; calls while one is under way coalesce into one more. */
  private refetch(): Promise<void> {
    if (this.fetching) {
      this.refetchAgain = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      do {
        this.refetchAgain = false;
        const fetched = await fetchPlaylist(this.store);
        if (fetched === UNPAIRED) return this.unpair();
        if (fetched) this.apply(fetched, false);
      } while (this.refetchAgain && !this.pairing);
    })().finally(() => {
      this.fetching = null;
    });
    return this.fetching;
  }

  // ----- playlist ----------------------------------------------------------

  private apply(fetched: Fetched, initial: boolean): void {
    if (this.pairing) return;
    const playlist = fetched.playlist;
    this.playlist = playlist;
    this.program = readProgram(playlist.program);
    if (fetched.fresh) {
      this.clock.sync(playlist.server_time, fetched.sentAt, fetched.receivedAt);
      this.syncMedia(playlist);
    }
    this.applySettings(playlist);
    const switched = this.updateSource();
    if (!initial && switched) return this.switchSource();
    this.refreshActive();
    if (initial) {
      this.checkPower();
      // An interrupt shows at once, without the splash.
      if (playlist.settings.show_splash && this.source.source !== "interrupt") this.startSplash();
      else void this.advance("next");
      return;
    }
    if (this.checkPower() || !this.canPlay() || this.advancing) return this.render();
    const s = this.showing;
    if (!s) return void this.advance("next");
    const fresh = this.stillShowable(s);
    if (!fresh) return void this.advance("next");
    s.asset = fresh;
    const next = this.rotation.peekNext();
    const pre = this.preloaded?.asset;
    if (!next || !pre || next.asset_id !== pre.asset_id || next.url !== pre.url) this.preloadNext();
    this.render();
  }

  private applySettings(playlist: Playlist): void {
    const s = playlist.settings;
    const rotation = [0, 90, 180, 270].includes(s.screen_rotation) ? s.screen_rotation : 0;
    document.body.dataset.rotation = String(rotation);
    const name = s.player_name?.trim() ?? "";
    const urls = (playlist.admin_urls ?? []).filter((u) => typeof u === "string");
    el("splash-name").textContent = name;
    el("splash-urls").replaceChildren(
      ...urls.map((u) => {
        const li = document.createElement("li");
        li.textContent = u;
        return li;
      }),
    );
    el("standby-name").textContent = name;
    el("standby-url").textContent = urls[0] ?? "";
  }

  /**
   * The playlist's current version of what is on screen, or null when it was
   * deleted, replaced by a new file, is processing, or (unless it was asked
   * for by `asset&<id>`) is no longer active or no longer in what the source
   * plays.
   */
  private stillShowable(s: Showing): Entry | null {
    const p = this.playlist;
    if (!p) return null;
    if (s.extra) {
      const fresh = p.assets.find((a) => a.asset_id === s.asset.asset_id);
      return fresh && fresh.url === s.asset.url && !fresh.is_processing ? plain(fresh) : null;
    }
    const fresh = this.lineupNow().entries.find((e) => e.key === s.asset.key);
    return fresh && fresh.url === s.asset.url ? fresh : null;
  }

  /** What the source plays now, by the server-corrected time. */
  private lineupNow() {
    return lineup(this.source, this.playlist!, this.program, this.clock.now(), Math.random);
  }

  /** Recomputes what the source plays (the active list, or its message) with the server-corrected time. */
  private refreshActive(): void {
    if (!this.playlist) return;
    const now = this.lineupNow();
    this.message = now.message;
    this.rotation.update(now.entries, now.shuffle, now.arrange);
  }

  // ----- the program -------------------------------------------------------

  /** Applies the rule at the server's time; true when the Source changed. */
  private updateSource(): boolean {
    const p = this.playlist;
    const program = this.program;
    const next =
      p && program
        ? at(this.clock.now(), p.timezone, { id: program.screen_id, group_id: program.group_id }, program.schedules, program.interrupts)
        : DEFAULT_SOURCE;
    const id = sourceKey(next);
    if (id === this.sourceId) return false;
    this.source = next;
    this.sourceId = id;
    const what =
      next.source === "interrupt"
        ? `interrupt ${next.interrupt_id}`
        : next.source === "schedule"
          ? `schedule ${next.schedule_ids.join(", ")}`
          : "the default playlist";
    console.info(`[signate] now playing: ${what}`);
    return true;
  }

  private programTick(): void {
    const wait = PROGRAM_TICK_MS - (((this.clock.now() % PROGRAM_TICK_MS) + PROGRAM_TICK_MS) % PROGRAM_TICK_MS);
    setTimeout(() => {
      this.followProgram();
      this.programTick();
    }, wait + PROGRAM_TICK_LATE_MS);
  }

  /** Each second: a new Source cuts to its first item (or its message) at once. */
  private followProgram(): void {
    if (this.pairing || !this.playlist) return;
    if (this.updateSource()) this.switchSource();
  }

  private switchSource(): void {
    this.rotation.restart();
    if (this.source.source === "interrupt") {
      // An interrupt pre-empts a stopped rotation and the splash (not a dark
      // screen: the blank command and the display power schedule keep it dark).
      this.stopped = false;
      this.endSplash(false);
    }
    if (this.checkPower()) return;
    if (!this.canPlay()) {
      // Stopped, dark or on the splash: the new source starts with the next play.
      this.refreshActive();
      return this.render();
    }
    void this.advance("next");
  }

  /** Asks the service worker to cache the media the playlist needs and drop the rest. */
  private syncMedia(playlist: Playlist): void {
    this.mediaUrls = playlist.assets
      .filter((a) => !a.is_processing && typeof a.url === "string" && a.url.startsWith("/media/") && !a.url.endsWith("/live"))
      .map((a) => a.url);
    this.worker?.active?.postMessage({ type: "media", urls: this.mediaUrls });
  }

  private registerWorker(): void {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker
      .register("sw.js", { scope: "./" })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        this.worker = registration;
        if (this.pairing) registration.active?.postMessage({ type: "forget" });
        else if (this.mediaUrls) registration.active?.postMessage({ type: "media", urls: this.mediaUrls });
      })
      .catch((error: unknown) => console.warn("[signate] no service worker, no offline cache:", error));
  }

  // ----- playback ----------------------------------------------------------

  private canPlay(): boolean {
    return this.playlist !== null && !this.stopped && !this.blanked && !this.powerOff && !this.splashing;
  }

  /**
   * Shows the next (or previous, or a named) item once it is ready; the
   * current one stays on screen meanwhile. Broken items are skipped; with
   * nothing playable the standby screen shows.
   */
  private async advance(how: "next" | "previous" | "jump", jumpId = ""): Promise<void> {
    const generation = ++this.generation;
    clearTimeout(this.endTimer);
    this.loading?.abort();
    this.loading = null;
    if (!this.canPlay()) return this.render();
    this.advancing = true;
    try {
      this.refreshActive();
      if (this.message) {
        // An interrupt's message: no asset shows (and none is recorded), not
        // even one asked for by `asset&<id>`.
        this.discardPreload();
        this.removeShowing();
        this.render();
        return;
      }
      let jump = how === "jump" ? this.findJump(jumpId) : null;
      const direction = how === "previous" ? "previous" : "next";
      const tries = Math.max(1, this.rotation.items.length) + (jump ? 1 : 0);
      for (let i = 0; i < tries; i++) {
        const asset = jump ?? (direction === "previous" ? this.rotation.previous() : this.rotation.next());
        const extra = jump !== null;
        jump = null;
        if (!asset) break;
        const item = await this.load(asset);
        if (generation !== this.generation) {
          if (item && !this.stage.isShown(item)) item.dispose();
          return;
        }
        if (!item) continue;
        if (extra) this.rotation.showExtra(asset);
        this.present(asset, item, extra);
        return;
      }
      if (generation !== this.generation) return;
      this.discardPreload();
      this.removeShowing();
      this.render();
    } finally {
      if (generation === this.generation) this.advancing = false;
    }
  }

  private findJump(id: string): Entry | null {
    const asset = this.playlist?.assets.find((a) => a.asset_id === id) ?? this.sentAssets.get(id) ?? null;
    this.sentAssets.clear();
    if (!asset) console.warn(`[signate] asset&${id}: not in the playlist`);
    else if (asset.is_processing) console.warn(`[signate] asset&${id}: still processing`);
    return asset && !asset.is_processing ? plain(asset) : null;
  }

  /** The preloaded item if it is `asset`, else a fresh load. */
  private async load(asset: Entry): Promise<Item | null> {
    const pre = this.preloaded;
    this.preloaded = null;
    if (pre && pre.asset.asset_id === asset.asset_id && pre.asset.url === asset.url) return pre.promise;
    if (pre) this.drop(pre);
    const controller = new AbortController();
    this.loading = controller;
    return this.prepare(asset, controller.signal);
  }

  private async prepare(asset: Asset, signal: AbortSignal): Promise<Item | null> {
    try {
      const item = await this.stage.prepare(asset, signal);
      if (this.skipped.delete(asset.asset_id)) this.heartbeat();
      return item;
    } catch (error) {
      if (!signal.aborted) {
        this.failures++;
        const reason = error instanceof Error ? error.message : String(error);
        // Once per reason: a page that cannot show here is tried again every cycle.
        const news = this.skipped.get(asset.asset_id) !== reason;
        if (news) console.warn(`[signate] skipped ${asset.asset_id} (${asset.name}): ${reason}`);
        this.skipped.set(asset.asset_id, reason);
        // Told at once, not at the next heartbeat: the admin shows what this screen skips.
        if (news) this.heartbeat();
      }
      return null;
    }
  }

  private present(asset: Entry, item: Item, extra: boolean): void {
    this.stage.show(item);
    this.record();
    this.showing = { asset, item, startedAt: this.clock.now(), extra, recorded: false };
    item.start(
      () => this.finished(item),
      (reason) => {
        this.failures++;
        console.warn(`[signate] ${asset.asset_id} (${asset.name}): ${reason}`);
        this.finished(item);
      },
    );
    let seconds = Math.max(0, Math.floor(Number(asset.duration) || 0));
    if (seconds === 0 && item.kind !== "video") seconds = this.playlist?.settings.default_duration || 10;
    // A video with duration 0 plays to its end; otherwise it ends at its
    // duration or its end, whichever comes first.
    if (seconds > 0) this.endAfter(item, seconds * 1000);
    this.render();
    this.preloadNext();
  }

  private endAfter(item: Item, ms: number): void {
    const until = Date.now() + ms;
    const wait = () => {
      const left = until - Date.now();
      if (left <= 0) this.finished(item);
      else this.endTimer = setTimeout(wait, Math.min(left, MAX_TIMEOUT_MS));
    };
    clearTimeout(this.endTimer);
    this.endTimer = setTimeout(wait, Math.min(ms, MAX_TIMEOUT_MS));
  }

  private finished(item: Item): void {
    if (this.showing?.item === item && this.canPlay()) void this.advance("next");
  }

  private preloadNext(): void {
    this.discardPreload();
    const asset = this.rotation.peekNext();
    if (!asset) return;
    const controller = new AbortController();
    this.preloaded = { asset, controller, promise: this.prepare(asset, controller.signal) };
  }

  private discardPreload(): void {
    if (this.preloaded) this.drop(this.preloaded);
    this.preloaded = null;
  }

  private drop(pre: Preload): void {
    pre.controller.abort();
    void pre.promise.then((item) => {
      if (item && !this.stage.isShown(item)) item.dispose();
    });
  }

  /** Ends the proof-of-play record of what is on screen. */
  private record(): void {
    const s = this.showing;
    if (!s || s.recorded) return;
    s.recorded = true;
    this.plays.add({
      asset_id: s.asset.asset_id,
      started_at: new Date(s.startedAt).toISOString(),
      // The server takes showings of up to a day; a longer one (a pinned
      // asset) is recorded as a day rather than refused with its whole batch.
      duration_ms: Math.min(MAX_PLAY_MS, Math.max(0, Math.round(this.clock.now() - s.startedAt))),
      playlist_id: s.asset.playlist_id,
      schedule_id: s.asset.schedule_id,
      interrupt_id: s.asset.interrupt_id,
    });
  }

  private removeShowing(): void {
    this.record();
    this.stage.clear();
    this.showing = null;
  }

  private stop(): void {
    this.stopped = true;
    this.endSplash(false);
    this.generation++;
    this.advancing = false;
    clearTimeout(this.endTimer);
    this.loading?.abort();
    this.discardPreload();
    // The picture stays; the showing is over.
    this.record();
    this.showing?.item.pause();
    this.render();
  }

  /** Black screen, nothing playing (blank command or display power schedule). */
  private goDark(): void {
    this.generation++;
    this.advancing = false;
    clearTimeout(this.endTimer);
    this.loading?.abort();
    this.discardPreload();
    this.removeShowing();
    this.render();
  }

  private startSplash(): void {
    this.splashing = true;
    this.render();
    this.preloadNext();
    this.splashTimer = setTimeout(() => this.endSplash(true), SPLASH_MS);
  }

  private endSplash(play: boolean): void {
    if (!this.splashing) return;
    clearTimeout(this.splashTimer);
    this.splashing = false;
    if (play) void this.advance("next");
    else this.render();
  }

  /** Applies the display power schedule; true when it changed the picture. */
  private checkPower(): boolean {
    const p = this.playlist;
    const off = p !== null && !displayOn(p.settings, this.clock.now(), p.timezone);
    if (off === this.powerOff) return false;
    this.powerOff = off;
    console.info(`[signate] display power schedule: ${off ? "off" : "on"}`);
    if (off) this.goDark();
    else void this.advance("next");
    return true;
  }

  private tick(): void {
    if (this.pairing) return;
    if (this.checkPower() || !this.canPlay() || this.advancing) return;
    const s = this.showing;
    if (!s) {
      // Standby: has anything become active?
      this.refreshActive();
      if (this.rotation.items.length > 0) void this.advance("next");
    } else if (!this.stillShowable(s)) {
      void this.advance("next");
    }
  }

  // ----- what the screen says ---------------------------------------------

  private render(): void {
    const dark = this.blanked || this.powerOff;
    let state: State;
    if (this.pairing) state = "pairing";
    else if (dark) state = "blank";
    else if (this.message) state = "message";
    else if (this.stopped) state = "stopped";
    else if (this.splashing) state = "splash";
    else if (this.showing) state = "playing";
    else state = "standby";
    const body = document.body;
    body.dataset.state = state;
    body.dataset.current =
      state !== "pairing" && state !== "message" && !dark && !this.splashing && this.showing ? this.showing.asset.asset_id : "";
    if (state === "pairing") delete body.dataset.source;
    else body.dataset.source = this.source.source;
    if (state !== "pairing" && this.source.source === "interrupt") body.dataset.interrupt = this.source.interrupt_id;
    else delete body.dataset.interrupt;
    this.showMessage(state === "message" ? this.message : null);
    el("splash").hidden = state !== "splash";
    el("standby").hidden = !(state === "standby" || (state === "stopped" && !this.showing));
    el("blank").hidden = state !== "blank";
    el("pairing").hidden = state !== "pairing";
    if (state !== "pairing") delete body.dataset.pairingCode;
    this.report();
  }

  /** Shows an interrupt's message full screen (its text as text nodes), or hides it. */
  private showMessage(view: MessageView | null): void {
    const json = view ? JSON.stringify(view) : null;
    if (json === this.messageShown) return;
    this.messageShown = json;
    const box = el("message");
    if (!view) {
      box.hidden = true;
      el("message-text").replaceChildren();
      return;
    }
    // Colours are checked `#rrggbb` values (lineup.ts), never free text.
    box.style.backgroundColor = view.background;
    box.style.color = view.color;
    box.style.fontSize = `${view.fontVmin}vmin`;
    el("message-text").replaceChildren(
      ...view.paragraphs.map((line) => {
        const p = document.createElement("p");
        p.textContent = line;
        return p;
      }),
    );
    box.hidden = false;
  }

  /** Tells the server what is on screen, when that changed. */
  private report(): void {
    const current = document.body.dataset.current || null;
    if (current === this.reported || !this.channel.open || this.pairing) return;
    this.channel.send({ type: "now_playing", asset_id: current });
    this.reported = current;
  }

  /** Tells the server the screen is alive, its resolution, version and what it shows. */
  private heartbeat(): void {
    if (!this.channel.open || this.pairing) return;
    this.channel.send({
      type: "heartbeat",
      resolution: screenResolution(),
      player_version: PLAYER_VERSION,
      asset_id: document.body.dataset.current || null,
      // What cannot be shown here, so the admin can say so (at most 50, as the server keeps).
      skipped: [...this.skipped].slice(0, 50).map(([asset_id, reason]) => ({ asset_id, reason })),
    });
  }

  // ----- pairing -----------------------------------------------------------

  /**
   * The screen holds no (valid) device token: stop, forget the playlist, its
   * media and unsent proof of play, and show the pairing view until a code is
   * claimed; then reload, which plays with the new token's playlist.
   */
  private unpair(): void {
    if (this.pairing) return;
    console.info("[signate] this screen is not paired: showing the pairing view");
    this.pairing = new Pairing({
      fetch: (url, init) => fetch(url, init),
      sleep: (ms, signal) =>
        new Promise((resolve) => {
          if (signal.aborted) return resolve();
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            resolve();
          }
          signal.addEventListener("abort", done);
        }),
      now: () => Date.now(),
      random: Math.random,
      describe: () => ({ resolution: screenResolution(), player_version: PLAYER_VERSION }),
      show: (view) => this.showPairing(view),
      paired: () => location.reload(),
    });
    this.channel.stop();
    clearTimeout(this.splashTimer);
    this.splashing = false;
    this.stopped = this.blanked = this.powerOff = false;
    this.goDark();
    this.playlist = null;
    this.program = null;
    this.source = DEFAULT_SOURCE;
    this.sourceId = sourceKey(DEFAULT_SOURCE);
    this.message = null;
    this.rotation.restart();
    this.sentAssets.clear();
    this.plays.clear();
    forgetPlaylist(this.store);
    this.mediaUrls = null;
    // The service worker's copies too, or a reload while the server is away would play them.
    this.worker?.active?.postMessage({ type: "forget" });
    document.body.dataset.rotation = "0";
    this.render();
    void this.pairing.start();
  }

  private showPairing(view: PairingView): void {
    document.body.dataset.pairingCode = view.code;
    el("pairing-code").textContent = view.code;
    el("pairing-address").textContent = view.address;
    el("pairing-go").hidden = view.address === "";
    el("pairing-body").hidden = view.code === "" && view.address === "";
    const qr = el("pairing-qr") as HTMLImageElement;
    // A data: URL in an <img>: the server's SVG is shown, never run.
    if (view.qr) qr.src = view.qr;
    else qr.removeAttribute("src");
    qr.hidden = view.qr === "";
    el("pairing-status").textContent = view.connecting ? "connecting…" : "";
  }
}

/** The screen's size in device pixels, `WxH`. */
function screenResolution(): string {
  return (
    resolution(screen.width, screen.height, window.devicePixelRatio) ||
    resolution(window.innerWidth, window.innerHeight, window.devicePixelRatio)
  );
}

const player = new Player();
Object.defineProperty(window, "__signate", { value: Object.freeze(player.debug) });
void player.boot();
