import { parseInstant } from "./schedule.js";
const KEY = "signate.clockOffset";
export class Clock {
    store;
    offsetMs = 0;
    constructor(store) {
        this.store = store;
        const saved = Number(store?.getItem(KEY));
        if (Number.isFinite(saved))
            this.offsetMs = saved;
    }
    now() {
        return Date.now() + this.offsetMs;
    }
    get offset() {
        return this.offsetMs;
    }
    sync(serverTime, sentAt, receivedAt) {
        const server = parseInstant(serverTime);
        if (server === null || receivedAt - sentAt > 5000)
            return;
        this.offsetMs = Math.round(server - (sentAt + receivedAt) / 2);
        try {
            this.store?.setItem(KEY, String(this.offsetMs));
        }
        catch {
        }
    }
}
