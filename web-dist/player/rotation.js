export class Rotation {
    random;
    order = [];
    pos = -1;
    detached = false;
    currentId = null;
    shuffle = false;
    upcoming = null;
    constructor(random = Math.random) {
        this.random = random;
    }
    update(active, shuffle) {
        const oldOrder = this.order;
        const anchor = this.pos >= 0 ? (oldOrder[this.pos]?.asset_id ?? null) : null;
        let order;
        if (shuffle && this.shuffle) {
            const byId = new Map(active.map((a) => [a.asset_id, a]));
            order = [];
            for (const a of oldOrder) {
                const fresh = byId.get(a.asset_id);
                if (fresh) {
                    order.push(fresh);
                    byId.delete(a.asset_id);
                }
            }
            for (const a of byId.values()) {
                const lo = anchor === null ? 0 : order.findIndex((o) => o.asset_id === anchor) + 1;
                order.splice(lo + Math.floor(this.random() * (order.length - lo + 1)), 0, a);
            }
        }
        else {
            order = shuffle ? this.shuffled(active, this.currentId) : active.slice();
        }
        this.order = order;
        this.shuffle = shuffle;
        this.upcoming = null;
        if (anchor === null) {
            this.pos = -1;
            return;
        }
        const here = order.findIndex((a) => a.asset_id === anchor);
        if (here >= 0) {
            this.pos = here;
            return;
        }
        let before = -1;
        for (let i = this.pos - 1; i >= 0 && before < 0; i--) {
            const id = oldOrder[i]?.asset_id;
            before = order.findIndex((a) => a.asset_id === id);
        }
        this.pos = before;
        this.detached = true;
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
        this.currentId = asset.asset_id;
        this.detached = true;
    }
    get current() {
        return this.currentId;
    }
    land(idx) {
        this.pos = idx;
        this.detached = false;
        const asset = this.order[idx] ?? null;
        this.currentId = asset ? asset.asset_id : null;
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
        this.upcoming ??= this.shuffled(this.order, this.order[this.pos]?.asset_id ?? this.currentId);
        return this.upcoming;
    }
    shuffled(items, avoidFirst) {
        const out = items.slice();
        for (let i = out.length - 1; i > 0; i--) {
            const j = Math.floor(this.random() * (i + 1));
            [out[i], out[j]] = [out[j], out[i]];
        }
        if (out.length > 1 && out[0].asset_id === avoidFirst) {
            const j = 1 + Math.floor(this.random() * (out.length - 1));
            [out[0], out[j]] = [out[j], out[0]];
        }
        return out;
    }
}
