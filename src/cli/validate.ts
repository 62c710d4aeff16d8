/** `governance validate`: checks workflow files and folders with the app's own loader and prints each problem as path:line:col, as text or JSON. */
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { formatDiagnostic, hasErrors } from "../domain/diagnostic.js";
import { countDiagnostics } from "../workflows/diagnostic-cap.js";
import { fileError, isWorkflowFileName, loadWorkflow, sizeError, type WorkflowFile } from "../workflows/index.js";
import { loadOperatorConfig, OperatorConfigError } from "../config/operator-config.js";
import type { LoadOptions } from "../workflows/load.js";
import { EXIT, UsageError, UserError, type CliIO } from "./io.js";
import { oneLine } from "./user-error.js";
import { parseFlags } from "./parse-flags.js";

export const VALIDATE_USAGE = `Usage: governance validate [PATH...] [--format text|json] [--config <file>] [--org-wide]

Checks workflow files (.yml, .yaml, .json) and prints every problem as
path:line:col: severity: message. PATH may be a file or a folder; the default
is .governance/ in the current directory.

Options:
  --config <file>      the operator configuration (as GOVERNANCE_CONFIG names it for
                       the app): a runScript step must name one of its scripts
  --org-wide           check org-wide workflow documents (for the REST API and
                       governance import): owner and repositories are required
  --format text|json   output format (default text)
  -h, --help           show this help

Exit status: 0 every file is valid (warnings allowed), 1 a file is invalid,
2 usage error (unknown option, missing path).`;

/** `governance validate`: load and check workflow files, report with positions. */
export async function validateCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    options: { format: { type: "string", default: "text" }, config: { type: "string" }, "org-wide": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(VALIDATE_USAGE + "\n");
    return EXIT.ok;
  }
  if (values.format !== "text" && values.format !== "json") {
    throw new UsageError("--format", `unknown format "${values.format}"; expected text or json`);
  }
  const options = {
    ...(values.config === undefined ? {} : { knownScripts: knownScripts(values.config, io.cwd) }),
    ...(values["org-wide"] ? { origin: "orgWide" as const } : {}),
  };
  const files = await collectFiles(positionals.length > 0 ? positionals : [".governance"], io.cwd);
  const results: WorkflowFile[] = [];
  for (const file of files) results.push(await validateFile(file.display, file.absolute, options));

  if (values.format === "json") {
    const report = {
      files: results.map((r) => ({
        path: r.path,
        valid: !hasErrors(r.diagnostics),
        errors: r.diagnostics.map((d) => ({ line: d.line, col: d.col, severity: d.severity, message: d.message, pointer: d.pointer })),
      })),
    };
    io.stdout.write(JSON.stringify(report, null, 2) + "\n");
  } else {
    for (const r of results) for (const d of r.diagnostics) io.stdout.write(formatDiagnostic(r.path, d) + "\n");
    io.stdout.write(summary(results) + "\n");
  }
  return results.some((r) => hasErrors(r.diagnostics)) ? EXIT.failed : EXIT.ok;
}

interface FileRef {
  display: string;
  absolute: string;
}

/** Expands the PATH arguments: files as given, folders to their workflow files (sorted). */
async function collectFiles(paths: string[], cwd: string): Promise<FileRef[]> {
  const out: FileRef[] = [];
  for (const p of paths) {
    const absolute = isAbsolute(p) ? p : resolve(cwd, p);
    const info = await stat(absolute).catch((err: NodeJS.ErrnoException) => {
      throw new UserError(p, err.code === "ENOENT" ? "no such file or folder" : `cannot read it: ${err.code ?? err.message}`);
    });
    if (info.isDirectory()) {
      const names = (await readdir(absolute).catch((err: NodeJS.ErrnoException) => {
        throw new UserError(p, `cannot read the folder: ${err.code ?? err.message}`);
      })).filter(isWorkflowFileName).sort();
      for (const name of names) out.push({ display: join(p, name), absolute: join(absolute, name) });
    } else {
      out.push({ display: p, absolute });
    }
  }
  return out;
}

/** The scripts the operator configuration at `file` lists; its problems are user errors that name the file. */
function knownScripts(file: string, cwd: string): ReadonlySet<string> {
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  if (!existsSync(absolute)) throw new UserError("--config", `${file}: no such file`);
  try {
    return new Set(Object.keys(loadOperatorConfig({ GOVERNANCE_CONFIG: absolute }).scripts?.commands ?? {}));
  } catch (err) {
    if (!(err instanceof OperatorConfigError)) throw err;
    const [first, ...more] = err.problems;
    const position = first?.line === undefined ? "" : `:${first.line}:${first.col ?? 1}`;
    const rest = more.length > 0 ? ` (and ${more.length} more ${more.length === 1 ? "problem" : "problems"})` : "";
    throw new UserError(`${file}${position} (--config)`, `${oneLine(first?.message ?? "not a valid operator configuration")}${rest}`);
  }
}

async function validateFile(display: string, absolute: string, options: LoadOptions): Promise<WorkflowFile> {
  let content: Buffer;
  try {
    // A file over the cap is refused before it is read.
    const tooLarge = sizeError(display, (await stat(absolute)).size);
    if (tooLarge) return tooLarge;
    content = await readFile(absolute);
  } catch (err) {
    return fileError(display, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return loadWorkflow(display, content, options);
}

function summary(results: WorkflowFile[]): string {
  const invalid = results.filter((r) => hasErrors(r.diagnostics)).length;
  // A file's list holds at most 100 problems and one "and N more"; count those N too.
  const { errors, warnings } = countDiagnostics(results.flatMap((r) => r.diagnostics));
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (results.length === 0) return "no workflow files found";
  return `${plural(results.length, "file")} checked: ${results.length - invalid} valid, ${invalid} invalid (${plural(errors, "error")}, ${plural(warnings, "warning")})`;
}
