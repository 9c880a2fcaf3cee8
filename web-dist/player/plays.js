const KEY = "signate.plays";
const BATCH = 500;
export class PlayLog {
    store;
    cap;
    queue = [];
    flushing = false;
    constructor(store, cap = 10_000) {
        this.store = store;
        this.cap = cap;
        try {
            const saved = JSON.parse(store?.getItem(KEY) ?? "[]");
            if (Array.isArray(saved))
                this.queue = saved.filter(isRecord).slice(-cap);
        }
        catch {
            this.queue = [];
        }
    }
    get pending() {
        return this.queue.length;
    }
    add(record) {
        this.queue.push(record);
        if (this.queue.length > this.cap)
            this.queue.splice(0, this.queue.length - this.cap);
        this.save();
    }
    clear() {
        this.queue = [];
        this.save();
    }
    async flush(post) {
        if (this.flushing)
            return;
        this.flushing = true;
        try {
            while (this.queue.length > 0) {
                const batch = this.queue.slice(0, BATCH);
                if (!(await post(batch)))
                    return;
                const sent = new Set(batch);
                this.queue = this.queue.filter((r) => !sent.has(r));
                this.save();
            }
        }
        finally {
            this.flushing = false;
        }
    }
    save() {
        try {
            this.store?.setItem(KEY, JSON.stringify(this.queue));
        }
        catch {
        }
    }
}
function isRecord(value) {
    const r = value;
    return (typeof r === "object" &&
        r !== null &&
        typeof r.asset_id === "string" &&
        typeof r.started_at === "string" &&
        typeof r.duration_ms === "number" &&
        [r.playlist_id, r.schedule_id, r.interrupt_id].every((v) => v === undefined || v === null || typeof v === "string"));
}
