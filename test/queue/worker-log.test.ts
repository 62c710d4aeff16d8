// Every log line of a job carries the ids that find it again: the job, its installation, and the delivery or run it is for.
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { Worker } from "../../src/queue/worker.js";

describe("a job's log lines", () => {
  it("carry the job, installation, delivery and run ids", async () => {
    const store = await openStore("sqlite::memory:");
    const lines: Array<Record<string, unknown>> = [];
    const record = (obj: object) => void lines.push(obj as Record<string, unknown>);
    const log = { debug: () => {}, info: record, warn: record, error: record };
    try {
      await store.enqueue({ type: "fails", payload: { deliveryId: "d-7", runId: "r-9" }, installationId: 42, maxAttempts: 1 });
      const worker = new Worker({ store, log, workerId: "w-log", handlers: { fails: async () => Promise.reject(new Error("boom")) } });
      await worker.drain();
      await worker.stop();
      expect(lines.find((l) => l.type === "fails")).toMatchObject({ type: "fails", installationId: 42, deliveryId: "d-7", runId: "r-9", workerId: "w-log" });
    } finally {
      await store.close();
    }
  });
});
