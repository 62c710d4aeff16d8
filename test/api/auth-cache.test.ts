import { inspect } from "node:util";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuthenticator, type AuthenticatorOptions } from "../../src/api/auth/authenticator.js";
import { CallerLookupError } from "../../src/api/caller.js";

const API = "https://api.github.com";
/** The user token every test presents: it must never show up in an error. */
const TOKEN = "ghp_CANARYsecret0123456789";
const HEADER = `Bearer ${TOKEN}`;
const github = () => nock(API).matchHeader("authorization", HEADER);

let clock = 1_000_000;
const auth = (options: Partial<AuthenticatorOptions> = {}) => createAuthenticator({ tokens: [], github: { baseUrl: API }, now: () => clock, ...options });

beforeEach(() => {
  clock = 1_000_000;
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The error `promise` rejects with, checked to be a CallerLookupError that holds nothing of the token. */
async function lookupError(promise: Promise<unknown>): Promise<CallerLookupError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CallerLookupError);
  const shown = [String(err), (err as Error).stack ?? "", inspect(err), JSON.stringify(err)].join("\n");
  expect(shown).not.toContain(TOKEN);
  expect(shown).not.toContain("CANARY");
  return err as CallerLookupError;
}

describe("caching what GitHub says", () => {
  it("asks once for the same token: a second call makes no request", async () => {
    const authenticator = auth();
    github().get("/user").once().reply(200, { login: "octocat" });
    expect((await authenticator.authenticate(HEADER))?.actor).toBe("octocat");
    expect((await authenticator.authenticate(HEADER))?.actor).toBe("octocat");
  });

  it("caches repository, organisation and visible-owner answers per token", async () => {
    const authenticator = auth();
    github().get("/user").reply(200, { login: "octocat" });
    github().get("/repos/acme/api").once().reply(200, { permissions: { push: true, pull: true } });
    github().get("/user/memberships/orgs/acme").once().reply(200, { state: "active", role: "member" });
    github().get("/user/memberships/orgs").query(true).once().reply(200, [{ organization: { login: "acme" } }]);
    const caller = (await authenticator.authenticate(HEADER))!;
    for (let i = 0; i < 3; i++) {
      expect(await caller.repositoryRole("acme/api")).toBe("runner");
      expect(await caller.repositoryRole("ACME/API")).toBe("runner");
      expect(await caller.ownerRole("acme")).toBe("viewer");
      expect(await caller.visibleOwners()).toEqual(["acme", "octocat"]);
    }
    // A second caller for the same token shares the answers.
    const again = (await authenticator.authenticate(HEADER))!;
    expect(await again.repositoryRole("acme/api")).toBe("runner");
  });

  it("asks again once the TTL has passed", async () => {
    const authenticator = auth({ cacheTtlMs: 1_000 });
    github().get("/user").reply(200, { login: "octocat" });
    await authenticator.authenticate(HEADER);
    clock += 999;
    expect((await authenticator.authenticate(HEADER))?.actor).toBe("octocat");
    clock += 1;
    github().get("/user").reply(200, { login: "octocat-renamed" });
    expect((await authenticator.authenticate(HEADER))?.actor).toBe("octocat-renamed");
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("keeps at most maxCached answers, the least recently used dropped first", async () => {
    const authenticator = auth({ maxCached: 2 });
    for (const n of [1, 2, 3]) nock(API).get("/user").matchHeader("authorization", `Bearer t${n}`).reply(200, { login: `u${n}` });
    for (const n of [1, 2, 3]) await authenticator.authenticate(`Bearer t${n}`);
    // t2 and t3 are kept; t1 was dropped, so it is asked again.
    await authenticator.authenticate("Bearer t2");
    await authenticator.authenticate("Bearer t3");
    expect(nock.pendingMocks()).toEqual([]);
    nock(API).get("/user").matchHeader("authorization", "Bearer t1").reply(200, { login: "u1" });
    expect((await authenticator.authenticate("Bearer t1"))?.actor).toBe("u1");
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("caches an invalid token too: a flood of one bad token costs one request per TTL", async () => {
    const authenticator = auth({ cacheTtlMs: 1_000 });
    github().get("/user").once().reply(401, { message: "Bad credentials" });
    for (let i = 0; i < 50; i++) expect(await authenticator.authenticate(HEADER)).toBeUndefined();
    clock += 1_000;
    github().get("/user").once().reply(401, { message: "Bad credentials" });
    expect(await authenticator.authenticate(HEADER)).toBeUndefined();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("does not cache a failure: the next call asks again", async () => {
    const authenticator = auth();
    github().get("/user").reply(502, "bad gateway");
    await lookupError(authenticator.authenticate(HEADER));
    github().get("/user").reply(200, { login: "octocat" });
    expect((await authenticator.authenticate(HEADER))?.actor).toBe("octocat");
  });

  it("shares one request among concurrent identical lookups", async () => {
    const authenticator = auth();
    github().get("/user").once().delay(50).reply(200, { login: "octocat" });
    const callers = await Promise.all(Array.from({ length: 10 }, () => authenticator.authenticate(HEADER)));
    expect(callers.map((c) => c?.actor)).toEqual(Array(10).fill("octocat"));
  });

  it("concurrent lookups that fail all fail, and the failure is dropped", async () => {
    const authenticator = auth();
    github().get("/user").once().delay(20).reply(503, "unavailable");
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => authenticator.authenticate(HEADER)));
    expect(results.every((r) => r.status === "rejected" && r.reason instanceof CallerLookupError)).toBe(true);
    github().get("/user").reply(200, { login: "octocat" });
    expect((await authenticator.authenticate(HEADER))?.actor).toBe("octocat");
  });
});

describe("when GitHub cannot be asked", () => {
  it.each([
    ["a 500", () => github().get("/user").reply(500, "oops"), /answered HTTP 500/],
    ["a 429", () => github().get("/user").reply(429, { message: "slow down" }), /rate-limiting \(HTTP 429\)/],
    ["a 403 at the rate limit", () => github().get("/user").reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0" }), /rate-limiting \(HTTP 403\)/],
    ["a secondary rate limit", () => github().get("/user").reply(403, { message: "secondary rate limit" }, { "retry-after": "60" }), /rate-limiting/],
    ["a network error", () => github().get("/user").replyWithError({ code: "ECONNRESET", message: `socket hang up ${TOKEN}` }), /the request failed/],
    ["an answer that is not JSON", () => github().get("/user").reply(200, "<html>"), /not JSON/],
    ["an answer without a login", () => github().get("/user").reply(200, { id: 1 }), /no login/],
  ])("%s is a CallerLookupError that does not hold the token", async (_case, mock, message) => {
    mock();
    const err = await lookupError(auth().authenticate(HEADER));
    expect(err.message).toMatch(message);
  });

  it("a request with no answer in time is a CallerLookupError", async () => {
    github().get("/user").delay(500).reply(200, { login: "octocat" });
    const err = await lookupError(auth({ timeoutMs: 50 }).authenticate(HEADER));
    expect(err.message).toMatch(/no answer within 0\.05s/);
  });

  it("a caller's later lookups fail the same way, uncached, holding nothing of the token", async () => {
    const authenticator = auth();
    github().get("/user").reply(200, { login: "octocat" });
    const caller = (await authenticator.authenticate(HEADER))!;
    github().get("/repos/acme/api").reply(502, "");
    github().get("/user/memberships/orgs/acme").reply(429, "");
    github().get("/user/memberships/orgs").query(true).replyWithError("boom");
    await lookupError(caller.repositoryRole("acme/api"));
    await lookupError(caller.ownerRole("acme"));
    await lookupError(caller.visibleOwners());
    github().get("/repos/acme/api").reply(200, { permissions: { admin: true } });
    expect(await caller.repositoryRole("acme/api")).toBe("admin");
  });

  it("a caller shows nothing of its token when logged", async () => {
    github().get("/user").reply(200, { login: "octocat" });
    const caller = (await auth().authenticate(HEADER))!;
    expect(JSON.stringify(caller)).not.toContain(TOKEN);
    expect(inspect(caller, { depth: 10, showHidden: true })).not.toContain(TOKEN);
  });
});
