import { GOVERNANCE_CONFIG_ENV, type OperatorConfig } from "../config/operator-config.js";
import { showKey } from "../config/redact.js";
import { webhookUrlProblem } from "../config/webhook-url.js";
import type { Notifier } from "../domain/ports.js";
import { cutAtLine } from "../github/truncate.js";

/**
 * Delivers notify messages to Slack-compatible incoming webhooks. A webhook URL is a bearer
 * secret, so no error this file throws (message, cause or stack) ever carries one, nor its host.
 */

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
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: slackText(message.text) }),
        // A redirect could lead anywhere, an internal address included: never follow one.
        redirect: "error",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw fetchFailure(channel, err, this.#timeoutMs);
    }
    if (response.ok) {
      await response.body?.cancel().catch(() => undefined); // frees the connection; the body says nothing we need
      return;
    }
    const detail = await errorCode(response, url);
    const retryable = response.status >= 500 || response.status === 429;
    throw new WebhookDeliveryError(channel, `the webhook answered ${response.status}${detail ? ` (${detail})` : ""}`, retryable, response.status);
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

/**
 * Turns a fetch rejection into an error without the URL. Undici's causes name the host and
 * port ("connect ECONNREFUSED 10.0.0.5:443"), so only the error code is kept.
 */
function fetchFailure(channel: string, err: unknown, timeoutMs: number): WebhookDeliveryError {
  const e = err as { name?: string; cause?: { message?: string; code?: unknown } } | undefined;
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return new WebhookDeliveryError(channel, `no answer within ${timeoutMs / 1000} s`, true);
  }
  if (/redirect/i.test(e?.cause?.message ?? "")) {
    return new WebhookDeliveryError(channel, "the webhook answered with a redirect, which is never followed; configure the final URL", false);
  }
  const code = typeof e?.cause?.code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(e.cause.code) ? e.cause.code : undefined;
  const cause = new Error(code ?? "network error");
  return new WebhookDeliveryError(channel, `the webhook could not be reached${code ? ` (${code})` : ""}`, true, undefined, cause);
}

/**
 * A short error code from the answer (Slack sends `no_service`, `invalid_payload`, …), when
 * the body is just that; anything else, or anything that appears in the URL, is dropped.
 */
async function errorCode(response: Response, url: string): Promise<string | undefined> {
  const text = (await readStart(response, 256)).trim();
  return /^[A-Za-z0-9_]{1,64}$/.test(text) && !url.includes(text) ? text : undefined;
}

/** The first bytes of a body, at most `max`: a hostile endpoint cannot make us buffer much. */
async function readStart(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    await reader.cancel();
  } catch {
    return ""; // a body that fails mid-way has nothing useful to say
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max));
}
