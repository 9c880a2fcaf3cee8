// Cloud-mode pieces of the UI tests: a signate server in cloud mode on a fresh PostgreSQL
// database (dropped afterwards), mailing to MailDev, and the mail MailDev holds for one
// address (other tests share MailDev: never delete, only filter by our own recipients).
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, freePort, sleep } from "../browser/harness.mjs";

const PG_ADMIN = (process.env.SIGNATE_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres").split("?")[0];
export const MAILDEV = process.env.SIGNATE_TEST_MAILDEV_URL || "http://127.0.0.1:51080";

function psql(sql) {
  execFileSync("psql", [PG_ADMIN, "-v", "ON_ERROR_STOP=1", "-qc", sql], { stdio: ["ignore", "pipe", "pipe"] });
}

/** A unique address per run, so this test reads only its own mail. */
export function address(who) {
  return `${who}-${randomBytes(5).toString("hex")}@example.com`;
}

/**
 * The local Stripe stand-in (`ensure_stripe` in scripts/services.sh), when the environment
 * names one; without it a billing server runs with no payment provider.
 */
export const STRIPE =
  process.env.SIGNATE_TEST_STRIPE_URL && process.env.SIGNATE_TEST_STRIPE_KEY
    ? { url: process.env.SIGNATE_TEST_STRIPE_URL.replace(/\/+$/, ""), key: process.env.SIGNATE_TEST_STRIPE_KEY }
    : null;

/** What a billing server sells: free (2 screens, 3 members, 1 GB) and pro (€29.00 a month). */
export const PLANS = {
  free: { max_devices: 2, max_users: 3, storage_quota_bytes: 1024 ** 3 },
  pro: { amount: 2900, currency: "eur", interval: "month", max_devices: 50, max_users: 20, storage_quota_bytes: 50 * 1024 ** 3, features: "layouts" },
};

/** A Price for the pro plan in the stand-in (localstripe's plans stand in for prices). */
async function stripePrice(id) {
  const form = new URLSearchParams({ id, amount: String(PLANS.pro.amount), currency: PLANS.pro.currency, interval: PLANS.pro.interval, name: "Pro" });
  const r = await fetch(`${STRIPE.url}/v1/plans`, {
    method: "POST",
    headers: { Authorization: `Basic ${Buffer.from(`${STRIPE.key}:`).toString("base64")}` },
    body: form,
  });
  if (!r.ok) throw new Error(`the Stripe stand-in refused the price ${id}: ${r.status} ${await r.text()}`);
}

/** The environment of a server that sells PLANS (and takes payments when STRIPE is there). */
function billingEnv(billing) {
  const env = { SIGNATE_BILLING__FREE_PLAN: "free" };
  for (const [plan, fields] of Object.entries(PLANS)) {
    for (const [k, v] of Object.entries(fields)) env[`SIGNATE_BILLING__PLANS__${plan.toUpperCase()}__${k.toUpperCase()}`] = String(v);
  }
  env.SIGNATE_BILLING__PLANS__PRO__PRICE_ID = billing.proPrice;
  if (STRIPE) {
    env.SIGNATE_BILLING__STRIPE_SECRET_KEY = STRIPE.key;
    env.SIGNATE_BILLING__API_BASE = STRIPE.url;
    env.SIGNATE_BILLING__WEBHOOK_SECRET = billing.webhookSecret;
  }
  return env;
}

export class CloudServer {
  /**
   * `mail: false` starts it with no SMTP host, as a server whose e-mail was never set up;
   * `billing: true` with the plans of PLANS (and Stripe's stand-in when STRIPE is set).
   */
  static async start({ mail = true, billing = false } = {}) {
    const port = await freePort();
    const db = `signate_ui_${randomBytes(8).toString("hex")}`;
    psql(`CREATE DATABASE ${db}`);
    const s = new CloudServer(port, mkdtempSync(join(tmpdir(), "signate-cloud-")), db);
    s.mail = mail;
    if (billing) {
      s.billing = { proPrice: `price_ui_pro_${randomBytes(6).toString("hex")}`, webhookSecret: `whsec_ui_${randomBytes(16).toString("hex")}` };
    }
    try {
      if (s.billing && STRIPE) await stripePrice(s.billing.proPrice);
      await s.launch();
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  constructor(port, dataDir, db) {
    this.port = port;
    this.dataDir = dataDir;
    this.db = db;
    this.base = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.log = "";
    /** Set by `start({ billing: true })`: the pro plan's Stripe Price and the webhook secret. */
    this.billing = null;
    // Kept across restarts, so tokens stay valid.
    this.jwtSecret = `ui-test-${randomBytes(24).toString("hex")}`;
    this.secretsKey = randomBytes(32).toString("hex");
  }

  async launch() {
    const base = PG_ADMIN.slice(0, PG_ADMIN.lastIndexOf("/"));
    const env = {
      ...process.env,
      SIGNATE_LOG: "warn",
      SIGNATE_MODE: "cloud",
      SIGNATE_LISTEN: `127.0.0.1:${this.port}`,
      SIGNATE_DATA_DIR: this.dataDir,
      SIGNATE_DATABASE_URL: `${base}/${this.db}?sslmode=disable`,
      SIGNATE_CLOUD__JWT_SECRET: this.jwtSecret,
      SIGNATE_CLOUD__SECRETS_KEY: this.secretsKey,
      SIGNATE_CLOUD__PUBLIC_URL: this.base,
      SIGNATE_SMTP__HOST: process.env.SIGNATE_TEST_SMTP_HOST || "127.0.0.1",
      SIGNATE_SMTP__PORT: process.env.SIGNATE_TEST_SMTP_PORT || "51025",
      SIGNATE_SMTP__TLS: "none",
    };
    if (this.mail === false) {
      for (const k of Object.keys(env)) if (k.startsWith("SIGNATE_SMTP__")) delete env[k];
    }
    // Plans change where every limit comes from: only a billing test's server has them, never
    // one that inherits them from the shell.
    for (const k of Object.keys(env)) if (k.startsWith("SIGNATE_BILLING__")) delete env[k];
    if (this.billing) Object.assign(env, billingEnv(this.billing));
    const proc = spawn(BIN, ["serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    const keep = (chunk) => {
      this.log = (this.log + chunk).slice(-20_000);
    };
    proc.stdout.on("data", keep);
    proc.stderr.on("data", keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`signate exited ${proc.exitCode}:\n${this.log}`);
      try {
        const r = await fetch(`${this.base}/healthz`);
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`signate (cloud) did not answer /healthz in 60 s:\n${this.log}`);
  }

  async kill() {
    const proc = this.proc;
    if (proc && proc.exitCode === null) {
      const gone = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await gone;
    }
  }

  /** SIGKILL and start again on the same port and database, as a crash and a restart would. */
  async restart() {
    await this.kill();
    await this.launch();
  }

  async stop() {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
    psql(`DROP DATABASE IF EXISTS ${this.db} WITH (FORCE)`);
  }

  /** A call with a bearer credential (access token or API key; null: none); answers [status, body]. */
  async call(method, path, bearer, body) {
    const headers = bearer ? { Authorization: `Bearer ${bearer}` } : {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return [r.status, text ? JSON.parse(text) : null];
  }
}

/** A new tenant and its admin, signed up through the API; answers the access token. */
export async function signUp(server, email, password, tenant) {
  const body = { email, password, name: "Ada Baker", tenant_name: tenant, tenant_slug: `${tenant.toLowerCase()}-${randomBytes(4).toString("hex")}` };
  const [status, tokens] = await server.call("POST", "/api/v3/auth/signup", null, body);
  if (status !== 201) throw new Error(`signup answered ${status}: ${JSON.stringify(tokens)}`);
  return tokens.access_token;
}

/** The newest message to `to` whose subject matches, waiting up to `timeoutMs` for it. */
export async function mailTo(to, subject = /./, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await fetch(`${MAILDEV}/api/email`).then((r) => r.json());
    const mine = all.filter((m) => m.to?.some((a) => a.address?.toLowerCase() === to.toLowerCase()) && subject.test(m.subject));
    if (mine.length) return mine[mine.length - 1];
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject} in MailDev at ${MAILDEV} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** The link to `path` (e.g. "/accept-invite") in a message's text. */
export function linkIn(mail, path) {
  const m = mail.text.match(new RegExp(`https?://[^\\s]+${path}\\?token=[^\\s"<]+`));
  if (!m) throw new Error(`no ${path} link in:\n${mail.text}`);
  return m[0];
}
