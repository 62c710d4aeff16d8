import type { Probot } from "probot";
import type { Clock, Store } from "../domain/ports.js";
import { HANDLED_EVENTS, toDelivery } from "./delivery.js";
import { SCHEDULE_EVENTS, scheduleRefreshJobs } from "./schedule-events.js";

export interface WebhookDeps {
  store: Store;
  clock: Clock;
  /** Wakes the worker so the delivery is processed at once. */
  wake(): void;
  /** This app's id, to tell our own check runs from other apps'. */
  appId?: number;
}

/**
 * The webhook entry point. It answers in milliseconds: map the payload, record the delivery and
 * its job in one transaction (a redelivery, same X-GitHub-Delivery, is recognised and dropped),
 * and return. The worker does the rest, outside GitHub's 10-second window.
 */
export function registerWebhooks(app: Probot, deps: WebhookDeps): void {
  app.on([...HANDLED_EVENTS], async (context) => {
    const { delivery, skipped, warnings } = toDelivery({ id: context.id, name: context.name, payload: context.payload }, deps.clock.now(), deps.appId);
    for (const warning of warnings) context.log.warn({ deliveryId: context.id }, warning);
    if (!delivery) {
      context.log.debug({ deliveryId: context.id, event: context.name }, skipped ?? "nothing to do");
      return;
    }
    const accepted = await deps.store.acceptDelivery(delivery);
    context.log.info({ deliveryId: delivery.id, event: delivery.event, action: delivery.action, accepted }, accepted ? "delivery recorded" : "redelivery ignored");
    if (accepted) deps.wake();
  });

  // Installations and pushes keep the index of scheduled workflows current.
  app.on([...SCHEDULE_EVENTS], async (context) => {
    let queued = 0;
    for (const job of scheduleRefreshJobs(context.name, context.payload, context.id)) {
      if (await deps.store.enqueue({ runAt: deps.clock.now(), ...job })) queued++;
    }
    if (queued > 0) {
      context.log.info({ deliveryId: context.id, event: context.name, jobs: queued }, "schedule index refresh queued");
      deps.wake();
    }
  });
}
