import { createHmac, generateKeyPairSync } from "node:crypto";
import { request, type ClientRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Probot, Server } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/domain/ports.js";
import { WEBHOOK_LIMITS, type WebhookLimits } from "../../src/handlers/limits.js";
import { governanceApp } from "../../src/index.js";
import { createServices } from "../../src/services.js";
import { openStore } from "../../src/store/open-store.js";
import { examplePayload, freePort } from "../helpers/app.js";

/**
 * SECURITY.md, "forged or replayed webhook", over the real HTTP server: hostile requests are
 * refused cheaply and quietly (4xx, a short log line, bounded memory), signed but odd payloads
 * are a 4xx or a logged skip, and after each one the server still serves and records.
 */

const ROW = 'SECURITY "forged or replayed webhook"';
const SECRET = "webhook-secret-for-security-tests";
/** GitHub's published test vector (docs: "Validating webhook deliveries"). */
const VECTOR = { secret: "It's a Secret to Everybody", body: "Hello, World!", signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" };
/** Text that appears in every hostile payload here: it must never show up in a log line or an answer. */
const MARKER = "PAYLOAD-MARKER-7f3a";
const MB = 1024 * 1024;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

/** Everything the server logs (at info: more than production's default warn), as text. */
class LogCapture extends Writable {
  chunks: string[] = [];
  bytes = 0;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.bytes += chunk.length;
    // Keep the head of each line only: a 30 MB line must not cost the test 30 MB more.
    this.chunks.push(chunk.subarray(0, 4096).toString());
    done();
  }
  mark(): { bytes: number; index: number } {
    return { bytes: this.bytes, index: this.chunks.length };
  }
  since(mark: { bytes: number; index: number }): { bytes: number; text: string } {
    return { bytes: this.bytes - mark.bytes, text: this.chunks.slice(mark.index).join("") };
  }
}

interface Running {
  origin: string;
  url: string;
  store: Store;
  logs: LogCapture;
  probot: Probot;
  stop(): Promise<void>;
}

async function startServer(options: { secret?: string; limits?: Partial<WebhookLimits>; store?: Store } = {}): Promise<Running> {
  const logs = new LogCapture();
  const log = pino({ level: "info" }, logs);
  const store = options.store ?? (await openStore("sqlite::memory:"));
  const Configured = Probot.defaults({ appId: 1, privateKey, secret: options.secret ?? SECRET, log });
  // Probot's Server takes port 0 for its default, 3000: ask the system for a free one.
  const server = new Server({ Probot: Configured, host: "127.0.0.1", port: await freePort(), log });
  let probot!: Probot;
  await server.load((app, appOptions) => {
    probot = app;
    const services = createServices(app, { store, log });
    return governanceApp(services, { startWorker: false, ...(options.limits ? { webhookLimits: options.limits } : {}) })(app, appOptions);
  });
  const http = await server.start();
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/api/github/webhooks`,
    store,
    logs,
    probot,
    async stop() {
      await server.stop();
      await store.close();
    },
  };
}

const sign = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

interface Answer {
  status: number;
  body: string;
}

/**
 * A POST over a fresh connection (node:http: fetch would not send some of these requests). The
 * server may hang up once it has answered a body it refused: an EPIPE or ECONNRESET while
 * sending is then expected, and the answer still counts; without an answer it fails the test.
 */
function post(url: string, headers: Record<string, string | number>, write: (req: ClientRequest) => void): Promise<Answer & { sent?: number }> {
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    const parts: Buffer[] = [];
    const req = request(url, { method: "POST", headers, agent: false }, (res) => {
      status = res.statusCode!;
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(parts).toString() }));
      res.on("error", () => resolve({ status: status!, body: Buffer.concat(parts).toString() }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (!["EPIPE", "ECONNRESET"].includes(err.code ?? "")) return reject(err);
      // The server hung up on a body it refused: its answer may have arrived (or be arriving) first.
      const settle = () => (status !== undefined ? resolve({ status, body: Buffer.concat(parts).toString() }) : reject(err));
      setTimeout(settle, 3000).unref();
    });
    write(req);
  });
}

function send(url: string, headers: Record<string, string | number>, body: Buffer | string): Promise<Answer> {
  return post(url, headers, (req) => req.end(body));
}

/**
 * Streams `total` bytes (chunked, no content-length) until the server answers; returns the
 * answer and how much was sent. `reset` when the connection was reset before the answer could
 * be read: a client still sending when the server hangs up gets a TCP reset, which can discard
 * an answer that arrived but was not read yet.
 */
async function stream(url: string, headers: Record<string, string>, total: number): Promise<(Answer & { sent: number; reset?: false }) | { sent: number; reset: true }> {
  let sent = 0;
  let answered = false;
  const chunk = Buffer.alloc(256 * 1024, "a");
  const answer = await post(url, { ...headers, "transfer-encoding": "chunked" }, (req) => {
    req.once("response", () => (answered = true));
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    req.write(`{"marker":"${MARKER}","x":"`);
    pump();
  }).catch((err: NodeJS.ErrnoException) => {
    if (["EPIPE", "ECONNRESET"].includes(err.code ?? "")) return undefined;
    throw err;
  });
  return answer ? { ...answer, sent } : { sent, reset: true };
}

