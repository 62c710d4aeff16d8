/**
 * What `governance import` reads and in which order: the files its arguments name (folders
 * recursively), each read as UTF-8 text within the size cap, and the order their documents are
 * stored in: a workflow's documents together, by ascending version, so a folder of every
 * version (`governance export --all-versions`) is imported version by version.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { compare, valid } from "semver";
import type { Diagnostic } from "../domain/diagnostic.js";
import type { WorkflowFormat } from "../domain/stored-workflow.js";
import { fileError, isWorkflowFileName, sizeError } from "../workflows/index.js";
import { loadOrgWideDocument } from "../workflows/org-wide-document.js";
import { compareText } from "./export-layout.js";
import { UserError } from "./io.js";

/** A file to import: its path as shown (as given, or joined to the folder given) and on disk. */
export interface ImportFile {
  display: string;
  absolute: string;
}

/** A file read: its text and format, or why it cannot be imported (a file error, or the document's own problems). */
export type ImportDocument = { file: ImportFile; text: string; format: WorkflowFormat } | { file: ImportFile; diagnostics: Diagnostic[] };

/**
 * The files the arguments name: a file as given (whatever its extension), a folder's `.yaml`,
 * `.yml` and `.json` files at any depth, in path order; names starting with `.` are skipped,
 * and so are links to folders. A path that does not exist is a user error: nothing is imported.
 */
export async function collectImportFiles(paths: readonly string[], cwd: string): Promise<ImportFile[]> {
  const out: ImportFile[] = [];
  const seen = new Set<string>();
  const add = (file: ImportFile) => {
    if (seen.has(file.absolute)) return;
    seen.add(file.absolute);
    out.push(file);
  };
  for (const p of paths) {
    const absolute = isAbsolute(p) ? p : resolve(cwd, p);
    const info = await stat(absolute).catch((err: NodeJS.ErrnoException) => {
      throw new UserError(p, err.code === "ENOENT" ? "no such file or folder" : `cannot read it: ${err.code ?? err.message}`);
    });
    if (info.isDirectory()) for (const file of await walk(p, absolute)) add(file);
    else add({ display: p, absolute });
  }
  return out;
}

async function walk(display: string, absolute: string): Promise<ImportFile[]> {
  const entries = await readdir(absolute, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(display, `cannot read the folder: ${err.code ?? err.message}`);
  });
  const files: ImportFile[] = [];
  for (const entry of entries.filter((e) => !e.name.startsWith(".")).sort((a, b) => compareText(a.name, b.name))) {
    const child = { display: join(display, entry.name), absolute: join(absolute, entry.name) };
    if (entry.isDirectory()) files.push(...(await walk(child.display, child.absolute)));
    else if (isWorkflowFileName(entry.name) && (entry.isFile() || (await isFileLink(child.absolute)))) files.push(child);
  }
  return files;
}

async function isFileLink(absolute: string): Promise<boolean> {
  return (await stat(absolute).catch(() => undefined))?.isFile() ?? true;
}

/** Reads a file as a document's text: at most the workflow size cap, UTF-8 (a byte order mark dropped); JSON by its extension, else YAML. */
export async function readDocument(file: ImportFile): Promise<ImportDocument> {
  let content: Buffer;
  try {
    // A file over the cap is refused before it is read.
    const tooLarge = sizeError(file.display, (await stat(file.absolute)).size);
    if (tooLarge) return { file, diagnostics: tooLarge.diagnostics };
    content = await readFile(file.absolute);
  } catch (err) {
    return { file, diagnostics: fileError(file.display, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`).diagnostics };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    return { file, diagnostics: fileError(file.display, "the file is not valid UTF-8 text").diagnostics };
  }
  return { file, text: text.replace(/^\uFEFF/, ""), format: /\.json$/i.test(file.display) ? "json" : "yaml" };
}

/** A document in import order, with its workflow when it is valid (what it is stored as is importOrgWide's to say). */
export interface OrderedDocument {
  document: ImportDocument;
  workflow?: OrgWideWorkflow;
}

export type OrgWideWorkflow = Extract<ReturnType<typeof loadOrgWideDocument>, { ok: true }>["workflow"];

/**
 * The order documents are stored in. A valid document belongs to the workflow of its `id`, else
 * to its owner's (any case) of its name (any case); that workflow's documents are stored
 * together, where its first file comes, by ascending semver (then path). A document that is not
 * valid keeps its place, and its problems are reported there.
 */
export function importOrder(documents: readonly ImportDocument[]): OrderedDocument[] {
  const groups = new Map<string, { document: ImportDocument; workflow: OrgWideWorkflow }[]>();
  const keys: (string | undefined)[] = documents.map((document) => {
    if (!("text" in document)) return undefined;
    const loaded = loadOrgWideDocument(document.file.display, document.text, document.format);
    if (!loaded.ok) return undefined;
    const { id, owner, name } = loaded.workflow;
    const key = id !== undefined ? `id:${id}` : `name:${owner.toLowerCase()}/${name.toLowerCase()}`;
    groups.set(key, [...(groups.get(key) ?? []), { document, workflow: loaded.workflow }]);
    return key;
  });
  const ordered: OrderedDocument[] = [];
  const placed = new Set<string>();
  documents.forEach((document, i) => {
    const key = keys[i];
    if (key === undefined) {
      ordered.push({ document });
    } else if (!placed.has(key)) {
      placed.add(key);
      ordered.push(...[...groups.get(key)!].sort((a, b) => bySemver(a.workflow.version, b.workflow.version) || compareText(a.document.file.display, b.document.file.display)));
    }
  });
  return ordered;
}

/** Ascending semver (the schema requires one; anything else sorts last, by text). */
function bySemver(a: string, b: string): number {
  const va = valid(a) !== null;
  const vb = valid(b) !== null;
  if (va && vb) return compare(a, b);
  return va ? -1 : vb ? 1 : compareText(a, b);
}
