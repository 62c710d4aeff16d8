import { afterEach, describe, expect, it, vi } from "vitest";
import type { RepositoryInfo } from "../../src/domain/events.js";
import { silentLogger, type GitHubPort, type GovernanceFolder, type Job, type Logger, type RepoRef, type Store } from "../../src/domain/ports.js";
import { queueUnindexedInstallations, refreshInstallationSchedules, refreshRepositorySchedules, SCHEDULE_JOB_TYPES, scheduleJobs, type ScheduleIndexDeps } from "../../src/engine/schedule-index.js";
import { WorkflowSource } from "../../src/engine/workflow-source.js";
import { openStore } from "../../src/store/open-store.js";
import { takeAll } from "../store/contract/helpers.js";

const T0 = new Date("2030-01-01T00:00:00.000Z");
const INSTALLATION = 31;

function repo(name: string, id: number, defaultBranch = "main"): RepositoryInfo {
  return { id, owner: "acme", name, fullName: `acme/${name}`, defaultBranch, url: `https://github.com/acme/${name}` };
}

const SCHEDULED = `name: Weekly sweep
version: 1.0.0
triggers:
  - type: onPR
  - type: onSchedule
    config: { cron: "0 9 * * MON", timezone: Europe/Kyiv }
  - type: onSchedule
    config: { cron: "@daily" }
steps:
  - id: s
    type: action
    action: { kind: createIssue, parameters: { title: sweep } }
`;
const UNSCHEDULED = SCHEDULED.replace(/ {2}- type: onSchedule[\s\S]*?(?=steps:)/, "");
const BROKEN = `name: Broken\nversion: 1.0.0\ntriggers:\n  - type: onSchedule\n    config: { cron: "every day" }\nsteps: []\n`;

/** A GitHub holding `.governance/` folders by "owner/name@ref", and one installation's repositories. */
class FolderGitHub implements GitHubPort {
  folders = new Map<string, Record<string, string>>();
  repositories: RepositoryInfo[] = [];
  reads: string[] = [];
  failing = new Set<string>();

  async readGovernanceFolder(r: RepoRef, ref: string): Promise<GovernanceFolder> {
    const key = `${r.owner}/${r.repo}@${ref}`;
    this.reads.push(key);
    if (this.failing.has(`${r.owner}/${r.repo}`)) throw new Error("502 Bad Gateway");
    const files = Object.entries(this.folders.get(key) ?? {}).map(([path, text]) => ({ path, oid: `${path}:${text.length}:${text}`, byteSize: text.length, text }));
    return { commit: "c".repeat(40), ...(files.length ? { treeOid: "t".repeat(40) } : {}), files };
  }
  async governanceTreeOid(r: RepoRef, ref: string) {
    if (this.failing.has(`${r.owner}/${r.repo}`)) throw new Error("502 Bad Gateway");
    return this.folders.has(`${r.owner}/${r.repo}@${ref}`) ? "t".repeat(40) : undefined;
  }
  async listInstallationRepositories() {
    return this.repositories;
  }
  async listPullRequestFiles(): Promise<string[]> {
    throw new Error("not used");
  }
  async createIssue(): Promise<never> {
    throw new Error("not used");
  }
  async checkRunAppSlug(): Promise<never> {
    throw new Error("not used");
  }
  async getDefaultBranch(): Promise<never> {
    throw new Error("not used");
  }
  async readDispatchInputs(): Promise<never> {
    throw new Error("not used");
  }
  async dispatchWorkflow(): Promise<never> {
    throw new Error("not used");
  }
  async findIssueByMarker(): Promise<never> {
    throw new Error("not used");
  }
  async createComment(): Promise<never> {
    throw new Error("not used");
  }
  async findCommentByMarker(): Promise<never> {
    throw new Error("not used");
  }
  async getPermission(): Promise<never> {
    throw new Error("not used");
  }
  async isTeamMember(): Promise<never> {
    throw new Error("not used");
  }
  async createCheckRun(): Promise<never> {
    throw new Error("not used");
  }
  async findCheckRun(): Promise<never> {
    throw new Error("not used");
  }
  async updateCheckRun(): Promise<never> {
    throw new Error("not used");
  }
  async readTextFile(): Promise<never> {
    throw new Error("not used");
  }
  async listTeamMembers(): Promise<never> {
    throw new Error("not used");
  }
  async filterAssignable(): Promise<never> {
    throw new Error("not used");
  }
  async updateIssue(): Promise<never> {
    throw new Error("not used");
  }
}

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function setup(log: Logger = silentLogger) {
  const store = await openStore("sqlite::memory:");
  stores.push(store);
  let now = T0;
  const clock = { now: () => now };
  const deps: ScheduleIndexDeps = { store, source: new WorkflowSource(), clock, log };
  return { store, deps, github: new FolderGitHub(), setNow: (d: Date) => (now = d) };
}

