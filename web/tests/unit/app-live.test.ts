// The event stream kept open: a stream the browser gave up on is reopened after renewing the
// credentials, with backoff; while it is down the data is re-read every 30 s.
import assert from "node:assert/strict";
import { test } from "node:test";
import { backoff, Live, POLL_MS, type Source } from "../../src/app/live.js";

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

class FakeSource implements Source {
  readyState = CONNECTING;
  closed = false;
  private handlers = new Map<string, (() => void)[]>();
  addEventListener(type: string, fn: () => void): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), fn]);
  }
  close(): void {
    this.closed = true;
    this.readyState = CLOSED;
  }
  emit(type: string): void {
    if (type === "open") this.readyState = OPEN;
    for (const fn of this.handlers.get(type) ?? []) fn();
  }
  /** An answer that is not a stream (401, 502): the browser gives up. */
  refuse(): void {
    this.readyState = CLOSED;
    this.emit("error");
  }
  /** A dropped connection: the browser retries by itself. */
  drop(): void {
    this.readyState = CONNECTING;
    this.emit("error");
  }
}

/** A clock the test moves by hand. */
function clock() {
  let now = 0;
  const timers: { at: number; every: number; fn: () => void; gone: boolean }[] = [];
  const add = (fn: () => void, ms: number, every: number) => {
    const t = { at: now + ms, every, fn, gone: false };
    timers.push(t);
    return () => void (t.gone = true);
  };
  return {
    later: (fn: () => void, ms: number) => add(fn, ms, 0),
    every: (fn: () => void, ms: number) => add(fn, ms, ms),
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => !t.gone && t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        now = due.at;
        if (due.every) due.at += due.every;
        else due.gone = true;
        due.fn();
        await new Promise((r) => setTimeout(r, 0));
      }
      now = end;
    },
  };
}

function setup() {
  const sources: FakeSource[] = [];
  const seen: string[] = [];
  let polls = 0;
  const c = clock();
  const live = new Live(
    { assets_changed: () => seen.push("assets"), open: () => seen.push("open") },
    () => polls++,
    {
      connect: () => {
        const s = new FakeSource();
        sources.push(s);
        return s;
      },
      later: c.later,
      every: c.every,
    },
  );
  let renewals = 0;
  live.renew = async () => {
    renewals++;
  };
  return { live, sources, seen, clock: c, polls: () => polls, renewals: () => renewals };
}

test("backoff doubles from 1 s up to 30 s", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map(backoff), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test("events reach their handlers; start is idempotent", () => {
  const t = setup();
  t.live.start();
  t.live.start();
  assert.equal(t.sources.length, 1);
  t.sources[0]!.emit("open");
  t.sources[0]!.emit("assets_changed");
  assert.deepEqual(t.seen, ["open", "assets"]);
});

test("a refused stream is reopened after renewing, with growing waits; open resets them", async () => {
  const t = setup();
  t.live.start();
  t.sources[0]!.refuse();
  assert.equal(t.sources[0]!.closed, true);
  await t.clock.advance(999);
  assert.equal(t.sources.length, 1, "not before 1 s");
  await t.clock.advance(1);
  assert.equal(t.renewals(), 1, "credentials renewed first");
  assert.equal(t.sources.length, 2);
  t.sources[1]!.refuse();
  await t.clock.advance(1999);
  assert.equal(t.sources.length, 2, "then 2 s");
  await t.clock.advance(1);
  assert.equal(t.sources.length, 3);
  t.sources[2]!.emit("open");
  t.sources[2]!.refuse();
  await t.clock.advance(1000);
  assert.equal(t.sources.length, 4, "back to 1 s after a good connection");
});

test("a dropped connection is left to the browser's own retry", async () => {
  const t = setup();
  t.live.start();
  t.sources[0]!.emit("open");
  t.sources[0]!.drop();
  await t.clock.advance(60_000);
  assert.equal(t.sources.length, 1);
  assert.equal(t.sources[0]!.closed, false);
});

test("while the stream is down the data is re-read every 30 s, and no longer once it is back", async () => {
  const t = setup();
  t.live.start();
  t.sources[0]!.emit("open");
  await t.clock.advance(POLL_MS * 3);
  assert.equal(t.polls(), 0, "no polling while the stream is up");
  t.sources[0]!.drop();
  await t.clock.advance(POLL_MS);
  assert.equal(t.polls(), 1);
  t.sources[0]!.refuse(); // still one poll timer, however many errors
  await t.clock.advance(POLL_MS);
  assert.equal(t.polls(), 2);
  t.sources.at(-1)!.emit("open");
  await t.clock.advance(POLL_MS * 3);
  assert.equal(t.polls(), 2);
});

test("renewed credentials reopen a refused stream at once", async () => {
  const t = setup();
  t.live.start();
  for (let i = 0; i < 5; i++) {
    t.sources.at(-1)!.refuse();
    await t.clock.advance(backoff(i));
  }
  const before = t.sources.length;
  t.sources.at(-1)!.refuse(); // now waiting 30 s
  t.live.renewed();
  assert.equal(t.sources.length, before + 1, "reopened without waiting");
  await t.clock.advance(30_000);
  assert.equal(t.sources.length, before + 1, "the cancelled wait does not open a second one");
  t.live.renewed(); // a stream is open or connecting: nothing to do
  assert.equal(t.sources.length, before + 1);
});

test("stop closes the stream and ends retries and polling", async () => {
  const t = setup();
  t.live.start();
  t.sources[0]!.refuse();
  t.live.stop();
  await t.clock.advance(POLL_MS * 2);
  assert.equal(t.sources.length, 1);
  assert.equal(t.polls(), 0);
  t.live.renewed();
  assert.equal(t.sources.length, 1, "renewed does not start a stopped stream");
  t.live.start();
  assert.equal(t.sources.length, 2);
  t.live.stop();
  assert.equal(t.sources[1]!.closed, true);
});
