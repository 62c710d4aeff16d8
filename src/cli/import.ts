/**
 * `governance import`: validates org-wide workflow documents (what `governance export` writes)
 * and stores them with importOrgWide, the one rule for imports: a new workflow, a new version,
 * or nothing when the document is the same as a stored version. One line per file.
 */
import { formatDiagnostic } from "../domain/diagnostic.js";
import type { Store } from "../domain/ports.js";
import { importOrgWide, type SaveResult } from "../engine/org-wide.js";
import { InvalidCatalogueRecordError } from "../store/catalogue-checks.js";
import { openCatalogueWriter } from "./catalogue-store.js";
import { collectImportFiles, importOrder, readDocument, type ImportDocument, type OrderedDocument } from "./import-files.js";
import { EXIT, UsageError, type CliIO } from "./io.js";
import { parseFlags } from "./parse-flags.js";
import { oneLine } from "./user-error.js";

export const IMPORT_USAGE = `Usage: governance import <file|dir>...

Validates org-wide workflow documents (a workflow with its owner and repositories, as
governance export writes them) and stores them in the app's store. A document becomes a new
workflow; or a new version of the workflow with its id (else of its owner's workflow with its
name), whose version must be greater than the latest one's; or nothing, when it is the same
workflow as the latest version. A folder is read at any depth (.yaml, .yml and .json files;
names starting with "." are skipped). A workflow's documents are stored by ascending version,
so a folder written by governance export --all-versions is imported version by version.

Prints one line per file: "created", "updated to <version>" or "unchanged", or each of its
problems (path:line:col: error: message, or path: /pointer: message when the store refuses
it). Each document is stored in a transaction of its own: one that fails leaves the others
stored. Writes the database DATABASE_URL names (from the environment or ./.env, as the app
does; default sqlite:./data/governance.db), creating or migrating it as the app does at start.

Options:
  -h, --help   show this help

Exit status: 0 every file was stored or unchanged (also when there is none), 2 a usage error,
a path or DATABASE_URL that cannot be used, or a file that was not stored.`;

const FLAGS = { help: { type: "boolean", short: "h" } } as const;

/** Who the versions an import makes are recorded as made by. */
const ACTOR = "import";

type Outcome = "created" | "updated" | "unchanged" | "failed";

/** `governance import FILE|DIR…`: each document stored, or its problems printed. */
export async function importCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags({ args, options: FLAGS, allowPositionals: true });
  if (values.help) {
    io.stdout.write(IMPORT_USAGE + "\n");
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError("import", "needs the files or folders to import: governance import <file|dir>...");
  const files = await collectImportFiles(positionals, io.cwd);
  if (files.length === 0) {
    io.stdout.write("No workflow files to import (.yaml, .yml or .json).\n");
    return EXIT.ok;
  }
  const documents: ImportDocument[] = [];
  for (const file of files) documents.push(await readDocument(file));

  const store = await openCatalogueWriter(io.env ?? process.env, io.cwd);
  const counts: Record<Outcome, number> = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  try {
    for (const ordered of importOrder(documents)) {
      const { outcome, lines } = await importOne(store, ordered);
      counts[outcome]++;
      for (const line of lines) io.stdout.write(line + "\n");
    }
  } finally {
    await store.close();
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  io.stdout.write(`${plural(files.length, "file")}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.failed} failed\n`);
  return counts.failed > 0 ? EXIT.usage : EXIT.ok;
}

/** Stores one document; its outcome and the lines that report it (its warnings first). */
async function importOne(store: Store, { document }: OrderedDocument): Promise<{ outcome: Outcome; lines: string[] }> {
  const path = document.file.display;
  if (!("text" in document)) return { outcome: "failed", lines: document.diagnostics.map((d) => formatDiagnostic(path, d)) };
  let result: SaveResult;
  try {
    result = await importOrgWide(store, { text: document.text, format: document.format, path, actor: ACTOR, now: new Date() });
  } catch (err) {
    // A record the store's own checks refuse: nothing was written.
    if (err instanceof InvalidCatalogueRecordError) return { outcome: "failed", lines: [`${path}: ${oneLine(err.message)}`] };
    throw err;
  }
  if (result.ok) {
    const warnings = result.diagnostics.map((d) => formatDiagnostic(path, d));
    const what = result.outcome === "updated" ? `updated to ${result.version.version}` : result.outcome;
    return { outcome: result.outcome, lines: [...warnings, `${path}: ${what}`] };
  }
  switch (result.error) {
    case "invalid":
      return { outcome: "failed", lines: result.diagnostics.map((d) => formatDiagnostic(path, d)) };
    case "notFound":
      return { outcome: "failed", lines: [`${path}: the workflow was deleted while it was imported`] };
    default:
      return { outcome: "failed", lines: [`${path}: ${result.pointer === "" ? "" : `${result.pointer}: `}${oneLine(result.message)}`] };
  }
}

