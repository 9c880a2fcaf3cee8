import { Channel } from "./channel.js";
import { Clock } from "./clock.js";
import { PlayLog } from "./plays.js";
import { Rotation } from "./rotation.js";
import { displayOn, isActive } from "./schedule.js";
import { fetchPlaylist, postPlays } from "./server.js";
import { Stage } from "./stage.js";
const SPLASH_MS = 5000;
const TICK_MS = 5000;
const FLUSH_MS = 10_000;
const POLL_MS = 60_000;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MAX_PLAY_MS = 86_400_000;
function storage() {
    try {
        return window.localStorage;
    }
    catch {
        return null;
    }
}
function el(id) {
    const found = document.getElementById(id);
    if (!found)
        throw new Error(`#${id} missing from index.html`);
    return found;
}
class Player {
    store = storage();
    clock = new Clock(this.store);
    plays = new PlayLog(this.store);
    rotation = new Rotation();
    stage = new Stage(el("stage"));
    channel;
    playlist = null;
    sentAssets = new Map();
    showing = null;
    preloaded = null;
    generation = 0;
    advancing = false;
    loading = null;
    endTimer;
    splashTimer;
    splashing = false;
    stopped = false;
    blanked = false;
    powerOff = false;
    failures = 0;
    fetching = null;
    refetchAgain = false;
    reported;
    worker = null;
    mediaUrls = null;
    constructor() {
        const scheme = location.protocol === "https:" ? "wss:" : "ws:";
        this.channel = new Channel(`${scheme}//${location.host}/player/ws`, (m) => this.onMessage(m), () => this.onConnected());
    }
    async boot() {
        this.registerWorker();
        const fetched = await fetchPlaylist(this.store);
        if (fetched)
            this.apply(fetched, true);
        else
            this.render();
        this.channel.start();
        setInterval(() => this.tick(), TICK_MS);
        setInterval(() => void this.plays.flush(postPlays), FLUSH_MS);
        setInterval(() => {
            if (!this.channel.open || !this.playlist)
                void this.refetch();
        }, POLL_MS);
        addEventListener("pagehide", () => this.record());
    }
    debug = {
        state: () => document.body.dataset.state ?? "",
        current: () => document.body.dataset.current ?? "",
        playlist: () => this.rotation.items.map((a) => a.asset_id),
        failures: () => this.failures,
        pendingPlays: () => this.plays.pending,
        clockOffsetMs: () => this.clock.offset,
        connected: () => this.channel.open,
    };
    onConnected() {
        this.reported = undefined;
        this.report();
        void this.plays.flush(postPlays);
        void this.refetch();
    }
    onMessage(message) {
        if (message.type === "command" && typeof message.command === "string") {
            const sent = message.asset;
            if (sent && typeof sent === "object" && typeof sent.asset_id === "string")
                this.sentAssets.set(sent.asset_id, sent);
            this.command(message.command);
        }
        else if (message.type === "reload" || message.type === "settings")
            void this.refetch();
    }
    command(text) {
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
                if (!this.stopped)
                    return;
                this.stopped = false;
                void this.advance("next");
                return;
            case "blank":
                this.blanked = true;
                this.endSplash(false);
                this.goDark();
                return;
            case "unblank":
                if (!this.blanked)
                    return;
                this.blanked = false;
                void this.advance("next");
                return;
            case "reload":
                void this.refetch();
                return;
            default:
                console.info(`[signate] unknown command "${text}" ignored`);
        }
    }
    refetch() {
        if (this.fetching) {
            this.refetchAgain = true;
            return this.fetching;
        }
        this.fetching = (async () => {
            do {
                this.refetchAgain = false;
                const fetched = await fetchPlaylist(this.store);
                if (fetched)
                    this.apply(fetched, false);
            } while (this.refetchAgain);
        })().finally(() => {
            this.fetching = null;
        });
        return this.fetching;
    }
    apply(fetched, initial) {
        const playlist = fetched.playlist;
        this.playlist = playlist;
        if (fetched.fresh) {
            this.clock.sync(playlist.server_time, fetched.sentAt, fetched.receivedAt);
            this.syncMedia(playlist);
        }
        this.applySettings(playlist);
        this.refreshActive();
        if (initial) {
            this.checkPower();
            if (playlist.settings.show_splash)
                this.startSplash();
            else
                void this.advance("next");
            return;
        }
        if (this.checkPower() || !this.canPlay() || this.advancing)
            return this.render();
        const s = this.showing;
        if (!s)
            return void this.advance("next");
        const fresh = this.stillShowable(s);
        if (!fresh)
            return void this.advance("next");
        s.asset = fresh;
        const next = this.rotation.peekNext();
        const pre = this.preloaded?.asset;
        if (!next || !pre || next.asset_id !== pre.asset_id || next.url !== pre.url)
            this.preloadNext();
        this.render();
    }
    applySettings(playlist) {
        const s = playlist.settings;
        const rotation = [0, 90, 180, 270].includes(s.screen_rotation) ? s.screen_rotation : 0;
        document.body.dataset.rotation = String(rotation);
        const name = s.player_name?.trim() ?? "";
        const urls = (playlist.admin_urls ?? []).filter((u) => typeof u === "string");
        el("splash-name").textContent = name;
        el("splash-urls").replaceChildren(...urls.map((u) => {
            const li = document.createElement("li");
            li.textContent = u;
            return li;
        }));
        el("standby-name").textContent = name;
        el("standby-url").textContent = urls[0] ?? "";
    }
    stillShowable(s) {
        const fresh = this.playlist?.assets.find((a) => a.asset_id === s.asset.asset_id);
        if (!fresh || fresh.url !== s.asset.url || fresh.is_processing)
            return null;
        return s.extra || this.active(fresh) ? fresh : null;
    }
    active(asset) {
        const p = this.playlist;
        return p !== null && !asset.is_processing && isActive(asset.schedule, this.clock.now(), p.timezone);
    }
    refreshActive() {
        const p = this.playlist;
        if (!p)
            return;
        const active = p.assets.filter((a) => this.active(a)).sort((a, b) => a.play_order - b.play_order);
        this.rotation.update(active, p.settings.shuffle_playlist === true);
    }
    syncMedia(playlist) {
        this.mediaUrls = playlist.assets
            .filter((a) => !a.is_processing && typeof a.url === "string" && a.url.startsWith("/media/") && !a.url.endsWith("/live"))
            .map((a) => a.url);
        this.worker?.active?.postMessage({ type: "media", urls: this.mediaUrls });
    }
    registerWorker() {
        if (!("serviceWorker" in navigator))
            return;
        navigator.serviceWorker
            .register("sw.js", { scope: "./" })
            .then(() => navigator.serviceWorker.ready)
            .then((registration) => {
            this.worker = registration;
            if (this.mediaUrls)
                registration.active?.postMessage({ type: "media", urls: this.mediaUrls });
        })
            .catch((error) => console.warn("[signate] no service worker, no offline cache:", error));
    }
    canPlay() {
        return this.playlist !== null && !this.stopped && !this.blanked && !this.powerOff && !this.splashing;
    }
    async advance(how, jumpId = "") {
        const generation = ++this.generation;
        clearTimeout(this.endTimer);
        this.loading?.abort();
        this.loading = null;
        if (!this.canPlay())
            return this.render();
        this.advancing = true;
        try {
            this.refreshActive();
            let jump = how === "jump" ? this.findJump(jumpId) : null;
            const direction = how === "previous" ? "previous" : "next";
            const tries = Math.max(1, this.rotation.items.length) + (jump ? 1 : 0);
            for (let i = 0; i < tries; i++) {
                const asset = jump ?? (direction === "previous" ? this.rotation.previous() : this.rotation.next());
                const extra = jump !== null;
                jump = null;
                if (!asset)
                    break;
                const item = await this.load(asset);
                if (generation !== this.generation) {
                    if (item && !this.stage.isShown(item))
                        item.dispose();
                    return;
                }
                if (!item)
                    continue;
                if (extra)
                    this.rotation.showExtra(asset);
                this.present(asset, item, extra);
                return;
            }
            if (generation !== this.generation)
                return;
            this.discardPreload();
            this.removeShowing();
            this.render();
        }
        finally {
            if (generation === this.generation)
                this.advancing = false;
        }
    }
    findJump(id) {
        const asset = this.playlist?.assets.find((a) => a.asset_id === id) ?? this.sentAssets.get(id) ?? null;
        this.sentAssets.clear();
        if (!asset)
            console.warn(`[signate] asset&${id}: not in the playlist`);
        else if (asset.is_processing)
            console.warn(`[signate] asset&${id}: still processing`);
        return asset && !asset.is_processing ? asset : null;
    }
    async load(asset) {
        const pre = this.preloaded;
        this.preloaded = null;
        if (pre && pre.asset.asset_id === asset.asset_id && pre.asset.url === asset.url)
            return pre.promise;
        if (pre)
            this.drop(pre);
        const controller = new AbortController();
        this.loading = controller;
        return this.prepare(asset, controller.signal);
    }
    async prepare(asset, signal) {
        try {
            return await this.stage.prepare(asset, signal);
        }
        catch (error) {
            if (!signal.aborted) {
                this.failures++;
                const reason = error instanceof Error ? error.message : String(error);
                console.warn(`[signate] skipped ${asset.asset_id} (${asset.name}): ${reason}`);
            }
            return null;
        }
    }
    present(asset, item, extra) {
        this.stage.show(item);
        this.record();
        this.showing = { asset, item, startedAt: this.clock.now(), extra, recorded: false };
        item.start(() => this.finished(item), (reason) => {
            this.failures++;
            console.warn(`[signate] ${asset.asset_id} (${asset.name}): ${reason}`);
            this.finished(item);
        });
        let seconds = Math.max(0, Math.floor(Number(asset.duration) || 0));
        if (seconds === 0 && item.kind !== "video")
            seconds = this.playlist?.settings.default_duration || 10;
        if (seconds > 0)
            this.endAfter(item, seconds * 1000);
        this.render();
        this.preloadNext();
    }
    endAfter(item, ms) {
        const until = Date.now() + ms;
        const wait = () => {
            const left = until - Date.now();
            if (left <= 0)
                this.finished(item);
            else
                this.endTimer = setTimeout(wait, Math.min(left, MAX_TIMEOUT_MS));
        };
        clearTimeout(this.endTimer);
        this.endTimer = setTimeout(wait, Math.min(ms, MAX_TIMEOUT_MS));
    }
    finished(item) {
        if (this.showing?.item === item && this.canPlay())
            void this.advance("next");
    }
    preloadNext() {
        this.discardPreload();
        const asset = this.rotation.peekNext();
        if (!asset)
            return;
        const controller = new AbortController();
        this.preloaded = { asset, controller, promise: this.prepare(asset, controller.signal) };
    }
    discardPreload() {
        if (this.preloaded)
            this.drop(this.preloaded);
        this.preloaded = null;
    }
    drop(pre) {
        pre.controller.abort();
        void pre.promise.then((item) => {
            if (item && !this.stage.isShown(item))
                item.dispose();
        });
    }
    record() {
        const s = this.showing;
        if (!s || s.recorded)
            return;
        s.recorded = true;
        this.plays.add({
            asset_id: s.asset.asset_id,
            started_at: new Date(s.startedAt).toISOString(),
            duration_ms: Math.min(MAX_PLAY_MS, Math.max(0, Math.round(this.clock.now() - s.startedAt))),
        });
    }
    removeShowing() {
        this.record();
        this.stage.clear();
        this.showing = null;
    }
    stop() {
        this.stopped = true;
        this.endSplash(false);
        this.generation++;
        this.advancing = false;
        clearTimeout(this.endTimer);
        this.loading?.abort();
        this.discardPreload();
        this.record();
        this.showing?.item.pause();
        this.render();
    }
    goDark() {
        this.generation++;
        this.advancing = false;
        clearTimeout(this.endTimer);
        this.loading?.abort();
        this.discardPreload();
        this.removeShowing();
        this.render();
    }
    startSplash() {
        this.splashing = true;
        this.render();
        this.preloadNext();
        this.splashTimer = setTimeout(() => this.endSplash(true), SPLASH_MS);
    }
    endSplash(play) {
        if (!this.splashing)
            return;
        clearTimeout(this.splashTimer);
        this.splashing = false;
        if (play)
            void this.advance("next");
        else
            this.render();
    }
    checkPower() {
        const p = this.playlist;
        const off = p !== null && !displayOn(p.settings, this.clock.now(), p.timezone);
        if (off === this.powerOff)
            return false;
        this.powerOff = off;
        console.info(`[signate] display power schedule: ${off ? "off" : "on"}`);
        if (off)
            this.goDark();
        else
            void this.advance("next");
        return true;
    }
    tick() {
        if (this.checkPower() || !this.canPlay() || this.advancing)
            return;
        const s = this.showing;
        if (!s) {
            this.refreshActive();
            if (this.rotation.items.length > 0)
                void this.advance("next");
        }
        else if (!this.stillShowable(s)) {
            void this.advance("next");
        }
    }
    render() {
        const dark = this.blanked || this.powerOff;
        let state;
        if (dark)
            state = "blank";
        else if (this.stopped)
            state = "stopped";
        else if (this.splashing)
            state = "splash";
        else if (this.showing)
            state = "playing";
        else
            state = "standby";
        const body = document.body;
        body.dataset.state = state;
        body.dataset.current = !dark && !this.splashing && this.showing ? this.showing.asset.asset_id : "";
        el("splash").hidden = state !== "splash";
        el("standby").hidden = !(state === "standby" || (state === "stopped" && !this.showing));
        el("blank").hidden = state !== "blank";
        this.report();
    }
    report() {
        const current = document.body.dataset.current || null;
        if (current === this.reported || !this.channel.open)
            return;
        this.channel.send({ type: "now_playing", asset_id: current });
        this.reported = current;
    }
}
const player = new Player();
Object.defineProperty(window, "__signate", { value: Object.freeze(player.debug) });
void player.boot();
