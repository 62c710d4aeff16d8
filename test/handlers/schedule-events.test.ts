import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { JOB_PRIORITY } from "../../src/domain/ports.js";
import { scheduleRefreshJobs as jobsOf, SCHEDULE_EVENTS } from "../../src/handlers/schedule-events.js";

/** The jobs' types and payloads; every one is maintenance of the event's installation (checked here). */
function scheduleRefreshJobs(event: string, payload: any, deliveryId?: string) {
  return jobsOf(event, payload, deliveryId).map(({ installationId, priority, ...job }) => {
    expect(priority).toBe(JOB_PRIORITY.maintenance);
    expect(installationId).toBe(job.payload.installationId);
    return job;
  });
}

/** The first example payload of an event (and action), deep-copied so a test may change it. */
function example(event: string, action?: string, pick: (p: any) => boolean = () => true): any {
  const found = (examples as any[]).find((e) => e.name === event)?.examples.find((p: any) => (action === undefined || p.action === action) && pick(p));
  if (!found) throw new Error(`no example for ${event}.${action}`);
  return structuredClone(found);
}

const HELLO_WORLD = {
  id: 186853002,
  owner: "Codertocat",
  name: "Hello-World",
  fullName: "Codertocat/Hello-World",
  defaultBranch: "master",
  url: "https://github.com/Codertocat/Hello-World",
};

/** The example push to the default branch (`refs/heads/master`), with these commits. */
function push(commits: Array<{ added?: string[]; modified?: string[]; removed?: string[] }>, overrides: Record<string, unknown> = {}) {
  const payload = example("push", undefined, (p) => p.ref === "refs/heads/master");
  const template = payload.commits[0];
  payload.commits = commits.map((c, i) => ({ ...template, id: `${i}`.padStart(40, "0"), added: [], modified: [], removed: [], ...c }));
  return { ...payload, created: false, forced: false, ...overrides };
}

