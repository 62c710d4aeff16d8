// The load generator of the `ack` section, in a process of its own (so that the stand-in for
// GitHub, which answers the app in the driver's process, does not share its event loop).
//
// Told over IPC: { url, secret, concurrency, warmupMs, durationMs, firstInstallation,
// installations, firstNumber }. It keeps `concurrency` keep-alive requests in flight, each a
// correctly signed `code_scanning_alert` `created` delivery with its own X-GitHub-Delivery,
// alert number (firstNumber, firstNumber + 1, ...) and installation (cycling through
// `installations` ids from `firstInstallation`). Requests that end during the warm-up are not
// counted; those that end in the next `durationMs` are. Answers
// { requests, rps, p50, p99, max, statuses, errors, windowMs }.
import { performance } from "node:perf_hooks";
import { alertBody, alertTemplate, percentile, webhookClient } from "./webhooks.mjs";

process.once("message", async (m) => {
  try {
    process.send(await load(m));
  } catch (err) {
    process.send({ error: err.stack ?? String(err) });
  }
});

async function load({ url, secret, concurrency = 32, warmupMs = 1000, durationMs = 5000, firstInstallation = 100_001, installations = 1000, firstNumber = 1 }) {
  const template = alertTemplate();
  const client = webhookClient({ url, secret, concurrency });
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const stopAt = measureFrom + durationMs;
  const latencies = [];
  const statuses = {};
  const errors = [];
  let next = 0;
  async function loop() {
    while (performance.now() < stopAt) {
      const i = next++;
      const body = alertBody(template, firstInstallation + (i % installations), firstNumber + i);
      const r = await client.send(body);
      const end = performance.now();
      if (end < measureFrom || end > stopAt) continue;
      latencies.push(r.ms);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.error && errors.length < 5) errors.push(r.error);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  client.close();
  latencies.sort((a, b) => a - b);
  const ok = Object.entries(statuses).reduce((n, [s, c]) => n + (Number(s) >= 200 && Number(s) < 300 ? c : 0), 0);
  return {
    requests: latencies.length,
    ok,
    sent: next,
    rps: ok / (durationMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    statuses,
    errors,
    windowMs: durationMs,
  };
}
