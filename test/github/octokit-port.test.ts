import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BoundedCache } from "../../src/domain/bounded-cache.js";
import { RateLimitError } from "../../src/domain/errors.js";
import { ASSIGNEES_CHECKED_MAX, TEAM_MEMBERS_MAX, TEXT_FILE_MAX_BYTES } from "../../src/github/octokit-issues.js";
import { INLINE_FOLDER_MAX_BYTES, octokitPort } from "../../src/github/octokit-port.js";
import { pacedPort } from "../../src/github/paced-port.js";
import { Pacer } from "../../src/github/pacer.js";
import { LIMITS } from "../../src/workflows/index.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { fakeGraphQL, type FakeFile } from "../helpers/github.js";

const API = "https://api.github.com";
const REPO = { owner: "acme", repo: "api" };
const COMMIT = "c".repeat(40);

const port = () => octokitPort(new ProbotOctokit({ auth: { token: "t" }, retry: { enabled: false }, throttle: { enabled: false } }));
/** A workflow file of about `bytes` bytes, unique to `tag` (blob ids are shared by every test). */
const file = (name: string, tag: string, bytes = 200): FakeFile => ({ name, text: `name: ${tag}\n# ${"x".repeat(Math.max(0, bytes - tag.length - 10))}\n` });

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("reading .governance/ over GraphQL", () => {
  it("reads a cold folder in one request: the listing carries the texts", async () => {
    const files = [file("a.yml", "one-a"), file("b.yml", "one-b")];
    const graphql = fakeGraphQL(API, { main: { commit: COMMIT, files } });
    const folder = await port().readGovernanceFolder(REPO, "main");
    expect(graphql.queries).toEqual(["list+texts main"]);
    expect(folder.commit).toBe(COMMIT);
    expect(folder.files.map((f) => [f.path, f.text])).toEqual(files.map((f) => [`.governance/${f.name}`, f.text]));
  });

  it("a folder whose texts pass the cap is read the long way: the listing, then the texts within the loader's limits", async () => {
    // Five files of 230 KB: each within the loader's limit, together past the cap.
    const files = Array.from({ length: 5 }, (_, i) => file(`big-${i}.yml`, `big-${i}`, 230 * 1024));
    expect(files.reduce((n, f) => n + f.text.length, 0)).toBeGreaterThan(INLINE_FOLDER_MAX_BYTES);
    expect(files.every((f) => f.text.length <= LIMITS.maxFileBytes)).toBe(true);
    const graphql = fakeGraphQL(API, { main: { commit: COMMIT, files } });
    const folder = await port().readGovernanceFolder(REPO, "main");
    expect(graphql.queries[0]).toBe("list+texts main");
    expect(graphql.queries.slice(1)).toEqual(["list main", ...files.map(() => expect.stringMatching(/^blob /))]);
    expect(folder.files.map((f) => f.text)).toEqual(files.map((f) => f.text));
  });

  it("a folder larger than the blob cache still comes back whole; the cache keeps what fits", async () => {
    const files = Array.from({ length: 5 }, (_, i) => file(`wide-${i}.yml`, `wide-${i}`, 230 * 1024));
    const graphql = fakeGraphQL(API, { main: { commit: COMMIT, files } });
    const blobs = new BoundedCache<string, string>(100, 500 * 1024);
    const octokit = new ProbotOctokit({ auth: { token: "t" }, retry: { enabled: false }, throttle: { enabled: false } });
    const folder = await octokitPort(octokit, blobs).readGovernanceFolder(REPO, "main");
    expect(folder.files.map((f) => f.text)).toEqual(files.map((f) => f.text));
    expect(blobs.size).toBe(2);
    expect(blobs.weight).toBeLessThanOrEqual(500 * 1024);
    // Read again the long way: only the texts the cache did not keep are asked for.
    const before = graphql.queries.length;
    const again = await octokitPort(octokit, blobs).readGovernanceFolder(REPO, "main");
    expect(again.files.map((f) => f.text)).toEqual(files.map((f) => f.text));
    expect(graphql.queries.slice(before).filter((q) => q.startsWith("blob "))).toHaveLength(3);
  });

  it("keeps no text of a file over the loader's limit, and reads the others' in the same request", async () => {
    const files = [file("small.yml", "small"), file("huge.yml", "huge", LIMITS.maxFileBytes + 10)];
    const graphql = fakeGraphQL(API, { main: { commit: COMMIT, files } });
    const folder = await port().readGovernanceFolder(REPO, "main");
    expect(graphql.queries).toEqual(["list+texts main"]);
    const byName = Object.fromEntries(folder.files.map((f) => [f.path, f]));
    expect(byName[".governance/small.yml"]?.text).toBe(files[0]!.text);
    // The loader reports it as too large from its size; its text is never kept.
    expect(byName[".governance/huge.yml"]).toEqual({ path: ".governance/huge.yml", oid: expect.any(String), byteSize: files[1]!.text.length });
  });

  it("an answer that is not cut off but fails is an error, not a second try the long way", async () => {
    nock(API).post("/graphql").reply(502, "bad gateway");
    await expect(port().readGovernanceFolder(REPO, "main")).rejects.toMatchObject({ status: 502 });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe("the calls remediation tasks make", () => {
  const content = (text: string, extra: Record<string, unknown> = {}) => ({
    type: "file",
    encoding: "base64",
    size: Buffer.byteLength(text),
    content: Buffer.from(text).toString("base64"),
    ...extra,
  });
  const CONTENTS = /^\/repos\/acme\/api\/contents\/\.github(?:\/|%2F)CODEOWNERS\?ref=main$/;

  it("reads a file's text at a ref", async () => {
    nock(API).get(CONTENTS).reply(200, content("* @acme/core\n"));
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBe("* @acme/core\n");
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("a missing file, a directory, a symlink or a file over 1 MiB is undefined", async () => {
    nock(API).get(CONTENTS).reply(404, { message: "Not Found" });
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBeUndefined();
    nock(API).get(CONTENTS).reply(200, [{ type: "file", name: "x", path: ".github/CODEOWNERS/x" }]);
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBeUndefined();
    nock(API).get(CONTENTS).reply(200, { type: "symlink", target: "../CODEOWNERS", size: 12 });
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBeUndefined();
    // Over the bound by its declared size, or by what it decodes to; GitHub's own 403 for files over 1 MB.
    nock(API).get(CONTENTS).reply(200, content("x", { size: TEXT_FILE_MAX_BYTES + 1 }));
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBeUndefined();
    nock(API).get(CONTENTS).reply(200, content("y".repeat(TEXT_FILE_MAX_BYTES + 1), { size: 10 }));
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBeUndefined();
    nock(API).get(CONTENTS).reply(200, { type: "file", encoding: "none", size: 2_000_000, content: "" });
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBeUndefined();
    nock(API).get(CONTENTS).reply(403, { message: "This API returns blobs up to 1 MB in size.", errors: [{ resource: "Blob", field: "data", code: "too_large" }] });
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBeUndefined();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("a file exactly 1 MiB is read; other errors are errors", async () => {
    const text = "z".repeat(TEXT_FILE_MAX_BYTES);
    nock(API).get(CONTENTS).reply(200, content(text));
    expect(await port().readTextFile(REPO, ".github/CODEOWNERS", "main")).toBe(text);
    nock(API).get(CONTENTS).reply(403, { message: "Resource not accessible by integration" });
    await expect(port().readTextFile(REPO, ".github/CODEOWNERS", "main")).rejects.toMatchObject({ status: 403 });
    nock(API).get(CONTENTS).reply(502, "bad gateway");
    await expect(port().readTextFile(REPO, ".github/CODEOWNERS", "main")).rejects.toMatchObject({ status: 502 });
  });

  const members = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ login: `user${from + i}`, id: from + i }));
  const MEMBERS = "/orgs/acme/teams/security/members";

  it("lists a team's members across pages, and stops at the bound without asking for the next page", async () => {
    const next = (page: number) => ({ link: `<${API}${MEMBERS}?per_page=100&page=${page}>; rel="next"` });
    nock(API).get(MEMBERS).query({ per_page: 100 }).reply(200, members(0, 60), next(2));
    nock(API).get(MEMBERS).query({ per_page: 100, page: 2 }).reply(200, members(60, 60), next(3));
    // Page 3 is never asked for: the bound is reached on page 2.
    const page3 = nock(API).get(MEMBERS).query({ per_page: 100, page: 3 }).reply(200, members(120, 10));
    const logins = await port().listTeamMembers("acme", "security");
    expect(logins).toHaveLength(TEAM_MEMBERS_MAX);
    expect(logins[0]).toBe("user0");
    expect(logins.at(-1)).toBe(`user${TEAM_MEMBERS_MAX - 1}`);
    expect(page3.isDone()).toBe(false);
  });

  it("a small team is one page; a team not found is no one; other errors are errors", async () => {
    nock(API).get(MEMBERS).query({ per_page: 100 }).reply(200, members(0, 3));
    expect(await port().listTeamMembers("acme", "security")).toEqual(["user0", "user1", "user2"]);
    nock(API).get(MEMBERS).query({ per_page: 100 }).reply(404, { message: "Not Found" });
    expect(await port().listTeamMembers("acme", "security")).toEqual([]);
    nock(API).get(MEMBERS).query({ per_page: 100 }).reply(403, { message: "Resource not accessible by integration" });
    await expect(port().listTeamMembers("acme", "security")).rejects.toMatchObject({ status: 403 });
  });

  it("says who can be assigned: 204 yes, 404 no, in the order given, duplicates asked once", async () => {
    nock(API).get("/repos/acme/api/assignees/alice").reply(204);
    nock(API).get("/repos/acme/api/assignees/mallory").reply(404, { message: "Not Found" });
    nock(API).get("/repos/acme/api/assignees/bob").reply(204);
    const split = await port().filterAssignable(REPO, ["alice", "mallory", "Alice", "bob"]);
    expect(split).toEqual({ assignable: ["alice", "bob"], not: ["mallory"] });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("asks about the first 10 logins only: the rest are not assignable, unasked; other errors are errors", async () => {
    const logins = Array.from({ length: 13 }, (_, i) => `dev${i}`);
    const asked = logins.slice(0, ASSIGNEES_CHECKED_MAX).map((l) => nock(API).get(`/repos/acme/api/assignees/${l}`).reply(204));
    const unasked = nock(API).get(/\/repos\/acme\/api\/assignees\/dev1[0-2]$/).reply(204);
    const split = await port().filterAssignable(REPO, logins);
    expect(split).toEqual({ assignable: logins.slice(0, 10), not: logins.slice(10) });
    expect(asked.every((s) => s.isDone())).toBe(true);
    expect(unasked.isDone()).toBe(false);
    nock.cleanAll();
    nock(API).get("/repos/acme/api/assignees/alice").reply(502, "bad gateway");
    await expect(port().filterAssignable(REPO, ["alice"])).rejects.toMatchObject({ status: 502 });
  });

  it("edits an issue with the fields given, and sends nothing when none is", async () => {
    const bodies: unknown[] = [];
    nock(API)
      .patch("/repos/acme/api/issues/7", (b) => (bodies.push(b), true))
      .times(3)
      .reply(200, { number: 7 });
    await port().updateIssue(REPO, 7, { body: "new body" });
    await port().updateIssue(REPO, 7, { state: "closed", stateReason: "not_planned" });
    await port().updateIssue(REPO, 7, { state: "open", stateReason: "reopened", assignees: [] });
    await port().updateIssue(REPO, 7, {});
    expect(bodies).toEqual([{ body: "new body" }, { state: "closed", state_reason: "not_planned" }, { state: "open", state_reason: "reopened", assignees: [] }]);
    nock(API).patch("/repos/acme/api/issues/8").reply(404, { message: "Not Found" });
    await expect(port().updateIssue(REPO, 8, { body: "x" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("pacing the calls remediation tasks make", () => {
  it("updateIssue is paced as a write; reading files, teams and assignees is not", async () => {
    const now = { now: () => new Date("2030-01-01T00:00:00.000Z") };
    const github = new FakeGitHub();
    const paced = pacedPort(github, 1, new Pacer({ perMinute: 1, perHour: 0 }, now), now);
    await paced.updateIssue(REPO, 1, { body: "a" });
    await expect(paced.updateIssue(REPO, 1, { body: "b" })).rejects.toBeInstanceOf(RateLimitError);
    expect(github.issueUpdates).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      await paced.readTextFile(REPO, "CODEOWNERS", "main");
      await paced.listTeamMembers("acme", "core");
      await paced.filterAssignable(REPO, ["alice"]);
    }
  });
});
