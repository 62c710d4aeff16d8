/**
 * Delivers notify messages to Slack-compatible incoming webhooks. A webhook URL is a bearer
 * secret, so no error this file throws (message, cause or stack) ever carries one, nor its host.
 */
import { GOVERNANCE_CONFIG_ENV, type OperatorConfig } from "../config/operator-config.js";
import { showKey } from "../config/redact.js";
import { webhookUrlProblem } from "../config/webhook-url.js";
import type { Notifier } from "../domain/ports.js";
import { cutAtLine } from "../domain/text.js";
import { isRedirect, transportFor } from "../net/http-transport.js";

/** How long one delivery may take, connection and answer included. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Slack cuts messages longer than this; cutting here keeps the marker visible. */
export const MAX_MESSAGE_CHARS = 40_000;

export interface WebhookNotifierOptions {
  /** Per-delivery timeout in milliseconds (default 10 s). */
  timeoutMs?: number;
}

/** A workflow names a channel the operator did not configure: retrying cannot help. */
export class ChannelNotConfiguredError extends Error {
  override readonly name = "ChannelNotConfiguredError";
  readonly retryable = false;

  constructor(readonly channel: string) {
    const shown = showKey(channel);
    super(
      `notify: the channel ${shown} is not configured; add notify.channels[${shown}].webhookUrl to the operator configuration file named by ${GOVERNANCE_CONFIG_ENV}`,
    );
  }
}

/** A delivery failed; `retryable` says whether trying again later can help (timeouts, 5xx, 429). */
export class WebhookDeliveryError extends Error {
  override readonly name = "WebhookDeliveryError";

  constructor(
    readonly channel: string,
    reason: string,
    readonly retryable: boolean,
    readonly status?: number,
    cause?: Error,
  ) {
    super(`notify: delivery to ${showKey(channel)} failed: ${reason}`, cause ? { cause } : undefined);
  }
}

/** The Notifier port over the channels of the operator configuration. */
export class WebhookNotifier implements Notifier {
  // Private fields: the URLs stay out of util.inspect and JSON.stringify of the notifier.
  readonly #urls: Map<string, string>;
  readonly #timeoutMs: number;