function headersFor(event: string, id: string, signature: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": id,
    ...(signature !== undefined ? { "x-hub-signature-256": signature } : {}),
    ...extra,
  };
}

/** Peak RSS growth while `work` runs, sampled every 5 ms. */
async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage().rss) - base;
}

function expect4xx(answer: Answer, label: string) {
  expect(answer.status, `${label}: ${answer.body}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${label}: ${answer.body}`).toBeLessThan(500);
}

/** An answer is a short fixed message: no payload text, no error stack. */
function expectNoEcho(answer: Answer, label: string) {
  expect(answer.body.length, label).toBeLessThan(300);
  expect(answer.body, label).not.toContain(MARKER);
  expect(answer.body, label).not.toMatch(/\bat .+:\d+:\d+/);
}

describe("webhook endpoint under hostile requests", () => {
  let app: Running;
  /** Deliveries recorded so far: none may be lost to a hostile request. */
  const recorded: string[] = [];
  let good = 0;

  beforeAll(async () => {
    app = await startServer();
  });
  afterAll(async () => {
    await app.stop();
  });

  /** After a hostile request: /healthz answers, a real signed pull_request.opened is recorded, and every earlier delivery is still there. */
  async function stillServes(label: string) {
    const health = await fetch(`${app.origin}/healthz`);
    expect(health.status, `${label}: healthz`).toBe(200);
    const id = `good-${++good}`;
    const body = JSON.stringify(examplePayload("pull_request", "opened", 1));
    const answer = await send(app.url, headersFor("pull_request", id, sign(body)), body);
    expect(answer.status, `${label}: next good delivery`).toBe(200);
    recorded.push(id);
    for (const earlier of recorded) expect(await app.store.getDelivery(earlier), `${label}: delivery ${earlier} kept`).toBeDefined();
  }

  it(`${ROW}: the default body cap is GitHub's own, 25 MB`, () => {
    expect(WEBHOOK_LIMITS.maxBodyBytes).toBe(25 * MB);
    expect(WEBHOOK_LIMITS.maxBufferedBytes).toBe(100 * MB);
  });

  it(`${ROW}: a flood of forged 5-10 MB requests, 20 at a time, keeps memory and logs bounded`, async () => {
    // One shared buffer per size, so that the client side of this test costs little memory.
    const bodies = [5, 7, 10].map((size) => Buffer.from(JSON.stringify({ marker: MARKER, filler: "b".repeat(size * MB) })));
    const mark = app.logs.mark();
    const answers: Answer[] = [];
    const wave = (n: number) =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const body = bodies[i % bodies.length]!;
          return send(app.url, { ...headersFor("issues", `flood-${n}-${i}`, sign(`forged ${i}`)), "content-length": body.length }, body);
        }),
      );
    // First in this file, while the process's RSS is still low: three waves, about 440 MB sent in all.
    const growth = await peakRssGrowth(async () => {
      for (let n = 0; n < 3; n++) answers.push(...(await wave(n)));
    });
    for (const answer of answers) {
      // 400 once read and found forged; 503 when the unverified bytes in flight reach their budget.
      expect([400, 503], answer.body).toContain(answer.status);
      expectNoEcho(answer, "flood");
    }
    expect(answers.some((a) => a.status === 400)).toBe(true);
    // The budget for unverified bodies (100 MB) plus the copies made while verifying one.
    expect(growth).toBeLessThan(300 * MB);
    const logged = app.logs.since(mark);
    expect(logged.bytes / answers.length, logged.text).toBeLessThan(2048);
    expect(logged.text).not.toContain(MARKER);
    await stillServes("flood");
  });

  it(`${ROW}: 20 forged 10 MB bodies held open at once: the server keeps at most its budget of them, refuses the rest with 503, and recovers`, async () => {
    const filler = Buffer.alloc(10 * MB - 1024, "e");
    const declared = 10 * MB;
    const answers: Array<Answer | undefined> = Array.from({ length: 20 });
    const held: ClientRequest[] = [];
    const mark = app.logs.mark();
    const growth = await peakRssGrowth(async () => {
      for (let i = 0; i < 20; i++) {
        const req = request(app.url, { method: "POST", agent: false, headers: { ...headersFor("issues", `held-${i}`, sign(`held ${i}`)), "content-length": declared } }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (c: Buffer) => parts.push(c));
          res.on("end", () => (answers[i] = { status: res.statusCode!, body: Buffer.concat(parts).toString() }));
        });
        req.on("error", () => {});
        // All but the last kilobyte: the server must hold what it read, or refuse it.
        req.write(filler);
        held.push(req);
      }
      // A budget of 100 MB holds at most 10 of these bodies: the others are refused.
      const deadline = Date.now() + 10_000;
      while (answers.filter(Boolean).length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Let the rest arrive (the held ones stay held: the body timeout is 30 s).
      await new Promise((r) => setTimeout(r, 300));
    });
    const refused = answers.filter((a): a is Answer => a !== undefined);
    // At least 10: bodies arrive interleaved, so one refused part-way may have left room unused.
    expect(refused.length).toBeGreaterThanOrEqual(10);
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expectNoEcho(answer, "held");
    }
    expect(growth).toBeLessThan(300 * MB);
    for (const req of held) req.destroy();
    // The held bodies' bytes go back to the budget when their clients give up: a good delivery passes.
    await new Promise((r) => setTimeout(r, 500));
    await stillServes("held open");
    const logged = app.logs.since(mark);
    expect(logged.bytes / 20, logged.text).toBeLessThan(2048);
    expect(logged.text).not.toContain(MARKER);
  });

  it(`${ROW}: a body streamed past 25 MB is refused with 413 as it arrives, and the server goes on`, async () => {
    const mark = app.logs.mark();
    let answer!: Awaited<ReturnType<typeof stream>>;
    const growth = await peakRssGrowth(async () => {
      answer = await stream(app.url, headersFor("push", "huge-1", sign("whatever")), 60 * MB);
    });
    const logged = app.logs.since(mark);
    // The refusal, at the cap: in the answer, or (when the client's connection was reset
    // before it read the answer) in the server's one log line for it.
    if (answer.reset) expect(logged.text).toMatch(/"status":413[^\n]*"webhook refused"|"webhook refused"[^\n]*"status":413/);
    else {
      expect(answer.status).toBe(413);
      expectNoEcho(answer, "413");
    }
    // Answered at the cap, not after the whole 60 MB: nothing past 25 MB was needed.
    expect(answer.sent).toBeLessThan(40 * MB);
    expect(growth).toBeLessThan(200 * MB);
    expect(logged.text).not.toContain(MARKER);
    expect(logged.bytes).toBeLessThan(2048);
    await stillServes("413 streamed");
  });

  it(`${ROW}: a declared content-length over the cap is refused with 413 before any of the body is read`, async () => {
    // Send a little and then nothing: the answer must not wait for the rest.
    const answer = await post(app.url, { ...headersFor("push", "huge-2", sign("x")), "content-length": String(26 * MB) }, (req) => req.write(`{"marker":"${MARKER}"`));
    expect(answer.status).toBe(413);
    await stillServes("413 declared");
  });

  it(`${ROW}: a 10 MB body with a wrong signature gets 400 and one short log line, without the payload`, async () => {
    const body = JSON.stringify({ marker: MARKER, filler: "a".repeat(10 * MB) });
    const mark = app.logs.mark();
    const answer = await send(app.url, headersFor("pull_request", "forged-10mb", sign(body, "not-the-secret")), body);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("signature does not match");
    expectNoEcho(answer, "10 MB forged");
    const logged = app.logs.since(mark);
    expect(logged.bytes, logged.text).toBeLessThan(2048);
    expect(logged.text).not.toContain(MARKER);
    expect(logged.text).not.toContain("aaaaaaaaaa");
    expect(logged.text).toContain("forged-10mb");
    expect(await app.store.getDelivery("forged-10mb")).toBeUndefined();
    await stillServes("10 MB forged");
  });

  describe(`${ROW}: signatures`, () => {
    const body = JSON.stringify({ ...examplePayload("pull_request", "opened", 1), marker: MARKER });
    const good = sign(body);
    const cases: Array<[string, Record<string, string>, string]> = [
      ["an altered body", headersFor("pull_request", "sig-altered", good), body.replace("opened", "closed")],
      ["a missing X-Hub-Signature-256", headersFor("pull_request", "sig-missing", undefined), body],
      ["a sha1= signature only", headersFor("pull_request", "sig-sha1", undefined, { "x-hub-signature": `sha1=${createHmac("sha1", SECRET).update(body).digest("hex")}` }), body],
      ["a sha1= value in X-Hub-Signature-256", headersFor("pull_request", "sig-sha1-256", `sha1=${createHmac("sha1", SECRET).update(body).digest("hex")}`), body],
      ["a short signature", headersFor("pull_request", "sig-short", good.slice(0, 40)), body],
      ["a long signature", headersFor("pull_request", "sig-long", `${good}00`), body],
      ["a non-hex signature", headersFor("pull_request", "sig-nonhex", `sha256=${"z".repeat(64)}`), body],
      ["an empty signature", headersFor("pull_request", "sig-empty", ""), body],
      ["a bare sha256=", headersFor("pull_request", "sig-bare", "sha256="), body],
      ["a signature made with another secret", headersFor("pull_request", "sig-other", sign(body, "another secret")), body],
      ["the right signature in upper case", headersFor("pull_request", "sig-upper", `sha256=${good.slice(7).toUpperCase()}`), body],
      ["GitHub's test vector signature on this body", headersFor("pull_request", "sig-vector", VECTOR.signature), body],
    ];

    it.each(cases)(`${ROW}: %s → 4xx, never 500, nothing stored`, async (label, headers, payload) => {
      const mark = app.logs.mark();
      const answer = await send(app.url, headers, payload);
      expect4xx(answer, label);
      expectNoEcho(answer, label);
      expect(await app.store.getDelivery(headers["x-github-delivery"]!)).toBeUndefined();
      const logged = app.logs.since(mark);
      expect(logged.text).not.toContain(MARKER);
      expect(logged.bytes).toBeLessThan(2048);
      await stillServes(label);
    });

    it(`${ROW}: the same body correctly signed is recorded`, async () => {
      const answer = await send(app.url, headersFor("pull_request", "sig-good", good), body);
      expect(answer.status).toBe(200);
      expect(await app.store.getDelivery("sig-good")).toMatchObject({ id: "sig-good", event: "pull_request", action: "opened" });
      recorded.push("sig-good");
    });
  });

  describe(`${ROW}: signed but odd payloads get a 4xx or a logged skip, never a 500`, () => {
    const pr = () => examplePayload("pull_request", "opened", 1);
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const withoutNumber = pr();
    delete withoutNumber.pull_request.number;
    withoutNumber.marker = MARKER;
    const withoutHeadSha = pr();
    delete withoutHeadSha.pull_request.head.sha;
    const wrongEvent = { ...examplePayload("issue_comment", "created", 3), marker: MARKER };
    const deepInside = JSON.stringify({ ...pr(), marker: MARKER }).replace(/}$/, `,"deep":${deep}}`);
    const badAction = { ...pr(), action: { marker: MARKER } };
    const hugeAction = { ...pr(), action: MARKER.repeat(1000) };
    const repositoryAsString = { ...pr(), repository: MARKER };
    const checkRunOdd = { ...examplePayload("pull_request", "opened", 1), action: "completed", check_run: { name: 42, head_sha: null, marker: MARKER } };
    const pushOdd = { installation: { id: 1 }, ref: "refs/heads/main", repository: { full_name: "o/r", default_branch: "main" }, commits: [null, 5, MARKER] };
    const repositoryOdd = { installation: { id: 1 }, action: "edited", changes: MARKER, repository: { full_name: "o/r" } };

    /** [label, event header, delivery header, body, content-type, expected: "4xx" or "skip"] */
    const cases: Array<[string, string, string | undefined, string | Buffer, string, "4xx" | "skip"]> = [
      ["JSON null", "pull_request", "odd-null", "null", "application/json", "4xx"],
      ["a JSON string", "pull_request", "odd-string", JSON.stringify(MARKER), "application/json", "4xx"],
      ["a JSON number", "pull_request", "odd-number", "42", "application/json", "4xx"],
      ["a JSON array", "pull_request", "odd-array", JSON.stringify([pr()]), "application/json", "4xx"],
      ["an empty object", "pull_request", "odd-empty-object", "{}", "application/json", "skip"],
      ["an empty body", "pull_request", "odd-empty-body", "", "application/json", "4xx"],
      ["an empty X-GitHub-Event", "", "odd-empty-event", JSON.stringify(pr()), "application/json", "4xx"],
      ["a malformed X-GitHub-Event", "pull_request; drop", "odd-bad-event", JSON.stringify(pr()), "application/json", "4xx"],
      ["an X-GitHub-Event of 65 characters", "a".repeat(65), "odd-long-event", JSON.stringify(pr()), "application/json", "4xx"],
      ["a missing X-GitHub-Delivery", "pull_request", undefined, JSON.stringify(pr()), "application/json", "4xx"],
      ["a pull request without number", "pull_request", "odd-no-number", JSON.stringify(withoutNumber), "application/json", "skip"],
      ["a pull request without head sha", "pull_request", "odd-no-sha", JSON.stringify(withoutHeadSha), "application/json", "skip"],
      ["action: created on another event's payload (code_scanning_alert with an issue_comment)", "code_scanning_alert", "odd-wrong-event", JSON.stringify(wrongEvent), "application/json", "skip"],
      ["the same as dependabot_alert", "dependabot_alert", "odd-wrong-event-2", JSON.stringify(wrongEvent), "application/json", "skip"],
      ["an action that is not a string", "pull_request", "odd-action-object", JSON.stringify(badAction), "application/json", "skip"],
      ["a 14 KB action", "pull_request", "odd-action-huge", JSON.stringify(hugeAction), "application/json", "skip"],
      ["a repository that is a string", "pull_request", "odd-repo-string", JSON.stringify(repositoryAsString), "application/json", "skip"],
      ["a check_run with a numeric name", "check_run", "odd-check-run", JSON.stringify(checkRunOdd), "application/json", "skip"],
      ["a push with non-object commits", "push", "odd-push", JSON.stringify(pushOdd), "application/json", "skip"],
      ["a repository.edited with string changes", "repository", "odd-repository", JSON.stringify(repositoryOdd), "application/json", "skip"],
      ["an unknown event", "no_such_event", "odd-unknown", JSON.stringify(pr()), "application/json", "skip"],
      ["a 100k-deep array", "pull_request", "odd-deep", deep, "application/json", "4xx"],
      ["a 100k-deep array inside a pull request", "pull_request", "odd-deep-inside", deepInside, "application/json", "4xx"],
      ["invalid JSON", "pull_request", "odd-invalid", `{"marker":"${MARKER}",`, "application/json", "4xx"],
      ["JSON with a trailing comma", "pull_request", "odd-trailing", `{"a":1,}`, "application/json", "4xx"],
      ["non-UTF-8 bytes", "pull_request", "odd-latin1", Buffer.concat([Buffer.from(`{"marker":"${MARKER}`), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}')]), "application/json", "4xx"],
      ["a form-encoded content-type", "pull_request", "odd-form", `payload=${encodeURIComponent(JSON.stringify(pr()))}`, "application/x-www-form-urlencoded", "4xx"],
      ["a text/plain content-type", "pull_request", "odd-text", JSON.stringify(pr()), "text/plain", "4xx"],
    ];

    it.each(cases)(`${ROW}: %s`, async (label, event, id, body, contentType, expected) => {
      const headers: Record<string, string> = { "content-type": contentType, "x-github-event": event, "x-hub-signature-256": sign(body) };
      if (id !== undefined) headers["x-github-delivery"] = id;
      const mark = app.logs.mark();
      const answer = await send(app.url, headers, body);
      if (expected === "4xx") expect4xx(answer, label);
      else expect(answer.status, `${label}: ${answer.body}`).toBe(200);
      expectNoEcho(answer, label);
      if (id !== undefined) expect(await app.store.getDelivery(id), label).toBeUndefined();
      const logged = app.logs.since(mark);
      expect(logged.text, label).not.toContain(MARKER);
      expect(logged.bytes, label).toBeLessThan(2048);
      await stillServes(label);
    });

    it(`${ROW}: the app's log line for a malformed header does not repeat its value`, async () => {
      const mark = app.logs.mark();
      const body = JSON.stringify(pr());
      const answer = await send(app.url, { "content-type": "application/json", "x-github-event": `x${MARKER}`, "x-github-delivery": `bad id ${MARKER}`, "x-hub-signature-256": sign(body) }, body);
      expect(answer.status).toBe(400);
      expectNoEcho(answer, "malformed headers");
      // Probot's access log (name "http", at info: off at production's default level) records request headers as sent.
      const ours = app.logs.since(mark).text.split("\n").filter((line) => line !== "" && !line.includes('"name":"http"'));
      expect(ours.length).toBeGreaterThan(0);
      for (const line of ours) expect(line).not.toContain(MARKER);
    });

    it(`${ROW}: a skipped payload is logged with the field it lacks`, async () => {
      const mark = app.logs.mark();
      const answer = await send(app.url, headersFor("code_scanning_alert", "odd-named-field", sign(JSON.stringify(wrongEvent))), JSON.stringify(wrongEvent));
      expect(answer.status).toBe(200);
      expect(app.logs.since(mark).text).toContain("/alert/number must be an integer");
      const mark2 = app.logs.mark();
      await send(app.url, headersFor("pull_request", "odd-named-field-2", sign(JSON.stringify(withoutNumber))), JSON.stringify(withoutNumber));
      expect(app.logs.since(mark2).text).toContain("/pull_request/number must be an integer");
    });

    it(`${ROW}: a payload's nesting is limited (${WEBHOOK_LIMITS.maxDepth} levels), and one level less is accepted`, async () => {
      const nested = (depth: number) => JSON.stringify({ ...pr(), extra: JSON.parse("[".repeat(depth) + "]".repeat(depth)) });
      // The pull request payload itself is an object (1 level) holding the extra field's arrays.
      const fits = nested(WEBHOOK_LIMITS.maxDepth - 1);
      const ok = await send(app.url, headersFor("pull_request", "depth-ok", sign(fits)), fits);
      expect(ok.status).toBe(200);
      recorded.push("depth-ok");
      const tooDeep = nested(WEBHOOK_LIMITS.maxDepth);
      const refused = await send(app.url, headersFor("pull_request", "depth-refused", sign(tooDeep)), tooDeep);
      expect(refused.status).toBe(400);
      expect(refused.body).toContain("nested deeper");
    });

    it(`${ROW}: brackets and quotes inside strings do not count as nesting`, async () => {
      const tricky = JSON.stringify({ ...pr(), title: `${"[{".repeat(500)} \\" ${'"'.repeat(10)}` });
      const answer = await send(app.url, headersFor("pull_request", "depth-strings", sign(tricky)), tricky);
      expect(answer.status).toBe(200);
      recorded.push("depth-strings");
    });
  });

  it(`${ROW}: other methods and paths are not the webhook endpoint`, async () => {
    const get = await fetch(app.url);
    expect4xx({ status: get.status, body: await get.text() }, "GET");
    const other = await fetch(`${app.origin}/api/github/webhooks-not`, { method: "POST", body: "{}" });
    expect(other.status).toBe(404);
    await stillServes("methods");
  });
});

