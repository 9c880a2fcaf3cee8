// How the admin app reads error answers (v3 and the legacy shapes), and slug suggestions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { toError } from "../../src/app/api.js";
import { formatBytes, isSlug, slugify } from "../../src/app/format.js";

test("v3 errors: message, field and code", () => {
  const e = toError(409, JSON.stringify({ error: { code: "conflict", message: "This tenant address is taken.", field: "tenant_slug" } }));
  assert.equal(e.status, 409);
  assert.equal(e.message, "This tenant address is taken.");
  assert.deepEqual(e.fields, { tenant_slug: "This tenant address is taken." });
  assert.equal(e.code, "conflict");
  const w = toError(401, JSON.stringify({ error: { code: "unauthorized", message: "Incorrect e-mail address or password." } }));
  assert.deepEqual(w.fields, {});
  assert.equal(w.message, "Incorrect e-mail address or password.");
});

test("legacy errors keep their meaning", () => {
  assert.equal(toError(401, JSON.stringify({ detail: "Invalid username or password." })).message, "Invalid username or password.");
  assert.equal(toError(500, JSON.stringify({ error: "boom" })).message, "boom");
  const f = toError(400, JSON.stringify({ timezone: ["Unknown time zone."] }));
  assert.deepEqual(f.fields, { timezone: "Unknown time zone." });
  assert.equal(f.code, "");
});

test("slug suggestions from an organisation's name", () => {
  assert.equal(slugify("Café Zürich & Co."), "cafe-zurich-co");
  assert.equal(slugify("  --Acme  Corp-- "), "acme-corp");
  assert.equal(slugify("x".repeat(50)).length, 40);
  assert.equal(isSlug("acme"), true);
  assert.equal(isSlug("ab"), false);
  assert.equal(isSlug("-acme"), false);
  assert.equal(isSlug("Acme"), false);
  assert.equal(formatBytes(52428800), "50 MB");
  assert.equal(formatBytes(1536), "1.5 KB");
});
