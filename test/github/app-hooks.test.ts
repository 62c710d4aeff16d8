/**
 * The AppHooks adapter (github/app-hooks.ts) against GitHub behind nock, through a real Probot
 * app with a test key, so every request carries the app's JWT: listing pages by cursor,
 * mapping rows, redelivering, and a refusal told apart from other failures.
 */
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RedeliveryRefused } from "../../src/domain/app-hooks.js";
import { AppOctokit } from "../../src/github/app-octokit.js";
import { appHooks, nextCursor, toHookDelivery } from "../../src/github/app-hooks.js";

const API = "https://api.github.com";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const app = () => new Probot({ appId: 1, privateKey, Octokit: AppOctokit });
const JWT = /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i;

const ROW = {
  id: 12345678901,
  guid: "0b989ba4-242f-11e5-81e1-c7b6966d2516",
  delivered_at: "2025-03-01T11:59:00Z",
  redelivery: false,
  duration: 10.01,
  status: "timed out",
  status_code: 0,
  event: "pull_request",
  action: "opened",
  installation_id: 42,
  repository_id: 7,
  throttled_at: null,
};

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("listing the app's webhook deliveries", () => {
  it("asks with the app's JWT, maps the rows, and reads the next page's cursor from the Link header", async () => {
    const scope = nock(API, { reqheaders: { authorization: (v) => JWT.test(v) } })
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .reply(200, [ROW, { ...ROW, id: 2, redelivery: true, status: "OK", status_code: 200, action: null, installation_id: null, repository_id: null }], {
        link: '<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_2>; rel="next"',
      })
      .get("/app/hook/deliveries")
      .query({ per_page: "100", cursor: "v1_2" })
      .reply(200, [{ ...ROW, id: 1 }]);
    const hooks = appHooks(app());
    const first = await hooks.listDeliveries({ perPage: 500 });
    expect(first.next).toBe("v1_2");
    expect(first.deliveries).toEqual([
      { id: 12345678901, guid: ROW.guid, deliveredAt: ROW.delivered_at, redelivery: false, statusCode: 0, status: "timed out", event: "pull_request", action: "opened", installationId: 42, repositoryId: 7 },
      { id: 2, guid: ROW.guid, deliveredAt: ROW.delivered_at, redelivery: true, statusCode: 200, status: "OK", event: "pull_request" },
    ]);
    const last = await hooks.listDeliveries({ perPage: 100, cursor: first.next! });
    expect(last.next).toBeUndefined();
    expect(last.deliveries.map((d) => d.id)).toEqual([1]);
    expect(scope.isDone()).toBe(true);
  });

  it("throws when GitHub fails the listing", async () => {
    nock(API).get("/app/hook/deliveries").query(true).reply(401, { message: "A JSON web token could not be decoded" });
    await expect(appHooks(app()).listDeliveries({ perPage: 10 })).rejects.toMatchObject({ status: 401 });
  });
});

describe("redelivering", () => {
  it("posts an attempt with the app's JWT (202)", async () => {
    const scope = nock(API, { reqheaders: { authorization: (v) => JWT.test(v) } }).post("/app/hook/deliveries/12345678901/attempts").reply(202, {});
    await appHooks(app()).redeliver(12345678901);
    expect(scope.isDone()).toBe(true);
  });

  it.each([404, 422])("a %i is a RedeliveryRefused", async (status) => {
    nock(API).post("/app/hook/deliveries/5/attempts").reply(status, { message: "no" });
    const err = await appHooks(app()).redeliver(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedeliveryRefused);
    expect(err).toMatchObject({ deliveryId: 5, status });
  });

  it("another failure is thrown as it is", async () => {
    nock(API).post("/app/hook/deliveries/5/attempts").reply(403, { message: "Resource not accessible by integration" });
    const err = await appHooks(app()).redeliver(5).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(RedeliveryRefused);
    expect(err).toMatchObject({ status: 403 });
  });
});

describe("the parsing", () => {
  it("finds rel=next among other links, and nothing without one", () => {
    const link = '<https://api.github.com/app/hook/deliveries?cursor=v1_1&per_page=2>; rel="prev", <https://api.github.com/app/hook/deliveries?per_page=2&cursor=v1_9>; rel="next"';
    expect(nextCursor(link)).toBe("v1_9");
    expect(nextCursor('<https://api.github.com/app/hook/deliveries?per_page=2&cursor=v1_1>; rel="prev"')).toBeUndefined();
    expect(nextCursor(undefined)).toBeUndefined();
    expect(nextCursor("garbage")).toBeUndefined();
  });

  it("leaves out a row it could not act on", () => {
    expect(toHookDelivery({ ...ROW, id: "x" })).toBeUndefined();
    expect(toHookDelivery({ ...ROW, guid: "" })).toBeUndefined();
    expect(toHookDelivery(null)).toBeUndefined();
    expect(toHookDelivery({ ...ROW, status_code: undefined })).toMatchObject({ statusCode: 0 });
  });
});
