// Runs in the Signate player page (any host's /player/: a screen may play from a server on
// its LAN, not only from 127.0.0.1:8080) before the page's own scripts, in the extension's
// isolated world.
//
// 1. Marks the page: <html data-signate-kiosk="1">. The player reads it at start to know that
//    pages refusing frames will show here (background rules.json) and that it can ask for
//    request headers.
// 2. Relays the player's requests for a web page's extra request headers to the background
//    worker (which installs them as a session rule for this tab's frames of that URL) and
//    answers back on the same window:
//      page → {type: "signate-kiosk:headers", id, url, headers}   (targetOrigin: its origin)
//      page ← {type: "signate-kiosk:headers-set", id, ok, error?}
//
// The match pattern is wide, so a page of another site under /player/ would be marked too;
// the kiosk browser opens only the player, and any rule a page can ask for applies only to
// sub-frames of its own tab (see background.js).
"use strict";

document.documentElement.dataset.signateKiosk = "1";

window.addEventListener("message", (event) => {
  if (event.source !== window || event.origin !== location.origin) return;
  const m = event.data;
  if (!m || typeof m !== "object" || m.type !== "signate-kiosk:headers") return;
  const reply = (ok, error) =>
    window.postMessage({ type: "signate-kiosk:headers-set", id: m.id, ok, error }, location.origin);
  try {
    chrome.runtime.sendMessage({ type: "headers", url: m.url, headers: m.headers }, (answer) => {
      const failed = chrome.runtime.lastError;
      if (failed) reply(false, failed.message);
      else reply(Boolean(answer && answer.ok), answer && answer.error);
    });
  } catch (error) {
    // The extension was reloaded under a page that outlived it.
    reply(false, String(error));
  }
});
