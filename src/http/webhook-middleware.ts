/**
 * The webhook endpoint, in place of Probot's: bounds what an unauthenticated request may cost,
 * verifies the signature before parsing, logs refusals in one line without the payload, and
 * hands verified events to the handlers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger, Probot } from "probot";
import type { WebhookRoute } from "../handlers/register.js";
import { WEBHOOK_HEADER_PATTERNS as HEADERS, WEBHOOK_LIMITS, type WebhookLimits } from "../handlers/limits.js";
import { BodyBudget, nestedDeeperThan, readBody } from "./read-body.js";

/** The webhook endpoint as the HTTP servers call it: true when it answered the request. */
export type WebhookMiddleware = (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<boolean>;

export interface WebhookMiddlewareOptions {
  /** Where webhooks arrive (default: the app's webhook path, `/api/github/webhooks`). */
  path?: string;
  log?: Logger;
  /** Lower bounds for tests; production uses WEBHOOK_LIMITS. */
  limits?: Partial<WebhookLimits>;
  /** The app's handlers, called directly for a verified event (no Probot context); without it, Probot dispatches. */
  route?: WebhookRoute;
}

const JSON_CONTENT_TYPE = /^\s*application\/json\s*(?:;|$)/i;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Probot's webhook endpoint, replaced by a bounded, quiet one that hands verified events to
 * Probot's own dispatch (`app.webhooks.receive`: the same Context and `app.on` handlers).
 *
 * Probot's Server (and `createNodeMiddleware`) ask the app's `getNodeMiddleware()` for the
 * endpoint after the app is loaded; the app answers with this one. What it changes:
 * - the body is capped as it streams in (413), all unverified bodies together are capped too
 *   (503), and a body must arrive in time (408);
 * - the headers are checked before the body is read, the signature before the body is parsed,
 *   its nesting depth before JSON.parse, and a payload must be a JSON object;
 * - a refused request is logged as one line (delivery id and event when well-formed, a reason),
 *   never with its payload: @octokit/webhooks logs a forged request's error with the whole
 *   payload attached, twice, at error level;
 * - answers are short fixed messages, never an echo of the payload or an error's text.
 */
export function installWebhookMiddleware(app: Probot, options: { limits?: Partial<WebhookLimits>; route?: WebhookRoute } = {}): void {
  const make = async ({ log, path }: { log?: Logger; path?: string } = {}) =>
    webhookMiddleware(app, { log: log ?? app.log, path: path ?? app.webhookPath, limits: options.limits, ...(options.route ? { route: options.route } : {}) });
  app.getNodeMiddleware = make as Probot["getNodeMiddleware"];
}

export function webhookMiddleware(app: Probot, options: WebhookMiddlewareOptions = {}): WebhookMiddleware {
  const limits: WebhookLimits = { ...WEBHOOK_LIMITS, ...options.limits };
  const path = withoutTrailingSlashes(options.path ?? app.webhookPath);
  const log = (options.log ?? app.log).child({ name: "webhooks" });
  const budget = new BodyBudget(limits.maxBufferedBytes);

  return async function governanceWebhooks(req, res, next) {
    if (withoutTrailingSlashes((req.url ?? "").split("?")[0]!) !== path) {
      next?.();
      return false;
    }
    try {
      await handle(req, res);
    } catch (err) {
      // Nothing above should throw; if it does, answer without the error's text.
      log.error({ error: short((err as Error)?.message) }, "webhook endpoint failed");
      answer(res, 500, { error: "internal error" });
    }
    return true;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") return refuse(req, res, 405, "webhooks are POSTed", {}, { allow: "POST" });
    const contentType = req.headers["content-type"];
    if (typeof contentType !== "string" || !JSON_CONTENT_TYPE.test(contentType)) return refuse(req, res, 415, 'content-type must be "application/json"');

    const name = header(req, "x-github-event");
    const id = header(req, "x-github-delivery");
    const signature = header(req, "x-hub-signature-256");
    if (name === undefined || !HEADERS.event.test(name)) return refuse(req, res, 400, "x-github-event header missing or malformed");
    if (id === undefined || !HEADERS.delivery.test(id)) return refuse(req, res, 400, "x-github-delivery header missing or malformed", { event: name });
    const who = { deliveryId: id, event: name };
    if (signature === undefined) {
      const reason = header(req, "x-hub-signature") !== undefined ? "x-hub-signature-256 header missing (sha1 signatures are not accepted)" : "x-hub-signature-256 header missing";
      return refuse(req, res, 400, reason, who);
    }
    if (!HEADERS.signature.test(signature)) return refuse(req, res, 400, "x-hub-signature-256 header malformed (sha256= and 64 hex digits)", who);

    const read = await readBody(req, limits, budget);
    if (!read.ok) return refuse(req, res, read.status, read.reason, who, read.status === 503 ? { "retry-after": "1" } : {});
    let payload: unknown;
    let text: string;
    try {
      if (read.body.length === 0) return refuse(req, res, 400, "empty body", who);
      try {
        text = utf8.decode(read.body);
      } catch {
        return refuse(req, res, 400, "body is not valid UTF-8", who);
      }
      // The HMAC of the raw body: valid UTF-8 decoded with ignoreBOM encodes back to the same bytes.
      if (!(await app.webhooks.verify(text, signature).catch(() => false))) {
        return refuse(req, res, 400, "signature does not match (check that WEBHOOK_SECRET is the app's webhook secret)", who);
      }
      if (nestedDeeperThan(read.body, limits.maxDepth)) return refuse(req, res, 400, `payload nested deeper than ${limits.maxDepth} levels`, who);
      try {
        payload = JSON.parse(text);
      } catch {
        return refuse(req, res, 400, "body is not valid JSON", who);
      }
    } finally {
      read.release();
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return refuse(req, res, 400, "payload must be a JSON object", who);

    log.debug(who, "webhook received");
    await dispatch(res, { id, name, payload }, text, who);
  }

  /** Probot's dispatch, answered 200 when the handlers are done, 202 when they take too long. */
  async function dispatch(res: ServerResponse, event: { id: string; name: string; payload: object }, payloadText: string, who: Record<string, string>): Promise<void> {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      answer(res, 202, "still processing\n");
    }, limits.answerWithinMs);
    try {
      if (options.route) await options.route({ ...event, payloadText, log });
      else await app.webhooks.receive(event as never);
      if (!late) answer(res, 200, "ok\n");
    } catch (err) {
      const first = firstError(err);
      const status = typeof first?.status === "number" && first.status >= 400 && first.status < 600 ? first.status : 500;
      // Probot's error handler has logged each error (our handlers' errors carry no payload).
      log.error({ ...who, status, error: short(first?.message) }, "webhook handler failed");
      if (!late) answer(res, status, { error: status < 500 ? "delivery refused" : "the delivery could not be recorded; it can be redelivered" });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Refuses a request with a short reason, logged in one line; the rest of its body is dropped, not read into memory. */
  function refuse(req: IncomingMessage, res: ServerResponse, status: number, reason: string, who: Record<string, string> = {}, headers: Record<string, string> = {}): void {
    log.warn({ ...who, status, reason }, "webhook refused");
    const complete = req.readableEnded;
    answer(res, status, { error: reason }, complete ? headers : { ...headers, connection: "close" });
    if (!complete) {
      // Read and drop the rest for a moment, so that the client gets to read the answer, then hang up.
      const cut = setTimeout(() => req.socket?.destroy(), limits.lingerMs);
      cut.unref?.();
      req.once("end", () => clearTimeout(cut));
      req.once("close", () => clearTimeout(cut));
      req.resume();
    }
  }
}

function answer(res: ServerResponse, status: number, body: string | Record<string, string>, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  const text = typeof body === "string" ? body : `${JSON.stringify(body)}\n`;
  const type = typeof body === "string" ? "text/plain" : "application/json";
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text).toString(), "cache-control": "no-store", ...headers });
  res.end(text);
}

/** A single-valued request header (a repeated one, joined by Node, fails the patterns). */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

function firstError(err: unknown): { status?: unknown; message?: string } | undefined {
  const errors = (err as { errors?: unknown })?.errors;
  const first = Array.isArray(errors) && errors.length > 0 ? errors[0] : err;
  return typeof first === "object" && first !== null ? (first as { status?: unknown; message?: string }) : undefined;
}

/** An error message fit for one log line. */
function short(message: unknown): string {
  const text = typeof message === "string" ? message : "unknown error";
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** The path without trailing slashes (a loop, not a regex: URLs are the client's). */
function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return end === 0 ? "/" : path.slice(0, end);
}
