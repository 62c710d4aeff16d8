import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BoundedCache } from "../../src/domain/bounded-cache.js";
import { INLINE_FOLDER_MAX_BYTES, octokitPort } from "../../src/github/octokit-port.js";
import { LIMITS } from "../../src/workflows/index.js";
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
