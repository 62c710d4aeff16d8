/**
 * The Store on PostgreSQL: openPgStore (parse the postgres:// URL, open the pool, migrate, construct)
 * and PgStore, which adds to PgStoreCore (deliveries, effects, runs, the job queue: pg-store-core.ts)
 * the parts it hands on, as SqliteStore does: the schedule index and the installation index
 * (PgSchedules), remediation tasks (PgTasks), the workflow catalogue (PgCatalogue), retention and
 * health (PgRetention), which workers are alive (PgPresence). Each is constructed with the store's
 * PgTransactions and clock, and bound whole (delegate.ts).
 */
import type { Clock, Store } from "../domain/ports.js";
import { delegate } from "./delegate.js";
import { PgCatalogue } from "./pg-catalogue.js";
import type { PostgresDatabase } from "./pg-connection.js";
import { PgPresence } from "./pg-presence.js";
import { PgRetention } from "./pg-retention.js";
import { PgSchedules } from "./pg-schedules.js";
import { openMigratedPostgres, PgStoreCore, systemClock, type PgStoreOptions } from "./pg-store-core.js";
import { PgTasks } from "./pg-tasks.js";
import { CATALOGUE, PRESENCE, RETENTION, SCHEDULES, TASKS, type HandedOnParts } from "./store-parts.js";

export type { PgStoreOptions } from "./pg-store-core.js";

/** Opens the PostgreSQL database a postgres:// URL names, creating its schema and migrating it as needed. */
export async function openPgStore(databaseUrl: string, options: PgStoreOptions = {}): Promise<PgStore> {
  const database = await openMigratedPostgres(databaseUrl, options);
  return new PgStore(database, options.clock ?? systemClock);
}

// The parts' methods are declared here and bound in the constructor (delegate.ts); the lists of
// store-parts.ts name every method of each part. The metrics' figures are PgStoreCore's own.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface PgStore extends HandedOnParts {}

/** The Store on PostgreSQL (see PgStoreCore for the transactions and the write lock). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class PgStore extends PgStoreCore implements Store {
  constructor(database: PostgresDatabase, clock: Clock = systemClock) {
    super(database, clock);
    delegate(this, new PgSchedules(this.tx, clock), SCHEDULES);
    delegate(this, new PgTasks(this.tx, clock), TASKS);
    delegate(this, new PgCatalogue(this.tx, clock), CATALOGUE);
    delegate(this, new PgRetention(this.tx, clock), RETENTION);
    delegate(this, new PgPresence(this.tx, clock), PRESENCE);
  }
}
