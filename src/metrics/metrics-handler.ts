/**
 * The `/metrics` route for Prometheus, on the app's own port beside `/healthz`. It carries no
 * secrets: counts, durations and statuses, labelled by event, status, action kind and
 * installation id only (never a repository, a user, a token).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MetricsText } from "./thread-bridge.js";

/** `GET /metrics`: the Prometheus text of `read` (see `metricsText`); 500 when it fails. */
export function metricsHandler(read: () => Promise<MetricsText>) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/metrics") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "application/json", allow: "GET, HEAD" });
      res.end(JSON.stringify({ error: "method not allowed" }));
      return true;
    }
    read().then(
      ({ contentType, text }) => {
        res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      () => {
        res.writeHead(500, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify({ error: "could not read the metrics" }));
      },
    );
    return true;
  };
}