const summary = async (store: Store) => (await store.listSchedules()).map((s) => `${s.repository.fullName} ${s.workflowPath}#${s.triggerIndex} ${s.cron} ${s.timezone}`);

describe("refreshRepositorySchedules", () => {
  it("indexes each onSchedule trigger of the default branch's valid workflows; time zone defaults to UTC", async () => {
    const log: Logger = { ...silentLogger, warn: vi.fn() };
    const { store, deps, github } = await setup(log);
    const api = repo("api", 1, "trunk");
    github.folders.set("acme/api@trunk", { ".governance/sweep.yml": SCHEDULED, ".governance/pr.yml": UNSCHEDULED, ".governance/broken.yml": BROKEN, ".governance/notes.txt": "x" });
    github.folders.set("acme/api@main", { ".governance/other.yml": SCHEDULED });

    expect(await refreshRepositorySchedules(deps, github, api, INSTALLATION)).toBe(2);
    expect(await summary(store)).toEqual(["acme/api .governance/sweep.yml#1 0 9 * * MON Europe/Kyiv", "acme/api .governance/sweep.yml#2 @daily UTC"]);
    const [weekly, daily] = await store.listSchedules();
    // 2030-01-01 is a Tuesday: next Monday 09:00 in Kyiv is 07:00Z.
    expect(weekly).toMatchObject({ repository: api, installationId: INSTALLATION, lastTickAt: T0.toISOString(), nextDueAt: "2030-01-07T07:00:00.000Z" });
    expect(daily).toMatchObject({ nextDueAt: "2030-01-02T00:00:00.000Z" });
    expect(github.reads).toEqual(["acme/api@trunk"]);
  });

  it("a repository without `.governance/` (or an empty one) has no schedules, and costs no folder read", async () => {
    const { store, deps, github } = await setup();
    await store.replaceSchedules(repo("api", 1), INSTALLATION, [{ workflowPath: "gone.yml", triggerIndex: 0, cron: "@daily", timezone: "UTC" }], T0);
    expect(await refreshRepositorySchedules(deps, github, repo("api", 1), INSTALLATION)).toBe(0);
    expect(await store.listSchedules()).toEqual([]);
    expect(github.reads).toEqual([]);
  });

  it("a refresh keeps the ticks of unchanged triggers and restarts changed ones", async () => {
    const { store, deps, github, setNow } = await setup();
    github.folders.set("acme/api@main", { ".governance/sweep.yml": SCHEDULED });
    await refreshRepositorySchedules(deps, github, repo("api", 1), INSTALLATION);
    const [weekly] = await store.listSchedules();
    await store.markScheduleFired(weekly!.id, new Date("2030-01-07T07:00:00Z"), new Date("2030-01-14T07:00:00Z"));

    setNow(new Date("2030-01-08T00:00:00Z"));
    github.folders.set("acme/api@main", { ".governance/sweep.yml": SCHEDULED.replace("@daily", "@hourly") });
    await refreshRepositorySchedules(deps, github, repo("api", 1), INSTALLATION);
    const [kept, changed] = await store.listSchedules();
    expect(kept).toMatchObject({ id: weekly!.id, lastTickAt: "2030-01-07T07:00:00.000Z", nextDueAt: "2030-01-14T07:00:00.000Z" });
    expect(changed).toMatchObject({ cron: "@hourly", lastTickAt: "2030-01-08T00:00:00.000Z", nextDueAt: "2030-01-08T01:00:00.000Z" });
  });
});

