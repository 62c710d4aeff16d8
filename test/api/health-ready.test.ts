// /healthz and /readyz over a plain node:http server: 200 when ready, 503 naming each failing check, a time-out, HEAD, and nothing secret in the answer.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { healthHandler } from "../../src/api/health.js";
import { heartbeatAlive, readyHandler, type ReadinessChecks, type ReadyOptions } from "../../src/api/ready.js";
import type { Store } from "../../src/domain/ports.js";
import { openStore } from "../../src/store/open-store.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Serves the two routes (404 for anything else), as the app's server adds them; returns its base URL. */
async function serve(checks: ReadinessChecks, options: ReadyOptions = {}): Promise<string> {
  const routes = [healthHandler("1.2.3"), readyHandler(checks, options)];
  const server = createServer((req, res) => {
    if (routes.some((route) => route(req, res))) return;
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const healthy = (): ReadinessChecks => ({ database: async () => {}, migrations: async () => true, workerAlive: () => true });

describe("/healthz", () => {
  it("answers 200 with the version while the process serves, whatever readiness says", async () => {
    const base = await serve({ ...healthy(), workerAlive: () => false });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", version: "1.2.3" });
  });
});

describe("/readyz", () => {
  it("answers 200 with every check ok", async () => {
    const base = await serve(healthy());
    const res = await fetch(`${base}/readyz?probe=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok", worker: "ok" } });
  });

  it("answers 503 naming the database when it cannot be reached, without the error's text", async () => {
    const base = await serve({ ...healthy(), database: () => Promise.reject(new Error("SQLITE_CANTOPEN: /secret/path/governance.db password=hunter2")) });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: "not ready", checks: { database: "failed", migrations: "ok", worker: "ok" } });
    expect(text).not.toMatch(/secret|hunter2|SQLITE/);
  });

  it("answers 503 naming the migrations when the schema is not this build's, or cannot be read", async () => {
    let base = await serve({ ...healthy(), migrations: async () => false });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "not ready", checks: { database: "ok", migrations: "not applied", worker: "ok" } });
    base = await serve({ ...healthy(), migrations: () => Promise.reject(new Error("no such table")) });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not ready", checks: { database: "ok", migrations: "failed", worker: "ok" } });
  });

  it("answers 503 naming the worker when it is not alive, or its check throws", async () => {
    let base = await serve({ ...healthy(), workerAlive: () => false });
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not ready", checks: { database: "ok", migrations: "ok", worker: "stalled" } });
    base = await serve({
      ...healthy(),
      workerAlive: () => {
        throw new Error("boom");
      },
    });
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not ready", checks: { database: "ok", migrations: "ok", worker: "failed" } });
  });

  it("answers 503 'timed out' when the database does not answer in time, and sends a hung database no second query", async () => {
    let queries = 0;
    const hung = new Promise<void>(() => {});
    const base = await serve({ ...healthy(), database: () => (queries++, hung), migrations: () => hung.then(() => true) }, { timeoutMs: 50 });
    const started = Date.now();
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not ready", checks: { database: "timed out", migrations: "timed out", worker: "ok" } });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect(queries).toBe(1);
  });

  it("names every failing check at once", async () => {
    const base = await serve({ database: () => Promise.reject(new Error("x")), migrations: () => Promise.reject(new Error("x")), workerAlive: () => false });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "not ready", checks: { database: "failed", migrations: "failed", worker: "stalled" } });
  });

  it("answers HEAD with the status and no body, and refuses other methods", async () => {
    let base = await serve(healthy());
    let res = await fetch(`${base}/readyz`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    res = await fetch(`${base}/readyz`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    base = await serve({ ...healthy(), workerAlive: () => false });
    res = await fetch(`${base}/readyz`, { method: "HEAD" });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("");
  });

  it("logs a change of readiness once, with the errors the answer leaves out", async () => {
    const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
    let up = false;
    const log = { info: (obj: Record<string, unknown>, msg: string) => lines.push({ level: "info", obj, msg }), warn: (obj: Record<string, unknown>, msg: string) => lines.push({ level: "warn", obj, msg }) };
    const failure = new Error("disk gone");
    const base = await serve({ ...healthy(), database: () => (up ? Promise.resolve() : Promise.reject(failure)) }, { log });
    await fetch(`${base}/readyz`);
    await fetch(`${base}/readyz`);
    up = true;
    await fetch(`${base}/readyz`);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", "not ready"],
      ["info", "ready"],
    ]);
    expect(lines[0]!.obj.errors).toEqual({ database: failure });
  });

  it("over a real store: ready while it is open, 503 once it is closed", async () => {
    const store: Store = await openStore("sqlite::memory:");
    const base = await serve({ database: () => store.ping(), migrations: () => store.migrationsApplied(), workerAlive: () => true });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await store.close();
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not ready", checks: { database: "failed", migrations: "failed", worker: "ok" } });
  });

  it("does not answer other paths", async () => {
    const base = await serve(healthy());
    expect((await fetch(`${base}/readyz/extra`)).status).toBe(404);
  });
});

describe("heartbeatAlive", () => {
  it("is alive while the last beat is recent, and not before the first", () => {
    let beat: number | undefined = undefined;
    let now = 1_000_000;
    const alive = heartbeatAlive(() => beat, 30_000, () => now);
    expect(alive()).toBe(false);
    beat = now;
    expect(alive()).toBe(true);
    now += 30_000;
    expect(alive()).toBe(true);
    now += 1;
    expect(alive()).toBe(false);
  });
});
