/**
 * Credentials: what is a 401 (with its WWW-Authenticate), and that no token, operator or GitHub
 * user's, is ever echoed in an answer or written to the log, whatever the request's fate (2xx,
 * 401, 403, 404, 500, 503). The log is the app's own logger (appLogger, as `npm start` makes
 * it, in JSON as in production), at trace, into memory.
 */
import { Writable } from "node:stream";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appLogger } from "../../src/app-log.js";
import type { Store } from "../../src/domain/ports.js";
import { approvalWorkflowYaml, createOrgWorkflow, GITHUB, startApi, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

const lines: string[] = [];
const memory = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  },
});

/** Set to make the store's reads of org-wide workflows fail (an internal error, 500). */
let storeFails = false;
function failingStore(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === "getStoredWorkflow" && storeFails) return () => Promise.reject(new Error("the database is on fire"));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

let api: ApiHarness;
let orgId: string;
beforeAll(async () => {
  api = await startApi({ log: await appLogger({ LOG_LEVEL: "trace", LOG_FORMAT: "json" }, memory), wrapStore: failingStore });
  orgId = await createOrgWorkflow(api, approvalWorkflowYaml());
});
afterAll(async () => api.close());

const CHALLENGE = 'Bearer realm="governance"';

describe("401", () => {
  it.each([
    ["no Authorization header", {}],
    ["the Basic scheme", { authorization: `Basic ${Buffer.from("acme-admin:acme-admin-secret").toString("base64")}` }],
    ["an empty bearer", { authorization: "Bearer " }],
    ["the scheme alone", { authorization: "Bearer" }],
    ["a token with a space inside", { authorization: "Bearer acme admin secret" }],
  ])("%s: 401 with the challenge, and GitHub is not asked", async (_case, headers) => {
    // No nock answer exists: a lookup would fail (the network is refused) and answer 503.
    const res = await api.call("GET", "/api/workflows", { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(CHALLENGE);
    expect(res.body).toEqual({ message: expect.stringMatching(/^authentication required/), errors: [] });
  });

  it("an unknown token is tried at GitHub; refused there, it is 401", async () => {
    const scope = nock(GITHUB).matchHeader("authorization", "Bearer acme-admin-secreT").get("/user").reply(401, { message: "Bad credentials" });
    const res = await api.call("GET", `/api/workflows/${orgId}`, { token: "acme-admin-secreT" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(CHALLENGE);
    expect(scope.isDone()).toBe(true);
  });

  it("a route that does not exist answers 404 before asking for credentials; a wrong method 405", async () => {
    expect((await api.call("GET", "/api/nothing-here")).status).toBe(404);
    expect((await api.call("DELETE", `/api/workflows/${orgId}`)).status).toBe(405);
  });
});

describe("tokens are never echoed or logged", () => {
  const USER = "ghp_USERCANARY0123456789abcdef";
  const REVOKED = "ghp_REVOKEDCANARY0123456789";
  const FLAKY = "ghp_FLAKYCANARY0123456789";
  const OPERATOR = [TOKENS.acmeAdmin, TOKENS.acmeViewer, TOKENS.otherAdmin].map(tokenOf);
  const SECRETS = [USER, REVOKED, FLAKY, ...OPERATOR];
  const answers: string[] = [];

  async function record(method: string, path: string, options: Parameters<ApiHarness["call"]>[2] = {}) {
    const res = await api.call(method, path, options);
    answers.push(`${res.status} ${JSON.stringify(res.body)} ${JSON.stringify([...res.headers.entries()])}`);
    return res.status;
  }

  it("through answers of every kind", async () => {
    const github = nock(GITHUB);
    github.get("/user").matchHeader("authorization", `Bearer ${USER}`).reply(200, { login: "mia" });
    github.get("/user/memberships/orgs/acme").matchHeader("authorization", `Bearer ${USER}`).reply(200, { state: "active", role: "member" });
    github.get("/user").matchHeader("authorization", `Bearer ${REVOKED}`).reply(401, { message: "Bad credentials" });
    github.get("/user").matchHeader("authorization", `Bearer ${FLAKY}`).reply(502, "Bad Gateway");
    const [admin, viewer, other] = OPERATOR as [string, string, string];
    const statuses = [
      await record("GET", "/api/workflows", { token: admin }),
      await record("GET", `/api/workflows/${orgId}`, { token: USER }),
      await record("PUT", `/api/workflows/${orgId}`, { token: viewer, text: approvalWorkflowYaml().replace("1.0.0", "2.0.0"), contentType: "application/yaml" }),
      await record("GET", `/api/workflows/${orgId}`, { token: other }),
      await record("GET", "/api/workflows", { token: REVOKED }),
      await record("GET", "/api/workflows", { token: FLAKY }),
      await record("GET", "/api/workflows", { headers: { authorization: `Bearer ${admin} ${admin}` } }),
      await record("POST", "/api/workflows", { token: admin, text: "{ not json", contentType: "application/json" }),
    ];
    storeFails = true;
    try {
      statuses.push(await record("GET", `/api/workflows/${orgId}`, { token: admin }), await record("GET", `/api/workflows/${orgId}?version=1.0.0`, { token: USER }));
    } finally {
      storeFails = false;
    }
    expect(statuses).toEqual([200, 200, 403, 404, 401, 503, 401, 400, 500, 500]);
    expect(nock.pendingMocks()).toEqual([]);
    // The log did capture the requests: the internal errors, with their route.
    expect(lines.filter((l) => l.includes("API request failed") && l.includes(`/api/workflows/${orgId}`))).toHaveLength(2);
    // And the server's request log (pino-http, `"name":"http"`) logged every request.
    expect(requestLog().length).toBeGreaterThanOrEqual(statuses.length);
    for (const secret of SECRETS) {
      expect(answers.filter((a) => a.includes(secret)), `an answer holds ${secret}`).toEqual([]);
      expect(appLog().filter((l) => l.includes(secret)), `a log line of the app holds ${secret}`).toEqual([]);
    }
    expect(answers.join("\n")).not.toContain("on fire");
  });

  // Probot's request logger (pino-http) logs every request's headers: the app's logger redacts
  // the credentials among them.
  it("the server's request log holds no token either, and says the header was there", () => {
    expect(requestLog().some((l) => l.includes('"authorization":"[redacted]"'))).toBe(true);
    for (const secret of SECRETS) expect(requestLog().filter((l) => l.includes(secret)), `a request log line holds ${secret}`).toEqual([]);
  });
});

const isRequestLog = (line: string) => line.includes('"name":"http"');
const requestLog = () => lines.filter(isRequestLog);
const appLog = () => lines.filter((l) => !isRequestLog(l));
