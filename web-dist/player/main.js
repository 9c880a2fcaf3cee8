import { Channel } from "./channel.js";
import { Clock } from "./clock.js";
import { lineup, plain } from "./lineup.js";
import { Pairing, resolution } from "./pairing.js";
import { hasKioskExtension } from "./kiosk.js";
import { PlayLog } from "./plays.js";
import { at, DEFAULT_SOURCE, readProgram, sourceKey } from "./program.js";
import { Rotation } from "./rotation.js";
import { displayOn } from "./schedule.js";
import { fetchPlaylist, forgetPlaylist, postPlays, UNPAIRED } from "./server.js";
import { Stage } from "./stage.js";
import { PLAYER_VERSION } from "./version.js";
const SPLASH_MS = 5000;
const TICK_MS = 5000;
const PROGRAM_TICK_MS = 1000;
const PROGRAM_TICK_LATE_MS = 5;
const FLUSH_MS = 10_000;
const POLL_MS = 60_000;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MAX_PLAY_MS = 86_400_000;
const HEARTBEAT_MS = 25_000;
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
    rotation = new Rotation(Math.random, (entry) => entry.key);
    stage = new Stage(el("stage"));
    channel;
    playlist = null;
    program = null;
    source = DEFAULT_SOURCE;
    sourceId = sourceKey(DEFAULT_SOURCE);
    message = null;
    messageShown = null;
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
    skipped = new Map();
    pairing = null;
    constructor() {
        const scheme = location.protocol === "https:" ? "wss:" : "ws:";
        this.channel = new Channel(`${scheme}//${location.host}/player/ws`, (m) => this.onMessage(m), () => this.onConnected());
    }
    async boot() {
        this.registerWorker();
        const fetched = await fetchPlaylist(this.store);
        if (fetched === UNPAIRED)
            return this.unpair();
        if (fetched)
            this.apply(fetched, true);
        else
            this.render();
        this.channel.start();
        setInterval(() => this.tick(), TICK_MS);
        this.programTick();
        setInterval(() => {
            if (!this.pairing)
                void this.plays.flush(postPlays);
        }, FLUSH_MS);
        setInterval(() => {
            if (!this.pairing && (!this.channel.open || !this.playlist))
                void this.refetch();
        }, POLL_MS);
        setInterval(() => this.heartbeat(), HEARTBEAT_MS);
        addEventListener("pagehide", () => this.record());
    }
    debug = {
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
        skipped: () => Object.fromEntries(this.skipped),
        kiosk: () => hasKioskExtension(),
    };
    onConnected() {
        this.reported = undefined;
        this.heartbeat();
        this.report();
        void this.plays.flush(postPlays);
        void this.refetch();
    }
    onMessage(message) {
        if (this.pairing)
            return;
        if (message.type === "unpaired")
            this.unpair();
        else if (message.type === "command" && typeof message.command === "string") {
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
                console.info("[signate] reload command: reloading the page");
                location.reload();
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
                if (fetched === UNPAIRED)
                    return this.unpair();
                if (fetched)
                    this.apply(fetched, false);
            } while (this.refetchAgain && !this.pairing);
        })().finally(() => {
            this.fetching = null;
        });
        return this.fetching;
    }
    apply(fetched, initial) {
        if (this.pairing)
            return;
        const playlist = fetched.playlist;
        this.playlist = playlist;
        this.program = readProgram(playlist.program);
        if (fetched.fresh) {
            this.clock.sync(playlist.server_time, fetched.sentAt, fetched.receivedAt);
            this.syncMedia(playlist);
        }
        this.applySettings(playlist);
        const switched = this.updateSource();
        if (!initial && switched)
            return this.switchSource();
        this.refreshActive();
        if (initial) {
            this.checkPower();
            if (playlist.settings.show_splash && this.source.source !== "interrupt")
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
        const p = this.playlist;
        if (!p)
            return null;
        if (s.extra) {
            const fresh = p.assets.find((a) => a.asset_id === s.asset.asset_id);
            return fresh && fresh.url === s.asset.url && !fresh.is_processing ? plain(fresh) : null;
        }
        const fresh = this.lineupNow().entries.find((e) => e.key === s.asset.key);
        return fresh && fresh.url === s.asset.url ? fresh : null;
    }
    lineupNow() {
        return lineup(this.source, this.playlist, this.program, this.clock.now(), Math.random);
    }
    refreshActive() {
        if (!this.playlist)
            return;
        const now = this.lineupNow();
        this.message = now.message;
        this.rotation.update(now.entries, now.shuffle, now.arrange);
    }
    updateSource() {
        const p = this.playlist;
        const program = this.program;
        const next = p && program
            ? at(this.clock.now(), p.timezone, { id: program.screen_id, group_id: program.group_id }, program.schedules, program.interrupts)
            : DEFAULT_SOURCE;
        const id = sourceKey(next);
        if (id === this.sourceId)
            return false;
        this.source = next;
        this.sourceId = id;
        const what = next.source === "interrupt"
            ? `interrupt ${next.interrupt_id}`
            : next.source === "schedule"
                ? `schedule ${next.schedule_ids.join(", ")}`
                : "the default playlist";
        console.info(`[signate] now playing: ${what}`);
        return true;
    }
    programTick() {
        const wait = PROGRAM_TICK_MS - (((this.clock.now() % PROGRAM_TICK_MS) + PROGRAM_TICK_MS) % PROGRAM_TICK_MS);
        setTimeout(() => {
            this.followProgram();
            this.programTick();
        }, wait + PROGRAM_TICK_LATE_MS);
    }
    followProgram() {
        if (this.pairing || !this.playlist)
            return;
        if (this.updateSource())
            this.switchSource();
    }
    switchSource() {
        this.rotation.restart();
        if (this.source.source === "interrupt") {
            this.stopped = false;
            this.endSplash(false);
        }
        if (this.checkPower())
            return;
        if (!this.canPlay()) {
            this.refreshActive();
            return this.render();
        }
        void this.advance("next");
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
            if (this.pairing)
                registration.active?.postMessage({ type: "forget" });
            else if (this.mediaUrls)
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
            if (this.message) {
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
        return asset && !asset.is_processing ? plain(asset) : null;
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
            const item = await this.stage.prepare(asset, signal);
            if (this.skipped.delete(asset.asset_id))
                this.heartbeat();
            return item;
        }
        catch (error) {
            if (!signal.aborted) {
                this.failures++;
                const reason = error instanceof Error ? error.message : String(error);
                const news = this.skipped.get(asset.asset_id) !== reason;
                if (news)
                    console.warn(`[signate] skipped ${asset.asset_id} (${asset.name}): ${reason}`);
                this.skipped.set(asset.asset_id, reason);
                if (news)
                    this.heartbeat();
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
            playlist_id: s.asset.playlist_id,
            schedule_id: s.asset.schedule_id,
            interrupt_id: s.asset.interrupt_id,
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
        if (this.pairing)
            return;
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
        if (this.pairing)
            state = "pairing";
        else if (dark)
            state = "blank";
        else if (this.message)
            state = "message";
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
        body.dataset.current =
            state !== "pairing" && state !== "message" && !dark && !this.splashing && this.showing ? this.showing.asset.asset_id : "";
        if (state === "pairing")
            delete body.dataset.source;
        else
            body.dataset.source = this.source.source;
        if (state !== "pairing" && this.source.source === "interrupt")
            body.dataset.interrupt = this.source.interrupt_id;
        else
            delete body.dataset.interrupt;
        this.showMessage(state === "message" ? this.message : null);
        el("splash").hidden = state !== "splash";
        el("standby").hidden = !(state === "standby" || (state === "stopped" && !this.showing));
        el("blank").hidden = state !== "blank";
        el("pairing").hidden = state !== "pairing";
        if (state !== "pairing")
            delete body.dataset.pairingCode;
        this.report();
    }
    showMessage(view) {
        const json = view ? JSON.stringify(view) : null;
        if (json === this.messageShown)
            return;
        this.messageShown = json;
        const box = el("message");
        if (!view) {
            box.hidden = true;
            el("message-text").replaceChildren();
            return;
        }
        box.style.backgroundColor = view.background;
        box.style.color = view.color;
        box.style.fontSize = `${view.fontVmin}vmin`;
        el("message-text").replaceChildren(...view.paragraphs.map((line) => {
            const p = document.createElement("p");
            p.textContent = line;
            return p;
        }));
        box.hidden = false;
    }
    report() {
        const current = document.body.dataset.current || null;
        if (current === this.reported || !this.channel.open || this.pairing)
            return;
        this.channel.send({ type: "now_playing", asset_id: current });
        this.reported = current;
    }
    heartbeat() {
        if (!this.channel.open || this.pairing)
            return;
        this.channel.send({
            type: "heartbeat",
            resolution: screenResolution(),
            player_version: PLAYER_VERSION,
            asset_id: document.body.dataset.current || null,
            skipped: [...this.skipped].slice(0, 50).map(([asset_id, reason]) => ({ asset_id, reason })),
        });
    }
    unpair() {
        if (this.pairing)
            return;
        console.info("[signate] this screen is not paired: showing the pairing view");
        this.pairing = new Pairing({
            fetch: (url, init) => fetch(url, init),
            sleep: (ms, signal) => new Promise((resolve) => {
                if (signal.aborted)
                    return resolve();
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
        this.worker?.active?.postMessage({ type: "forget" });
        document.body.dataset.rotation = "0";
        this.render();
        void this.pairing.start();
    }
    showPairing(view) {
        document.body.dataset.pairingCode = view.code;
        el("pairing-code").textContent = view.code;
        el("pairing-address").textContent = view.address;
        el("pairing-go").hidden = view.address === "";
        el("pairing-body").hidden = view.code === "" && view.address === "";
        const qr = el("pairing-qr");
        if (view.qr)
            qr.src = view.qr;
        else
            qr.removeAttribute("src");
        qr.hidden = view.qr === "";
        el("pairing-status").textContent = view.connecting ? "connecting…" : "";
    }
}
function screenResolution() {
    return (resolution(screen.width, screen.height, window.devicePixelRatio) ||
        resolution(window.innerWidth, window.innerHeight, window.devicePixelRatio));
}
const player = new Player();
Object.defineProperty(window, "__signate", { value: Object.freeze(player.debug) });
void player.boot();