describe(`${ROW}: GitHub's published test vector`, () => {
  let app: Running;
  beforeAll(async () => {
    app = await startServer({ secret: VECTOR.secret });
  });
  afterAll(async () => {
    await app.stop();
  });

  it(`${ROW}: the vector verifies with the app's secret`, async () => {
    expect(await app.probot.webhooks.verify(VECTOR.body, VECTOR.signature)).toBe(true);
    expect(sign(VECTOR.body, VECTOR.secret)).toBe(VECTOR.signature);
  });

  it(`${ROW}: over HTTP the vector passes the signature check (and "Hello, World!" is then refused as not JSON)`, async () => {
    const answer = await send(app.url, headersFor("ping", "vector-1", VECTOR.signature), VECTOR.body);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("not valid JSON");
    const altered = await send(app.url, headersFor("ping", "vector-2", VECTOR.signature), "Hello, World?");
    expect(altered.status).toBe(400);
    expect(altered.body).toContain("signature does not match");
  });

  it(`${ROW}: a JSON body signed with the vector's secret is dispatched`, async () => {
    const body = JSON.stringify(examplePayload("pull_request", "opened", 1));
    const answer = await send(app.url, headersFor("pull_request", "vector-3", sign(body, VECTOR.secret)), body);
    expect(answer.status).toBe(200);
    expect(await app.store.getDelivery("vector-3")).toBeDefined();
  });
});

