/**
 * The process's logger, as Probot would make it (level, JSON or pretty format, Sentry, from the
 * same environment variables) but with credentials redacted: Probot's request logger writes
 * every request's headers, and an API caller's `Authorization` header holds its token.
 */
import type { Writable } from "node:stream";
import { getTransformStream } from "@probot/pino";
import { pino, type Logger } from "pino";

/** What is never written, wherever it appears in a request or response that is logged. */
export const LOG_REDACT = {
  paths: ["req.headers.authorization", "req.headers.cookie", 'req.headers["proxy-authorization"]', 'req.headers["x-hub-signature-256"]', 'req.headers["x-hub-signature"]', 'res.headers["set-cookie"]'],
  censor: "[redacted]",
};

/** The logger for `npm start`: LOG_LEVEL, LOG_FORMAT (json, or pretty; json by default in production), LOG_LEVEL_IN_STRING, LOG_MESSAGE_KEY, SENTRY_DSN. */
export async function appLogger(env: Readonly<Record<string, string | undefined>> = process.env, destination?: Writable): Promise<Logger> {
  const format = env.LOG_FORMAT ? (env.LOG_FORMAT === "pretty" ? "pretty" : "json") : env.NODE_ENV === "production" ? "json" : "pretty";
  const transform = await getTransformStream({ logFormat: format, logLevelInString: env.LOG_LEVEL_IN_STRING === "true", ...(env.SENTRY_DSN ? { sentryDsn: env.SENTRY_DSN } : {}) });
  transform.pipe((destination ?? pino.destination(1)) as NodeJS.WritableStream);
  return pino({ level: env.LOG_LEVEL || "info", name: "probot", messageKey: env.LOG_MESSAGE_KEY || "msg", redact: LOG_REDACT }, transform);
}
