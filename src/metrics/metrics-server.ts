/**
 * A process's own /metrics server, for a process that serves no HTTP otherwise (`governance
 * worker`): its counters (runs, steps, GitHub calls) are its own, scraped as a target of their own.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { metricsHandler } from "./metrics-handler.js";
import type { MetricsText } from "./thread-bridge.js";

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (and nothing else: 404) on `host:port`. */
export async function startMetricsServer(options: { port: number; host?: string; read: () => Promise<MetricsText> }): Promise<MetricsServer> {
  const handle = metricsHandler(options.read);
  const server: Server = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
  });
  // Scrapes are short; an idle connection is not kept past Prometheus's usual interval.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
