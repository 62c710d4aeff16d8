import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseOperatorConfig } from "../../src/config/operator-config.js";
import { ChannelNotConfiguredError, MAX_MESSAGE_CHARS, slackText, WebhookDeliveryError, WebhookNotifier } from "../../src/notify/webhook-notifier.js";

/** A fake Slack on 127.0.0.1: records what it receives and answers as each test says. */
interface Received {
  method?: string;
  url?: string;
  contentType?: string;
  body: string;
}

let server: Server;
let base: string;
let received: Received[];
let answer: (req: IncomingMessage, res: ServerResponse) => void;

beforeEach(async () => {
  received = [];
  answer = (_req, res) => res.writeHead(200).end("ok");
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, contentType: req.headers["content-type"], body });
      answer(req, res);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
});

/** The secret part of the URL: it must never appear in an error. */
const SECRET = "services/T000/B000/CANARY-SECRET";

function notifier(options: { timeoutMs?: number } = {}): WebhookNotifier {
  const config = parseOperatorConfig(`notify:\n  channels:\n    "#sec-team":\n      webhookUrl: ${base}/${SECRET}\n`);
  return new WebhookNotifier(config, options);
}

/** Runs a send that must fail; checks that nothing about the error shows the URL. */
async function failure(send: Promise<void>): Promise<Error> {
  const err = await send.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(Error);
  const cause = (err as Error & { cause?: unknown }).cause;
  const everything = [err!.message, err!.stack, inspect(err, { depth: 5 }), JSON.stringify(err), String(cause), inspect(cause)].join("\n");
  for (const part of [SECRET, "CANARY", base, "127.0.0.1"]) expect(everything).not.toContain(part);
  return err!;
}

describe("WebhookNotifier", () => {
  it("knows the configured channels", () => {
    const n = notifier();
    expect(n.has("#sec-team")).toBe(true);
    expect(n.has("#other")).toBe(false);
    expect(n.has("toString")).toBe(false);
    expect(inspect(n)).not.toContain("CANARY");
  });

  it("POSTs the text as JSON to the channel's webhook, escaped the way Slack reads it", async () => {
    await notifier().send("#sec-team", { text: "New high alert <!channel> & <https://evil.test|click>" });
    expect(received).toEqual([
      {
        method: "POST",
        url: `/${SECRET}`,
        contentType: "application/json",
        body: JSON.stringify({ text: "New high alert &lt;!channel&gt; &amp; &lt;https://evil.test|click&gt;" }),
      },
    ]);
  });

  it("fails on a non-2xx answer, retryable for 5xx, with Slack's error code but not the URL", async () => {
    answer = (_req, res) => res.writeHead(500).end("no_service");
    const err = await failure(notifier().send("#sec-team", { text: "hi" }));
    expect(err).toBeInstanceOf(WebhookDeliveryError);
    expect(err.message).toBe('notify: delivery to "#sec-team" failed: the webhook answered 500 (no_service)');
    expect(err).toMatchObject({ status: 500, retryable: true, channel: "#sec-team" });
  });

  it("does not echo a body that repeats the URL, and a 4xx is not retryable", async () => {
    answer = (req, res) => res.writeHead(404).end(req.url!.split("/").at(-1));
    const err = await failure(notifier().send("#sec-team", { text: "hi" }));
    expect(err.message).toBe('notify: delivery to "#sec-team" failed: the webhook answered 404');
    expect(err).toMatchObject({ status: 404, retryable: false });
  });

  it("never follows a redirect", async () => {
    answer = (req, res) => {
      if (req.url === "/elsewhere") res.writeHead(200).end("ok");
      else res.writeHead(302, { location: `${base}/elsewhere` }).end();
    };
    const err = await failure(notifier().send("#sec-team", { text: "hi" }));
    expect(err.message).toBe('notify: delivery to "#sec-team" failed: the webhook answered with a redirect, which is never followed; configure the final URL');
    expect(received.map((r) => r.url)).toEqual([`/${SECRET}`]);
  });

  it("counts a message delivered at its success status, however slow or long the body that follows", async () => {
    // A body that never ends: waiting for it would turn a delivered message into a timeout, and its retry into a duplicate.
    answer = (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("o");
    };
    const started = performance.now();
    await notifier({ timeoutMs: 3_000 }).send("#sec-team", { text: "hi" });
    expect(performance.now() - started).toBeLessThan(2_000);
    // A body far past what is worth reading: the answer is not buffered, the send succeeds.
    answer = (_req, res) => {
      res.writeHead(200);
      res.end("x".repeat(5 * 1024 * 1024));
    };
    await notifier().send("#sec-team", { text: "again" });
    expect(received.map((r) => JSON.parse(r.body) as unknown)).toEqual([{ text: "hi" }, { text: "again" }]);
  });

  it("reads an error answer's first bytes only, within its timeout", async () => {
    answer = (_req, res) => {
      res.writeHead(503);
      res.write("no_service"); // and never ends
    };
    const err = await failure(notifier({ timeoutMs: 300 }).send("#sec-team", { text: "hi" }));
    expect(err.message).toBe('notify: delivery to "#sec-team" failed: the webhook answered 503');
    expect(err).toMatchObject({ status: 503, retryable: true });
  });

  it("keeps the connection for the next message", async () => {
    let connections = 0;
    server.on("connection", () => connections++);
    const n = notifier();
    for (let i = 0; i < 3; i++) await n.send("#sec-team", { text: `m${i}` });
    expect(received).toHaveLength(3);
    expect(connections).toBe(1);
  });

  it("says how to configure a channel it does not know", async () => {
    const err = await failure(notifier().send("#sec-leads", { text: "hi" }));
    expect(err).toBeInstanceOf(ChannelNotConfiguredError);
    expect(err.message).toBe(
      'notify: the channel "#sec-leads" is not configured; add notify.channels["#sec-leads"].webhookUrl to the operator configuration file named by GOVERNANCE_CONFIG',
    );
    expect(received).toEqual([]);
  });

  it("gives up after its timeout", async () => {
    answer = () => undefined; // never answers
    const started = performance.now();
    const err = await failure(notifier({ timeoutMs: 200 }).send("#sec-team", { text: "hi" }));
    expect(err.message).toBe('notify: delivery to "#sec-team" failed: no answer within 0.2 s');
    expect(err).toMatchObject({ retryable: true });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("reports an unreachable webhook by error code only", async () => {
    const n = notifier();
    server.closeAllConnections();
    server.close();
    await once(server, "close");
    const err = await failure(n.send("#sec-team", { text: "hi" }));
    expect(err.message).toBe('notify: delivery to "#sec-team" failed: the webhook could not be reached (ECONNREFUSED)');
    server.listen(0, "127.0.0.1"); // for afterEach
    await once(server, "listening");
  });

  it("caps long messages", () => {
    const text = slackText("line\n".repeat(20_000) + "<".repeat(10));
    expect(text.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(text).toMatch(/\n… \(\d+ more characters not shown\)$/);
    expect(slackText("&".repeat(50_000))).toMatch(/^(&amp;)+\n… \(\d+ more characters not shown\)$/);
  });

  it("refuses a configuration built in code with a plain-http URL, without quoting it", () => {
    const config = { notify: { channels: { "#x": { webhookUrl: "http://hooks.example.test/CANARY" } } } };
    expect(() => new WebhookNotifier(config)).toThrow(/^notify\.channels\["#x"\]\.webhookUrl must be an https URL/);
    expect(() => new WebhookNotifier(config)).not.toThrow(/CANARY|hooks/);
  });
});
