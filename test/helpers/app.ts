import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { parseOperatorConfig } from "../../src/config/operator-config.js";
import type { Store } from "../../src/domain/ports.js";
import { governanceApp } from "../../src/index.js";
import { createServices, type Services } from "../../src/services.js";
import { openStore } from "../../src/store/open-store.js";

/** A real example payload from @octokit/webhooks-examples, deep-copied so tests may edit it. */
export function examplePayload(event: string, action: string, index = 0): Record<string, any> {
  const family = (examples as Array<{ name: string; examples: Array<Record<string, any>> }>).find((e) => e.name === event);
  const found = family?.examples.filter((e) => e.action === action)[index];
  if (!found) throw new Error(`no example ${event}.${action}[${index}]`);
  return structuredClone(found);
}

/** The first example payload of an event that satisfies `test` (for events without actions, such as push). */
export function exampleWhere(event: string, test: (payload: Record<string, any>) => boolean): Record<string, any> {
  const family = (examples as Array<{ name: string; examples: Array<Record<string, any>> }>).find((e) => e.name === event);
  const found = family?.examples.find(test);
  if (!found) throw new Error(`no matching example of ${event}`);
  return structuredClone(found);
}

/** A TCP port free at the time of asking (Probot's Server reads port 0 as "the default, 3000"). */
export async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A local Slack-compatible incoming webhook that records what it receives. */
export async function fakeSlack(): Promise<{ url: string; messages: Array<{ path: string; text: string }>; close(): Promise<void> }> {
  const messages: Array<{ path: string; text: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      messages.push({ path: req.url ?? "", text: (JSON.parse(body) as { text: string }).text });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, messages, close: () => new Promise((r) => server.close(() => r())) };
}

export interface TestApp {
  probot: Probot;
  services: Services;
  store: Store;
  /** Delivers a webhook as GitHub would, then lets the worker finish everything it enqueued. */
  deliver(id: string, name: string, payload: unknown): Promise<void>;
  close(): Promise<void>;
}

const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));

/** The app as `npm start` wires it, over an in-memory store, with GitHub behind nock. */
export async function startTestApp(options: { channels?: Record<string, string>; baseUrl?: string; clock?: { now(): Date } } = {}): Promise<TestApp> {
  const log = pino({ level: process.env.TEST_LOG ?? "silent" });
  const probot = new Probot({ githubToken: "test-token", Octokit: TestOctokit, log, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
  const store = await openStore("sqlite::memory:", options.clock ? { clock: options.clock } : {});
  const channels = Object.entries(options.channels ?? {})
    .map(([name, url]) => `    "${name}": { webhookUrl: "${url}" }`)
    .join("\n");
  const config = parseOperatorConfig(channels ? `notify:\n  channels:\n${channels}\n` : "{}\n", "test-config.yml");
  const services = createServices(probot, { store, config, log, ...(options.clock ? { clock: options.clock } : {}) });
  await probot.load(governanceApp(services, { startWorker: false }), { cwd: process.cwd(), addHandler: () => {} });
  return {
    probot,
    services,
    store,
    async deliver(id, name, payload) {
      await probot.receive({ id, name, payload } as never);
      await services.worker.drain();
    },
    async close() {
      await services.worker.stop();
      await store.close();
      nock.cleanAll();
    },
  };
}
