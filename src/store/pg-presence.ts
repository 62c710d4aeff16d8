/** The presence part on PostgreSQL: heartbeats as writes of the store, the live count one read. */
import type { Clock } from "../domain/ports.js";
import type { PgTransactions } from "./pg-exec.js";
import * as pq from "./presence-queries.js";
import { PRESENCE_FORGET_MS } from "./presence-rules.js";

export class PgPresence {
  constructor(
    private readonly tx: PgTransactions,
    _clock?: Clock,
  ) {}

  async beat(workerId: string, now: Date): Promise<void> {
    await this.tx.write(async (exec) => {
      await exec.run(pq.upsertPresence(this.tx.db, workerId, now.toISOString()));
      await exec.run(pq.pruneStalePresence(this.tx.db, new Date(now.getTime() - PRESENCE_FORGET_MS).toISOString()));
    });
  }

  async leave(workerId: string): Promise<void> {
    await this.tx.write((exec) => exec.run(pq.deletePresence(this.tx.db, workerId)).then(() => undefined));
  }

  async liveWorkers(since: Date): Promise<number> {
    return Number((await this.tx.exec.first(pq.countLive(this.tx.db, since.toISOString())))?.n ?? 0);
  }
}
