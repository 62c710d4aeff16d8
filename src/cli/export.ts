/**
 * `governance export`: writes the org-wide workflows of the app's store to files, for backups
 * and migrations (`governance import` reads them back). Reads the store read-only; the same
 * store always gives the same files, byte for byte.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { WORKFLOW_FORMATS, type StoredWorkflow, type StoredWorkflowVersion, type WorkflowFormat } from "../domain/stored-workflow.js";
import { display } from "../events/payload-read.js";
import { documentText } from "../workflows/org-wide-document.js";
import { openCatalogueReader, type CatalogueReader } from "./catalogue-store.js";
import { extensionOf, inside, versionNames, workflowPaths } from "./export-layout.js";
import { EXIT, UsageError, UserError, type CliIO } from "./io.js";
import { parseFlags } from "./parse-flags.js";

export const EXPORT_USAGE = `Usage: governance export [--out <dir>] [--format yaml|json] [--all-versions]

Writes the org-wide workflows kept in the app's store (made through the API or governance
import) to files: <dir>/<owner>/<name>.yaml holds a workflow's latest version, with its id,
owner and repositories. With --all-versions, <dir>/<owner>/<name>/<version>.yaml holds each
of its versions instead. governance import reads these files back. Reads the database
DATABASE_URL names (from the environment or ./.env, as the app does; default
sqlite:./data/governance.db) read-only: it works while the app runs, and never changes or
migrates the database.

Options:
  --out <dir>         the folder to write to (default governance-export); a file already
                      there with the same name is replaced, any other is left alone
  --format yaml|json  the files' format (default yaml): a version stored in that format is
                      written as it was stored, comments and all; another is converted
  --all-versions      write every version of each workflow, not only the latest
  -h, --help          show this help

Exit status: 0 done (also when the store holds no org-wide workflow), 2 a usage error, a
DATABASE_URL that cannot be read, or a file that cannot be written.`;

const FLAGS = {
  out: { type: "string", default: "governance-export" },
  format: { type: "string", default: "yaml" },
  "all-versions": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The catalogue's largest page. */
const PAGE = 200;

/** `governance export`: every org-wide workflow (or every version of each) to a file under --out. */
export async function exportCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags({ args, options: FLAGS, allowPositionals: false });
  if (values.help) {
    io.stdout.write(EXPORT_USAGE + "\n");
    return EXIT.ok;
  }
  const format = parseFormat(values.format);
  if (values.out.trim() === "") throw new UsageError("--out", "needs a folder");
  const allVersions = values["all-versions"] === true;

  const store = await openCatalogueReader(io.env ?? process.env, io.cwd, "export");
  try {
    const workflows = await orgWideWorkflows(store);
    if (workflows.length === 0) {
      io.stdout.write("No org-wide workflows in the database: nothing written.\n");
      return EXIT.ok;
    }
    const paths = workflowPaths(workflows);
    const outDir = resolve(io.cwd, values.out);
    let files = 0;
    for (const workflow of workflows) {
      const path = paths.get(workflow.id)!;
      for (const { name, version } of await filesOf(store, workflow, path, allVersions)) {
        const file = `${name}${extensionOf(format)}`;
        await writeAtomically(inside(outDir, file), join(values.out, file), documentText(version.source, version.format, version.definition, format));
        io.stdout.write(`wrote ${join(values.out, file)} (${display(workflow.owner, 40)}: ${display(version.definition.name, 200)} ${display(version.version, 60)})\n`);
        files++;
      }
    }
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    io.stdout.write(`Exported ${plural(workflows.length, "workflow")} (${plural(files, "file")}) to ${values.out}.\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function parseFormat(value: string): WorkflowFormat {
  if ((WORKFLOW_FORMATS as readonly string[]).includes(value)) return value as WorkflowFormat;
  throw new UsageError("--format", `unknown format "${value}"; expected ${WORKFLOW_FORMATS.join(" or ")}`);
}

/** Every org-wide workflow, ordered by id, read a page at a time. */
async function orgWideWorkflows(store: CatalogueReader): Promise<StoredWorkflow[]> {
  const workflows: StoredWorkflow[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listCatalogue({ source: "api", limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
    for (const entry of page.entries) if (entry.source === "api") workflows.push(entry.workflow);
    cursor = page.next;
  } while (cursor !== undefined);
  return workflows;
}

/** The files of one workflow, without their extension: its latest version at `<path>`, or each version at `<path>/<version>`. */
async function filesOf(store: CatalogueReader, workflow: StoredWorkflow, path: string, allVersions: boolean): Promise<{ name: string; version: StoredWorkflowVersion }[]> {
  if (!allVersions) {
    const latest = await store.getWorkflowVersion(workflow.id);
    return latest ? [{ name: path, version: latest }] : [];
  }
  const versions = await store.listWorkflowVersions(workflow.id);
  const names = versionNames(versions);
  return versions.map((version, i) => ({ name: `${path}/${names[i]}`, version }));
}

/** Writes the file whole or not at all: a temporary file beside it, renamed over it. */
async function writeAtomically(absolute: string, shown: string, text: string): Promise<void> {
  const temporary = join(dirname(absolute), `.${basename(absolute)}.${process.pid}.tmp`);
  try {
    await mkdir(dirname(absolute), { recursive: true });
    await writeFile(temporary, text, "utf8");
    await rename(temporary, absolute);
  } catch (err) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new UserError(shown, `cannot write it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
