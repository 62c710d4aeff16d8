// Workers say they are alive through the store: two workers over one database count as two until one stops, so GitHub's limits are shared between them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/domain/ports.js";
import { Worker } from "../../src/queue/worker.js";
import { openStore } from "../../src/store/open-store.js";

const dir = mkdtempSync(join(tmpdir(), "governance-presence-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("worker presence", () => {
  it("counts the workers started on one database, and not one that stopped", async () => {
    const url = `sqlite:${join(dir, "p.db")}`;
    const [a, b] = [await openStore(url), await openStore(url)];
    const one = new Worker({ store: a, log: silentLogger, workerId: "host/1/one", handlers: {} });
    const two = new Worker({ store: b, log: silentLogger, workerId: "host/2/two", handlers: {} });
    try {
      one.start();
      two.start();
      const since = new Date(Date.now() - 10_000);
      await expect.poll(() => a.liveWorkers(since)).toBe(2);
      await two.stop();
      expect(await a.liveWorkers(since)).toBe(1);
    } finally {
      await one.stop();
      await two.stop();
      await a.close();
      await b.close();
    }
  });
});
