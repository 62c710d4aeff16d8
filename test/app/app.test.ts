import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Probot, Server } from "probot";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import governanceApp from "../../src/index.js";
import { freePort } from "../helpers/app.js";
import { loadDotEnv, startupProblem } from "../../src/startup.js";
import { ROOT } from "../helpers/fixtures.js";
import { VERSION } from "../../src/version.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

describe("the app served by Probot", () => {
  let server: Server;
  let base: string;
  let installations: nock.Scope;
  const dataDir = mkdtempSync(join(tmpdir(), "governance-app-"));

  beforeAll(async () => {
    // The app as `npm start` runs it: a database file (its own, in a temporary folder) and so an
    // engine thread; GitHub is never reached: the start-up listing of installations is answered here.
    vi.stubEnv("DATABASE_URL", `sqlite:${join(dataDir, "governance.db")}`);
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    installations = nock("https://api.github.com").get("/app/installations").query(true).reply(200, []);
    const log = pino({ level: "silent" });
    server = new Server({ Probot: Probot.defaults({ appId: 1, privateKey, secret: "test-secret", log }), host: "127.0.0.1", port: await freePort(), log }); // Probot reads port 0 as 3000
    await server.load(governanceApp);
    const http = await server.start();
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.stop();
    nock.cleanAll();
    nock.enableNetConnect();
    vi.unstubAllEnvs();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists its installations at start from GitHub (answered here), and keeps its database where DATABASE_URL says", async () => {
    await vi.waitFor(() => expect(installations.isDone()).toBe(true), { timeout: 10_000 });
    expect(existsSync(join(dataDir, "governance.db"))).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("answers GET /healthz with its version", async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", version: VERSION });
  });

  it("refuses other methods on /healthz", async () => {
    const res = await fetch(`${base}/healthz`, { method: "POST" });
    expect(res.status).toBe(405);
  });

  it("rejects an unsigned webhook at /api/github/webhooks", async () => {
    const res = await fetch(`${base}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "1", "x-hub-signature-256": "sha256=" + "0".repeat(64) },
      body: JSON.stringify({ zen: "hi" }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe("startup checks", () => {
  it("refuses to start in production without a webhook secret", () => {
    expect(startupProblem({ NODE_ENV: "production" })).toMatch(/WEBHOOK_SECRET is not set/);
  });
  it("starts in production with a secret, and in development without one", () => {
    expect(startupProblem({ NODE_ENV: "production", WEBHOOK_SECRET: "s" })).toBeUndefined();
    expect(startupProblem({})).toBeUndefined();
  });
  it("takes GOVERNANCE_ENGINE on or off, refuses anything else, and off with a database in this process's memory", () => {
    expect(startupProblem({ GOVERNANCE_ENGINE: "off", DATABASE_URL: "sqlite:./x.db" })).toBeUndefined();
    expect(startupProblem({ GOVERNANCE_ENGINE: "ON" })).toBeUndefined();
    expect(startupProblem({ GOVERNANCE_ENGINE: "maybe" })).toBe('GOVERNANCE_ENGINE must be on or off, not "maybe"');
    expect(startupProblem({ GOVERNANCE_ENGINE: "off", DATABASE_URL: "sqlite::memory:" })).toMatch(/no worker process can reach this process's memory/);
  });
});

describe("npm start", () => {
  const start = (extra: Record<string, string>) =>
    spawnSync(process.execPath, [`${ROOT}dist/main.js`], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s", ...extra }, encoding: "utf8", timeout: 15_000 });

  it("exits with a clear message in production without a webhook secret", () => {
    const r = start({ NODE_ENV: "production", WEBHOOK_SECRET: "" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("governance: cannot start: WEBHOOK_SECRET is not set");
  });

  it("refuses a setting it cannot use in one line that names it, without a stack, exit 2", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ DATABASE_URL: "postgres://app:s3cret@/test" }, /^governance: cannot start: DATABASE_URL is not a valid postgres:\/\/ URL \(postgres:\/\/user:password@host:5432\/database\)$/m],
      [{ GOVERNANCE_CONFIG: "/nonexistent/governance.yml" }, /^governance: cannot start: the operator configuration \(GOVERNANCE_CONFIG\) is not valid:\n\/nonexistent\/governance\.yml: /],
      [{ GOVERNANCE_SHUTDOWN_GRACE_SECONDS: "soon" }, /^governance: cannot start: GOVERNANCE_SHUTDOWN_GRACE_SECONDS must be a number of seconds from 0 to 3600, not "soon"$/m],
      [{ GOVERNANCE_STALL_SECONDS: "-1" }, /^governance: cannot start: GOVERNANCE_STALL_SECONDS must be a number of seconds/],
    ];
    for (const [env, message] of cases) {
      const r = start(env);
      expect(r.status, JSON.stringify(env)).toBe(2);
      expect(r.stderr, JSON.stringify(env)).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe("the .env file", () => {
  it("is read before the start-up checks, without overriding real variables", () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-env-"));
    writeFileSync(join(dir, ".env"), "WEBHOOK_SECRET=from-dotenv\nNODE_ENV=development\n");
    const env = loadDotEnv(dir, { NODE_ENV: "production" });
    expect(env).toEqual({ NODE_ENV: "production", WEBHOOK_SECRET: "from-dotenv" });
    expect(startupProblem(env)).toBeUndefined();
  });

  it("is optional", () => {
    expect(loadDotEnv(mkdtempSync(join(tmpdir(), "governance-env-")), { A: "1" })).toEqual({ A: "1" });
  });
});