describe("scheduleRefreshJobs", () => {
  it("lists the events it reacts to", () => {
    expect(SCHEDULE_EVENTS).toEqual(["installation", "installation_repositories", "push", "repository"]);
  });

  it.each(["created", "new_permissions_accepted", "unsuspend"])("installation.%s refreshes the installation", (action) => {
    const payload = example("installation", action);
    expect(scheduleRefreshJobs("installation", payload)).toEqual([{ type: "refresh-installation-schedules", payload: { installationId: payload.installation.id } }]);
  });

  it("installation.deleted removes the installation's schedules, naming its repositories", () => {
    expect(scheduleRefreshJobs("installation", example("installation", "deleted"))).toEqual([
      { type: "remove-installation-schedules", payload: { installationId: 2, repositories: ["octocat/Hello-World"] } },
    ]);
  });

  it("installation.suspend removes them too (a suspended app may not act)", () => {
    expect(scheduleRefreshJobs("installation", example("installation", "suspend"))).toEqual([
      { type: "remove-installation-schedules", payload: { installationId: 16598467, repositories: [] } },
    ]);
  });

  it("installation_repositories.added refreshes each added repository; the job looks up its default branch", () => {
    expect(scheduleRefreshJobs("installation_repositories", example("installation_repositories", "added"))).toEqual([
      { type: "refresh-repository-schedules", payload: { installationId: 957387, repository: { id: 186853007, owner: "Codertocat", name: "Space", fullName: "Codertocat/Space" } } },
    ]);
  });

  it("installation_repositories.added with many repositories refreshes the installation once instead", () => {
    const payload = example("installation_repositories", "added");
    payload.repositories_added = Array.from({ length: 6 }, (_, i) => ({ ...payload.repositories_added[0], id: i, name: `r${i}`, full_name: `Codertocat/r${i}` }));
    expect(scheduleRefreshJobs("installation_repositories", payload)).toEqual([{ type: "refresh-installation-schedules", payload: { installationId: 957387 } }]);
  });

  it("installation_repositories.removed removes the repositories' schedules", () => {
    expect(scheduleRefreshJobs("installation_repositories", example("installation_repositories", "removed"))).toEqual([
      { type: "remove-repository-schedules", payload: { installationId: 2, repositories: ["octocat/Hello-World"] } },
    ]);
  });

  describe("push", () => {
    const refresh = [{ type: "refresh-repository-schedules", payload: { installationId: 1, repository: HELLO_WORLD } }];

    it("to the default branch, adding, changing or removing a file under .governance/, refreshes the repository", () => {
      expect(scheduleRefreshJobs("push", push([{ added: ["README.md"] }, { added: [".governance/sweep.yml"] }]))).toEqual(refresh);
      expect(scheduleRefreshJobs("push", push([{ modified: [".governance/sweep.yml"] }]))).toEqual(refresh);
      expect(scheduleRefreshJobs("push", push([{ removed: [".governance/old.json"] }]))).toEqual(refresh);
    });

    it("that touches nothing under .governance/ changes nothing", () => {
      expect(scheduleRefreshJobs("push", push([{ added: ["README.md"], modified: ["src/.governance.yml", "docs/.governance/x.yml"] }]))).toEqual([]);
    });

    it("to another branch, or a tag, changes nothing", () => {
      expect(scheduleRefreshJobs("push", push([{ added: [".governance/a.yml"] }], { ref: "refs/heads/feature" }))).toEqual([]);
      const tag = example("push", undefined, (p) => p.ref === "refs/tags/simple-tag");
      expect(scheduleRefreshJobs("push", tag)).toEqual([]);
    });

    it("that creates or force-pushes the default branch refreshes whatever the commits say", () => {
      // The example itself: the first push to a new repository's default branch.
      expect(scheduleRefreshJobs("push", example("push", undefined, (p) => p.ref === "refs/heads/master"))).toEqual(refresh);
      expect(scheduleRefreshJobs("push", push([{ added: ["README.md"] }], { forced: true }))).toEqual(refresh);
    });

    it("whose commit list may be cut short (20 or more), or is empty, refreshes", () => {
      expect(scheduleRefreshJobs("push", push(Array.from({ length: 20 }, () => ({ modified: ["README.md"] }))))).toEqual(refresh);
      expect(scheduleRefreshJobs("push", push([]))).toEqual(refresh);
      expect(scheduleRefreshJobs("push", push(Array.from({ length: 19 }, () => ({ modified: ["README.md"] }))))).toEqual([]);
    });

    it("that deletes the branch changes nothing", () => {
      expect(scheduleRefreshJobs("push", push([], { deleted: true }))).toEqual([]);
    });
  });

  describe("repository", () => {
    it.each(["renamed", "transferred", "unarchived"])("%s refreshes the repository under its (new) name", (action) => {
      const payload = { ...example("repository", "renamed"), action };
      expect(scheduleRefreshJobs("repository", payload)).toEqual([
        {
          type: "refresh-repository-schedules",
          payload: {
            installationId: 1,
            repository: { id: payload.repository.id, owner: "Octocoders", name: "Hello-World", fullName: "Octocoders/Hello-World", defaultBranch: "master", url: "https://github.com/Octocoders/Hello-World" },
          },
        },
      ]);
    });

    it("a changed default branch refreshes; other edits do not", () => {
      const edits = (examples as any[]).find((e) => e.name === "repository").examples.filter((p: any) => p.action === "edited");
      const withInstallation = (p: any) => ({ ...p, installation: { id: 5 } });
      const branch = edits.find((p: any) => p.changes.default_branch);
      const description = edits.find((p: any) => p.changes.description);
      expect(scheduleRefreshJobs("repository", withInstallation(branch))).toHaveLength(1);
      expect(scheduleRefreshJobs("repository", withInstallation(description))).toEqual([]);
    });

    it("deleted and archived remove the repository's schedules", () => {
      const payload = { ...example("repository", "publicized"), action: "archived", installation: { id: 5 } };
      expect(scheduleRefreshJobs("repository", payload)).toEqual([{ type: "remove-repository-schedules", payload: { installationId: 5, repositories: [payload.repository.full_name] } }]);
      expect(scheduleRefreshJobs("repository", { ...payload, action: "deleted" })[0]?.type).toBe("remove-repository-schedules");
      expect(scheduleRefreshJobs("repository", { ...payload, action: "privatized" })).toEqual([]);
    });
  });

  it("with a delivery id, keys each job by it: a redelivery enqueues nothing new", () => {
    const payload = example("installation_repositories", "removed");
    payload.repositories_added = [{ id: 3, name: "x", full_name: "octocat/x" }];
    expect(scheduleRefreshJobs("installation_repositories", payload, "d-1").map((j) => j.key)).toEqual(["schedules:d-1:0", "schedules:d-1:1"]);
  });

  it("ignores other events, payloads without an installation, and junk", () => {
    expect(scheduleRefreshJobs("pull_request", example("pull_request", "opened"))).toEqual([]);
    const { installation: _, ...noInstallation } = example("installation", "created");
    expect(scheduleRefreshJobs("installation", noInstallation)).toEqual([]);
    expect(scheduleRefreshJobs("installation", null)).toEqual([]);
    expect(scheduleRefreshJobs("push", { installation: { id: 1 }, ref: "refs/heads/main", repository: { default_branch: "main" } })).toEqual([]);
    expect(scheduleRefreshJobs("installation_repositories", { installation: { id: 1 }, action: "added", repositories_added: [null, 3, { full_name: 7 }] })).toEqual([]);
  });
});
