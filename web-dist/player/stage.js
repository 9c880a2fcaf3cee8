import { hasKioskExtension, probeFailure, reachable, sendHeadersThroughExtension, webPagePlan } from "./kiosk.js";
export class Unplayable extends Error {
}
const FADE_MS = 250;
const LOAD_TIMEOUT_MS = 20_000;
export function kindOf(mimetype) {
    const m = mimetype.toLowerCase();
    if (m.includes("image"))
        return "image";
    if (m.includes("web"))
        return "web";
    if (m.includes("video"))
        return "video";
    if (m.includes("streaming"))
        return "stream";
    return null;
}
export class Stage {
    root;
    shown = null;
    shownItem = null;
    leaving = [];
    z = 1;
    constructor(root) {
        this.root = root;
    }
    get current() {
        return this.shownItem;
    }
    async prepare(asset, signal) {
        const kind = kindOf(asset.mimetype);
        if (kind === null)
            throw new Unplayable(`unknown mimetype "${asset.mimetype}"`);
        const layer = document.createElement("div");
        layer.className = "layer";
        layer.dataset.asset = asset.asset_id;
        this.root.append(layer);
        let item;
        if (kind === "image")
            item = new ImageItem(asset, layer);
        else if (kind === "web")
            item = new WebItem(asset, layer);
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
        }
        catch (error) {
            item.dispose();
            throw error;
        }
    }
    show(item) {
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
        if (this.z > 1_000_000)
            this.renumber();
    }
    clear() {
        this.finishFades(null);
        this.shownItem?.dispose();
        this.shownItem = null;
        this.shown = null;
    }
    isShown(item) {
        return this.shownItem === item;
    }
    retire(item) {
        this.leaving = this.leaving.filter((l) => l.item !== item);
        if (item !== this.shownItem)
            item.dispose();
    }
    finishFades(keep) {
        for (const { item, timer } of this.leaving) {
            clearTimeout(timer);
            if (item !== keep && item !== this.shownItem)
                item.dispose();
        }
        this.leaving = [];
    }
    renumber() {
        this.z = 2;
        if (this.shown)
            this.shown.style.zIndex = "2";
    }
}
function withTimeout(work, signal, ms) {
    return new Promise((resolve, reject) => {
        const fail = (reason) => {
            cleanup();
            reject(new Unplayable(reason));
        };
        const onAbort = () => fail("superseded");
        const timer = setTimeout(() => fail(`not loaded within ${ms / 1000} s`), ms);
        const cleanup = () => {
            clearTimeout(timer);
            signal.removeEventListener("abort", onAbort);
        };
        if (signal.aborted)
            return fail("superseded");
        signal.addEventListener("abort", onAbort);
        work.then(() => {
            cleanup();
            resolve();
        }, (error) => fail(error instanceof Error ? error.message : String(error)));
    });
}
function once(target, ok, what) {
    return new Promise((resolve, reject) => {
        const done = (event) => {
            for (const name of ok)
                target.removeEventListener(name, done);
            target.removeEventListener("error", done);
            if (event.type === "error")
                reject(new Unplayable(`${what}: load error`));
            else
                resolve();
        };
        for (const name of ok)
            target.addEventListener(name, done);
        target.addEventListener("error", done);
    });
}
class ImageItem {
    asset;
    layer;
    kind = "image";
    img = document.createElement("img");
    constructor(asset, layer) {
        this.asset = asset;
        this.layer = layer;
        this.img.alt = "";
        this.img.decoding = "async";
        layer.append(this.img);
    }
    async load() {
        this.img.src = this.asset.url;
        try {
            await this.img.decode();
        }
        catch {
            throw new Unplayable(`image ${this.asset.url} could not be loaded or decoded`);
        }
    }
    start() { }
    pause() { }
    dispose() {
        this.img.removeAttribute("src");
        this.layer.remove();
    }
}
class VideoItem {
    asset;
    layer;
    kind = "video";
    video = document.createElement("video");
    ended = null;
    failed = null;
    onEnded = () => this.ended?.();
    onError = () => this.failed?.(`video ${this.asset.url}: playback error`);
    constructor(asset, layer) {
        this.asset = asset;
        this.layer = layer;
        const v = this.video;
        v.preload = "auto";
        v.playsInline = true;
        v.muted = true;
        v.disablePictureInPicture = true;
        layer.append(v);
    }
    async load() {
        const loaded = once(this.video, ["loadeddata"], `video ${this.asset.url}`);
        this.video.src = this.asset.url;
        await loaded;
    }
    start(onEnded, onError) {
        this.ended = onEnded;
        this.failed = onError;
        this.video.addEventListener("ended", this.onEnded);
        this.video.addEventListener("error", this.onError);
        this.video.muted = false;
        this.video.play().catch(() => {
            this.video.muted = true;
            this.video.play().catch(() => onError(`video ${this.asset.url}: cannot start playback`));
        });
    }
    pause() {
        this.ended = this.failed = null;
        this.video.pause();
    }
    dispose() {
        this.pause();
        this.video.removeEventListener("ended", this.onEnded);
        this.video.removeEventListener("error", this.onError);
        this.video.removeAttribute("src");
        this.video.load();
        this.layer.remove();
    }
}
const headerWarned = new Set();
async function readyWebPage(asset) {
    const plan = webPagePlan(asset, hasKioskExtension());
    if ("skip" in plan)
        throw new Unplayable(`web page ${asset.url}: ${plan.skip}`);
    if (!(await reachable(asset.url))) {
        const why = probeFailure(asset, navigator.onLine);
        if (why !== null)
            throw new Unplayable(`web page ${asset.url}: ${why}`);
    }
    if (plan.headers === "extension") {
        try {
            await sendHeadersThroughExtension(asset.url, asset.headers);
        }
        catch (error) {
            console.warn(`[signate] ${asset.asset_id}: extra request headers not sent: ${error instanceof Error ? error.message : String(error)}`);
        }
    }
    else if (plan.headers === "unsendable" && !headerWarned.has(asset.asset_id)) {
        headerWarned.add(asset.asset_id);
        console.warn(`[signate] ${asset.asset_id}: extra request headers need the kiosk extension; shown without them`);
    }
}
class WebItem {
    asset;
    layer;
    kind = "web";
    frame;
    refresh;
    incoming = null;
    constructor(asset, layer) {
        this.asset = asset;
        this.layer = layer;
        this.frame = this.makeFrame();
    }
    async load() {
        await readyWebPage(this.asset);
        return this.navigate(this.frame);
    }
    start() {
        const every = Math.max(0, Math.floor(this.asset.refresh_interval_s || 0));
        if (every > 0)
            this.refresh = setInterval(() => this.reload(), every * 1000);
    }
    pause() {
        clearInterval(this.refresh);
        this.refresh = undefined;
    }
    dispose() {
        this.pause();
        for (const f of [this.frame, this.incoming])
            if (f)
                f.src = "about:blank";
        this.incoming = null;
        this.layer.remove();
    }
    reload() {
        if (this.incoming)
            return;
        const next = this.makeFrame();
        next.classList.add("incoming");
        this.incoming = next;
        this.navigate(next).then(() => {
            if (this.incoming !== next)
                return;
            this.frame.src = "about:blank";
            this.frame.remove();
            next.classList.remove("incoming");
            this.frame = next;
            this.incoming = null;
        }, () => {
            if (this.incoming === next)
                this.incoming = null;
            next.src = "about:blank";
            next.remove();
        });
    }
    makeFrame() {
        const f = document.createElement("iframe");
        f.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-presentation");
        f.allow = "autoplay; fullscreen";
        f.referrerPolicy = "no-referrer";
        f.tabIndex = -1;
        this.layer.append(f);
        return f;
    }
    navigate(frame) {
        const loaded = new Promise((resolve) => frame.addEventListener("load", () => resolve(), { once: true }));
        frame.src = this.asset.nocache ? cacheBusted(this.asset.url) : this.asset.url;
        return withTimeout(loaded, new AbortController().signal, LOAD_TIMEOUT_MS);
    }
}
export function cacheBusted(url, now = Date.now()) {
    try {
        const u = new URL(url, location.href);
        u.searchParams.set("_signate_nc", String(now));
        return u.href;
    }
    catch {
        return url;
    }
}