describe("refreshInstallationSchedules", () => {
  it("refreshes every repository, reports failures, and drops repositories the installation no longer has", async () => {
    const { store, deps, github } = await setup();
    github.repositories = [repo("api", 1), repo("web", 2), repo("flaky", 3)];
    github.folders.set("acme/api@main", { ".governance/sweep.yml": SCHEDULED });
    github.folders.set("acme/web@main", { ".governance/pr.yml": UNSCHEDULED });
    github.failing.add("acme/flaky");
    await store.replaceSchedules(repo("flaky", 3), INSTALLATION, [{ workflowPath: "kept.yml", triggerIndex: 0, cron: "@daily", timezone: "UTC" }], T0);
    await store.replaceSchedules(repo("removed", 4), INSTALLATION, [{ workflowPath: "a.yml", triggerIndex: 0, cron: "@daily", timezone: "UTC" }], T0);
    await store.replaceSchedules(repo("elsewhere", 5), 99, [{ workflowPath: "a.yml", triggerIndex: 0, cron: "@daily", timezone: "UTC" }], T0);

    const result = await refreshInstallationSchedules(deps, github, INSTALLATION);
    expect(result).toEqual({ repositories: 3, schedules: 2, failed: [repo("flaky", 3)] });
    expect((await store.listSchedules()).map((s) => `${s.repository.fullName} ${s.workflowPath}`)).toEqual([
      "acme/api .governance/sweep.yml",
      "acme/api .governance/sweep.yml",
      "acme/elsewhere a.yml",
      "acme/flaky kept.yml",
    ]);
  });
});

