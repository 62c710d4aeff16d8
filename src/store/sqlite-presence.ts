/** The presence part on SQLite: heartbeats written through the group commit, the live count one read. */
import type { Kysely } from "kysely";
import * as pq from "./presence-queries.js";
import type { Tables } from "./schema.js";
import type { SqliteExec } from "./sqlite-exec.js";
import type { GroupCommit } from "./sqlite-group-commit.js";
import { PRESENCE_FORGET_MS } from "./presence-rules.js";

export class SqlitePresence {
  constructor(
    private readonly exec: SqliteExec,
    private readonly db: Kysely<Tables>,
    private readonly group: GroupCommit,
  ) {}

  async beat(workerId: string, now: Date): Promise<void> {
    await this.group.add(() => {
      this.exec.run(pq.upsertPresence(this.db, workerId, now.toISOString()));
      this.exec.run(pq.pruneStalePresence(this.db, new Date(now.getTime() - PRESENCE_FORGET_MS).toISOString()));
    });
  }

  async leave(workerId: string): Promise<void> {
    await this.group.add(() => this.exec.run(pq.deletePresence(this.db, workerId)));
  }

  async liveWorkers(since: Date): Promise<number> {
    return Number(this.exec.first(pq.countLive(this.db, since.toISOString()))?.n ?? 0);
  }
}
