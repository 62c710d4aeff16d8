/** The hidden markers in the bodies of the issues and comments actions create, by which `once` finds them again after a crash. */
import { createHash } from "node:crypto";

/** A short, stable digest of an idempotency key, safe to put in an issue or comment body. */
export function keyDigest(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 24);
}

/** The hidden marker a created issue or comment carries, so it can be found again after a crash. */
export function marker(kind: "issue" | "comment", key: string): string {
  return `<!-- governance:${kind}:${keyDigest(key)} -->`;
}