describe("scheduleJobs", () => {
  const job = (type: string, payload: Record<string, unknown>): Job => ({ id: "j", type, payload, attempts: 1, maxAttempts: 5, runAt: T0.toISOString() });

  async function jobsSetup() {
    const ctx = await setup();
    const githubFor = vi.fn(async () => ctx.github);
    return { ...ctx, githubFor, handlers: scheduleJobs({ ...ctx.deps, githubFor }) };
  }

  it("handles the four job types", async () => {
    const { handlers } = await jobsSetup();
    expect(Object.keys(handlers).sort()).toEqual(Object.values(SCHEDULE_JOB_TYPES).sort());
  });

  it("refresh-installation-schedules fans out one job per repository, with its full info, and prunes", async () => {
    const { store, github, githubFor, handlers } = await jobsSetup();
    github.repositories = [repo("api", 1), repo("web", 2, "trunk")];
    await store.replaceSchedules(repo("removed", 4), INSTALLATION, [{ workflowPath: "a.yml", triggerIndex: 0, cron: "@daily", timezone: "UTC" }], T0);
    await handlers[SCHEDULE_JOB_TYPES.refreshInstallation]!(job(SCHEDULE_JOB_TYPES.refreshInstallation, { installationId: INSTALLATION }));
    expect(githubFor).toHaveBeenCalledWith(INSTALLATION);
    expect((await takeAll(store)).map((j) => [j.type, j.payload])).toEqual([
      ["refresh-repository-schedules", { installationId: INSTALLATION, repository: repo("api", 1) }],
      ["refresh-repository-schedules", { installationId: INSTALLATION, repository: repo("web", 2, "trunk") }],
    ]);
    expect(await store.listSchedules()).toEqual([]);
    // The installation is indexed for good: a restart does not read it again.
    expect(await store.unindexedInstallations([INSTALLATION])).toEqual([]);
  });

  it("at start, only installations never indexed are queued, as maintenance behind engine work", async () => {
    const { store, github, handlers } = await jobsSetup();
    github.repositories = [repo("api", 1)];
    await handlers[SCHEDULE_JOB_TYPES.refreshInstallation]!(job(SCHEDULE_JOB_TYPES.refreshInstallation, { installationId: INSTALLATION }));
    await takeAll(store);
    expect(await queueUnindexedInstallations(store, [INSTALLATION, 501, 502])).toBe(2);
    await store.enqueue({ type: "delivery", payload: { deliveryId: "d" }, installationId: 501 });
    const taken = await takeAll(store);
    expect(taken.map((j) => [j.type, j.payload.installationId ?? j.payload.deliveryId])).toEqual([
      ["delivery", "d"],
      ["refresh-installation-schedules", 501],
      ["refresh-installation-schedules", 502],
    ]);
  });

  it("refresh-repository-schedules takes a full repository as it is, and looks a partial one up", async () => {
    const { store, github, handlers } = await jobsSetup();
    github.folders.set("acme/api@main", { ".governance/sweep.yml": SCHEDULED });
    github.folders.set("acme/space@develop", { ".governance/sweep.yml": SCHEDULED });
    github.repositories = [repo("space", 9, "develop")];
    await handlers["refresh-repository-schedules"]!(job("refresh-repository-schedules", { installationId: INSTALLATION, repository: repo("api", 1) }));
    await handlers["refresh-repository-schedules"]!(job("refresh-repository-schedules", { installationId: INSTALLATION, repository: { id: 9, fullName: "acme/space", owner: "acme", name: "space" } }));
    expect(new Set((await store.listSchedules()).map((s) => s.repository.fullName))).toEqual(new Set(["acme/api", "acme/space"]));
    expect((await store.listSchedules("acme/space"))[0]!.repository).toEqual(repo("space", 9, "develop"));
  });

  it("refresh-repository-schedules of a repository the installation cannot see any more removes its schedules", async () => {
    const { store, handlers } = await jobsSetup();
    await store.replaceSchedules(repo("gone", 8), INSTALLATION, [{ workflowPath: "a.yml", triggerIndex: 0, cron: "@daily", timezone: "UTC" }], T0);
    await handlers["refresh-repository-schedules"]!(job("refresh-repository-schedules", { installationId: INSTALLATION, repository: { id: 8, fullName: "acme/gone", owner: "acme", name: "gone" } }));
    expect(await store.listSchedules()).toEqual([]);
  });

  it("remove jobs drop an installation's or some repositories' schedules", async () => {
    const { store, handlers } = await jobsSetup();
    const daily = [{ workflowPath: "a.yml", triggerIndex: 0, cron: "@daily", timezone: "UTC" }];
    await store.replaceSchedules(repo("a", 1), INSTALLATION, daily, T0);
    await store.replaceSchedules(repo("b", 2), INSTALLATION, daily, T0);
    await store.replaceSchedules(repo("c", 3), 77, daily, T0);
    await store.replaceSchedules(repo("d", 4), 77, daily, T0);
    await handlers["remove-repository-schedules"]!(job("remove-repository-schedules", { installationId: 77, repositories: ["acme/c"] }));
    expect((await store.listSchedules()).map((s) => s.repository.name)).toEqual(["a", "b", "d"]);
    await handlers["remove-installation-schedules"]!(job("remove-installation-schedules", { installationId: INSTALLATION, repositories: ["acme/a"] }));
    expect((await store.listSchedules()).map((s) => s.repository.name)).toEqual(["d"]);
  });

  it("a job without an installation id is given up, not retried", async () => {
    const { handlers } = await jobsSetup();
    await expect(handlers["refresh-installation-schedules"]!(job("refresh-installation-schedules", {}))).rejects.toMatchObject({ name: "NonRetriableError" });
    await expect(handlers["refresh-repository-schedules"]!(job("refresh-repository-schedules", { installationId: 1 }))).rejects.toMatchObject({ name: "NonRetriableError" });
  });
});
