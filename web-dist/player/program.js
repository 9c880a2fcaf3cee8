import { localTime, parseInstant, windowMatches } from "./schedule.js";
export const DEFAULT_SOURCE = Object.freeze({ source: "default" });
const PRIORITY_DEFAULT = 50;
export function aimsAt(targets, screen) {
    if (targets === undefined || targets === null)
        return true;
    if (targets.all === true)
        return true;
    const has = (list, id) => id !== null && Array.isArray(list) && list.includes(id);
    return has(targets.screen_ids, screen.id) || has(targets.group_ids, screen.group_id);
}
export function instantMicros(text) {
    if (typeof text !== "string")
        return null;
    const ms = parseInstant(text);
    if (ms === null)
        return null;
    const fraction = /[T\s]\d{1,2}:\d{1,2}(?::\d{1,2})?[.,](\d+)/.exec(text)?.[1] ?? "";
    const below = fraction.length > 3 ? Number(fraction.slice(3, 6).padEnd(3, "0")) : 0;
    return ms * 1000 + below;
}
export function compareIds(a, b) {
    if (a === b)
        return 0;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
        const x = a.codePointAt(i);
        const y = b.codePointAt(j);
        if (x !== y)
            return x < y ? -1 : 1;
        i += x > 0xffff ? 2 : 1;
        j += y > 0xffff ? 2 : 1;
    }
    if (i < a.length)
        return 1;
    return j < b.length ? -1 : 0;
}
function bound(text) {
    if (text === null || text === undefined)
        return null;
    return instantMicros(text) ?? undefined;
}
export function scheduleActive(schedule, nowUs, local) {
    if (schedule.is_enabled === false)
        return false;
    const start = bound(schedule.start);
    const end = bound(schedule.end);
    if (start === undefined || end === undefined)
        return false;
    if (start !== null && !(start <= nowUs))
        return false;
    if (end !== null && !(nowUs < end))
        return false;
    return windowMatches(schedule, local());
}
export function interruptActive(interrupt, nowUs) {
    const created = instantMicros(interrupt.created_at);
    const until = bound(interrupt.until);
    const ended = bound(interrupt.ended_at);
    if (created === null || until === undefined || ended === undefined)
        return false;
    return created <= nowUs && (until === null || nowUs < until) && (ended === null || nowUs < ended);
}
function priorityOf(schedule) {
    const p = schedule.priority;
    return typeof p === "number" && Number.isFinite(p) ? p : PRIORITY_DEFAULT;
}
export function at(t, timeZone, screen, schedules, interrupts) {
    const nowUs = Math.floor(t) * 1000;
    let newest = null;
    for (const i of interrupts) {
        if (!aimsAt(i.targets, screen) || !interruptActive(i, nowUs))
            continue;
        const created = instantMicros(i.created_at);
        if (newest === null || created > newest.created || (created === newest.created && compareIds(i.id, newest.id) >= 0)) {
            newest = { id: i.id, created };
        }
    }
    if (newest !== null)
        return { source: "interrupt", interrupt_id: newest.id };
    let local = null;
    const localNow = () => (local ??= localTime(t, timeZone));
    const active = [];
    for (const s of schedules) {
        if (!aimsAt(s.targets, screen))
            continue;
        const created = instantMicros(s.created_at);
        if (created === null || !scheduleActive(s, nowUs, localNow))
            continue;
        active.push({ s, created });
    }
    if (active.length === 0)
        return DEFAULT_SOURCE;
    const top = Math.max(...active.map((a) => priorityOf(a.s)));
    const winners = active
        .filter((a) => priorityOf(a.s) === top)
        .sort((a, b) => (a.created !== b.created ? (a.created < b.created ? -1 : 1) : compareIds(a.s.id, b.s.id)));
    return {
        source: "schedule",
        schedule_ids: winners.map((w) => w.s.id),
        playlist_ids: winners.map((w) => w.s.playlist_id),
    };
}
export function merge(lists) {
    const longest = Math.max(0, ...lists.map((l) => l.length));
    const out = [];
    for (let i = 0; i < longest; i++) {
        for (const list of lists)
            if (i < list.length)
                out.push(list[i]);
    }
    return out;
}
export function sourceKey(source) {
    switch (source.source) {
        case "interrupt":
            return `interrupt\u0000${source.interrupt_id}`;
        case "schedule":
            return `schedule\u0000${source.schedule_ids.join("\u0001")}\u0000${source.playlist_ids.join("\u0001")}`;
        default:
            return "default";
    }
}
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
export function readProgram(value) {
    if (!isObject(value))
        return null;
    const str = (v) => (typeof v === "string" ? v : null);
    const schedules = (Array.isArray(value.schedules) ? value.schedules : []).filter((s) => isObject(s) && typeof s.id === "string" && typeof s.playlist_id === "string");
    const interrupts = (Array.isArray(value.interrupts) ? value.interrupts : []).filter((i) => isObject(i) && typeof i.id === "string");
    const playlists = Object.create(null);
    if (isObject(value.playlists)) {
        for (const [id, p] of Object.entries(value.playlists)) {
            if (!isObject(p))
                continue;
            const items = (Array.isArray(p.items) ? p.items : []).filter((item) => isObject(item) && typeof item.asset_id === "string");
            playlists[id] = { name: str(p.name) ?? "", shuffle: p.shuffle === true, items };
        }
    }
    return { screen_id: str(value.screen_id), group_id: str(value.group_id), schedules, playlists, interrupts };
}
