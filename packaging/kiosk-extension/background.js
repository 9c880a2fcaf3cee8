// The kiosk extension's service worker: installs a page's extra request headers.
//
// Removing X-Frame-Options and Content-Security-Policy from sub-frame responses is the static
// rule in rules.json. declarativeNetRequest can set, append or remove a whole header, never
// edit part of one: so the page's entire CSP goes, not only its frame-ancestors directive (its
// other protections, e.g. script-src, are lost inside the player's frame too). The player's
// frame is sandboxed without top navigation, and the kiosk opens nothing else.
//
// Extra request headers: the player asks (through content.js) before it loads a web page; we
// keep one session rule per (tab, page URL) that sets those headers on that tab's sub-frame
// requests whose URL starts with the page's URL (the player may add a cache-busting query).
// Session rules last until the browser stops; a closed tab's rules are removed.
"use strict";

const FIRST_ID = 1000;

/** The rule condition for `url` in `tabId`; null if `url` cannot be a urlFilter. */
function condition(tabId, url) {
  let href;
  try {
    href = new URL(url).href;
  } catch {
    return null;
  }
  if (!/^https?:/.test(href) || /[*^|]/.test(href)) return null;
  return { urlFilter: `|${href}`, resourceTypes: ["sub_frame"], tabIds: [tabId] };
}

const FORBIDDEN = new Set(["cookie", "origin", "host", "referer", "proxy-authorization"]);

/** Names and values Chromium accepts: a token and no line breaks. */
function requestHeaders(headers) {
  const out = [];
  for (const [name, value] of Object.entries(headers || {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || typeof value !== "string" || /[\r\n\0]/.test(value)) {
      throw new Error(`invalid header ${JSON.stringify(name)}`);
    }
    // Headers that speak for the browser itself are never set: a page that could set them
    // could pass for another origin or session.
    if (FORBIDDEN.has(name.toLowerCase()) || name.toLowerCase().startsWith("sec-")) {
      throw new Error(`header ${JSON.stringify(name)} cannot be set`);
    }
    out.push({ header: name, operation: "set", value });
  }
  return out;
}

async function setHeaders(tabId, url, headers) {
  const cond = condition(tabId, url);
  if (!cond) throw new Error(`cannot scope a rule to ${url}`);
  const set = requestHeaders(headers);
  const rules = await chrome.declarativeNetRequest.getSessionRules();
  const same = rules.filter(
    (r) => r.condition.urlFilter === cond.urlFilter && (r.condition.tabIds || []).includes(tabId),
  );
  const used = new Set(rules.map((r) => r.id));
  let id = FIRST_ID;
  while (used.has(id)) id++;
  await chrome.declarativeNetRequest.updateSessionRules({
    removeRuleIds: same.map((r) => r.id),
    addRules:
      set.length === 0
        ? []
        : [{ id, priority: 1, action: { type: "modifyHeaders", requestHeaders: set }, condition: cond }],
  });
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!message || message.type !== "headers" || !sender.tab || sender.frameId !== 0) return false;
  setHeaders(sender.tab.id, String(message.url), message.headers).then(
    () => sendResponse({ ok: true }),
    (error) => sendResponse({ ok: false, error: String(error && error.message ? error.message : error) }),
  );
  return true; // answers asynchronously
});

chrome.tabs.onRemoved.addListener(async (tabId) => {
  const rules = await chrome.declarativeNetRequest.getSessionRules();
  const gone = rules.filter((r) => (r.condition.tabIds || []).includes(tabId)).map((r) => r.id);
  if (gone.length > 0) await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: gone });
});
