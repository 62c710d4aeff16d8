/**
 * The AppHooks port (domain/app-hooks.ts) over Octokit authenticated as the app (its JWT): the
 * app webhook's delivery attempts (`GET /app/hook/deliveries`, paged by `cursor` through the
 * Link header) and their redelivery (`POST /app/hook/deliveries/{id}/attempts`, answered 202).
 */
import { RedeliveryRefused, type AppHooks, type HookDelivery } from "../domain/app-hooks.js";

/** What the adapter needs of Probot: a client authenticated as the app (Probot's `app.auth()` with no installation). */
export interface AppHookClients {
  auth(): Promise<{
    request(route: string, parameters?: Record<string, unknown>): Promise<{ data: unknown; headers?: Record<string, unknown> }>;
  }>;
}

/** GitHub's largest page of deliveries. */
export const MAX_PER_PAGE = 100;

export function appHooks(clients: AppHookClients): AppHooks {
  return {
    async listDeliveries({ cursor, perPage }) {
      const app = await clients.auth();
      const per_page = Math.max(1, Math.min(MAX_PER_PAGE, Math.trunc(perPage)));
      const { data, headers } = await app.request("GET /app/hook/deliveries", { per_page, ...(cursor ? { cursor } : {}) });
      if (!Array.isArray(data)) throw new Error("GET /app/hook/deliveries did not answer a list");
      const deliveries = data.map(toHookDelivery).filter((d): d is HookDelivery => d !== undefined);
      const next = nextCursor(headers?.link);
      return next === undefined ? { deliveries } : { deliveries, next };
    },

    async redeliver(deliveryId) {
      const app = await clients.auth();
      try {
        await app.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: deliveryId });
      } catch (err) {
        const status = (err as { status?: unknown }).status;
        if (status === 404 || status === 422) throw new RedeliveryRefused(deliveryId, status, { cause: err });
        throw err;
      }
    },
  };
}

/** A row of the listing as the port describes it; a row without an id, a guid or a time is left out (it could not be acted on). */
export function toHookDelivery(row: unknown): HookDelivery | undefined {
  if (typeof row !== "object" || row === null) return undefined;
  const r = row as Record<string, unknown>;
  const id = integer(r.id);
  if (id === undefined || typeof r.guid !== "string" || r.guid === "" || typeof r.delivered_at !== "string") return undefined;
  const installationId = integer(r.installation_id);
  const repositoryId = integer(r.repository_id);
  return {
    id,
    guid: r.guid,
    deliveredAt: r.delivered_at,
    redelivery: r.redelivery === true,
    statusCode: integer(r.status_code) ?? 0,
    status: typeof r.status === "string" ? r.status : "",
    event: typeof r.event === "string" ? r.event : "",
    ...(typeof r.action === "string" ? { action: r.action } : {}),
    ...(installationId !== undefined ? { installationId } : {}),
    ...(repositoryId !== undefined ? { repositoryId } : {}),
  };
}

/** The `cursor` of the Link header's rel="next" page, if there is one. */
export function nextCursor(link: unknown): string | undefined {
  if (typeof link !== "string") return undefined;
  for (const part of link.split(",")) {
    const match = /^<([^>]*)>(.*)$/.exec(part.trim());
    const rel = match && /;\s*rel\s*=\s*"?([^";]*)"?/.exec(match[2]!);
    if (!match || !rel || !rel[1]!.split(/\s+/).includes("next")) continue;
    try {
      const cursor = new URL(match[1]!, "https://api.github.com").searchParams.get("cursor");
      return cursor || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function integer(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "bigint") return Number(value);
  return undefined;
}
