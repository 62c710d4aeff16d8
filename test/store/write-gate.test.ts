import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { WriteGate } from "../../src/store/write-gate.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Delivery } from "../../src/domain/events.js";

/**
 * A thread that takes the priority side of `buffer` and holds it for `holdMs`, flagging in
 * `flags` (index 0) 1 when it enters and 2 when it leaves.
 */
function holder(buffer: SharedArrayBuffer, flags: SharedArrayBuffer, holdMs: number): Worker {
  const source = `
    const { workerData } = require("node:worker_threads");
    const state = new Int32Array(workerData.buffer);
    const flags = new Int32Array(workerData.flags);
    // As WriteGate.around does for a priority writer.
    Atomics.add(state, 0, 1);
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
    Atomics.store(flags, 0, 2);
    Atomics.sub(state, 0, 1);
    Atomics.add(state, 1, 1);
    Atomics.notify(state, 1);
  `;
  return new Worker(source, { eval: true, workerData: { buffer, flags, holdMs } });
}

const threads: Worker[] = [];
const require = createRequire(import.meta.url);

const delivery = (id: string, payload: Record<string, unknown> = {}): Delivery => ({
  id,
  event: "push",
  installationId: 1,
  repository: { id: 1, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" },
  triggers: [],
  payload,
  receivedAt: "2030-01-01T00:00:00.000Z",
});
afterEach(async () => void (await Promise.all(threads.splice(0).map((t) => t.terminate()))));

describe("WriteGate", () => {
  it("a yielding writer goes after a priority writer of another thread that wants the lock", async () => {
    const buffer = WriteGate.createBuffer();
    const flags = new SharedArrayBuffer(4);
    const seen = new Int32Array(flags);
    const engine = new WriteGate(buffer, "yield", { maxYieldMs: 10_000 });
    threads.push(holder(buffer, flags, 50));
    // Wait (without blocking the test's loop for long) until the other thread is in.
    while (Atomics.load(seen, 0) === 0) await new Promise((r) => setTimeout(r, 1));
    const observed = engine.around(() => Atomics.load(seen, 0));
    expect(observed).toBe(2);
    expect(engine.wanted).toBe(0);
  });

  it("waits no longer than its bound when a priority writer never leaves", () => {
    const buffer = WriteGate.createBuffer();
    const webhook = new WriteGate(buffer, "priority");
    const engine = new WriteGate(buffer, "yield", { maxYieldMs: 30 });
    // The priority side is entered and, within this one thread, cannot leave while the other waits.
    const result = webhook.around(() => {
      expect(webhook.wanted).toBe(1);
      return engine.around(() => "went ahead");
    });
    expect(result).toBe("went ahead");
    expect(webhook.wanted).toBe(0);
  });

  it("a priority writer's failure still leaves the gate", () => {
    const webhook = new WriteGate(WriteGate.createBuffer(), "priority");
    expect(() => webhook.around(() => {
      throw new Error("constraint failed");
    })).toThrow("constraint failed");
    expect(webhook.wanted).toBe(0);
  });
});

/** A thread holding SQLite's write lock on `file` for `holdMs` (another process's writer, say); `flags[0]` is 1 while it holds it, 2 after. */
function lockHolder(file: string, flags: SharedArrayBuffer, holdMs: number): Worker {
  const source = `
    const { workerData } = require("node:worker_threads");
    const Database = require(workerData.module);
    const db = new Database(workerData.file);
    const flags = new Int32Array(workerData.flags);
    db.exec("BEGIN IMMEDIATE");
    Atomics.store(flags, 0, 1);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
    db.exec("COMMIT");
    Atomics.store(flags, 0, 2);
    db.close();
  `;
  const thread = new Worker(source, { eval: true, workerData: { file, flags, holdMs, module: require.resolve("better-sqlite3") } });
  threads.push(thread);
  return thread;
}

describe("a priority writer meeting a lock held elsewhere", () => {
  it("gives up after its store's busy timeout, as SQLite would, and stores nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-gate-"));
    try {
      const file = join(dir, "gate.db");
      const store = await openSqliteStore(file, { busyTimeoutMs: 20, writeGate: new WriteGate(WriteGate.createBuffer(), "priority") });
      const flags = new SharedArrayBuffer(4);
      const seen = new Int32Array(flags);
      const holder = lockHolder(file, flags, 2_000);
      while (Atomics.load(seen, 0) === 0) await new Promise((r) => setTimeout(r, 1));
      await expect(store.acceptDelivery(delivery("too-long"))).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
      // Still held: the writer did not wait the lock out.
      expect(Atomics.load(seen, 0)).toBe(1);
      await new Promise((resolve) => holder.once("exit", resolve));
      expect(await store.getDelivery("too-long")).toBeUndefined();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("retries without SQLite's busy sleep until the lock is free, and commits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-gate-"));
    try {
      const file = join(dir, "gate.db");
      const store = await openSqliteStore(file, { writeGate: new WriteGate(WriteGate.createBuffer(), "priority") });
      const flags = new SharedArrayBuffer(4);
      const seen = new Int32Array(flags);
      // Another connection (another process, say) holds the write lock for 50 ms.
      lockHolder(file, flags, 50);
      while (Atomics.load(seen, 0) === 0) await new Promise((r) => setTimeout(r, 1));
      // Its busy timeout is 0: without the gate's retries this would fail with SQLITE_BUSY.
      expect(await store.acceptDelivery(delivery("while-locked"))).toBe(true);
      expect(Atomics.load(seen, 0)).toBe(2);
      expect((await store.getDelivery("while-locked"))?.id).toBe("while-locked");
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("group commit of deliveries", () => {

  it("deliveries of one turn are committed together; a replay in the same turn is refused; one that cannot be stored fails alone", async () => {
    const store = await openSqliteStore(":memory:");
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const results = await Promise.allSettled([
      store.acceptDelivery(delivery("a")),
      store.acceptDelivery(delivery("b")),
      store.acceptDelivery(delivery("a")),
      store.acceptDelivery(delivery("bad", circular)),
      store.acceptDelivery(delivery("c")),
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : "rejected"))).toEqual([true, true, false, "rejected", true]);
    for (const id of ["a", "b", "c"]) expect((await store.getDelivery(id))?.id).toBe(id);
    expect(await store.getDelivery("bad")).toBeUndefined();
    // Each stored delivery has its one job, the failed one none.
    expect((await store.claimJobs("w", new Date("2030-01-01T00:00:01.000Z"), 60_000, 10)).map((j) => j.payload.deliveryId).sort()).toEqual(["a", "b", "c"]);
    await store.close();
  });
});

describe("checkpoints", () => {
  it("the priority writer's commits never copy the WAL into the database; the yielding writer's commits do", async () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-gate-"));
    try {
      const file = join(dir, "gate.db");
      const buffer = WriteGate.createBuffer();
      const webhooks = await openSqliteStore(file, { writeGate: new WriteGate(buffer, "priority") });
      const engine = await openSqliteStore(file, { writeGate: new WriteGate(buffer, "yield") });
      const before = statSync(file).size;
      // About 8 MB of deliveries: past SQLite's automatic checkpoint (1,000 pages, 4 MB) twice over.
      const big = "x".repeat(8_000);
      for (let i = 0; i < 1_000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => webhooks.acceptDelivery(delivery(`big-${i + j}`, { big }))));
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(8_000_000);
      expect(statSync(file).size).toBe(before);
      // One commit of the engine's connection checkpoints what the WAL holds.
      await engine.enqueue({ type: "maintenance", payload: {}, runAt: new Date() });
      expect(statSync(file).size).toBeGreaterThan(8_000_000);
      expect((await webhooks.getDelivery("big-999"))?.payload).toEqual({ big });
      await webhooks.close();
      await engine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
