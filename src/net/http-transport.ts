// The outbound HTTP transport the app's clients share: the keep-alive agents of node:http(s)
// and the redirect test. The GitHub fetch (github/http-fetch.ts) and the notifier
// (notify/webhook-notifier.ts) both post over these same agents, so their connections are pooled
// together. It sits on a floor below both; the inner layers (engine/, workflows/, actions/) may
// not import it, as they may not import node:http.
import http from "node:http";
import https from "node:https";

/** As Node's own global agent: kept-alive sockets, the most recent reused first, an idle one closed after 5 s (before a server drops it under a request). */
const AGENT_OPTIONS = { keepAlive: true, scheduling: "lifo", timeout: 5_000 } as const;
const agents = {
  "http:": new http.Agent(AGENT_OPTIONS),
  "https:": new https.Agent(AGENT_OPTIONS),
};

/** The shared keep-alive agent and module for a URL's protocol (`http:` or `https:`), or undefined for any other. */
export function transportFor(protocol: string): { agent: http.Agent; request: typeof http.request } | undefined {
  if (protocol === "https:") return { agent: agents["https:"], request: https.request };
  if (protocol === "http:") return { agent: agents["http:"], request: http.request };
  return undefined;
}

/** Whether a status is one of the redirects fetch follows (301, 302, 303, 307, 308). */
export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}
