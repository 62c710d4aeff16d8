import { afterEach, describe } from "vitest";
import type { Store } from "../../src/domain/ports.js";
import { catalogueContract } from "./contract/catalogue.js";
import { catalogueListContract } from "./contract/catalogue-list.js";
import { deliveryContract } from "./contract/deliveries.js";
import { durabilityContract } from "./contract/durability.js";
import { effectContract } from "./contract/effects.js";
import { jobClaimContract } from "./contract/job-claims.js";
import { jobContract } from "./contract/jobs.js";
import { figuresContract } from "./contract/figures.js";
import { presenceContract } from "./contract/presence.js";
import { retentionContract } from "./contract/retention.js";
import { runContract } from "./contract/runs.js";
import { scheduleContract } from "./contract/schedules.js";
import { taskContract } from "./contract/tasks.js";

/** One database that several stores can open at once, and open again after closing (a file, a server). */
export interface SharedDatabase {
  /** Opens another store over this database, as another process would. */
  open(): Promise<Store>;
}

export interface StoreContractOptions {
  /** Makes a new shared database; leave it out for backends without one (SQLite's :memory:). */
  shared?: () => Promise<SharedDatabase>;
}

/** What the contract's parts get: stores to test, closed after every test. */
export interface ContractHarness {
  /** A store over a new, empty database. */
  fresh(): Promise<Store>;
  /** A new shared database; undefined when the backend has none (those tests then use one store). */
  shared: (() => Promise<SharedDatabase>) | undefined;
}

/**
 * The behaviour every Store backend must have, as a vitest suite: SQLite runs it today, a
 * Postgres store runs it unchanged later. It speaks only through the Store interface.
 */
export function describeStoreContract(name: string, open: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    const track = async (store: Promise<Store>) => {
      const s = await store;
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      // close() must be idempotent: a test may have closed some of these already.
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    const sharedFactory = options.shared;
    const harness: ContractHarness = {
      fresh: () => track(open()),
      shared: sharedFactory
        ? async () => {
            const db = await sharedFactory();
            return { open: () => track(db.open()) };
          }
        : undefined,
    };

    deliveryContract(harness);
    runContract(harness);
    effectContract(harness);
    jobContract(harness);
    jobClaimContract(harness);
    durabilityContract(harness);
    scheduleContract(harness);
    taskContract(harness);
    catalogueContract(harness);
    catalogueListContract(harness);
    retentionContract(harness);
    figuresContract(harness);
    presenceContract(harness);
  });
}
