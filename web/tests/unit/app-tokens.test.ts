// The cloud token keeper: refreshes never overlap (a refresh token works once), a 401 is
// retried with a newer token, and a refused refresh ends the sign-in.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TokenBody } from "../../src/app/cloudApi.js";
import { REFRESH_KEY, TokenKeeper } from "../../src/app/tokens.js";

function memory() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

let seq = 0;
function body(expiresIn = 900): TokenBody {
  seq++;
  return {
    access_token: `access-${seq}`,
    refresh_token: `refresh-${seq}`,
    token_type: "Bearer",
    expires_in: expiresIn,
    user: { id: "u1", email: "a@example.com", name: "A", email_verified: true },
    tenant: { id: "t1", slug: "acme", name: "Acme" },
    role: "tenant_admin",
  };
}

/** A server that spends each refresh token once, answering after a tick. */
function server() {
  const spent = new Set<string>();
  const calls: string[] = [];
  const refresh = async (rt: string): Promise<TokenBody> => {
    calls.push(rt);
    await new Promise((r) => setTimeout(r, 5));
    if (spent.has(rt)) throw Object.assign(new Error("This refresh token was already used"), { status: 401 });
    spent.add(rt);
    return body();
  };
  return { refresh, calls };
}

const never = () => () => {};

test("concurrent refreshes share one trade of the refresh token", async () => {
  const srv = server();
  const storage = memory();
  const k = new TokenKeeper({ refresh: srv.refresh, storage, later: never });
  k.start(body());
  const first = storage.getItem(REFRESH_KEY);
  const results = await Promise.all([k.refresh(), k.refresh(), k.refresh()]);
  assert.deepEqual(results, [true, true, true]);
  assert.deepEqual(srv.calls, [first]);
  // the next one uses the new refresh token
  assert.equal(await k.refresh(), true);
  assert.equal(srv.calls.length, 2);
  assert.notEqual(srv.calls[1], first);
});

test("a 401 retries at once with a token that came meanwhile, else refreshes once", async () => {
  const srv = server();
  const k = new TokenKeeper({ refresh: srv.refresh, storage: memory(), later: never });
  k.start(body());
  const old = (await k.token()) as string;
  // two requests fail with the same old token: one refresh between them
  const [a, b] = await Promise.all([k.renew(old), k.renew(old)]);
  assert.equal(a && b, true);
  assert.equal(srv.calls.length, 1);
  const fresh = (await k.token()) as string;
  assert.notEqual(fresh, old);
  // a late 401 for the old token needs no new refresh
  assert.equal(await k.renew(old), true);
  assert.equal(srv.calls.length, 1);
});

test("an expired access token is refreshed before it is sent", async () => {
  let now = 1_000_000;
  const srv = server();
  const k = new TokenKeeper({ refresh: srv.refresh, storage: memory(), later: never, now: () => now });
  k.start(body(900));
  const t1 = await k.token();
  assert.equal(srv.calls.length, 0);
  now += 900_000;
  const t2 = await k.token();
  assert.equal(srv.calls.length, 1);
  assert.notEqual(t1, t2);
});

test("a refused refresh ends the sign-in and says why; a network failure keeps the token", async () => {
  const storage = memory();
  let answer: { status: number; message: string } = { status: 0, message: "Cannot reach the device." };
  const k = new TokenKeeper({
    refresh: async () => {
      throw Object.assign(new Error(answer.message), { status: answer.status });
    },
    storage,
    later: never,
  });
  const lost: string[] = [];
  k.onLost = (m) => lost.push(m);
  k.start(body());
  assert.equal(await k.refresh(), false);
  assert.equal(k.hasSession(), true);
  assert.deepEqual(lost, []);

  answer = { status: 401, message: "The refresh token has expired; sign in again." };
  assert.equal(await k.refresh(), false);
  assert.equal(k.hasSession(), false);
  assert.equal(await k.token(), null);
  assert.deepEqual(lost, ["The refresh token has expired; sign in again."]);
});

test("the early refresh is scheduled a minute before expiry", () => {
  const delays: number[] = [];
  const k = new TokenKeeper({
    refresh: async () => body(),
    storage: memory(),
    later: (_fn, ms) => {
      delays.push(ms);
      return () => {};
    },
  });
  k.start(body(900));
  k.start(body(30));
  assert.deepEqual(delays, [840_000, 5_000]);
});
