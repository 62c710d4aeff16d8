/**
 * The catalogue's page cursor: the last entry's sort key (id, source, repository, path) as
 * base64url JSON, opaque to callers. A cursor this store did not give is refused with
 * InvalidCursorError, a RangeError whose message begins "the cursor is not one this API gave".
 */
import type { CatalogueEntry } from "../domain/stored-workflow.js";

/** Where an entry sorts: by id, then source ("api" before "repository"), then repository (lower case), then path. */
export interface CatalogueKey {
  id: string;
  source: "api" | "repository";
  /** "" for an org-wide workflow. */
  repositoryKey: string;
  /** "" for an org-wide workflow. */
  path: string;
}

/** A cursor that is not one listCatalogue gave: the caller's mistake (a 400, not a 500). */
export class InvalidCursorError extends RangeError {
  constructor(reason: string) {
    super(`the cursor is not one this API gave: ${reason}`);
    this.name = "InvalidCursorError";
  }
}

/** Longer than any cursor this store writes (four bounded fields, base64url). */
const MAX_CURSOR = 4_096;

export function keyOf(entry: CatalogueEntry): CatalogueKey {
  if (entry.source === "api") return { id: entry.workflow.id, source: "api", repositoryKey: "", path: "" };
  return { id: entry.workflow.id, source: "repository", repositoryKey: entry.workflow.repository.toLowerCase(), path: entry.workflow.path };
}

export function encodeCursor(key: CatalogueKey): string {
  return Buffer.from(JSON.stringify([key.id, key.source, key.repositoryKey, key.path]), "utf8").toString("base64url");
}

/** The key a cursor names; throws InvalidCursorError for anything encodeCursor did not write. */
export function decodeCursor(cursor: unknown): CatalogueKey {
  if (typeof cursor !== "string" || cursor.length === 0) throw new InvalidCursorError("it must be a non-empty string");
  if (cursor.length > MAX_CURSOR) throw new InvalidCursorError(`it is ${cursor.length} characters long`);
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError("it holds characters a cursor never has");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError("it does not decode");
  }
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === "string")) throw new InvalidCursorError("it does not name an entry");
  const [id, source, repositoryKey, path] = value as [string, string, string, string];
  if (id === "") throw new InvalidCursorError("it names no id");
  if (source === "api" && repositoryKey === "" && path === "") return { id, source, repositoryKey, path };
  if (source === "repository" && repositoryKey !== "" && path !== "") return { id, source, repositoryKey, path };
  throw new InvalidCursorError("it does not name an entry");
}

/** The order of the catalogue: SQLite's binary order of text (UTF-8 bytes), field by field. */
export function compareKeys(a: CatalogueKey, b: CatalogueKey): number {
  return compareText(a.id, b.id) || compareText(a.source, b.source) || compareText(a.repositoryKey, b.repositoryKey) || compareText(a.path, b.path);
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
