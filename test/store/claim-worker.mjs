// A worker thread for sqlite-threads.test.ts: its own SQLite connection (as another process
// would have), claiming and completing jobs until none is due. Loads the compiled store from
// dist/ (vitest's global setup builds it), since a plain worker thread cannot load TypeScript.
import { parentPort, workerData } from "node:worker_threads";

const { openSqliteStore } = await import(workerData.storeModule);
const store = await openSqliteStore(workerData.file);
const now = new Date(workerData.now);
parentPort.once("message", async () => {
  const claimed = [];
  try {
    for (let job = await store.claimJob(workerData.workerId, now, 60_000); job; job = await store.claimJob(workerData.workerId, now, 60_000)) {
      claimed.push(job.id);
      await store.completeJob(job.id);
    }
    parentPort.postMessage({ claimed });
  } catch (error) {
    parentPort.postMessage({ claimed, error: String(error) });
  } finally {
    await store.close();
  }
});
parentPort.postMessage({ ready: true });
