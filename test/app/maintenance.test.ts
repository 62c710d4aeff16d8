// The services queue the periodic maintenance jobs where an engine starts: the reconcile of missed deliveries (by GOVERNANCE_RECONCILE_MINUTES) and the store's pruning.
import { pino } from "pino";
import { Probot } from "probot";
import { describe, expect, it } from "vitest";
import { RECONCILE_JOB_TYPE } from "../../src/engine/reconcile-jobs.js";
import { RETENTION_JOB_TYPE } from "../../src/engine/retention.js";
import { createServices } from "../../src/services.js";
import { reconcileIntervalMsFromEnv, startupProblem } from "../../src/startup.js";
import { openStore } from "../../src/store/open-store.js";

async function queuedTypes(reconcileIntervalMs?: number): Promise<string[]> {
  const store = await openStore("sqlite::memory:");
  try {
    const log = pino({ level: "silent" });
    const services = createServices(new Probot({ githubToken: "t", log }), { store, log, ...(reconcileIntervalMs === undefined ? {} : { reconcileIntervalMs }) });
    await services.startMaintenance();
    await services.startMaintenance();
    const jobs = await store.claimJobs("test", new Date(Date.now() + 3_600_000), 1000, 10);
    return jobs.map((j) => j.type).sort();
  } finally {
    await store.close();
  }
}

describe("maintenance jobs", () => {
  it("queues one reconcile job and one prune however often it is started, and no reconcile when it is turned off", async () => {
    expect(await queuedTypes()).toEqual([RETENTION_JOB_TYPE, RECONCILE_JOB_TYPE].sort());
    expect(await queuedTypes(0)).toEqual([RETENTION_JOB_TYPE]);
  });

  it("reads GOVERNANCE_RECONCILE_MINUTES: default 10, 0 off, anything else refused at start", () => {
    expect(reconcileIntervalMsFromEnv({})).toBe(600_000);
    expect(reconcileIntervalMsFromEnv({ GOVERNANCE_RECONCILE_MINUTES: "0" })).toBe(0);
    expect(reconcileIntervalMsFromEnv({ GOVERNANCE_RECONCILE_MINUTES: "30" })).toBe(1_800_000);
    expect(startupProblem({ GOVERNANCE_RECONCILE_MINUTES: "ten" })).toBe('GOVERNANCE_RECONCILE_MINUTES must be a whole number of minutes from 0 (never) to 1440, not "ten"');
  });
});
