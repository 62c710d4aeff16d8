/**
 * The webhook handlers' registration: each handled event is mapped and recorded as a delivery
 * (with its job) in milliseconds, or queues schedule index refreshes; handler failures are
 * stripped of the payload before Probot logs them.
 */
import type { Probot } from "probot";
import { noMetrics, type Metrics } from "../domain/metrics-port.js";
import type { Clock, Logger, NewJob, Store } from "../domain/ports.js";
import { handledEvents, toDelivery } from "./delivery.js";
import { SCHEDULE_EVENTS, scheduleRefreshJobs } from "./schedule-events.js";

export interface WebhookDeps {
  store: Store;
  clock: Clock;
  /** Wakes the worker so the delivery is processed at once. */
  wake(): void;
  /** This app's id, to tell our own check runs from other apps'. */
  appId?: number;
  /** A repository's default branch may hold other workflows now (a push, a rename, a new default branch). */
  policyChanged?(repository: string): void;
  /** Where deliveries are counted, by event and outcome (default: nowhere). */
  metrics?: Metrics;
}

/**
 * The webhook entry point. It answers in milliseconds: map the payload, record the delivery and
 * its job in one transaction (a redelivery, same X-GitHub-Delivery, is recognised and dropped),
 * and return. The worker does the rest, outside GitHub's 10-second window. A payload without
 * the fields its event needs is a logged skip (answered 200, nothing stored), never a 500.
 */
export function registerWebhooks(app: Probot, deps: WebhookDeps): WebhookRoute {
  const { record, refresh } = handlers(deps);
  const [quietRecord, quietRefresh] = [quiet(record), quiet(refresh)];
  const events = handledEvents();
  app.on(events as Parameters<Probot["on"]>[0], quietRecord);
  app.on([...SCHEDULE_EVENTS], quietRefresh);
  const byEvent = new Map<string, (context: WebhookContext) => Promise<void>>([
    ...events.map((name) => [name, quietRecord] as const),
    ...SCHEDULE_EVENTS.map((name) => [name, quietRefresh] as const),
  ]);
  return async (event) => {
    const handler = byEvent.get(event.name);
    if (!handler) return false;
    await handler(event);
    return true;
  };
}

/** What a handler gets: the event and a logger (Probot's context has both, and more that is not needed here). */
export interface WebhookContext {
  id: string;
  name: string;
  payload: unknown;
  /** The payload's JSON as received (the signed body), when the endpoint has it: stored as it is. */
  payloadText?: string;
  log: Pick<Logger, "debug" | "info" | "warn">;
}

/**
 * The same handlers without Probot's event dispatch: the webhook endpoint calls this for a
 * verified event, so an event costs no Probot context (which makes an Octokit client per event
 * that these handlers never use). Resolves false for an event this app does not handle.
 */
export type WebhookRoute = (event: WebhookContext) => Promise<boolean>;

function handlers(deps: WebhookDeps): { record(context: WebhookContext): Promise<void>; refresh(context: WebhookContext): Promise<void> } {
  // Event names are the handled ones only (the route and Probot dispatch nothing else here): a bounded label.
  const metrics = deps.metrics ?? noMetrics;
  return {
    async record(context) {
      const { delivery, skipped, invalid, warnings } = toDelivery({ id: context.id, name: context.name, payload: context.payload }, deps.clock.now(), deps.appId);
      for (const warning of warnings) context.log.warn({ deliveryId: context.id }, warning);
      if (!delivery) {
        metrics.deliveryRecorded(context.name, invalid ? "invalid" : "skipped");
        if (invalid) context.log.warn({ deliveryId: context.id, event: context.name, reason: skipped }, "webhook skipped: the payload lacks what its event needs");
        else context.log.debug({ deliveryId: context.id, event: context.name }, skipped ?? "nothing to do");
        return;
      }
      let accepted: boolean;
      try {
        accepted = await deps.store.acceptDelivery(delivery, context.payloadText === undefined ? {} : { payloadText: context.payloadText });
      } catch (err) {
        metrics.deliveryRecorded(context.name, "failed");
        throw err;
      }
      metrics.deliveryRecorded(context.name, accepted ? "accepted" : "duplicate");
      context.log.info({ deliveryId: delivery.id, event: delivery.event, action: delivery.action, accepted }, accepted ? "delivery recorded" : "redelivery ignored");
      if (accepted) deps.wake();
    },

    // Installations and pushes keep the index of scheduled workflows current.
    async refresh(context) {
      // Before the push is acknowledged: a delivery after it reads the policy afresh.
      const changed = (context.payload as { repository?: { full_name?: unknown } }).repository?.full_name;
      if (typeof changed === "string") deps.policyChanged?.(changed);
      let jobs: NewJob[];
      try {
        jobs = scheduleRefreshJobs(context.name, context.payload, context.id);
      } catch {
        metrics.deliveryRecorded(context.name, "invalid");
        context.log.warn({ deliveryId: context.id, event: context.name }, "webhook skipped: the payload lacks what its event needs");
        return;
      }
      let queued = 0;
      try {
        for (const job of jobs) {
          if (await deps.store.enqueue({ runAt: deps.clock.now(), ...job })) queued++;
        }
      } catch (err) {
        metrics.deliveryRecorded(context.name, "failed");
        throw err;
      }
      metrics.deliveryRecorded(context.name, queued > 0 ? "accepted" : jobs.length > 0 ? "duplicate" : "skipped");
      if (queued > 0) {
        context.log.info({ deliveryId: context.id, event: context.name, jobs: queued }, "schedule index refresh queued");
        deps.wake();
      }
    },
  };
}

/**
 * A handler whose failures carry no payload. @octokit/webhooks attaches the event (the whole
 * payload) to a handler's error, and Probot's error handler logs the error with all its
 * properties; a HandlerFailure drops the attachment and keeps a short message and the stack.
 */
function quiet<C extends { id: string; name: string }>(handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
  return async (context) => {
    try {
      await handler(context);
    } catch (err) {
      throw new HandlerFailure(err);
    }
  };
}

/** An error for Probot to log and the webhook endpoint to answer 500: the delivery was not recorded, and may be redelivered. */
export class HandlerFailure extends Error {
  readonly status = 500;

  constructor(cause: unknown) {
    const original = cause instanceof Error ? cause : undefined;
    const message = original?.message ?? "unknown error";
    super(message.length > 300 ? `${message.slice(0, 299)}…` : message);
    this.name = "HandlerFailure";
    // The frames only: the first line of a stack repeats the (untruncated) message.
    const frames = (original?.stack ?? "").split("\n").filter((line) => line.startsWith("    at ")).slice(0, 20);
    this.stack = [`${this.name}: ${this.message}`, ...frames].join("\n");
  }

  /** Set by @octokit/webhooks to the event, payload and all: dropped. */
  set event(_event: unknown) {}
  get event(): undefined {
    return undefined;
  }
}
