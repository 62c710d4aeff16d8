/* global structuredClone */
// Webhook deliveries for the benchmarks: `code_scanning_alert` `created` payloads built from
// @octokit/webhooks-examples (the api.github.com set), signed like GitHub signs them, and a
// small keep-alive HTTP client to send them.
//
// A payload is rendered from a string template (the example serialised once, with sentinels
// where the installation, the repository and the alert number go), so that building one costs
// a few string joins, not a JSON.parse/stringify: the load generator must not be the bottleneck.
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { repoFor } from "./naming.mjs";

const require = createRequire(import.meta.url);

const SENTINELS = {
  installationId: 900000001,
  repoId: 900000002,
  number: 900000003,
  owner: "__BENCH_OWNER__",
  repo: "__BENCH_REPO__",
};

/** The `code_scanning_alert` `created` example of @octokit/webhooks-examples (a deep copy). */
export function codeScanningCreatedExample() {
  const index = require("@octokit/webhooks-examples/api.github.com/index.json");
  const entry = index.find((e) => e.name === "code_scanning_alert");
  const example = entry?.examples.find((e) => e.action === "created");
  if (!example) throw new Error("@octokit/webhooks-examples has no code_scanning_alert created example");
  return structuredClone(example);
}

/**
 * A template of `code_scanning_alert` `created` with a high severity. The example workflow
 * (examples/.governance/auto-fix-high-severity.json) triggers on `onScanResult` with
 * `minSeverity: high`; src/workflows/severity.ts reads `rule.security_severity_level` first
 * (the REST alert's field) and falls back to `rule.severity` ("error" maps to high). The
 * example already says "error"; we set `security_severity_level: "high"` as well, so either
 * reading matches.
 */
export function alertTemplate() {
  const p = codeScanningCreatedExample();
  p.action = "created";
  p.alert.rule.security_severity_level = "high";
  p.alert.number = SENTINELS.number;
  p.installation = { id: SENTINELS.installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  p.repository.id = SENTINELS.repoId;
  p.repository.name = SENTINELS.repo;
  p.repository.full_name = `${SENTINELS.owner}/${SENTINELS.repo}`;
  p.repository.owner.login = SENTINELS.owner;
  p.repository.default_branch = "main";
  let text = JSON.stringify(p);
  // Every other mention of the example's repository (URLs) follows the repository too.
  text = text.split("Codertocat/Hello-World").join(`${SENTINELS.owner}/${SENTINELS.repo}`);
  text = text.replace(/"html_url":"https:\/\/github.com\/__BENCH_OWNER__\/__BENCH_REPO__\/security\/code-scanning\/\d+"/, `"html_url":"https://github.com/${SENTINELS.owner}/${SENTINELS.repo}/security/code-scanning/${SENTINELS.number}"`);
  const pattern = new RegExp(`(${Object.values(SENTINELS).map(String).join("|")})`);
  const parts = text.split(pattern);
  const slot = new Map(Object.entries(SENTINELS).map(([k, v]) => [String(v), k]));
  return parts.map((part) => (slot.has(part) ? { key: slot.get(part) } : part));
}

/** Renders a template: `{ installationId, repoId, owner, repo, number }` → the JSON body. */
export function renderAlert(template, values) {
  let out = "";
  for (const part of template) out += typeof part === "string" ? part : String(values[part.key]);
  return out;
}

/** The body of alert `number` in the first repository of installation `installationId`. */
export function alertBody(template, installationId, number, k = 0) {
  const r = repoFor(installationId, k);
  return renderAlert(template, { installationId, repoId: r.id, owner: r.owner, repo: r.name, number });
}

/** `x-hub-signature-256`: HMAC SHA-256 of the raw body with the webhook secret. */
export function sign(secret, body) {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * A keep-alive client for one webhook endpoint. `send(body)` resolves `{ status, ms }` (ms from
 * the request's start to the end of the answer), or `{ status: 0, error }` when the connection
 * failed; it never rejects.
 */
export function webhookClient({ url, secret, concurrency = 32, event = "code_scanning_alert", timeoutMs = 30_000 }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  function send(body, id = randomUUID()) {
    return new Promise((resolve) => {
      const start = performance.now();
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          timeout: timeoutMs,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "user-agent": "GitHub-Hookshot/bench",
            "x-github-event": event,
            "x-github-delivery": id,
            "x-github-hook-id": "1",
            "x-hub-signature-256": sign(secret, body),
          },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - start }));
          res.on("error", (error) => resolve({ status: 0, ms: performance.now() - start, error: error.message }));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (error) => resolve({ status: 0, ms: performance.now() - start, error: error.message }));
      req.end(body);
    });
  }
  return { send, close: () => agent.destroy() };
}

/**
 * Sends `count` alerts with `concurrency` requests in flight: alert i goes to installation
 * `installations[i % installations.length]` with number `firstNumber + i`. Resolves with the
 * status counts; `deadline` (epoch ms) stops sending early.
 */
export async function sendAlerts({ url, secret, template, installations, count, firstNumber = 1, concurrency = 32, deadline = Infinity }) {
  const client = webhookClient({ url, secret, concurrency });
  const statuses = {};
  let next = 0;
  let sent = 0;
  async function loop() {
    for (;;) {
      const i = next++;
      if (i >= count || Date.now() > deadline) return;
      const installationId = installations[i % installations.length];
      const r = await client.send(alertBody(template, installationId, firstNumber + i));
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      sent++;
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop));
  } finally {
    client.close();
  }
  const accepted = Object.entries(statuses).reduce((n, [s, c]) => n + (Number(s) >= 200 && Number(s) < 300 ? c : 0), 0);
  return { sent, accepted, statuses };
}

/** The p-th percentile (0–100) of a sorted array of numbers. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
