/**
 * The error a failed schema migration becomes (sqlite-migrate.ts throws it): it names the failed
 * migration and the cause, and says what state the database is left in (nothing applied).
 */
import type { MigrationResultSet } from "kysely";

/** The schema could not be brought up to date; `cause` holds the underlying error. */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MigrationError";
  }
}

/** Turns a failed Migrator result into an error that says which migration failed, why, and what state the database is in. */
export function migrationError(outcome: MigrationResultSet): MigrationError {
  const cause = outcome.error;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const failed = outcome.results?.find((r) => r.status === "Error");
  if (failed) {
    return new MigrationError(
      `cannot migrate the database: migration "${failed.migrationName}" failed: ${reason}. Nothing was applied: the database is as it was before.`,
      { cause },
    );
  }
  // Kysely reports a recorded migration that this build does not know as "corrupted migrations".
  const hint = /corrupted migrations/.test(reason)
    ? " The database was probably migrated by a newer version of the app: run that version, or restore a backup."
    : "";
  return new MigrationError(`cannot migrate the database: ${reason}.${hint}`, { cause });
}
