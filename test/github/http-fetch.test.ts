import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnswerTooLarge, createHttpFetch, httpFetch } from "../../src/github/http-fetch.js";
import { AppOctokit } from "../../src/github/app-octokit.js";
import { transportFor } from "../../src/net/http-transport.js";

/** A local server whose routes the tests set; it records what it was sent. */
let server: Server;
let base: string;
const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse, body: string) => void>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const route = routes.get(`${req.method} ${req.url!.split("?")[0]}`) ?? routes.get(req.url!.split("?")[0]!);
      if (route) route(req, res, body);
      else {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "Not Found" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const json = (status: number, data: unknown, headers: Record<string, string> = {}) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(data));
};

describe("httpFetch", () => {
  it("sends the method, headers and body, and answers status, headers and body as fetch does", async () => {
    routes.set("POST /echo", (req, res, body) => {
      res.writeHead(201, [["Content-Type", "application/json"], ["X-Many", "a"], ["X-Many", "b"]]);
      res.end(JSON.stringify({ got: JSON.parse(body), auth: req.headers.authorization }));
    });
    const answer = await httpFetch(`${base}/echo`, { method: "POST", headers: { Authorization: "token t", "Content-Type": "application/json" }, body: JSON.stringify({ a: "é" }) });
    expect(answer.status).toBe(201);
    expect(answer.ok).toBe(true);
    expect(answer.url).toBe(`${base}/echo`);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(answer.headers.get("x-many")).toBe("a, b");
    expect(Object.fromEntries(answer.headers)).toMatchObject({ "content-type": "application/json", "x-many": "a, b" });
    expect(await answer.json()).toEqual({ got: { a: "é" }, auth: "token t" });
    expect(seen.at(-1)).toMatchObject({ method: "POST", headers: { "content-length": String(Buffer.byteLength('{"a":"é"}')) } });
    // Headers given as a Headers object or as pairs are sent too.
    await httpFetch(`${base}/echo`, { method: "POST", headers: new Headers({ "X-From": "headers" }), body: "{}" });
    expect(seen.at(-1)?.headers["x-from"]).toBe("headers");
    await httpFetch(`${base}/echo`, { method: "POST", headers: [["X-From", "pairs"]], body: "{}" });
    expect(seen.at(-1)?.headers["x-from"]).toBe("pairs");
  });

  it("follows redirects as fetch does: 307 keeps the method and body, 303 turns into a GET, another origin gets no credentials", async () => {
    routes.set("POST /moved", (_req, res) => {
      res.writeHead(307, { location: "/target" });
      res.end();
    });
    routes.set("/target", (req, res, body) => json(200, { method: req.method, body })(req, res));
    routes.set("POST /see-other", (_req, res) => {
      res.writeHead(303, { location: `${base.replace("127.0.0.1", "localhost")}/target` });
      res.end();
    });
    const kept = await httpFetch(`${base}/moved`, { method: "POST", body: "x" });
    expect([kept.redirected, kept.url, await kept.json()]).toEqual([true, `${base}/target`, { method: "POST", body: "x" }]);
    const other = await httpFetch(`${base}/see-other`, { method: "POST", headers: { authorization: "token secret" }, body: "x" });
    expect(await other.json()).toEqual({ method: "GET", body: "" });
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
    const manual = await httpFetch(`${base}/moved`, { method: "POST", body: "x", redirect: "manual" });
    expect([manual.status, manual.headers.get("location")]).toEqual([307, "/target"]);
  });

  it("decodes a compressed answer, and reads bytes as bytes", async () => {
    routes.set("/gzip", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
      res.end(gzipSync("compressed text"));
    });
    expect(await (await httpFetch(`${base}/gzip`)).text()).toBe("compressed text");
    const bytes = await (await httpFetch(`${base}/gzip`)).arrayBuffer();
    expect(Buffer.from(bytes).toString()).toBe("compressed text");
  });

  it("rejects as fetch does: an abort with an AbortError, a refused connection with a TypeError and its cause", async () => {
    routes.set("/slow", (_req, res) => setTimeout(() => json(200, {})(_req, res), 2_000));
    const controller = new AbortController();
    const pending = httpFetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(httpFetch("http://127.0.0.1:1/")).rejects.toMatchObject({ name: "TypeError", message: "fetch failed", cause: { code: "ECONNREFUSED" } });
  });

  it("with a cap, cuts off a longer answer (AnswerTooLarge) and reads a shorter one", async () => {
    routes.set("/big", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("x".repeat(10_000));
    });
    const capped = createHttpFetch({ maxBytes: 5_000 });
    await expect(capped(`${base}/big`)).rejects.toBeInstanceOf(AnswerTooLarge);
    expect((await (await createHttpFetch({ maxBytes: 10_000 })(`${base}/big`)).text()).length).toBe(10_000);
  });

  it("keeps its connections alive on the shared agents of net/ (the notifier's too)", async () => {
    routes.set("/port", (req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(String(req.socket.remotePort));
    });
    expect(transportFor("http:")!.agent).toBe(transportFor("http:")!.agent);
    expect((transportFor("http:")!.agent as unknown as { options: object }).options).toMatchObject({ keepAlive: true, scheduling: "lifo", timeout: 5_000 });
    const first = await (await httpFetch(`${base}/port`)).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await (await httpFetch(`${base}/port`)).text()).toBe(first);
  });
});

