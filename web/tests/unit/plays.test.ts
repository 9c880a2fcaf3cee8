import assert from "node:assert/strict";
import { test } from "node:test";
import { PlayLog, type PlayRecord } from "../../src/player/plays.js";

class MemoryStorage {
  private data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
}

const rec = (i: number): PlayRecord => ({ asset_id: `a${i}`, started_at: new Date(i * 1000).toISOString(), duration_ms: 1000 });

test("records survive a restart through storage", () => {
  const store = new MemoryStorage() as unknown as Storage;
  const log = new PlayLog(store);
  log.add(rec(1));
  log.add(rec(2));
  assert.equal(new PlayLog(store).pending, 2);
});

test("the backlog is capped, oldest dropped", async () => {
  const log = new PlayLog(null, 3);
  for (let i = 0; i < 5; i++) log.add(rec(i));
  const sent: PlayRecord[] = [];
  await log.flush(async (batch) => {
    sent.push(...batch);
    return true;
  });
  assert.deepEqual(sent.map((r) => r.asset_id), ["a2", "a3", "a4"]);
  assert.equal(log.pending, 0);
});

test("a failed send keeps the records; batches are at most 500", async () => {
  const log = new PlayLog(null);
  for (let i = 0; i < 1200; i++) log.add(rec(i));
  await log.flush(async () => false);
  assert.equal(log.pending, 1200);
  const sizes: number[] = [];
  await log.flush(async (batch) => {
    sizes.push(batch.length);
    return true;
  });
  assert.deepEqual(sizes, [500, 500, 200]);
  assert.equal(log.pending, 0);
});

test("records added during a send are kept", async () => {
  const log = new PlayLog(null);
  log.add(rec(1));
  let calls = 0;
  await log.flush(async () => {
    if (calls++ === 0) log.add(rec(2));
    return true;
  });
  assert.equal(log.pending, 0);
  assert.equal(calls, 2);
});