  constructor(config: Pick<OperatorConfig, "notify">, options: WebhookNotifierOptions = {}) {
    this.#urls = new Map();
    for (const [channel, { webhookUrl, allowPrivateAddress }] of Object.entries(config.notify.channels)) {
      // The loader checked already; this guards configurations built in code.
      const problem = webhookUrlProblem(webhookUrl, { allowPrivateAddress });
      if (problem) throw new Error(`notify.channels[${showKey(channel)}].webhookUrl ${problem}`);
      this.#urls.set(channel, webhookUrl);
    }
    this.#timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  }

  /** Whether the operator configured this channel. */
  has(channel: string): boolean {
    return this.#urls.has(channel);
  }

  /** POSTs `{"text": …}` to the channel's webhook; throws ChannelNotConfiguredError or WebhookDeliveryError. */
  async send(channel: string, message: { text: string }): Promise<void> {
    const url = this.#urls.get(channel);
    if (url === undefined) throw new ChannelNotConfiguredError(channel);
    let answer: Posted;
    try {
      answer = await post(new URL(url), JSON.stringify({ text: slackText(message.text) }), this.#timeoutMs);
    } catch (err) {
      throw postFailure(channel, err, this.#timeoutMs);
    }
    if (answer.status >= 200 && answer.status < 300) return;
    if (answer.redirect) {
      // A redirect could lead anywhere, an internal address included: never followed.
      throw new WebhookDeliveryError(channel, "the webhook answered with a redirect, which is never followed; configure the final URL", false, answer.status);
    }
    const detail = errorCode(answer.start, url);
    const retryable = answer.status >= 500 || answer.status === 429;
    throw new WebhookDeliveryError(channel, `the webhook answered ${answer.status}${detail ? ` (${detail})` : ""}`, retryable, answer.status);
  }
}

/**
 * Message text as Slack reads it literally: `&`, `<` and `>` escaped, so text that came from a
 * repository (a finding's title) cannot form `<!channel>` pings or disguised links; capped.
 */
export function slackText(text: string): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  if (escaped.length <= MAX_MESSAGE_CHARS) return escaped;
  const marker = (n: number) => `\n… (${n} more characters not shown)`;
  // Cut, then drop an entity the cut split in half (`&am`), which Slack would show as is.
  const kept = cutAtLine(escaped, MAX_MESSAGE_CHARS - marker(escaped.length).length).replace(/&[a-z]{0,3}$/, "");
  return kept + marker(escaped.length - kept.length);
}

/** What a POST was answered: the status, whether it was a redirect, and the first bytes of an error answer. */
interface Posted {
  status: number;
  redirect: boolean;
  start: string;
}

/** Read of an error answer, for its code. */
const ERROR_START_BYTES = 256;
/** Read of a success answer before its connection is given up instead of kept for the next message. */
const DRAIN_MAX_BYTES = 64 * 1024;

class PostTimeout extends Error {
  override readonly name = "PostTimeout";
}

/**
 * One POST over node:http(s) with the shared keep-alive agents. It resolves as soon as a
 * success status arrives, so a slow or endless body cannot turn a delivered message into a
 * failure (and a retry into a duplicate); an error answer is read for its first bytes only.
 * Everything, the body still being read included, ends within `timeoutMs`.
 */
function post(url: URL, body: string, timeoutMs: number): Promise<Posted> {
  return new Promise<Posted>((resolve, reject) => {
    const transport = transportFor(url.protocol);
    if (!transport) return reject(new Error("unsupported protocol"));
    let settled = false;
    let status: number | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const timer = setTimeout(() => {
      // No status yet: a timeout. A status already settled the promise: this only stops the reading.
      settle(() => (status === undefined ? reject(new PostTimeout()) : resolve({ status, redirect: false, start: "" })));
      req.destroy();
    }, timeoutMs);
    timer.unref?.();
    const req = transport.request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, agent: transport.agent }, (res) => {
      status = res.statusCode ?? 0;
      const answered = status;
      const ended = () => clearTimeout(timer);
      res.on("end", ended);
      res.on("close", ended);
      res.on("error", () => undefined);
      if (answered >= 200 && answered < 300) {
        settle(() => resolve({ status: answered, redirect: false, start: "" }));
        // The body says nothing we need: read a little so that the connection can carry the next message.
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > DRAIN_MAX_BYTES) res.destroy();
        });
        return;
      }
      if (isRedirect(answered) && res.headers.location !== undefined) {
        res.destroy();
        return settle(() => resolve({ status: answered, redirect: true, start: "" }));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => settle(() => resolve({ status: answered, redirect: false, start: Buffer.concat(chunks).subarray(0, ERROR_START_BYTES).toString("utf8") }));
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= ERROR_START_BYTES) {
          done();
          res.destroy();
        }
      });
      res.on("end", done);
      // A body that fails midway has nothing useful to say.
      res.on("aborted", () => settle(() => resolve({ status: answered, redirect: false, start: "" })));
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      settle(() => (status === undefined ? reject(err) : resolve({ status, redirect: false, start: "" })));
    });
    req.end(body);
  });
}

/**
 * Turns a failed POST into an error without the URL. Node's network errors name the host and
 * port ("connect ECONNREFUSED 10.0.0.5:443"), so only the error code is kept.
 */
function postFailure(channel: string, err: unknown, timeoutMs: number): WebhookDeliveryError {
  if (err instanceof PostTimeout) return new WebhookDeliveryError(channel, `no answer within ${timeoutMs / 1000} s`, true);
  const raw = (err as { code?: unknown } | undefined)?.code;
  const code = typeof raw === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(raw) ? raw : undefined;
  const cause = new Error(code ?? "network error");
  return new WebhookDeliveryError(channel, `the webhook could not be reached${code ? ` (${code})` : ""}`, true, undefined, cause);
}

/**
 * A short error code from the answer (Slack sends `no_service`, `invalid_payload`, …), when
 * the body is just that; anything else, or anything that appears in the URL, is dropped.
 */
function errorCode(start: string, url: string): string | undefined {
  const text = start.trim();
  return /^[A-Za-z0-9_]{1,64}$/.test(text) && !url.includes(text) ? text : undefined;
}