describe(`${ROW}: lowered limits (the option tests use)`, () => {
  let app: Running;
  beforeAll(async () => {
    app = await startServer({ limits: { maxBodyBytes: 64 * 1024, maxBufferedBytes: 256 * 1024, bodyTimeoutMs: 1500 } });
  });
  afterAll(async () => {
    await app.stop();
  });

  it(`${ROW}: a body over a lowered cap is refused with 413; one under it is recorded`, async () => {
    const big = JSON.stringify({ marker: MARKER, filler: "c".repeat(100 * 1024) });
    const refused = await send(app.url, headersFor("pull_request", "small-cap-1", sign(big)), big);
    expect(refused.status).toBe(413);
    expectNoEcho(refused, "413");
    const body = JSON.stringify(examplePayload("pull_request", "opened", 1));
    expect((await send(app.url, headersFor("pull_request", "small-cap-2", sign(body)), body)).status).toBe(200);
  });

  it(`${ROW}: a body that does not arrive in time gets 408`, async () => {
    const answer = await post(app.url, { ...headersFor("pull_request", "slow-1", sign("{}")), "content-length": "1000" }, (req) => req.write("{"));
    expect(answer.status).toBe(408);
    const health = await fetch(`${app.origin}/healthz`);
    expect(health.status).toBe(200);
  });

  it(`${ROW}: concurrent bodies past the in-flight budget get 503 with retry-after, and the budget is given back`, async () => {
    // Four bodies of 60 KiB held open (240 KiB of a 256 KiB budget), then a fifth.
    const part = Buffer.alloc(60 * 1024, "d");
    const holders = Array.from({ length: 4 }, (_, i) =>
      post(app.url, { ...headersFor("issues", `budget-${i}`, sign(`x${i}`)), "content-length": 64 * 1024 }, (req) => req.write(part)),
    );
    await new Promise((r) => setTimeout(r, 500));
    const fifth = await new Promise<{ status: number; retryAfter?: string }>((resolve, reject) => {
      const req = request(app.url, { method: "POST", agent: false, headers: { ...headersFor("issues", "budget-5", sign("y")), "content-length": 64 * 1024 } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, retryAfter: res.headers["retry-after"] as string | undefined });
      });
      req.on("error", (err: NodeJS.ErrnoException) => (["EPIPE", "ECONNRESET"].includes(err.code ?? "") ? undefined : reject(err)));
      req.write(part);
    });
    expect(fifth).toEqual({ status: 503, retryAfter: "1" });
    // The four held bodies time out (408) and give their bytes back: a good delivery passes.
    for (const answer of await Promise.all(holders)) expect(answer.status).toBe(408);
    const good = JSON.stringify(examplePayload("pull_request", "opened", 1));
    expect((await send(app.url, headersFor("pull_request", "budget-good", sign(good)), good)).status).toBe(200);
  });
});