describe("Octokit over httpFetch", () => {
  it("makes requests and turns error answers into RequestErrors with their status", async () => {
    routes.set("POST /repos/o/r/issues", json(201, { number: 7, html_url: "https://github.com/o/r/issues/7" }));
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const octokit = new Octokit({ baseUrl: base, auth: "t", request: { fetch: httpFetch }, log: quiet });
    const { data, status } = await octokit.rest.issues.create({ owner: "o", repo: "r", title: "t" });
    expect([status, data.number]).toEqual([201, 7]);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ title: "t" });
    await expect(octokit.rest.issues.get({ owner: "o", repo: "r", issue_number: 1 })).rejects.toMatchObject({ status: 404, message: expect.stringContaining("Not Found") });
  });

  it("is the fetch of the app's Octokit, unless another is given", () => {
    expect(new AppOctokit().request.endpoint.DEFAULTS.request?.fetch).toBe(httpFetch);
    const mine = (() => Promise.reject(new Error("mine"))) as unknown as typeof fetch;
    expect(new AppOctokit({ request: { fetch: mine } }).request.endpoint.DEFAULTS.request?.fetch).toBe(mine);
  });
});

describe("the app's Octokit retries server errors as Probot's retry plugin did", () => {
  const client = (retry: Record<string, unknown> = {}) => new AppOctokit({ baseUrl: base, auth: "t", retry: { retryAfterBaseValue: 1, ...retry } });
  const count = (path: string) => seen.filter((s) => s.url.split("?")[0] === path).length;

  it("tries an error answer again, up to `retries` times (and only this plugin does: exactly that many)", async () => {
    let answers = 0;
    routes.set("/flaky", (req, res) => (++answers < 3 ? json(502, { message: "bad gateway" })(req, res) : json(200, { ok: true })(req, res)));
    expect((await client().request("GET /flaky")).data).toEqual({ ok: true });
    expect(count("/flaky")).toBe(3);
    routes.set("/down", json(503, { message: "down" }));
    await expect(client({ retries: 2 }).request("GET /down")).rejects.toMatchObject({ status: 503 });
    expect(count("/down")).toBe(3);
  });

  it("does not retry a refusal (404, 422...), a request that asks for no retries, or when retries are off", async () => {
    routes.set("/gone", json(404, { message: "Not Found" }));
    await expect(client().request("GET /gone")).rejects.toMatchObject({ status: 404 });
    expect(count("/gone")).toBe(1);
    routes.set("/once", json(500, { message: "boom" }));
    await expect(client().request("GET /once", { request: { retries: 0 } })).rejects.toMatchObject({ status: 500 });
    expect(count("/once")).toBe(1);
    routes.set("/off", json(500, { message: "boom" }));
    await expect(client({ enabled: false }).request("GET /off")).rejects.toMatchObject({ status: 500 });
    expect(count("/off")).toBe(1);
  });

  it("tries again a GraphQL answer that says something went wrong", async () => {
    let answers = 0;
    routes.set("POST /graphql", (req, res) =>
      ++answers === 1 ? json(200, { data: null, errors: [{ message: "Something went wrong while executing your query. Please try again." }] })(req, res) : json(200, { data: { viewer: { login: "me" } } })(req, res),
    );
    expect(await client().graphql("{ viewer { login } }")).toEqual({ viewer: { login: "me" } });
    expect(answers).toBe(2);
  });
});
