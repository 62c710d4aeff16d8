/** The `/healthz` route for load balancers and probes: 200 with the app's version while the process serves requests. */
import type { IncomingMessage, ServerResponse } from "node:http";

/** `GET /healthz`: answers 200 while the process serves requests (for load balancers and probes). */
export function healthHandler(version: string) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/healthz") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "application/json", allow: "GET, HEAD" });
      res.end(JSON.stringify({ error: "method not allowed" }));
      return true;
    }
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : JSON.stringify({ status: "ok", version }));
    return true;
  };
}
