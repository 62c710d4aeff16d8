/**
 * The `/readyz` route for orchestrators: 200 while the database answers, its schema is this
 * build's and the worker is alive; 503 naming the check that is not. `/healthz` (health.ts)
 * says only that the process serves requests.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../domain/ports.js";

/** What readiness asks, as functions the composition root passes (the store's ping and migrationsApplied, the worker's liveness). */
export interface ReadinessChecks {
  /** A trivial query; rejects when the database cannot be reached. */
  database(): Promise<void>;
  /** Whether the database is at this build's schema. */
  migrations(): Promise<boolean>;
  /** Whether the worker loop ticked recently (see heartbeatAlive). */
  workerAlive(): boolean;
}

export type CheckState = "ok" | "failed" | "timed out" | "not applied" | "stalled";

export interface Readiness {
  status: "ready" | "not ready";
  checks: { database: CheckState; migrations: CheckState; worker: CheckState };
}

/** How long the database checks get before the answer is 503 "timed out". */
export const READY_TIMEOUT_MS = 2_000;

export interface ReadyOptions {
  timeoutMs?: number;
  /** Where a change of readiness is logged, with the failures' errors (the answer names only the check). */
  log?: Pick<Logger, "warn" | "info">;
}

type DatabaseStates = Pick<Readiness["checks"], "database" | "migrations">;
type Assessed = { answer: Readiness; errors: Record<string, unknown> };

/** `GET /readyz` (and HEAD): 200 `{ status: "ready", checks }` when every check is ok, else 503 naming the failing ones. */
export function readyHandler(checks: ReadinessChecks, options: ReadyOptions = {}) {
  const timeoutMs = options.timeoutMs ?? READY_TIMEOUT_MS;
  // One database probe at a time: a database that hangs gets no pile of queries from a probe every few seconds.
  let inflight: Promise<{ states: DatabaseStates; errors: Record<string, unknown> }> | undefined;
  let wasReady: boolean | undefined;

  const probe = () => {
    if (inflight) return inflight;
    const errors: Record<string, unknown> = {};
    const attempt = async <T>(name: string, check: () => Promise<T>): Promise<{ value: T } | undefined> => {
      try {
        return { value: await check() };
      } catch (err) {
        errors[name] = err;
        return undefined;
      }
    };
    const run = Promise.all([attempt("database", () => checks.database()), attempt("migrations", () => checks.migrations())]).then(([database, migrations]) => ({
      states: { database: database ? "ok" : "failed", migrations: migrations === undefined ? "failed" : migrations.value ? "ok" : "not applied" } satisfies DatabaseStates,
      errors,
    }));
    inflight = run;
    void run.finally(() => {
      if (inflight === run) inflight = undefined;
    });
    return run;
  };

  const assess = async (): Promise<Assessed> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const db = await Promise.race([probe(), timedOut]).finally(() => clearTimeout(timer));
    const errors: Record<string, unknown> = { ...db?.errors };
    let worker: CheckState;
    try {
      worker = checks.workerAlive() ? "ok" : "stalled";
    } catch (err) {
      errors.worker = err;
      worker = "failed";
    }
    const result: Readiness["checks"] = { ...(db?.states ?? { database: "timed out", migrations: "timed out" }), worker };
    return { answer: { status: Object.values(result).every((s) => s === "ok") ? "ready" : "not ready", checks: result }, errors };
  };

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/readyz") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "application/json", allow: "GET, HEAD" });
      res.end(JSON.stringify({ error: "method not allowed" }));
      return true;
    }
    void assess().then(({ answer, errors }) => {
      const ready = answer.status === "ready";
      // A change is logged, with the errors: the answer itself names only the checks.
      if (ready !== wasReady) {
        if (ready) options.log?.info({ checks: answer.checks }, "ready");
        else options.log?.warn({ checks: answer.checks, errors }, "not ready");
        wasReady = ready;
      }
      res.writeHead(ready ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : JSON.stringify(answer));
    });
    return true;
  };
}

/**
 * A liveness check from a heartbeat: alive while the last beat (epoch milliseconds, undefined
 * before the first) is at most `maxAgeMs` old.
 */
export function heartbeatAlive(lastBeat: () => number | undefined, maxAgeMs: number, now: () => number = Date.now): () => boolean {
  return () => {
    const beat = lastBeat();
    return beat !== undefined && now() - beat <= maxAgeMs;
  };
}
