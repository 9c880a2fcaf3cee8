/**
 * The kiosk extension (packaging/kiosk-extension): on a screen we control,
 * Chromium runs it, and it removes `X-Frame-Options` and
 * `Content-Security-Policy` from framed pages' answers and can set a web
 * page's extra request headers. Its content script marks the page
 * (`<html data-signate-kiosk="1">`) before our scripts run, and relays
 * `window.postMessage` requests to its service worker.
 *
 * What a web page needs decides whether this screen can show it
 * (`webPagePlan`, pure, unit-tested): without the extension a page that
 * refuses frames is skipped (Chromium would show its grey "refused to
 * connect" page for the whole slot), and so is one the server found
 * unreachable.
 */

import type { Asset } from "./types.js";

/** Whether this page runs with the kiosk extension. */
export function hasKioskExtension(doc: Document = document): boolean {
  return doc.documentElement.dataset.signateKiosk === "1";
}

/** How to play a web page on this screen: skip it (and why), or load it. */
export type WebPagePlan = { skip: string } | { load: true; headers: "none" | "extension" | "unsendable" };

/** Decides from the server's page check, the asset's headers and whether the extension runs. */
export function webPagePlan(asset: Asset, kiosk: boolean): WebPagePlan {
  const check = asset.page_check ?? null;
  if (check?.status === "unreachable") return { skip: `unreachable (server check: ${check.reason})` };
  if (check?.status === "not_frameable" && !kiosk) {
    return { skip: `refuses to be shown inside another page and this screen has no kiosk extension (${check.reason})` };
  }
  const wantsHeaders = Object.keys(asset.headers ?? {}).length > 0;
  return { load: true, headers: !wantsHeaders ? "none" : kiosk ? "extension" : "unsendable" };
}

/**
 * Why a page whose probe from this screen failed is skipped, or null to load
 * it anyway: when the server reached it (its check says it answers) and this
 * screen is online, the probe was more likely refused by the page's
 * `Cross-Origin-Resource-Policy` (which binds a `fetch`, never a frame) than
 * the page down; offline, or without such a verdict, it is unreachable.
 */
export function probeFailure(asset: Asset, online: boolean): string | null {
  const answered = asset.page_check?.status === "ok" || asset.page_check?.status === "not_frameable";
  if (answered && online) return null;
  return online ? "unreachable from this screen" : "unreachable: this screen is offline";
}

let nextId = 1;

/**
 * Asks the extension to send `headers` with this tab's frame requests of
 * `url`; resolves once it answered (rejects on its error or after `ms`).
 */
export function sendHeadersThroughExtension(url: string, headers: Record<string, string>, ms = 3000): Promise<void> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const done = (error: string | null) => {
      clearTimeout(timer);
      removeEventListener("message", onMessage);
      if (error === null) resolve();
      else reject(new Error(error));
    };
    const onMessage = (event: MessageEvent) => {
      const m = event.data as { type?: unknown; id?: unknown; ok?: unknown; error?: unknown } | null;
      if (event.source !== window || !m || m.type !== "signate-kiosk:headers-set" || m.id !== id) return;
      done(m.ok === true ? null : String(m.error ?? "refused"));
    };
    const timer = setTimeout(() => done(`no answer from the kiosk extension within ${ms} ms`), ms);
    addEventListener("message", onMessage);
    postMessage({ type: "signate-kiosk:headers", id, url: new URL(url, location.href).href, headers }, location.origin);
  });
}

/**
 * Whether the screen reaches `url`: a `no-cors` request (the answer is
 * opaque; only a network error, e.g. a closed port or no route, says no).
 * A slow answer is not a no: after `ms` the probe stops and the frame's own
 * load timeout judges. Our own server's pages are not probed.
 */
export async function reachable(url: string, ms = 5000): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(url, location.href);
  } catch {
    return false;
  }
  if (target.origin === location.origin) return true;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    await fetch(target.href, { mode: "no-cors", cache: "no-store", credentials: "omit", redirect: "follow", signal: controller.signal });
    return true;
  } catch {
    return controller.signal.aborted;
  } finally {
    clearTimeout(timer);
  }
}
