/** The `governance` CLI's dispatcher: picks the command (validate, run, runs, export, import), prints usage and version, and maps errors to exit statuses. */
import { readFileSync } from "node:fs";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { EXIT, UsageError, type CliIO } from "./io.js";
import { runCommand } from "./run.js";
import { runsCommand } from "./runs.js";
import { asUserError } from "./user-error.js";
import { validateCommand } from "./validate.js";

const USAGE = `Usage: governance <command> [options]

Commands:
  validate [PATH...]   check workflow files (default: .governance/)
  run --event E --payload F --dry-run
                       try workflows offline against a webhook payload
                       (or --manual <workflow>, or --schedule [--at <time>])
  runs [show <run-id>] list the runs the app has stored, or show one
  export [--out DIR] [--format yaml|json] [--all-versions]
                       write the org-wide workflows of the app's store to files
  import FILE|DIR...   validate org-wide workflow files and store them
  worker               execute runs over the app's database, without serving webhooks

Run "governance <command> --help" for a command's options.`;

export type Command = (args: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  validate: validateCommand,
  run: runCommand,
  runs: runsCommand,
  export: exportCommand,
  import: importCommand,
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * The `governance` command line: dispatches to a command and returns the exit status. A user's
 * mistake is one line on stderr, `governance: <where>: <what>`, exit status 2; anything else is
 * a bug, shown with its stack, exit status 1.
 */
export async function main(argv: string[], io: CliIO, processCommands: Record<string, Command> = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(USAGE + "\n");
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(version() + "\n");
    return EXIT.ok;
  }
  // Commands that run the app's own processes (`worker`) come from the launcher: they sit above the CLI.
  const commands = { ...COMMANDS, ...processCommands };
  const command = commands[name];
  if (!command) {
    io.stderr.write(`governance: ${name}: unknown command; expected one of ${Object.keys(commands).join(", ")} (see "governance --help")\n`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    const user = asUserError(err);
    if (user) {
      const help = user instanceof UsageError ? ` (see "governance ${name} --help")` : "";
      io.stderr.write(`governance: ${oneLineOf(user.message)}${help}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`governance ${name}: internal error (please report it): ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.failed;
  }
}

/** Never more than one line, whatever a message holds. */
function oneLineOf(text: string): string {
  return text.replace(/\r\n?|\n/g, " ");
}
