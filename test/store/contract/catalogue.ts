// The workflow catalogue's contract, part one: org-wide workflows and their versions (createWorkflow, addWorkflowVersion, the reads), and durability.
import { describe, expect, it } from "vitest";
import type { NewWorkflowVersion } from "../../../src/domain/stored-workflow.js";
import type { ContractHarness } from "../store-contract.js";
import { makeRepoWorkflow, makeVersion } from "./catalogue-fixtures.js";

const ACME = { id: "wf-triage", owner: "Acme", installationId: 4_200_000_001 };

/** createWorkflow / addWorkflowVersion / getStoredWorkflow / getWorkflowVersion / listWorkflowVersions / latestWorkflowsOf. */
export function catalogueContract(h: ContractHarness): void {
  describe("workflow catalogue: org-wide workflows", () => {
    it("creates a workflow with its first version and reads both back whole", async () => {
      const store = await h.fresh();
      const first = makeVersion(ACME.id);
      const result = await store.createWorkflow(ACME, first);
      const workflow = { id: ACME.id, owner: "Acme", installationId: ACME.installationId, name: "Triage", version: "1.0.0", repositories: first.repositories, versions: 1, createdAt: first.createdAt, updatedAt: first.createdAt };
      const version = { workflowId: ACME.id, seq: 1, version: "1.0.0", definition: first.definition, source: first.source, format: "yaml", repositories: first.repositories, createdAt: first.createdAt, createdBy: "octocat" };
      expect(result).toEqual({ created: true, workflow, version });
      expect(await store.getStoredWorkflow(ACME.id)).toEqual(workflow);
      expect(await store.getWorkflowVersion(ACME.id)).toEqual(version);
      expect(await store.getWorkflowVersion(ACME.id, "1.0.0")).toEqual(version);
      expect(await store.listWorkflowVersions(ACME.id)).toEqual([version]);
      expect(await store.getStoredWorkflow("nope")).toBeUndefined();
      expect(await store.getWorkflowVersion("nope")).toBeUndefined();
      expect(await store.getWorkflowVersion(ACME.id, "9.9.9")).toBeUndefined();
      expect(await store.listWorkflowVersions("nope")).toEqual([]);
    });

    it("a workflow created without an installation reads back without one", async () => {
      const store = await h.fresh();
      await store.createWorkflow({ id: "wf-x", owner: "acme" }, makeVersion("wf-x", { format: "json" }));
      const stored = await store.getStoredWorkflow("wf-x");
      expect(stored).not.toHaveProperty("installationId");
      expect((await store.getWorkflowVersion("wf-x"))?.format).toBe("json");
    });

    it("idTaken: an id of any owner is taken, and nothing changes", async () => {
      const store = await h.fresh();
      const { workflow } = (await store.createWorkflow(ACME, makeVersion(ACME.id))) as { workflow: unknown };
      const again = await store.createWorkflow({ id: ACME.id, owner: "globex" }, makeVersion(ACME.id, { name: "Other", version: "2.0.0" }));
      expect(again).toEqual({ created: false, reason: "idTaken", existing: workflow });
      expect(await store.getStoredWorkflow(ACME.id)).toEqual(workflow);
      expect(await store.listWorkflowVersions(ACME.id)).toHaveLength(1);
    });

    it("nameTaken: the owner's name in any case is taken; another owner may use it", async () => {
      const store = await h.fresh();
      const { workflow } = (await store.createWorkflow(ACME, makeVersion(ACME.id, { name: "Triage" }))) as { workflow: unknown };
      const clash = await store.createWorkflow({ id: "wf-2", owner: "ACME" }, makeVersion("wf-2", { name: "tRIAGE" }));
      expect(clash).toEqual({ created: false, reason: "nameTaken", existing: workflow });
      expect(await store.getStoredWorkflow("wf-2")).toBeUndefined();
      expect(await store.listWorkflowVersions("wf-2")).toEqual([]);
      expect((await store.createWorkflow({ id: "wf-3", owner: "globex" }, makeVersion("wf-3", { name: "Triage" }))).created).toBe(true);
    });

    it("concurrent creators of one id: exactly one creates, the others get it as idTaken", async () => {
      const store = await h.fresh();
      const results = await Promise.all(["a", "b", "c"].map((n) => store.createWorkflow({ id: "wf-race", owner: "acme" }, makeVersion("wf-race", { name: `Race ${n}` }))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.filter((r) => !r.created && r.reason === "idTaken")).toHaveLength(2);
      expect(await store.listWorkflowVersions("wf-race")).toHaveLength(1);
    });

    it("versions come in order: seq 1, 2, 3; the workflow follows the latest; any one is found by its semver", async () => {
      const store = await h.fresh();
      const first = makeVersion(ACME.id, {}, 0);
      await store.createWorkflow(ACME, first);
      const second = makeVersion(ACME.id, { version: "1.1.0-beta.1", repositories: ["*"] }, 1_000);
      const added = await store.addWorkflowVersion(ACME.id, 1, second);
      expect(added).toMatchObject({ added: true, version: { seq: 2, version: "1.1.0-beta.1", repositories: ["*"] }, workflow: { version: "1.1.0-beta.1", versions: 2, repositories: ["*"], updatedAt: second.createdAt } });
      const third = makeVersion(ACME.id, { version: "1.1.0" }, 2_000);
      expect((await store.addWorkflowVersion(ACME.id, 2, third)).added).toBe(true);
      expect(await store.getStoredWorkflow(ACME.id)).toMatchObject({ version: "1.1.0", versions: 3, createdAt: first.createdAt, updatedAt: third.createdAt, repositories: third.repositories });
      expect((await store.listWorkflowVersions(ACME.id)).map((v) => [v.seq, v.version])).toEqual([[1, "1.0.0"], [2, "1.1.0-beta.1"], [3, "1.1.0"]]);
      expect(await store.getWorkflowVersion(ACME.id)).toMatchObject({ seq: 3, version: "1.1.0", definition: third.definition, createdAt: third.createdAt });
      expect(await store.getWorkflowVersion(ACME.id, "1.1.0-beta.1")).toMatchObject({ seq: 2, definition: second.definition, source: second.source });
    });

    it("versionNotGreater: an equal, lower, or build-only different semver is refused and nothing is written", async () => {
      const store = await h.fresh();
      const { workflow } = (await store.createWorkflow(ACME, makeVersion(ACME.id, { version: "1.2.0" }))) as { workflow: unknown };
      for (const version of ["1.2.0", "1.1.9", "1.2.0-rc.1", "1.2.0+build.7"]) {
        expect(await store.addWorkflowVersion(ACME.id, 1, makeVersion(ACME.id, { version }))).toEqual({ added: false, reason: "versionNotGreater", workflow });
      }
      expect(await store.getStoredWorkflow(ACME.id)).toEqual(workflow);
      expect(await store.listWorkflowVersions(ACME.id)).toHaveLength(1);
    });

    it("conflict: an update over a version that is no longer the latest; of two concurrent ones exactly one is added", async () => {
      const store = await h.fresh();
      await store.createWorkflow(ACME, makeVersion(ACME.id));
      const results = await Promise.all([store.addWorkflowVersion(ACME.id, 1, makeVersion(ACME.id, { version: "1.1.0" })), store.addWorkflowVersion(ACME.id, 1, makeVersion(ACME.id, { version: "2.0.0" }))]);
      expect(results.filter((r) => r.added)).toHaveLength(1);
      const lost = results.find((r) => !r.added);
      expect(lost).toMatchObject({ added: false, reason: "conflict", workflow: { versions: 2 } });
      expect(await store.listWorkflowVersions(ACME.id)).toHaveLength(2);
      // A stale writer stays stale, whatever its semver.
      expect(await store.addWorkflowVersion(ACME.id, 1, makeVersion(ACME.id, { version: "9.0.0" }))).toMatchObject({ reason: "conflict" });
      expect(await store.addWorkflowVersion(ACME.id, 5, makeVersion(ACME.id, { version: "9.0.0" }))).toMatchObject({ reason: "conflict" });
      expect(await store.addWorkflowVersion("nope", 1, makeVersion("nope"))).toEqual({ added: false, reason: "notFound" });
    });

    it("a version renames the workflow; a name another workflow of the owner has is refused (nameTaken)", async () => {
      const store = await h.fresh();
      await store.createWorkflow(ACME, makeVersion(ACME.id, { name: "Triage" }));
      const { workflow: other } = (await store.createWorkflow({ id: "wf-audit", owner: "acme" }, makeVersion("wf-audit", { name: "Audit" }))) as { workflow: unknown };
      const taken = await store.addWorkflowVersion("wf-audit", 1, makeVersion("wf-audit", { name: "TRIAGE", version: "1.1.0" }));
      expect(taken).toEqual({ added: false, reason: "nameTaken", workflow: other });
      expect(await store.listWorkflowVersions("wf-audit")).toHaveLength(1);
      // Its own name in another case is no clash.
      expect(await store.addWorkflowVersion(ACME.id, 1, makeVersion(ACME.id, { name: "TRIAGE", version: "1.0.1" }))).toMatchObject({ added: true, workflow: { name: "TRIAGE" } });
      expect(await store.addWorkflowVersion(ACME.id, 2, makeVersion(ACME.id, { name: "Intake", version: "1.1.0" }))).toMatchObject({ added: true, workflow: { name: "Intake", versions: 3 } });
      // The old name is free again.
      expect(await store.addWorkflowVersion("wf-audit", 1, makeVersion("wf-audit", { name: "triage", version: "2.0.0" }))).toMatchObject({ added: true, workflow: { name: "triage" } });
      expect((await store.createWorkflow({ id: "wf-4", owner: "ACME" }, makeVersion("wf-4", { name: "intake" }))).created).toBe(false);
    });

    it("latestWorkflowsOf: the latest version of each of the owner's workflows (any case), by id", async () => {
      const store = await h.fresh();
      await store.createWorkflow({ id: "wf-b", owner: "Acme" }, makeVersion("wf-b", { name: "B" }));
      await store.createWorkflow({ id: "wf-a", owner: "acme" }, makeVersion("wf-a", { name: "A" }));
      await store.addWorkflowVersion("wf-a", 1, makeVersion("wf-a", { name: "A", version: "1.5.0" }));
      await store.createWorkflow({ id: "wf-c", owner: "globex" }, makeVersion("wf-c", { name: "C" }));
      expect((await store.latestWorkflowsOf("ACME")).map((v) => [v.workflowId, v.seq, v.version])).toEqual([["wf-a", 2, "1.5.0"], ["wf-b", 1, "1.0.0"]]);
      expect(await store.latestWorkflowsOf("nobody")).toEqual([]);
    });

    it("refuses a record that breaks a bound or is not well formed, naming the field, and writes nothing", async () => {
      const store = await h.fresh();
      const bad: [{ id: string; owner: string; installationId?: number }, Partial<NewWorkflowVersion>, RegExp][] = [
        [{ id: "x".repeat(129), owner: "acme" }, {}, /id is 129 characters long, more than 128/],
        [{ id: "wf-1", owner: "" }, {}, /owner is empty/],
        [{ id: "wf-1", owner: "o".repeat(101) }, {}, /owner is 101 characters long/],
        [{ id: "wf-1", owner: "acme", installationId: -1 }, {}, /installationId must be a positive integer/],
        [{ id: "wf-1", owner: "acme" }, { version: "v1.0" }, /first\.version must be a semantic version/],
        [{ id: "wf-1", owner: "acme" }, { repositories: Array.from({ length: 101 }, (_, i) => `r${i}`) }, /first\.repositories has 101 entries, more than 100/],
        [{ id: "wf-1", owner: "acme" }, { repositories: ["r".repeat(201)] }, /first\.repositories\[0\] is 201 characters long/],
        [{ id: "wf-1", owner: "acme" }, { definition: { n: 1n } as never }, /first\.definition cannot be stored as JSON/],
        [{ id: "wf-1", owner: "acme" }, { format: "toml" as never }, /first\.format must be one of yaml, json/],
        [{ id: "wf-1", owner: "acme" }, { createdAt: "yesterday" }, /first\.createdAt must be an ISO-8601 UTC time/],
        [{ id: "wf-1", owner: "acme" }, { name: "a\u0000b" }, /first\.name holds a NUL character/],
      ];
      for (const [workflow, version, message] of bad) {
        await expect(store.createWorkflow(workflow, makeVersion(workflow.id, version))).rejects.toThrow(message);
      }
      expect(await store.listCatalogue()).toEqual({ entries: [] });
      await store.createWorkflow(ACME, makeVersion(ACME.id));
      await expect(store.addWorkflowVersion(ACME.id, 1, makeVersion(ACME.id, { version: "2", createdBy: "" }))).rejects.toThrow(/next\.version must be a semantic version.*next\.createdBy is empty/);
      expect(await store.listWorkflowVersions(ACME.id)).toHaveLength(1);
    });

    // Needs one database opened twice: registered only for backends that have that.
    if (h.shared) it("the catalogue survives closing and reopening the database", async () => {
      const db = await h.shared!();
      const before = await db.open();
      await before.createWorkflow(ACME, makeVersion(ACME.id, {}, 0));
      await before.addWorkflowVersion(ACME.id, 1, makeVersion(ACME.id, { version: "1.1.0" }, 1_000));
      await before.replaceRepositoryWorkflows("acme/api", 4_200_000_001, [makeRepoWorkflow("acme/api", "wf-repo")]);
      const workflow = await before.getStoredWorkflow(ACME.id);
      const versions = await before.listWorkflowVersions(ACME.id);
      const listing = await before.listCatalogue();
      await before.close();

      const after = await db.open();
      expect(await after.getStoredWorkflow(ACME.id)).toEqual(workflow);
      expect(await after.listWorkflowVersions(ACME.id)).toEqual(versions);
      expect(await after.listCatalogue()).toEqual(listing);
      expect(listing.entries.map((e) => `${e.source}:${e.workflow.id}`)).toEqual(["repository:wf-repo", "api:wf-triage"]);
      // The latest seq is stored: a stale writer is still refused after the restart.
      expect(await after.addWorkflowVersion(ACME.id, 1, makeVersion(ACME.id, { version: "2.0.0" }, 2_000))).toMatchObject({ reason: "conflict" });
      expect((await after.addWorkflowVersion(ACME.id, 2, makeVersion(ACME.id, { version: "2.0.0" }, 2_000))).added).toBe(true);
    });
  });
}
