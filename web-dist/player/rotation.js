export class Rotation {
    random;
    keyOf;
    order = [];
    pos = -1;
    detached = false;
    currentId = null;
    shuffle = false;
    upcoming = null;
    base = [];
    arrange = null;
    constructor(random = Math.random, keyOf = (item) => item.asset_id) {
        this.random = random;
        this.keyOf = keyOf;
    }
    update(active, shuffle, arrange = null) {
        const key = this.keyOf;
        const oldOrder = this.order;
        const anchor = this.pos >= 0 ? (oldOrder[this.pos] ? key(oldOrder[this.pos]) : null) : null;
        this.base = active.slice();
        this.arrange = arrange;
        let order;
        if (shuffle && this.shuffle) {
            const byId = new Map(active.map((a) => [key(a), a]));
            order = [];
            for (const a of oldOrder) {
                const fresh = byId.get(key(a));
                if (fresh) {
                    order.push(fresh);
                    byId.delete(key(a));
                }
            }
            for (const a of byId.values()) {
                const lo = anchor === null ? 0 : order.findIndex((o) => key(o) === anchor) + 1;
                order.splice(lo + Math.floor(this.random() * (order.length - lo + 1)), 0, a);
            }
        }
        else {
            order = shuffle ? this.cycle(active, this.currentId) : active.slice();
        }
        this.order = order;
        this.shuffle = shuffle;
        this.upcoming = null;
        if (anchor === null) {
            this.pos = -1;
            return;
        }
        const here = order.findIndex((a) => key(a) === anchor);
        if (here >= 0) {
            this.pos = here;
            return;
        }
        let before = -1;
        for (let i = this.pos - 1; i >= 0 && before < 0; i--) {
            const old = oldOrder[i];
            const id = old ? key(old) : undefined;
            before = order.findIndex((a) => key(a) === id);
        }
        this.pos = before;
        this.detached = true;
    }
    restart() {
        this.order = [];
        this.base = [];
        this.arrange = null;
        this.pos = -1;
        this.detached = false;
        this.currentId = null;
        this.shuffle = false;
        this.upcoming = null;
    }
    get items() {
        return this.order;
    }
    peekNext() {
        const n = this.order.length;
        if (n === 0)
            return null;
        if (this.pos + 1 < n)
            return this.order[this.pos + 1] ?? null;
        return this.nextCycle()[0] ?? null;
    }
    peekPrevious() {
        const n = this.order.length;
        if (n === 0)
            return null;
        const idx = this.detached ? this.pos : this.pos - 1;
        return this.order[((idx % n) + n) % n] ?? null;
    }
    next() {
        const n = this.order.length;
        if (n === 0)
            return this.none();
        let idx = this.pos + 1;
        if (idx >= n) {
            idx = 0;
            this.order = this.nextCycle();
            this.upcoming = null;
        }
        return this.land(idx);
    }
    previous() {
        const n = this.order.length;
        if (n === 0)
            return this.none();
        const idx = this.detached ? this.pos : this.pos - 1;
        return this.land(((idx % n) + n) % n);
    }
    showExtra(asset) {
        this.currentId = this.keyOf(asset);
        this.detached = true;
    }
    get current() {
        return this.currentId;
    }
    land(idx) {
        this.pos = idx;
        this.detached = false;
        const asset = this.order[idx] ?? null;
        this.currentId = asset ? this.keyOf(asset) : null;
        return asset;
    }
    none() {
        this.pos = -1;
        this.detached = false;
        this.currentId = null;
        return null;
    }
    nextCycle() {
        if (!this.shuffle)
            return this.order;
        const here = this.order[this.pos];
        this.upcoming ??= this.cycle(this.arrange ? this.base : this.order, here ? this.keyOf(here) : this.currentId);
        return this.upcoming;
    }
    cycle(items, avoidFirst) {
        return this.arrange ? this.arrange(items, avoidFirst) : this.shuffled(items, avoidFirst);
    }
    shuffled(items, avoidFirst) {
        const out = items.slice();
        for (let i = out.length - 1; i > 0; i--) {
            const j = Math.floor(this.random() * (i + 1));
            [out[i], out[j]] = [out[j], out[i]];
        }
        if (out.length > 1 && this.keyOf(out[0]) === avoidFirst) {
            const j = 1 + Math.floor(this.random() * (out.length - 1));
            [out[0], out[j]] = [out[j], out[0]];
        }
        return out;
    }
}
