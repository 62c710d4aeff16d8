import { describe, expect, it } from "vitest";
import type { Run } from "../../../src/domain/run.js";
import { at, makeRun } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";

/** createRun / getRun / saveRun / appendLog / listRuns. */
export function runContract(h: ContractHarness): void {
  describe("runs", () => {
    it("creates a run and reads it back whole: definition, steps, log", async () => {
      const store = await h.fresh();
      const run = makeRun();
      const { run: stored, created } = await store.createRun(run);
      expect(created).toBe(true);
      expect(stored).toEqual(run);
      expect(await store.getRun(run.id)).toEqual(run);
    });

    it("reads back a run without optional fields, without them", async () => {
      const store = await h.fresh();
      const run = makeRun({ status: "pending", log: [] });
      for (const key of ["startedAt", "finishedAt", "currentStepId", "headSha", "checkRunId"] as const) delete run[key];
      await store.createRun(run);
      const stored = await store.getRun(run.id);
      expect(stored).toEqual(run);
      expect(stored).not.toHaveProperty("checkRunId");
    });

    it("returns undefined for an unknown run", async () => {
      const store = await h.fresh();
      expect(await store.getRun("nope")).toBeUndefined();
    });

    it("a second run with the same dedupe key is not created; the first comes back", async () => {
      const store = await h.fresh();
      const first = makeRun({ dedupeKey: "alert-42" });
      await store.createRun(first);
      const second = makeRun({ dedupeKey: "alert-42", workflowName: "Other" });
      const result = await store.createRun(second);
      expect(result).toEqual({ run: first, created: false });
      expect(await store.getRun(second.id)).toBeUndefined();
    });

    it("two concurrent runs with one dedupe key: one is created, both callers get it", async () => {
      const store = await h.fresh();
      const results = await Promise.all([store.createRun(makeRun({ dedupeKey: "k" })), store.createRun(makeRun({ dedupeKey: "k" }))]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results[0]!.run.id).toBe(results[1]!.run.id);
    });

    it("saveRun persists status, times, current step, head sha, check run id and steps", async () => {
      const store = await h.fresh();
      const run = makeRun();
      await store.createRun(run);
      const next: Run = {
        ...run,
        status: "succeeded",
        finishedAt: at(10_000).toISOString(),
        headSha: "b".repeat(40),
        checkRunId: 77,
        steps: [...run.steps.slice(0, 1), { ...run.steps[1]!, status: "succeeded", outputs: { sent: true } }],
      };
      delete next.currentStepId;
      await store.saveRun(next);
      expect(await store.getRun(run.id)).toEqual(next);
    });

    it("saveRun never touches the log, nor what identifies the run", async () => {
      const store = await h.fresh();
      const run = makeRun();
      await store.createRun(run);
      await store.appendLog(run.id, [{ ts: at(5).toISOString(), level: "warn", message: "slow" }]);
      await store.saveRun({ ...run, log: [], workflowName: "Renamed", dedupeKey: "other", status: "failed" });
      const stored = await store.getRun(run.id);
      expect(stored?.log.map((e) => e.message)).toEqual(["run started", "slow"]);
      expect(stored).toMatchObject({ workflowName: run.workflowName, dedupeKey: run.dedupeKey, status: "failed" });
    });

    it("saveRun of a run that was never created rejects", async () => {
      const store = await h.fresh();
      await expect(store.saveRun(makeRun())).rejects.toThrow(/no such run/);
    });

    it("appendLog appends entries in order, across calls, with their meta", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [] });
      await store.createRun(run);
      const ts = at(1).toISOString();
      await store.appendLog(run.id, [
        { ts, level: "info", message: "one", meta: { step: "a", nested: { n: [1, 2] } } },
        { ts, level: "debug", message: "two" },
      ]);
      await store.appendLog(run.id, []);
      await store.appendLog(run.id, [{ ts, level: "error", message: "three", meta: {} }]);
      expect((await store.getRun(run.id))?.log).toEqual([
        { ts, level: "info", message: "one", meta: { step: "a", nested: { n: [1, 2] } } },
        { ts, level: "debug", message: "two" },
        { ts, level: "error", message: "three", meta: {} },
      ]);
    });

    it("appendLog takes a large batch", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [] });
      await store.createRun(run);
      const entries = Array.from({ length: 1_234 }, (_, i) => ({ ts: at(i).toISOString(), level: "info" as const, message: `m${i}` }));
      await store.appendLog(run.id, entries);
      expect((await store.getRun(run.id))?.log).toEqual(entries);
    });

    it("appendLog to an unknown run rejects", async () => {
      const store = await h.fresh();
      await expect(store.appendLog("nope", [{ ts: at(0).toISOString(), level: "info", message: "x" }])).rejects.toThrow(/no such run/);
    });

    it("listRuns: newest first, with steps and logs, filtered by repository, workflow and status", async () => {
      const store = await h.fresh();
      const runs = [
        makeRun({ createdAt: at(1).toISOString(), repository: "acme/api", workflowId: "a", status: "succeeded" }),
        makeRun({ createdAt: at(3).toISOString(), repository: "acme/web", workflowId: "a", status: "running" }),
        makeRun({ createdAt: at(2).toISOString(), repository: "acme/api", workflowId: "b", status: "running" }),
      ];
      for (const run of runs) await store.createRun(run);
      const ids = async (filter?: Parameters<typeof store.listRuns>[0]) => (await store.listRuns(filter)).map((r) => r.id);
      expect(await ids()).toEqual([runs[1]!.id, runs[2]!.id, runs[0]!.id]);
      expect(await ids({ repository: "acme/api" })).toEqual([runs[2]!.id, runs[0]!.id]);
      expect(await ids({ workflowId: "a" })).toEqual([runs[1]!.id, runs[0]!.id]);
      expect(await ids({ status: "running", repository: "acme/api" })).toEqual([runs[2]!.id]);
      expect(await ids({ status: "cancelled" })).toEqual([]);
      expect(await ids({ limit: 2 })).toEqual([runs[1]!.id, runs[2]!.id]);
      expect((await store.listRuns({ repository: "acme/web" }))[0]).toEqual(runs[1]);
    });

    it("listRuns returns 50 runs unless asked, and never more than 500", async () => {
      const store = await h.fresh();
      for (let i = 0; i < 510; i++) await store.createRun(makeRun({ createdAt: at(i).toISOString(), log: [] }));
      expect(await store.listRuns()).toHaveLength(50);
      expect(await store.listRuns({ limit: 10_000 })).toHaveLength(500);
      expect((await store.listRuns({ limit: 1 }))[0]?.createdAt).toBe(at(509).toISOString());
    });
  });
}
