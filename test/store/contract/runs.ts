import { describe, expect, it } from "vitest";
import type { Run } from "../../../src/domain/run.js";
import { at, makeRun } from "../fixtures.js";
import { takeAll } from "./helpers.js";
import type { ContractHarness } from "../store-contract.js";

/** createRun / getRun / commitRun / findWaitingRuns / listRuns. */
export function runContract(h: ContractHarness): void {
  describe("runs", () => {
    it("creates a run and reads it back whole: definition, steps, log", async () => {
      const store = await h.fresh();
      const run = makeRun();
      const { run: stored, created } = await store.createRun(run);
      expect(created).toBe(true);
      expect(stored).toEqual({ ...run, version: 1 });
      expect(await store.getRun(run.id)).toEqual({ ...run, version: 1 });
    });

    it("reads back a run without optional fields, without them", async () => {
      const store = await h.fresh();
      const run = makeRun({ status: "pending", log: [] });
      for (const key of ["startedAt", "finishedAt", "currentStepId", "headSha", "checkRunId"] as const) delete run[key];
      await store.createRun(run);
      const stored = await store.getRun(run.id);
      expect(stored).toEqual({ ...run, version: 1 });
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
      expect(result).toEqual({ run: { ...first, version: 1 }, created: false });
      expect(await store.getRun(second.id)).toBeUndefined();
    });

    it("hands a run it creates to the running job named in heldBy: no job of the run is claimed while that job holds its lease", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "delivery", payload: {}, runAt: at(0) });
      const holder = (await store.claimJob("w1", at(0), 60_000))!;
      const run = makeRun({ id: "run-held", dedupeKey: "held" });
      expect(await store.createRun(run, { heldBy: { jobId: holder.id, workerId: "w1" } })).toEqual({ run: { ...run, version: 1 }, created: true, held: true });
      // A job of the run (a signal's continuation) waits for the holder.
      await store.enqueue({ type: "run", payload: { runId: run.id }, runAt: at(0), concurrencyKey: run.id });
      expect(await store.claimJob("w2", at(1_000), 60_000)).toBeUndefined();
      expect(await store.completeJob(holder.id, "w1")).toBe(true);
      expect((await store.claimJob("w2", at(2_000), 60_000))?.type).toBe("run");
    });

    it("heldBy a job whose lease is no longer its worker's: the run is created, not held; an existing run is not handed over", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "delivery", payload: {}, runAt: at(0) });
      const job = (await store.claimJob("w1", at(0), 1_000))!;
      // w1's lease ran out and w2 took the job.
      expect((await store.claimJob("w2", at(5_000), 60_000))?.id).toBe(job.id);
      const run = makeRun({ id: "run-a", dedupeKey: "a" });
      expect(await store.createRun(run, { heldBy: { jobId: job.id, workerId: "w1" } })).toMatchObject({ created: true, held: false });
      const again = await store.createRun(makeRun({ id: "run-b", dedupeKey: "a" }), { heldBy: { jobId: job.id, workerId: "w2" } });
      expect(again).toEqual({ run: { ...run, version: 1 }, created: false });
      // w2's job took no key: a job of run-a is claimable at once.
      await store.enqueue({ type: "run", payload: { runId: run.id }, runAt: at(5_000), concurrencyKey: run.id });
      expect((await store.claimJob("w3", at(5_000), 60_000))?.type).toBe("run");
    });

    it("two concurrent runs with one dedupe key: one is created, both callers get it", async () => {
      const store = await h.fresh();
      const results = await Promise.all([store.createRun(makeRun({ dedupeKey: "k" })), store.createRun(makeRun({ dedupeKey: "k" }))]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results[0]!.run.id).toBe(results[1]!.run.id);
    });

    it("commitRun persists status, times, current step, head sha, check run id, cancel request and steps, and bumps the version", async () => {
      const store = await h.fresh();
      const run = makeRun();
      await store.createRun(run);
      const next: Run = {
        ...run,
        version: 1,
        status: "succeeded",
        finishedAt: at(10_000).toISOString(),
        headSha: "b".repeat(40),
        checkRunId: 77,
        cancelRequested: { actor: "alice", at: at(9_000).toISOString() },
        steps: [...run.steps.slice(0, 1), { ...run.steps[1]!, status: "succeeded", outputs: { sent: true } }],
      };
      delete next.currentStepId;
      expect(await store.commitRun(next)).toEqual({ committed: true, version: 2 });
      expect(await store.getRun(run.id)).toEqual({ ...next, version: 2 });
    });

    it("commitRun appends its log lines and never changes what identifies the run", async () => {
      const store = await h.fresh();
      const run = makeRun();
      await store.createRun(run);
      await store.commitRun({ ...run, version: 1, log: [], workflowName: "Renamed", dedupeKey: "other", status: "failed" }, { log: [{ ts: at(5).toISOString(), level: "warn", message: "slow" }] });
      const stored = await store.getRun(run.id);
      expect(stored?.log.map((e) => e.message)).toEqual(["run started", "slow"]);
      expect(stored).toMatchObject({ workflowName: run.workflowName, dedupeKey: run.dedupeKey, status: "failed", version: 2 });
    });

    it("commitRun over a version that moved on writes nothing: no state, no log, no job", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [] });
      await store.createRun(run);
      expect((await store.commitRun({ ...run, version: 1, status: "running" })).committed).toBe(true);
      // A second writer that read version 1 too.
      const stale = await store.commitRun(
        { ...run, version: 1, status: "failed" },
        { log: [{ ts: at(1).toISOString(), level: "error", message: "lost" }], jobs: [{ type: "run", payload: { runId: run.id }, runAt: at(0), key: "stale-job" }] },
      );
      expect(stale).toEqual({ committed: false, storedVersion: 2 });
      const stored = (await store.getRun(run.id))!;
      expect(stored).toMatchObject({ status: "running", version: 2, log: [] });
      expect(await takeAll(store)).toEqual([]);
    });

    it("of two writers committing over one version, exactly one wins", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [] });
      await store.createRun(run);
      const results = await Promise.all(["a", "b", "c"].map((who) => store.commitRun({ ...run, version: 1, currentStepId: who }, { log: [{ ts: at(1).toISOString(), level: "info", message: who }] })));
      expect(results.filter((r) => r.committed)).toHaveLength(1);
      const stored = (await store.getRun(run.id))!;
      expect(stored.log.map((e) => e.message)).toEqual([stored.currentStepId]);
    });

    it("commitRun of a run that was never created commits nothing", async () => {
      const store = await h.fresh();
      expect(await store.commitRun(makeRun())).toEqual({ committed: false, storedVersion: undefined });
    });

    it("commitRun enqueues its jobs in the same transaction, once per key", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [] });
      await store.createRun(run);
      const job = { type: "run", payload: { runId: run.id }, runAt: at(0), key: `run:${run.id}:next`, installationId: 3, concurrencyKey: run.id };
      await store.commitRun({ ...run, version: 1 }, { jobs: [job] });
      await store.commitRun({ ...run, version: 2 }, { jobs: [job] });
      const taken = await takeAll(store);
      expect(taken.map((j) => [j.type, j.payload, j.installationId])).toEqual([["run", { runId: run.id }, 3]]);
    });

    it("commitRun appends entries in order, across commits, with their meta; a large batch too", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [] });
      await store.createRun(run);
      const ts = at(1).toISOString();
      await store.commitRun({ ...run, version: 1 }, { log: [{ ts, level: "info", message: "one", meta: { step: "a", nested: { n: [1, 2] } } }, { ts, level: "debug", message: "two" }] });
      await store.commitRun({ ...run, version: 2 }, { log: [] });
      await store.commitRun({ ...run, version: 3 }, { log: [{ ts, level: "error", message: "three", meta: {} }] });
      expect((await store.getRun(run.id))?.log).toEqual([
        { ts, level: "info", message: "one", meta: { step: "a", nested: { n: [1, 2] } } },
        { ts, level: "debug", message: "two" },
        { ts, level: "error", message: "three", meta: {} },
      ]);
      const entries = Array.from({ length: 1_234 }, (_, i) => ({ ts: at(i).toISOString(), level: "info" as const, message: `m${i}` }));
      await store.commitRun({ ...run, version: 4 }, { log: entries });
      expect((await store.getRun(run.id))?.log.slice(3)).toEqual(entries);
    });

    it("the wait index follows the waiting steps: found while waiting, gone once the step moved on", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [], status: "running", repository: "acme/api" });
      await store.createRun(run);
      const waiting: Run = {
        ...run,
        version: 1,
        steps: [
          { stepId: "gate", type: "approval", status: "waiting", attempt: 1, waiting: { kind: "approval", approvers: ["lead"], minApprovals: 1, votes: [], issues: [12] } },
          { stepId: "fixed", type: "wait", status: "waiting", attempt: 1, waiting: { kind: "event", event: "issueClosed", target: "Acme/Ops#7", timeoutAt: at(60_000).toISOString() } },
          { stepId: "opened", type: "action", kind: "createIssue", status: "succeeded", attempt: 1, outputs: { number: 30 } },
        ],
      };
      await store.commitRun(waiting);
      const find = (event: string, targets: string[], repository = "acme/api") => store.findWaitingRuns({ repository, event, targets });
      expect(await find("approval", ["#12", "*"])).toEqual([run.id]);
      // An issue the run opened takes votes too.
      expect(await find("approval", ["#30", "*"])).toEqual([run.id]);
      expect(await find("approval", ["#13", "*"])).toEqual([]);
      expect(await find("issueClosed", ["acme/ops#7"])).toEqual([run.id]);
      expect(await find("issueClosed", ["ACME/OPS#7"])).toEqual([run.id]);
      expect(await find("issueClosed", ["acme/ops#7"], "acme/web")).toEqual([]);
      expect(await find("alertResolved", ["acme/ops#7"])).toEqual([]);
      await store.commitRun({ ...waiting, version: 2, steps: waiting.steps.map((s) => ({ ...s, status: "succeeded" as const, waiting: undefined })) });
      expect(await find("approval", ["#12", "*"])).toEqual([]);
      expect(await find("issueClosed", ["acme/ops#7"])).toEqual([]);
    });

    it("an approval wait without an issue list (from before the index) is found for any issue of its repository", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [], status: "running" });
      await store.createRun({ ...run, steps: [{ stepId: "gate", type: "approval", status: "waiting", attempt: 1, waiting: { kind: "approval", approvers: ["lead"], minApprovals: 1, votes: [] } }] });
      expect(await store.findWaitingRuns({ repository: run.repository, event: "approval", targets: ["#99", "*"] })).toEqual([run.id]);
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
      expect((await store.listRuns({ repository: "acme/web" }))[0]).toEqual({ ...runs[1], version: 1 });
    });

    it("listRuns returns 50 runs unless asked, and never more than 500", async () => {
      const store = await h.fresh();
      for (let i = 0; i < 510; i++) await store.createRun(makeRun({ createdAt: at(i).toISOString(), log: [] }));
      expect(await store.listRuns()).toHaveLength(50);
      expect(await store.listRuns({ limit: 10_000 })).toHaveLength(500);
      expect((await store.listRuns({ limit: 1 }))[0]?.createdAt).toBe(at(509).toISOString());
    });

    it("listRuns before a run: the page after it, newest first by createdAt then id; pages never repeat nor skip a run", async () => {
      const store = await h.fresh();
      // Three runs share one creation time: the id orders them.
      const runs = [
        makeRun({ id: "run-a", createdAt: at(1).toISOString(), repository: "acme/api" }),
        makeRun({ id: "run-b", createdAt: at(2).toISOString(), repository: "acme/web" }),
        makeRun({ id: "run-c", createdAt: at(2).toISOString(), repository: "acme/api" }),
        makeRun({ id: "run-d", createdAt: at(2).toISOString(), repository: "acme/api" }),
        makeRun({ id: "run-e", createdAt: at(3).toISOString(), repository: "acme/api" }),
      ];
      for (const run of runs) await store.createRun(run);
      const ids = async (filter: Parameters<typeof store.listRuns>[0]) => (await store.listRuns(filter)).map((r) => r.id);
      expect(await ids({ before: { createdAt: at(2).toISOString(), id: "run-d" } })).toEqual(["run-c", "run-b", "run-a"]);
      expect(await ids({ before: { createdAt: at(2).toISOString(), id: "run-c" }, repository: "acme/api" })).toEqual(["run-a"]);
      expect(await ids({ before: { createdAt: at(1).toISOString(), id: "run-a" } })).toEqual([]);
      const walked: string[] = [];
      for (let page = await store.listRuns({ limit: 2 }); page.length > 0; ) {
        walked.push(...page.map((r) => r.id));
        const last = page[page.length - 1]!;
        page = await store.listRuns({ limit: 2, before: { createdAt: last.createdAt, id: last.id } });
      }
      expect(walked).toEqual(["run-e", "run-d", "run-c", "run-b", "run-a"]);
    });

    it("listRuns withoutLog: the runs whole but with log: []", async () => {
      const store = await h.fresh();
      const run = makeRun({ log: [{ ts: at(0).toISOString(), level: "info", message: "one" }, { ts: at(1).toISOString(), level: "warn", message: "two" }] });
      await store.createRun(run);
      expect(await store.listRuns({ withoutLog: true })).toEqual([{ ...run, log: [], version: 1 }]);
      expect((await store.listRuns({ withoutLog: false }))[0]?.log).toEqual(run.log);
    });
  });
}
