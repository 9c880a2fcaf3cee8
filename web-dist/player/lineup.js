import { merge } from "./program.js";
import { isActive } from "./schedule.js";
const NOTHING = Object.freeze({ entries: [], shuffle: false, arrange: null, message: null });
export function plain(asset) {
    return { ...asset, key: asset.asset_id, playlist_id: null, schedule_id: null, interrupt_id: null };
}
export function playable(asset, nowMs, timeZone) {
    return !asset.is_processing && isActive(asset.schedule, nowMs, timeZone);
}
function seconds(value) {
    return typeof value === "number" && Number.isFinite(value) && value >= 1 ? Math.floor(value) : null;
}
export function shuffled(items, random) {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
}
export function lineup(source, playlist, program, nowMs, random) {
    const tz = playlist.timezone;
    const assets = Array.isArray(playlist.assets) ? playlist.assets : [];
    if (source.source === "default") {
        const entries = assets
            .filter((a) => playable(a, nowMs, tz))
            .sort((a, b) => a.play_order - b.play_order)
            .map(plain);
        return { entries, shuffle: playlist.settings?.shuffle_playlist === true, arrange: null, message: null };
    }
    const byId = new Map(assets.map((a) => [a.asset_id, a]));
    if (source.source === "interrupt") {
        const interrupt = program?.interrupts.find((i) => i.id === source.interrupt_id);
        return interrupt ? interruptLineup(interrupt, byId) : NOTHING;
    }
    const lists = source.playlist_ids.map((playlistId, n) => {
        const scheduleId = source.schedule_ids[n] ?? null;
        const playlists = program?.playlists;
        const list = playlists && Object.prototype.hasOwnProperty.call(playlists, playlistId) ? playlists[playlistId] : undefined;
        const entries = (list?.items ?? []).map((item, i) => {
            const asset = byId.get(item.asset_id);
            if (!asset || !playable(asset, nowMs, tz))
                return null;
            return {
                ...asset,
                duration: seconds(item.duration) ?? asset.duration,
                key: JSON.stringify([scheduleId, playlistId, i]),
                playlist_id: playlistId,
                schedule_id: scheduleId,
                interrupt_id: null,
            };
        });
        return { entries, shuffle: list?.shuffle === true };
    });
    const present = (e) => e !== null;
    const entries = merge(lists.map((l) => l.entries)).filter(present);
    const shuffle = lists.some((l) => l.shuffle);
    if (!shuffle)
        return { entries, shuffle, arrange: null, message: null };
    const arrange = (chosen, avoidFirst) => {
        const keep = new Set(chosen.map((e) => e.key));
        const ok = (e) => e !== null && keep.has(e.key);
        const orders = lists.map((l) => (l.shuffle ? shuffled(l.entries, random) : l.entries.slice()));
        const n = orders.findIndex((o) => o.some(ok));
        const order = orders[n];
        if (avoidFirst !== null && order && lists[n].shuffle) {
            const first = order.findIndex(ok);
            if (order[first].key === avoidFirst) {
                const others = order.flatMap((e, i) => (i !== first && ok(e) ? [i] : []));
                if (others.length > 0) {
                    const j = others[Math.floor(random() * others.length)];
                    [order[first], order[j]] = [order[j], order[first]];
                }
            }
        }
        return merge(orders).filter(ok);
    };
    return { entries, shuffle, arrange, message: null };
}
function interruptLineup(interrupt, byId) {
    const asset = typeof interrupt.asset_id === "string" ? byId.get(interrupt.asset_id) : undefined;
    if (asset && !asset.is_processing) {
        const entry = {
            ...asset,
            key: JSON.stringify(["interrupt", interrupt.id, asset.asset_id]),
            playlist_id: null,
            schedule_id: null,
            interrupt_id: interrupt.id,
        };
        return { entries: [entry], shuffle: false, arrange: null, message: null };
    }
    const message = messageView(interrupt.message);
    return message ? { ...NOTHING, message } : NOTHING;
}
const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
export function hexColour(value) {
    if (typeof value !== "string" || !HEX.test(value))
        return null;
    const v = value.toLowerCase();
    return v.length === 4 ? `#${v[1]}${v[1]}${v[2]}${v[2]}${v[3]}${v[3]}` : v;
}
function luminance(hex) {
    const channel = (i) => {
        const c = parseInt(hex.slice(i, i + 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
export function messageView(message) {
    if (typeof message !== "object" || message === null)
        return null;
    const m = message;
    if (typeof m.text !== "string")
        return null;
    const paragraphs = m.text
        .split(/\r\n|\r|\n/)
        .map((line) => line.trim())
        .filter((line) => line !== "");
    if (paragraphs.length === 0)
        return null;
    const background = hexColour(m.background) ?? "#000000";
    let color = hexColour(m.color) ?? "#ffffff";
    if (color === background)
        color = luminance(background) > 0.18 ? "#000000" : "#ffffff";
    const length = paragraphs.reduce((n, p) => n + [...p].length, 0) + 20 * (paragraphs.length - 1);
    const fontVmin = length <= 24 ? 13 : length <= 60 ? 10 : length <= 120 ? 8 : length <= 250 ? 6 : 4.5;
    return { paragraphs, background, color, fontVmin };
}
