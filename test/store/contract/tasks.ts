import { describe, expect, it } from "vitest";
import { InvalidTaskError, TASK_LIMITS, type NewRemediationTask, type RelatedFinding } from "../../../src/domain/task.js";
import { at, makeTask, T0 } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";

const finding = (n: number, overrides: Partial<RelatedFinding> = {}): RelatedFinding => ({
  fingerprint: `dependabot:1:${n}`,
  url: `https://github.com/acme/api/security/dependabot/${n}`,
  title: `lodash advisory ${n}`,
  severity: "high",
  source: "dependabot",
  firstSeenAt: at(n).toISOString(),
  ...overrides,
});

/** createTask / getTask / findTask / updateTask / addRelatedFinding / listTasks. */
export function taskContract(h: ContractHarness): void {
  describe("remediation tasks", () => {
    it("creates a task and reads it back whole, by id, fingerprint, key and issue", async () => {
      const store = await h.fresh();
      const task = makeTask({ issueNumber: 12, issueUrl: "https://github.com/acme/api/issues/12" });
      const { task: stored, created } = await store.createTask(task);
      expect(created).toBe(true);
      expect(stored).toEqual({ ...task, version: 1 });
      expect(await store.getTask(task.id)).toEqual(stored);
      expect(await store.findTask({ fingerprint: task.fingerprint! })).toEqual(stored);
      expect(await store.findTask({ key: task.key })).toEqual(stored);
      // Repository names ignore case, as GitHub's do.
      expect(await store.findTask({ repository: "ACME/Api", issueNumber: 12 })).toEqual(stored);
      expect(await store.findTask({ repository: "acme/api", issueNumber: 13 })).toBeUndefined();
      expect(await store.findTask({ repository: "acme/web", issueNumber: 12 })).toBeUndefined();
      expect(await store.getTask("nope")).toBeUndefined();
    });

    it("reads back a task without optional fields, without them", async () => {
      const store = await h.fresh();
      const task = makeTask({ relatedFindings: [], assignedTo: [] });
      for (const key of ["fingerprint", "dueAt", "issueNumber", "issueUrl", "closedAt", "resolution"] as const) delete task[key];
      await store.createTask(task);
      const stored = await store.getTask(task.id);
      expect(stored).toEqual({ ...task, version: 1 });
      expect(stored).not.toHaveProperty("fingerprint");
      expect(stored).not.toHaveProperty("dueAt");
    });

    it("one task per fingerprint: a second creator gets the first task back and stores nothing", async () => {
      const store = await h.fresh();
      const first = makeTask({ fingerprint: "codeScanning:1:42" });
      await store.createTask(first);
      const second = makeTask({ fingerprint: "codeScanning:1:42", title: "Another title" });
      expect(await store.createTask(second)).toEqual({ task: { ...first, version: 1 }, created: false });
      expect(await store.getTask(second.id)).toBeUndefined();
      expect(await store.findTask({ key: second.key })).toBeUndefined();
      expect(await store.listTasks()).toHaveLength(1);
    });

    it("one task per key, when there is no finding", async () => {
      const store = await h.fresh();
      const first = makeTask({ key: "assignTask:run-1:assign:1" });
      delete first.fingerprint;
      await store.createTask(first);
      const second = makeTask({ key: "assignTask:run-1:assign:1" });
      delete second.fingerprint;
      expect(await store.createTask(second)).toEqual({ task: { ...first, version: 1 }, created: false });
      // A task with another fingerprint but a taken key: the task that holds the key comes back.
      expect((await store.createTask(makeTask({ key: first.key }))).task.id).toBe(first.id);
    });

    it("concurrent creators with one fingerprint, or one key: exactly one creates, all get its task", async () => {
      const store = await h.fresh();
      const byFingerprint = await Promise.all(Array.from({ length: 5 }, () => store.createTask(makeTask({ fingerprint: "secretScanning:1:7" }))));
      expect(byFingerprint.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(byFingerprint.map((r) => r.task.id)).size).toBe(1);
      const byKey = await Promise.all(Array.from({ length: 5 }, () => store.createTask({ ...makeTask({ key: "k:same" }), fingerprint: undefined })));
      expect(byKey.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(byKey.map((r) => r.task.id)).size).toBe(1);
      expect(await store.listTasks()).toHaveLength(2);
    });

    // Needs one database opened twice: registered only for backends that have that.
    if (h.shared) it("concurrent creators on two connections with one fingerprint: one task", async () => {
      const db = await h.shared!();
      const [a, b] = [await db.open(), await db.open()];
      const results = await Promise.all([a.createTask(makeTask({ fingerprint: "fp:shared" })), b.createTask(makeTask({ fingerprint: "fp:shared" }))]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results[0]!.task.id).toBe(results[1]!.task.id);
      await a.close();
      const reopened = await db.open();
      expect(await reopened.findTask({ fingerprint: "fp:shared" })).toEqual(results[0]!.task);
    });

    it("updateTask writes status, times, findings, assignees, due time and issue over the version read, and bumps it", async () => {
      const store = await h.fresh();
      const task = makeTask();
      await store.createTask(task);
      const withIssue = await store.updateTask(task.id, 1, { issueNumber: 30, issueUrl: "https://github.com/acme/api/issues/30", assignedTo: ["octocat"] });
      expect(withIssue).toEqual({ updated: true, task: { ...task, issueNumber: 30, issueUrl: "https://github.com/acme/api/issues/30", assignedTo: ["octocat"], version: 2 } });
      const done = await store.updateTask(task.id, 2, { status: "completed", resolution: "issueCompleted", closedAt: at(99).toISOString(), dueAt: null, relatedFindings: [...task.relatedFindings, finding(1)] });
      expect(done.updated).toBe(true);
      const stored = (await store.getTask(task.id))!;
      expect(stored).toEqual(done.task);
      expect(stored).toMatchObject({ status: "completed", resolution: "issueCompleted", closedAt: at(99).toISOString(), version: 3 });
      expect(stored).not.toHaveProperty("dueAt");
      expect(stored.relatedFindings.map((f) => f.fingerprint)).toEqual([task.fingerprint, "dependabot:1:1"]);
      // Reopened: its close time and resolution go.
      const reopened = await store.updateTask(task.id, 3, { status: "open", resolution: null, closedAt: null });
      expect(reopened.task).toMatchObject({ status: "open", version: 4 });
      expect(reopened.task).not.toHaveProperty("closedAt");
      expect(reopened.task).not.toHaveProperty("resolution");
      expect(await store.findTask({ repository: "acme/api", issueNumber: 30 })).toEqual(reopened.task);
    });

    it("updateTask never changes what identifies the task", async () => {
      const store = await h.fresh();
      const task = makeTask();
      await store.createTask(task);
      const patch = { title: "Renamed", id: "other", key: "other", fingerprint: "other", repository: "acme/web", runId: "run-9", createdAt: at(5).toISOString() };
      const { task: after } = await store.updateTask(task.id, 1, patch as never);
      expect(after).toEqual({ ...task, title: "Renamed", version: 2 });
    });

    it("updateTask over a stale version writes nothing and returns the stored task", async () => {
      const store = await h.fresh();
      const task = makeTask();
      await store.createTask(task);
      expect((await store.updateTask(task.id, 1, { assignedTo: ["a"] })).updated).toBe(true);
      const stale = await store.updateTask(task.id, 1, { assignedTo: ["b"], status: "completed", resolution: "alertFixed", closedAt: at(1).toISOString() });
      expect(stale).toEqual({ updated: false, task: { ...task, assignedTo: ["a"], version: 2 } });
      expect(await store.getTask(task.id)).toEqual(stale.task);
      expect(await store.updateTask("nope", 1, { title: "x" })).toEqual({ updated: false, task: undefined });
    });

    it("of several writers updating over one version, exactly one wins", async () => {
      const store = await h.fresh();
      const task = makeTask();
      await store.createTask(task);
      const results = await Promise.all(["a", "b", "c"].map((who) => store.updateTask(task.id, 1, { assignedTo: [who] })));
      expect(results.filter((r) => r.updated)).toHaveLength(1);
      const winner = results.find((r) => r.updated)!.task!;
      expect(await store.getTask(task.id)).toEqual(winner);
      expect(winner.version).toBe(2);
    });

    it("an issue tracks one task: another task cannot take it, on creation or update", async () => {
      const store = await h.fresh();
      const first = makeTask({ issueNumber: 5, issueUrl: "https://github.com/acme/api/issues/5" });
      await store.createTask(first);
      const other = makeTask();
      await store.createTask(other);
      await expect(store.updateTask(other.id, 1, { issueNumber: 5, issueUrl: "u" })).rejects.toThrow(/issue acme\/api#5 tracks task/);
      expect(await store.getTask(other.id)).toEqual({ ...other, version: 1 });
      await expect(store.createTask(makeTask({ repository: "ACME/API", issueNumber: 5 }))).rejects.toThrow(InvalidTaskError);
      expect(await store.listTasks()).toHaveLength(2);
    });

    it("addRelatedFinding adds a new fingerprint once; the same fingerprint again changes nothing", async () => {
      const store = await h.fresh();
      const task = makeTask();
      await store.createTask(task);
      const added = await store.addRelatedFinding(task.id, finding(1));
      expect(added).toMatchObject({ outcome: "added", task: { version: 2 } });
      expect(added!.task.relatedFindings).toEqual([...task.relatedFindings, finding(1)]);
      const again = await store.addRelatedFinding(task.id, finding(1, { title: "re-detected", firstSeenAt: at(500).toISOString() }));
      expect(again).toEqual({ outcome: "present", task: added!.task });
      // The task's own finding is listed already too.
      expect((await store.addRelatedFinding(task.id, task.relatedFindings[0]!))?.outcome).toBe("present");
      expect(await store.getTask(task.id)).toEqual(added!.task);
      expect(await store.addRelatedFinding("nope", finding(2))).toBeUndefined();
    });

    it("concurrent addRelatedFinding calls lose none and duplicate none", async () => {
      const store = await h.fresh();
      const task = makeTask({ relatedFindings: [] });
      await store.createTask(task);
      await Promise.all([1, 2, 3, 2, 1, 4].map((n) => store.addRelatedFinding(task.id, finding(n))));
      const stored = (await store.getTask(task.id))!;
      expect(stored.relatedFindings.map((f) => f.fingerprint).sort()).toEqual(["dependabot:1:1", "dependabot:1:2", "dependabot:1:3", "dependabot:1:4"]);
      expect(stored.version).toBe(5);
    });

    it("related findings stop at their limit: a full list changes nothing", async () => {
      const store = await h.fresh();
      const task = makeTask({ relatedFindings: Array.from({ length: TASK_LIMITS.relatedFindings }, (_, i) => finding(i)) });
      await store.createTask(task);
      expect(await store.addRelatedFinding(task.id, finding(10_000))).toMatchObject({ outcome: "full", task: { version: 1 } });
      expect((await store.getTask(task.id))!.relatedFindings).toHaveLength(TASK_LIMITS.relatedFindings);
    });

    it("keeps only a related finding's own fields, whatever else the caller passed", async () => {
      const store = await h.fresh();
      const task = makeTask({ relatedFindings: [] });
      await store.createTask(task);
      const result = await store.addRelatedFinding(task.id, { ...finding(1), rule: "js/sql-injection", path: "src/db.ts" } as RelatedFinding);
      expect(result!.task.relatedFindings).toEqual([finding(1)]);
    });

    it("listTasks: newest first, filtered by repository (any case) and status, bounded", async () => {
      const store = await h.fresh();
      const tasks = [
        makeTask({ createdAt: at(1).toISOString(), repository: "acme/api" }),
        makeTask({ createdAt: at(3).toISOString(), repository: "acme/ops", status: "completed", resolution: "alertFixed", closedAt: at(4).toISOString() }),
        makeTask({ createdAt: at(2).toISOString(), repository: "acme/api" }),
      ];
      for (const task of tasks) await store.createTask(task);
      const ids = async (filter?: Parameters<typeof store.listTasks>[0]) => (await store.listTasks(filter)).map((t) => t.id);
      expect(await ids()).toEqual([tasks[1]!.id, tasks[2]!.id, tasks[0]!.id]);
      expect(await ids({ repository: "Acme/API" })).toEqual([tasks[2]!.id, tasks[0]!.id]);
      expect(await ids({ status: "completed" })).toEqual([tasks[1]!.id]);
      expect(await ids({ status: "open", repository: "acme/ops" })).toEqual([]);
      expect(await ids({ limit: 1 })).toEqual([tasks[1]!.id]);
      expect(await ids({ limit: 0 })).toEqual([tasks[1]!.id]);
      expect((await store.listTasks({ repository: "acme/ops" }))[0]).toEqual({ ...tasks[1], version: 1 });
    });

    it("listTasks returns 50 tasks unless asked, and never more than 500", async () => {
      const store = await h.fresh();
      await Promise.all(Array.from({ length: 510 }, (_, i) => store.createTask(makeTask({ createdAt: at(i).toISOString() }))));
      expect(await store.listTasks()).toHaveLength(50);
      expect(await store.listTasks({ limit: 10_000 })).toHaveLength(500);
      expect((await store.listTasks({ limit: 1 }))[0]?.createdAt).toBe(at(509).toISOString());
    });

    it("bad input is refused with every problem named, and nothing is stored", async () => {
      const store = await h.fresh();
      const refused = async (task: NewRemediationTask, problem: RegExp) => {
        const err = await store.createTask(task).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(InvalidTaskError);
        expect((err as Error).message).toMatch(problem);
        expect(await store.getTask(task.id)).toBeUndefined();
        expect(await store.findTask({ key: task.key })).toBeUndefined();
      };
      await refused(makeTask({ title: "x".repeat(TASK_LIMITS.title + 1) }), /^task "task-[^"]+" refused, nothing was stored: title is 257 characters long, more than 256$/);
      await refused(makeTask({ title: "" }), /title is empty/);
      await refused(makeTask({ description: "x".repeat(TASK_LIMITS.description + 1) }), /description is 65537 characters long/);
      await refused(makeTask({ description: "nul \u0000 inside" }), /description holds a NUL character/);
      await refused(makeTask({ title: "broken \ud800 pair" }), /title holds a NUL character or a broken surrogate pair/);
      await refused(makeTask({ repository: "not a repository" }), /repository must be owner\/name/);
      await refused(makeTask({ createdAt: "yesterday" }), /createdAt must be an ISO-8601 UTC time/);
      await refused(makeTask({ dueAt: "2030-01-01T00:00:00Z" }), /dueAt must be an ISO-8601 UTC time/);
      await refused(makeTask({ status: "done" as never }), /status must be one of open, completed, closed/);
      await refused(makeTask({ status: "completed" }), /a completed task needs closedAt/);
      await refused(makeTask({ closedAt: T0.toISOString() }), /an open task has no closedAt/);
      await refused(makeTask({ status: "closed", resolution: "alertFixed", closedAt: T0.toISOString() }), /a task resolved alertFixed is completed, not "closed"/);
      await refused(makeTask({ assignedTo: ["a", "a"] }), /assignedTo lists a login twice/);
      await refused(makeTask({ relatedFindings: [finding(1), finding(1)] }), /relatedFindings lists a fingerprint twice/);
      await refused(makeTask({ relatedFindings: [finding(1, { severity: "urgent" as never })] }), /relatedFindings\[0\]\.severity must be one of/);
      await refused(makeTask({ installationId: 1.5 }), /installationId must be a positive integer/);
      await refused(makeTask({ issueUrl: "https://github.com/acme/api/issues/1" }), /issueUrl comes with issueNumber/);
      // Several problems at once are all named.
      await refused(makeTask({ title: "", repository: "x" }), /title is empty; repository must be owner\/name/);
      expect(await store.listTasks()).toEqual([]);
    });

    it("a bad update or a bad finding is refused and writes nothing", async () => {
      const store = await h.fresh();
      const task = makeTask();
      await store.createTask(task);
      await expect(store.updateTask(task.id, 1, { title: "x".repeat(TASK_LIMITS.title + 1) })).rejects.toThrow(/update|title is 257 characters/);
      await expect(store.updateTask(task.id, 1, { status: "completed" })).rejects.toThrow(/a completed task needs closedAt/);
      await expect(store.updateTask(task.id, 1, { relatedFindings: [finding(1), finding(1)] })).rejects.toThrow(InvalidTaskError);
      await expect(store.addRelatedFinding(task.id, finding(1, { firstSeenAt: "soon" }))).rejects.toThrow(/related finding refused, nothing was stored: finding\.firstSeenAt/);
      expect(await store.getTask(task.id)).toEqual({ ...task, version: 1 });
    });
  });
}
