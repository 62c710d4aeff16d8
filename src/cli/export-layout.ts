/**
 * `governance export`'s file layout: where each org-wide workflow, or each of its versions, is
 * written under --out. Owners, names and versions are user data, so every path segment is made
 * of [a-z0-9.+-] only and each path is checked to stay inside the folder. The same store
 * always gives the same paths, whatever the order of its pages.
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import type { StoredWorkflow, StoredWorkflowVersion, WorkflowFormat } from "../domain/stored-workflow.js";
import { UserError } from "./io.js";

/** The longest slug of a name (a file name stays far below the file systems' 255 bytes). */
const MAX_SLUG = 64;

/** A name as a file name: lower-case, accents dropped, runs of anything but [a-z0-9] as one `-`; `workflow` when nothing is left. */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, MAX_SLUG)
    .replace(/-+$/, "");
  return slug === "" ? "workflow" : slug;
}

/** An account login (letters, digits, `-`, as the schema requires) as a folder: lower-case, since owners compare in any case. */
export function ownerFolder(workflow: Pick<StoredWorkflow, "id" | "owner">): string {
  const folder = workflow.owner.toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{0,38}$/.test(folder)) {
    throw new UserError(`workflow ${workflow.id}`, `its owner ${JSON.stringify(workflow.owner)} is not an account login; refusing to make a folder of it`);
  }
  return folder;
}

/**
 * Each workflow's path under --out without its extension, by id: `<owner>/<slug of its name>`.
 * Workflows of one owner whose names make the same slug all get `-<the first 8 characters of
 * their id>` added; should that still collide, `-2`, `-3`, … in id order.
 */
export function workflowPaths(workflows: readonly StoredWorkflow[]): Map<string, string> {
  const sorted = [...workflows].sort((a, b) => compareText(a.id, b.id));
  const byOwner = new Map<string, StoredWorkflow[]>();
  for (const w of sorted) {
    const owner = ownerFolder(w);
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), w]);
  }
  const paths = new Map<string, string>();
  for (const [owner, list] of byOwner) {
    const names = uniqueNames(list.map((w) => ({ base: slugOf(w.name), tag: slugOf(w.id.slice(0, 8)) })));
    list.forEach((w, i) => paths.set(w.id, `${owner}/${names[i]}`));
  }
  return paths;
}

/** The file name of each version (without extension), oldest first: its semver; two that differ only in case get `-seq<n>`. */
export function versionNames(versions: readonly StoredWorkflowVersion[]): string[] {
  return uniqueNames(
    versions.map((v) => {
      if (!/^[0-9][0-9A-Za-z.+-]*$/.test(v.version)) throw new UserError(`workflow ${v.workflowId}`, `its version ${JSON.stringify(v.version)} is not a semver; refusing to make a file name of it`);
      return { base: v.version, tag: `seq${v.seq}` };
    }),
  );
}

/** `.yaml` or `.json`. */
export function extensionOf(format: WorkflowFormat): string {
  return format === "json" ? ".json" : ".yaml";
}

/** The absolute path of `relativePath` under `outDir`, which it must not leave (defence in depth: the segments are checked already). */
export function inside(outDir: string, relativePath: string): string {
  const root = resolve(outDir);
  const target = resolve(join(root, relativePath));
  const rel = relative(root, target);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) throw new UserError(relativePath, "refusing to write outside the --out folder");
  return target;
}

/** Names made unique (in any case, for case-insensitive file systems): a base used more than once gets its tag, then `-2`, `-3`, … in order. */
function uniqueNames(items: readonly { base: string; tag: string }[]): string[] {
  const uses = new Map<string, number>();
  for (const { base } of items) uses.set(base.toLowerCase(), (uses.get(base.toLowerCase()) ?? 0) + 1);
  const taken = new Set<string>();
  return items.map(({ base, tag }) => {
    const first = (uses.get(base.toLowerCase()) ?? 0) > 1 ? `${base}-${tag}` : base;
    let name = first;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${first}-${n}`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** Code-unit order: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
