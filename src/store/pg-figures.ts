/** The store's figures for the metrics scrape on PostgreSQL (StoreFigures): the queries of figures-queries.ts, one statement (one snapshot) each. */
import type { QueueFigures, StoreFigures } from "../domain/figures-port.js";
import type { RunStatus } from "../domain/run.js";
import { selectQueueFigures, selectRunCounts } from "./figures-queries.js";
import { toQueueFigures, toRunCounts } from "./figures-rows.js";
import type { PgTransactions } from "./pg-exec.js";

export class PgFigures implements StoreFigures {
  readonly #tx: PgTransactions;

  constructor(tx: PgTransactions) {
    this.#tx = tx;
  }

  async queueFigures(now: Date): Promise<QueueFigures> {
    return toQueueFigures(await this.#tx.exec.first(selectQueueFigures(this.#tx.db, now.toISOString())), now);
  }

  async runCounts(): Promise<Record<RunStatus, number>> {
    return toRunCounts(await this.#tx.exec.all(selectRunCounts(this.#tx.db)));
  }
}
