import type { Job, Store } from "../../../src/domain/ports.js";

/** Far enough after any fixture time that every queued job is due. */
export const LATER = new Date("2031-01-01T00:00:00.000Z");

/** Claims and completes every job due at `now`; returns them in the order they were taken. */
export async function takeAll(store: Store, now: Date = LATER, workerId = "collector"): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let job = await store.claimJob(workerId, now, 60_000); job; job = await store.claimJob(workerId, now, 60_000)) {
    jobs.push(job);
    await store.completeJob(job.id, workerId);
  }
  return jobs;
}
