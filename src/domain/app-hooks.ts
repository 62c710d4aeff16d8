/**
 * The app's webhook as GitHub records it, asked with the app's credentials (a JWT): the recent
 * delivery attempts, newest first, and a redelivery of one of them. GitHub never redelivers a
 * failed webhook by itself; the reconcile job (engine/reconcile.ts) does it through this port.
 */

/** One delivery attempt (GitHub lists one row per attempt: a redelivery is a row of its own with the same guid). */
export interface HookDelivery {
  /** The attempt's id: what a redelivery names. */
  id: number;
  /** The event's id, shared by its redeliveries: the `X-GitHub-Delivery` header, the store's delivery id. */
  guid: string;
  /** When the attempt was made (ISO-8601). */
  deliveredAt: string;
  /** Whether this attempt was a redelivery. */
  redelivery: boolean;
  /** The HTTP status the app answered; 0 when there was no answer (refused connection, timeout). */
  statusCode: number;
  /** GitHub's words for the outcome ("OK", "Invalid HTTP Response: 503", "timed out"...): for logs only. */
  status: string;
  /** The event's name (`pull_request`), without its action. */
  event: string;
  action?: string;
  installationId?: number;
  repositoryId?: number;
}

/** One page of attempts, newest first, and the cursor of the next (older) page if there is one. */
export interface HookDeliveryPage {
  deliveries: HookDelivery[];
  next?: string;
}

export interface AppHooks {
  /** A page of the app's delivery attempts, newest first (`perPage` at most 100); throws when GitHub cannot be asked. */
  listDeliveries(options: { cursor?: string; perPage: number }): Promise<HookDeliveryPage>;
  /** Asks GitHub to deliver an attempt again. Throws RedeliveryRefused when GitHub will not (too old, gone); anything else on other failures. */
  redeliver(deliveryId: number): Promise<void>;
}

/** GitHub refused to redeliver an attempt (404 or 422: past its retention, or no such delivery): skip it, trying again cannot help. */
export class RedeliveryRefused extends Error {
  constructor(
    readonly deliveryId: number,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(`GitHub refused to redeliver webhook delivery ${deliveryId} (HTTP ${status})`, options);
    this.name = "RedeliveryRefused";
  }
}
