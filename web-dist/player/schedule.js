const WEEKDAYS = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map();
function formatter(timeZone) {
    let f = formatters.get(timeZone);
    if (!f) {
        const options = {
            weekday: "short",
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
            hourCycle: "h23",
        };
        try {
            f = new Intl.DateTimeFormat("en-US", { ...options, timeZone });
        }
        catch {
            f = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
        }
        formatters.set(timeZone, f);
    }
    return f;
}
export function localTime(epochMs, timeZone) {
    const parts = formatter(timeZone || "UTC").formatToParts(new Date(epochMs));
    let isoWeekday = 1;
    let h = 0;
    let m = 0;
    let s = 0;
    for (const part of parts) {
        if (part.type === "weekday")
            isoWeekday = WEEKDAYS[part.value] ?? 1;
        else if (part.type === "hour")
            h = Number(part.value) % 24;
        else if (part.type === "minute")
            m = Number(part.value);
        else if (part.type === "second")
            s = Number(part.value);
    }
    const ms = ((epochMs % 1000) + 1000) % 1000;
    return { isoWeekday, micros: ((h * 60 + m) * 60 + s) * 1_000_000 + ms * 1000 };
}
export function parseTime(text) {
    if (typeof text !== "string")
        return null;
    const match = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,12}))?)?$/.exec(text);
    if (!match)
        return null;
    const h = Number(match[1]);
    const m = Number(match[2]);
    const s = match[3] === undefined ? 0 : Number(match[3]);
    if (h > 23 || m > 59 || s > 59)
        return null;
    const fraction = match[4] === undefined ? 0 : Number(match[4].slice(0, 6).padEnd(6, "0"));
    return ((h * 60 + m) * 60 + s) * 1_000_000 + fraction;
}
export function parseInstant(text) {
    if (typeof text !== "string" || text === "")
        return null;
    const zoned = /(?:[zZ]|[+-]\d\d(?::?\d\d)?)$/.test(text) && /T|\s/.test(text);
    const ms = Date.parse(zoned ? text : `${text.replace(" ", "T")}Z`);
    return Number.isNaN(ms) ? null : ms;
}
function validDays(days) {
    if (!Array.isArray(days))
        return [1, 2, 3, 4, 5, 6, 7];
    const ok = days.filter((d) => Number.isInteger(d) && d >= 1 && d <= 7);
    return ok.length === 0 || ok.length !== days.length ? [1, 2, 3, 4, 5, 6, 7] : ok;
}
function previousDay(day) {
    return day === 1 ? 7 : day - 1;
}
export function windowMatches(schedule, t) {
    const days = validDays(schedule.play_days);
    const playsOn = (day) => days.includes(day);
    const from = parseTime(schedule.from);
    const to = parseTime(schedule.to);
    if (from === null || to === null)
        return playsOn(t.isoWeekday);
    if (from <= to)
        return playsOn(t.isoWeekday) && from <= t.micros && t.micros < to;
    if (t.micros >= from)
        return playsOn(t.isoWeekday);
    if (t.micros < to)
        return playsOn(previousDay(t.isoWeekday));
    return false;
}
export function hasWindowFilter(schedule) {
    const timed = parseTime(schedule.from) !== null && parseTime(schedule.to) !== null;
    return timed || validDays(schedule.play_days).length !== 7;
}
export function isCandidate(schedule) {
    return (schedule.is_enabled === true && parseInstant(schedule.start) !== null && parseInstant(schedule.end) !== null);
}
export function isActive(schedule, nowMs, timeZone) {
    if (schedule.is_enabled !== true)
        return false;
    const start = parseInstant(schedule.start);
    const end = parseInstant(schedule.end);
    if (start === null || end === null || !(start < nowMs && nowMs < end))
        return false;
    return windowMatches(schedule, localTime(nowMs, timeZone));
}
export function displayOn(settings, nowMs, timeZone) {
    if (!settings.display_power_schedule_enabled)
        return true;
    const on = parseTime(settings.display_power_on_time);
    const off = parseTime(settings.display_power_off_time);
    if (on === null || off === null || on === off)
        return true;
    const listed = String(settings.display_power_days ?? "")
        .split(",")
        .map((d) => d.trim())
        .filter((d) => /^[0-6]$/.test(d))
        .map((d) => Number(d) + 1);
    const days = listed.length === 0 ? [1, 2, 3, 4, 5, 6, 7] : listed;
    const t = localTime(nowMs, timeZone);
    if (on < off)
        return days.includes(t.isoWeekday) && on <= t.micros && t.micros < off;
    if (t.micros >= on)
        return days.includes(t.isoWeekday);
    if (t.micros < off)
        return days.includes(previousDay(t.isoWeekday));
    return false;
}
