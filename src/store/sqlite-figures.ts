/** The store's figures for the metrics scrape on SQLite (StoreFigures): one snapshot read each. */
import type { Kysely } from "kysely";
import type { QueueFigures } from "../domain/figures-port.js";
import type { RunStatus } from "../domain/run.js";
import { selectQueueFigures, selectRunCounts } from "./figures-queries.js";
import { toQueueFigures, toRunCounts } from "./figures-rows.js";
import type { Tables } from "./schema.js";
import type { SqliteExec } from "./sqlite-exec.js";

export class SqliteFigures {
  readonly #exec: SqliteExec;
  readonly #db: Kysely<Tables>;

  constructor(exec: SqliteExec, db: Kysely<Tables>) {
    this.#exec = exec;
    this.#db = db;
  }

  async queueFigures(now: Date): Promise<QueueFigures> {
    return toQueueFigures(this.#exec.first(selectQueueFigures(this.#db, now.toISOString())), now);
  }

  async runCounts(): Promise<Record<RunStatus, number>> {
    return toRunCounts(this.#exec.all(selectRunCounts(this.#db)));
  }
}
