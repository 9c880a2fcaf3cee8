export function hasKioskExtension(doc = document) {
    return doc.documentElement.dataset.signateKiosk === "1";
}
export function webPagePlan(asset, kiosk) {
    const check = asset.page_check ?? null;
    if (check?.status === "unreachable")
        return { skip: `unreachable (server check: ${check.reason})` };
    if (check?.status === "not_frameable" && !kiosk) {
        return { skip: `refuses to be shown inside another page and this screen has no kiosk extension (${check.reason})` };
    }
    const wantsHeaders = Object.keys(asset.headers ?? {}).length > 0;
    return { load: true, headers: !wantsHeaders ? "none" : kiosk ? "extension" : "unsendable" };
}
export function probeFailure(asset, online) {
    const answered = asset.page_check?.status === "ok" || asset.page_check?.status === "not_frameable";
    if (answered && online)
        return null;
    return online ? "unreachable from this screen" : "unreachable: this screen is offline";
}
let nextId = 1;
export function sendHeadersThroughExtension(url, headers, ms = 3000) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
        const done = (error) => {
            clearTimeout(timer);
            removeEventListener("message", onMessage);
            if (error === null)
                resolve();
            else
                reject(new Error(error));
        };
        const onMessage = (event) => {
            const m = event.data;
            if (event.source !== window || !m || m.type !== "signate-kiosk:headers-set" || m.id !== id)
                return;
            done(m.ok === true ? null : String(m.error ?? "refused"));
        };
        const timer = setTimeout(() => done(`no answer from the kiosk extension within ${ms} ms`), ms);
        addEventListener("message", onMessage);
        postMessage({ type: "signate-kiosk:headers", id, url: new URL(url, location.href).href, headers }, location.origin);
    });
}
export async function reachable(url, ms = 5000) {
    let target;
    try {
        target = new URL(url, location.href);
    }
    catch {
        return false;
    }
    if (target.origin === location.origin)
        return true;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
        await fetch(target.href, { mode: "no-cors", cache: "no-store", credentials: "omit", redirect: "follow", signal: controller.signal });
        return true;
    }
    catch {
        return controller.signal.aborted;
    }
    finally {
        clearTimeout(timer);
    }
}
