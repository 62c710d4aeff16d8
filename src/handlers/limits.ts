/**
 * Bounds on incoming webhooks: what an unauthenticated request may cost before it is refused.
 * The webhook middleware (src/http/webhook-middleware.ts) enforces them; the README quotes them.
 */
export const WEBHOOK_LIMITS = {
  /** Largest webhook body, in bytes: GitHub's own cap on payloads (25 MB). Larger ones get 413 as they stream in. */
  maxBodyBytes: 25 * 1024 * 1024,
  /**
   * Most body bytes held in memory across every webhook request not yet verified and parsed
   * (four largest payloads). A request that would pass it gets 503 with `retry-after`, so a flood
   * of large forged requests costs a bounded amount of memory.
   */
  maxBufferedBytes: 100 * 1024 * 1024,
  /** Deepest nesting of arrays and objects in a payload (GitHub's go about ten deep). Checked before JSON.parse. */
  maxDepth: 64,
  /** A body must arrive within this many milliseconds of the headers (GitHub's timeout is 10 s, GHES's 30 s): else 408. */
  bodyTimeoutMs: 30_000,
  /** After refusing a body mid-stream, how long the rest is read and dropped (so the client sees the answer) before the connection is cut. */
  lingerMs: 2_000,
  /** A delivery still being handled after this many milliseconds is answered 202 and finishes in the background. */
  answerWithinMs: 9_000,
} as const;

export type WebhookLimits = { -readonly [K in keyof typeof WEBHOOK_LIMITS]: number };

/** The headers GitHub sends, as this app accepts them; anything else is refused with 400 before the body is read. */
export const WEBHOOK_HEADER_PATTERNS = {
  /** `X-GitHub-Event`: a lower-case event name. */
  event: /^[a-z][a-z0-9_]{0,63}$/,
  /** `X-GitHub-Delivery`: a GUID on github.com; any short token of letters, digits and `._:-`. */
  delivery: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  /** `X-Hub-Signature-256`: HMAC-SHA256 of the raw body, in lower-case hex. */
  signature: /^sha256=[0-9a-f]{64}$/,
} as const;
