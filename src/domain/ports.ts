/**
 * The ports: the small interfaces through which the engine and the actions reach the outside
 * world. Adapters implement them (Octokit, Kysely, node:http); tests and the dry-run CLI use
 * fakes. GitHub's and the store's are large enough for files of their own, re-exported here so
 * that "a port" is always imported from this one place.
 */
import type { EffectLedger } from "./store-port.js";
import type { Run } from "./run.js";

export * from "./github-port.js";
export * from "./store-port.js";

/** Sends messages to channels the operator configured (Slack-compatible incoming webhooks). */
export interface Notifier {
  /** Whether the operator configured this channel. */
  has(channel: string): boolean;
  /** Delivers a message; throws when the channel is unknown or delivery fails. */
  send(channel: string, message: { text: string }): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** Structured logging, object first (pino's shape). Secrets never go in either argument. */
export interface Logger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** A logger that drops everything (tests, the CLI). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Shows a run where people look (a check run); best effort: a failure here never fails the run. */
export interface RunReporter {
  /** Called once when the run starts; returns the check run id to keep on the run, if any. Its creation is recorded in `effects` when given. */
  started(run: Run, effects?: EffectLedger): Promise<number | undefined>;
  /** Called when a run starts to wait (an approval, a timer, an event) and when it resumes. */
  progress(run: Run): Promise<void>;
  /** Called when the run ends (and may be called again for the same run). */
  finished(run: Run): Promise<void>;
}
