import assert from "node:assert/strict";
import { test } from "node:test";
import { Rotation } from "../../src/player/rotation.js";
import { kindOf } from "../../src/player/stage.js";
import type { Asset } from "../../src/player/types.js";

const asset = (id: string, order = 0): Asset => ({
  asset_id: id,
  name: id,
  mimetype: "image",
  url: `/media/${id}?v=1`,
  duration: 10,
  nocache: false,
  refresh_interval_s: 0,
  headers: {},
  play_order: order,
  is_processing: false,
  schedule: { is_enabled: true, start: null, end: null, play_days: [1, 2, 3, 4, 5, 6, 7], from: null, to: null },
});

const ids = (xs: (Asset | null)[]) => xs.map((a) => a?.asset_id ?? null);
const A = asset("a", 0);
const B = asset("b", 1);
const C = asset("c", 2);
const D = asset("d", 3);

/** A seeded generator, so shuffle tests are repeatable. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test("plays in order and loops", () => {
  const r = new Rotation();
  r.update([A, B, C], false);
  assert.deepEqual(ids([r.next(), r.next(), r.next(), r.next(), r.next()]), ["a", "b", "c", "a", "b"]);
});

test("peekNext and peekPrevious tell what next and previous return", () => {
  const r = new Rotation();
  r.update([A, B, C], false);
  for (let i = 0; i < 7; i++) {
    const peek = r.peekNext();
    assert.equal(r.next(), peek);
  }
  for (let i = 0; i < 7; i++) {
    const peek = r.peekPrevious();
    assert.equal(r.previous(), peek);
  }
});

test("previous goes back and wraps", () => {
  const r = new Rotation();
  r.update([A, B, C], false);
  r.next();
  r.next(); // b
  assert.deepEqual(ids([r.previous(), r.previous(), r.previous()]), ["a", "c", "b"]);
});

test("empty list gives nothing", () => {
  const r = new Rotation();
  r.update([], false);
  assert.equal(r.next(), null);
  assert.equal(r.peekNext(), null);
  assert.equal(r.previous(), null);
});

test("an edit keeps the position of the asset on screen", () => {
  const r = new Rotation();
  r.update([A, B, C], false);
  r.next();
  r.next(); // b on screen
  r.update([D, A, B, C].map((x, i) => ({ ...x, play_order: i })), false);
  assert.equal(r.peekNext()?.asset_id, "c");
});

test("when the asset on screen is removed, the one after it comes next and previous goes before it", () => {
  const r = new Rotation();
  r.update([A, B, C, D], false);
  r.next();
  r.next(); // b
  r.update([A, C, D], false);
  assert.equal(r.peekNext()?.asset_id, "c");
  assert.equal(r.peekPrevious()?.asset_id, "a");
  assert.equal(r.next()?.asset_id, "c");
  assert.equal(r.next()?.asset_id, "d");
});

test("removing the first asset while it is on screen", () => {
  const r = new Rotation();
  r.update([A, B, C], false);
  r.next(); // a
  r.update([B, C], false);
  assert.equal(r.peekNext()?.asset_id, "b");
  assert.equal(r.peekPrevious()?.asset_id, "c");
});

test("a jump shows an extra asset and the rotation goes on where it was", () => {
  const r = new Rotation();
  r.update([A, B, C], false);
  r.next(); // a
  r.showExtra(C);
  assert.equal(r.current, "c");
  assert.equal(r.next()?.asset_id, "b");
  r.showExtra(A);
  assert.equal(r.previous()?.asset_id, "b");
});

test("shuffle plays every asset once per cycle and reshuffles each cycle", () => {
  const all = "abcdefgh".split("").map((id, i) => asset(id, i));
  const r = new Rotation(seeded(42));
  r.update(all, true);
  const cycles: string[][] = [];
  for (let c = 0; c < 6; c++) {
    const cycle: string[] = [];
    for (let i = 0; i < all.length; i++) {
      const peek = r.peekNext();
      const got = r.next();
      assert.equal(got, peek);
      cycle.push(got!.asset_id);
      r.update(all, true); // a refresh at every change must not reshuffle
    }
    assert.deepEqual([...cycle].sort(), "abcdefgh".split(""));
    cycles.push(cycle);
  }
  const distinct = new Set(cycles.map((c) => c.join("")));
  assert.ok(distinct.size > 1, "the order never changed");
  for (let c = 1; c < cycles.length; c++) {
    assert.notEqual(cycles[c]![0], cycles[c - 1]![all.length - 1], "same asset twice in a row");
  }
});

test("shuffle: a new asset joins the current cycle after the one on screen", () => {
  const r = new Rotation(seeded(7));
  r.update([A, B, C], true);
  const first = r.next()!;
  r.update([A, B, C, D], true);
  const rest = [r.next(), r.next(), r.next()].map((a) => a!.asset_id);
  assert.deepEqual([first.asset_id, ...rest].sort(), ["a", "b", "c", "d"]);
});

test("kindOf follows Anthias' substrings", () => {
  assert.equal(kindOf("image"), "image");
  assert.equal(kindOf("image/png"), "image");
  assert.equal(kindOf("webpage"), "web");
  assert.equal(kindOf("video"), "video");
  assert.equal(kindOf("streaming"), "stream");
  assert.equal(kindOf("youtube_asset"), null);
});
