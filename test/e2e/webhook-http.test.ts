import { createHmac, generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Probot, Server } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/domain/ports.js";
import { governanceApp } from "../../src/index.js";
import { createServices, type Services } from "../../src/services.js";
import { openStore } from "../../src/store/open-store.js";
import { examplePayload, freePort } from "../helpers/app.js";

const SECRET = "webhook-secret-for-tests";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

describe("webhooks over HTTP", () => {
  let server: Server;
  let base: string;
  let store: Store;
  let services: Services;
  let probotApp: Probot;

  beforeAll(async () => {
    const log = pino({ level: "silent" });
    store = await openStore("sqlite::memory:");
    const Configured = Probot.defaults({ appId: 1, privateKey, secret: SECRET, log });
    // Port 0 would be Probot's default, 3000: take a free one, so test files can run side by side.
    server = new Server({ Probot: Configured, host: "127.0.0.1", port: await freePort(), log });
    // The worker stays stopped: the answer must not wait for any work.
    await server.load((app, options) => {
      probotApp = app;
      services = createServices(app, { store, log });
      return governanceApp(services, { startWorker: false })(app, options);
    });
    const http = await server.start();
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/github/webhooks`;
  });
  afterAll(async () => {
    await server.stop();
    await store.close();
  });

  function post(id: string, body: string, signature: string) {
    return fetch(base, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "code_scanning_alert", "x-github-delivery": id, "x-hub-signature-256": signature },
      body,
    });
  }
  const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
  /** Takes the jobs left by a test, so the next one starts with an empty queue. */
  async function takeAllJobs() {
    while (await store.claimJob("test", new Date(Date.now() + 60_000), 1000));
  }

  it("records a signed delivery and its job, and answers before any work is done", async () => {
    const body = JSON.stringify(examplePayload("code_scanning_alert", "created"));
    const res = await post("http-1", body, sign(body));
    expect(res.status).toBe(200);
    expect(await store.getDelivery("http-1")).toMatchObject({ id: "http-1", event: "code_scanning_alert", action: "created", installationId: 14662836 });
    expect(await store.listRuns()).toEqual([]);
    const job = await store.claimJob("test", new Date(Date.now() + 60_000), 1000);
    expect(job).toMatchObject({ type: "delivery", payload: { deliveryId: "http-1" } });
  });

  it("goes straight to the handlers: no Probot context (and no Octokit client) is made for an event", async () => {
    let contexts = 0;
    const off = (event: unknown) => void (contexts++, event);
    probotApp.webhooks.onAny(off);
    const body = JSON.stringify(examplePayload("code_scanning_alert", "created"));
    expect((await post("http-direct", body, sign(body))).status).toBe(200);
    expect(await store.getDelivery("http-direct")).toMatchObject({ id: "http-direct" });
    expect(contexts).toBe(0);
    probotApp.webhooks.removeListener("*", off);
    // An event the app does not handle is answered 200, and nothing is stored.
    const star = JSON.stringify(examplePayload("star", "created"));
    const res = await fetch(base, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "star", "x-github-delivery": "http-star", "x-hub-signature-256": sign(star) }, body: star });
    expect(res.status).toBe(200);
    expect(await store.getDelivery("http-star")).toBeUndefined();
    await takeAllJobs();
  });

  it("hands the store the body exactly as signed, so the payload is not serialised again", async () => {
    const seen: (string | undefined)[] = [];
    const accept = store.acceptDelivery.bind(store);
    store.acceptDelivery = (delivery, options) => (seen.push(options?.payloadText), accept(delivery, options));
    try {
      const body = JSON.stringify(examplePayload("code_scanning_alert", "created"), null, 2);
      expect((await post("http-text", body, sign(body))).status).toBe(200);
      expect(seen).toEqual([body]);
      expect((await store.getDelivery("http-text"))?.payload).toEqual(JSON.parse(body));
    } finally {
      store.acceptDelivery = accept;
      await takeAllJobs();
    }
  });

  it("answers a redelivery with 200 and records nothing new", async () => {
    const body = JSON.stringify(examplePayload("code_scanning_alert", "created"));
    expect((await post("http-2", body, sign(body))).status).toBe(200);
    expect((await post("http-2", body, sign(body))).status).toBe(200);
    expect(await store.claimJob("test", new Date(Date.now() + 60_000), 1000)).toMatchObject({ payload: { deliveryId: "http-2" } });
    expect(await store.claimJob("test", new Date(Date.now() + 60_000), 1000)).toBeUndefined();
  });

  it("refuses a forged delivery with a 4xx and stores nothing", async () => {
    const body = JSON.stringify(examplePayload("code_scanning_alert", "created"));
    const res = await post("http-forged", body, sign(body.replace("created", "createx")));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await store.getDelivery("http-forged")).toBeUndefined();
  });
});
