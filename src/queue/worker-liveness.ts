// Which workers are gone: the workers alive in this process, and whether a lease holder's process still runs.
import { hostname } from "node:os";

/** The workers alive in this process: a lease held by another id of this process belongs to a worker that is gone. */
const liveHere = new Set<string>();

/** A worker of this process starts: its leases are not to be taken over. */
export function markAlive(workerId: string): void {
  liveHere.add(workerId);
}

/** A worker of this process stopped: leases still held in its name belong to a worker that is gone. */
export function markStopped(workerId: string): void {
  liveHere.delete(workerId);
}

/** Whether the worker named `workerId` (host/pid/random) is known to be gone. */
export function isGone(workerId: string): boolean {
  const [host, pidText] = workerId.split("/");
  if (host !== hostname() || !pidText || !/^\d+$/.test(pidText)) return false;
  const pid = Number(pidText);
  if (pid === process.pid) return !liveHere.has(workerId);
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists (another user's): not gone.
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}