describe(`${ROW}: a delivery the store cannot record`, () => {
  let app: Running;
  beforeAll(async () => {
    const store = await openStore("sqlite::memory:");
    // The real store, except that deliveries whose id starts with "fail-" cannot be recorded.
    const failing = new Proxy(store, {
      get(target, key) {
        if (key === "acceptDelivery") {
          return async (delivery: { id: string }) => {
            if (delivery.id.startsWith("fail-")) throw new Error("disk full");
            return target.acceptDelivery(delivery as never);
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    app = await startServer({ store: failing });
  });
  afterAll(async () => {
    await app.stop();
  });

  it(`${ROW}: is answered 500 (GitHub shows it failed; it can be redelivered) without the error or payload, and logged without the payload`, async () => {
    const body = JSON.stringify({ ...examplePayload("pull_request", "opened", 1), marker: MARKER });
    const mark = app.logs.mark();
    const answer = await send(app.url, headersFor("pull_request", "fail-1", sign(body)), body);
    expect(answer.status).toBe(500);
    expectNoEcho(answer, "store failure");
    expect(answer.body).not.toContain("disk full");
    const logged = app.logs.since(mark);
    expect(logged.text).toContain("disk full");
    expect(logged.text).not.toContain(MARKER);
    expect(logged.bytes).toBeLessThan(8192);
    const next = await send(app.url, headersFor("pull_request", "ok-1", sign(body)), body);
    expect(next.status).toBe(200);
  });
});
