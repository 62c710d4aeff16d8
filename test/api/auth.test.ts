import { createHash } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuthenticator, githubApiBaseUrl } from "../../src/api/auth/authenticator.js";
import type { Caller } from "../../src/api/caller.js";
import type { ApiTokenConfig } from "../../src/config/operator-config.js";

const API = "https://api.github.com";
const sha = (token: string) => createHash("sha256").update(token).digest("hex");
const TOKENS: ApiTokenConfig[] = [
  { name: "ci-bot", sha256: sha("ci-secret"), role: "runner", owners: ["Acme", "globex"] },
  { name: "root", sha256: sha("root-secret").toUpperCase(), role: "admin", owners: ["*"] },
  { name: "reader", sha256: sha("read-secret"), role: "viewer", owners: ["acme"] },
];
const auth = () => createAuthenticator({ tokens: TOKENS, github: { baseUrl: API } });
const github = () => nock(API, { reqheaders: { authorization: "Bearer gho_user", accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28", "user-agent": "governance-workflow-engine" } });

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("operator tokens", () => {
  it("a configured token is its caller, with its role on the accounts it lists (any case)", async () => {
    const caller = (await auth().authenticate("Bearer ci-secret"))!;
    expect(caller).toMatchObject({ actor: "token:ci-bot", kind: "token" });
    expect(await caller.ownerRole("acme")).toBe("runner");
    expect(await caller.ownerRole("GLOBEX")).toBe("runner");
    expect(await caller.ownerRole("initech")).toBeUndefined();
    expect(await caller.repositoryRole("ACME/api")).toBe("runner");
    expect(await caller.repositoryRole("initech/api")).toBeUndefined();
    expect(await caller.repositoryRole("acme")).toBeUndefined();
    expect(await caller.repositoryRole("acme/api/x")).toBeUndefined();
    expect(await caller.visibleOwners()).toEqual(["acme", "globex"]);
  });

  it('"*" covers every account, and a hash in upper case still matches', async () => {
    const caller = (await auth().authenticate("bearer root-secret"))!;
    expect(caller.actor).toBe("token:root");
    expect(await caller.ownerRole("anyone")).toBe("admin");
    expect(await caller.repositoryRole("anyone/thing")).toBe("admin");
    expect(await caller.visibleOwners()).toBeUndefined();
  });

  it("each token has its own role", async () => {
    const reader = (await auth().authenticate("BEARER read-secret"))!;
    expect(await reader.repositoryRole("acme/api")).toBe("viewer");
    expect(await reader.ownerRole("globex")).toBeUndefined();
  });

  it("a token that is not configured is asked of GitHub, which refuses it", async () => {
    const scope = nock(API).get("/user").matchHeader("authorization", "Bearer ci-secreT").reply(401, { message: "Bad credentials" });
    expect(await auth().authenticate("Bearer ci-secreT")).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });
});

describe("the Authorization header", () => {
  it.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["another scheme", "Basic Y2ktc2VjcmV0"],
    ["a token scheme", "token ci-secret"],
    ["no token", "Bearer "],
    ["the scheme alone", "Bearer"],
    ["no space", "Bearerci-secret"],
    ["a space inside", "Bearer ci secret"],
    ["a trailing space", "Bearer ci-secret "],
    ["a tab", "Bearer\tci-secret"],
    ["a control character", "Bearer ci-secret\u0000"],
    ["a newline", "Bearer ci-secret\nX-Other: 1"],
    ["non-ASCII", "Bearer ci-sécret"],
    ["a token of 513 characters", `Bearer ${"a".repeat(513)}`],
    ["a huge header", `Bearer ${"a".repeat(100_000)}`],
  ])("%s is no caller, and GitHub is not asked", async (_case, header) => {
    // disableNetConnect: any request would fail as a CallerLookupError, not undefined.
    expect(await auth().authenticate(header)).toBeUndefined();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("a token of 512 characters is looked at", async () => {
    const token = "a".repeat(512);
    nock(API).get("/user").matchHeader("authorization", `Bearer ${token}`).reply(401, {});
    expect(await auth().authenticate(`Bearer ${token}`)).toBeUndefined();
    expect(nock.isDone()).toBe(true);
  });
});

describe("GitHub user tokens", () => {
  const user = async (): Promise<Caller> => {
    github().get("/user").reply(200, { login: "Octocat", id: 1 });
    return (await auth().authenticate("Bearer gho_user"))!;
  };

  it("a valid token is its login", async () => {
    const caller = await user();
    expect(caller).toMatchObject({ actor: "Octocat", kind: "user" });
  });

  it.each([401, 403, 404])("GitHub's %i is no caller", async (status) => {
    github().get("/user").reply(status, { message: "Bad credentials" });
    expect(await auth().authenticate("Bearer gho_user")).toBeUndefined();
  });

  it("the user administers their own account, with no lookup", async () => {
    const caller = await user();
    expect(await caller.ownerRole("octocat")).toBe("admin");
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("an organisation's owner is admin, a member a viewer, anyone else nothing", async () => {
    const caller = await user();
    github().get("/user/memberships/orgs/acme").reply(200, { state: "active", role: "admin", organization: { login: "acme" } });
    github().get("/user/memberships/orgs/globex").reply(200, { state: "active", role: "member" });
    github().get("/user/memberships/orgs/initech").reply(404, { message: "Not Found" });
    github().get("/user/memberships/orgs/hooli").reply(200, { state: "pending", role: "admin" });
    github().get("/user/memberships/orgs/umbrella").reply(403, { message: "Forbidden" });
    expect(await caller.ownerRole("Acme")).toBe("admin");
    expect(await caller.ownerRole("globex")).toBe("viewer");
    expect(await caller.ownerRole("initech")).toBeUndefined();
    expect(await caller.ownerRole("hooli")).toBeUndefined();
    expect(await caller.ownerRole("umbrella")).toBeUndefined();
    expect(await caller.ownerRole("not/an-account")).toBeUndefined();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it.each([
    [{ admin: true, maintain: true, push: true, pull: true }, "admin"],
    [{ admin: false, maintain: true, push: true, pull: true }, "runner"],
    [{ admin: false, maintain: false, push: true, pull: true }, "runner"],
    [{ admin: false, maintain: false, push: false, pull: true }, "viewer"],
  ])("a repository's permissions %o make %s", async (permissions, role) => {
    const caller = await user();
    github().get("/repos/acme/api").reply(200, { full_name: "acme/api", permissions });
    // Below admin, the organisation's owners are asked about.
    if (role !== "admin") github().get("/user/memberships/orgs/acme").reply(200, { state: "active", role: "member" });
    expect(await caller.repositoryRole("acme/api")).toBe(role);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("a repository it cannot see (404, 403, a redirect) is nothing", async () => {
    const caller = await user();
    github().get("/repos/acme/secret").reply(404, { message: "Not Found" });
    github().get("/repos/acme/blocked").reply(403, { message: "Forbidden" });
    github().get("/repos/acme/old-name").reply(301, { url: `${API}/repositories/42` }, { location: `${API}/repositories/42` });
    expect(await caller.repositoryRole("acme/secret")).toBeUndefined();
    expect(await caller.repositoryRole("acme/blocked")).toBeUndefined();
    expect(await caller.repositoryRole("acme/old-name")).toBeUndefined();
    expect(await caller.repositoryRole("acme/..")).toBeUndefined();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("an organisation's owner administers a repository whose permissions say pull", async () => {
    const caller = await user();
    github().get("/repos/acme/api").reply(200, { permissions: { admin: false, push: false, pull: true } });
    github().get("/user/memberships/orgs/acme").reply(200, { state: "active", role: "admin" });
    expect(await caller.repositoryRole("acme/api")).toBe("admin");
  });

  it("names go into the URL encoded", async () => {
    const caller = await user();
    github().get("/repos/acme/my.repo_1").reply(200, { permissions: { admin: true } });
    expect(await caller.repositoryRole("acme/my.repo_1")).toBe("admin");
  });

  it("the visible owners are the active organisations, page by page, and the user's own login", async () => {
    const caller = await user();
    const page = (n: number) => `${API}/user/memberships/orgs?state=active&per_page=100&page=${n}`;
    github().get("/user/memberships/orgs").query({ state: "active", per_page: "100" }).reply(200, [{ state: "active", organization: { login: "Acme" } }], { link: `<${page(2)}>; rel="next", <${page(3)}>; rel="last"` });
    github().get("/user/memberships/orgs").query({ state: "active", per_page: "100", page: "2" }).reply(200, [{ state: "active", organization: { login: "globex" } }], { link: `<${page(3)}>; rel="next"` });
    github().get("/user/memberships/orgs").query({ state: "active", per_page: "100", page: "3" }).reply(200, [{ state: "active", organization: { login: "initech" } }, { state: "pending", organization: { login: "hooli" } }]);
    expect(await caller.visibleOwners()).toEqual(["acme", "globex", "initech", "octocat"]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("reads at most 10 pages of memberships", async () => {
    const caller = await user();
    for (let n = 1; n <= 12; n++) {
      github().get("/user/memberships/orgs").query(true).reply(200, [{ state: "active", organization: { login: `org${n}` } }], { link: `<${API}/user/memberships/orgs?page=${n + 1}>; rel="next"` });
    }
    expect(await caller.visibleOwners()).toHaveLength(11);
    expect(nock.pendingMocks()).toHaveLength(2);
  });

  it("never sends the token to another host for a next page", async () => {
    const caller = await user();
    github().get("/user/memberships/orgs").query(true).reply(200, [], { link: '<https://elsewhere.example.test/steal>; rel="next"' });
    await expect(caller.visibleOwners()).rejects.toThrow("its next page is on another host");
  });
});

describe("githubApiBaseUrl", () => {
  it("is GitHub.com's API, or a GitHub Enterprise Server's", () => {
    expect(githubApiBaseUrl({})).toBe("https://api.github.com");
    expect(githubApiBaseUrl({ GHE_HOST: "" })).toBe("https://api.github.com");
    expect(githubApiBaseUrl({ GHE_HOST: "ghe.example.test" })).toBe("https://ghe.example.test/api/v3");
    expect(githubApiBaseUrl({ GHE_HOST: "ghe.example.test:8443", GHE_PROTOCOL: "http" })).toBe("http://ghe.example.test:8443/api/v3");
  });

  it("is where user tokens are checked", async () => {
    const baseUrl = githubApiBaseUrl({ GHE_HOST: "ghe.example.test" });
    nock("https://ghe.example.test").get("/api/v3/user").reply(200, { login: "mona" });
    const caller = await createAuthenticator({ tokens: [], github: { baseUrl } }).authenticate("Bearer ghe_token");
    expect(caller?.actor).toBe("mona");
  });
});
