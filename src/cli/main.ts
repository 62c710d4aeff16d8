import { readFileSync } from "node:fs";
import { EXIT, UsageError, type CliIO } from "./io.js";
import { runCommand } from "./run.js";
import { validateCommand } from "./validate.js";

const USAGE = `Usage: governance <command> [options]

Commands:
  validate [PATH...]   check workflow files (default: .governance/)
  run --event E --payload F --dry-run
                       try workflows offline against a webhook payload

Run "governance <command> --help" for a command's options.`;

type Command = (args: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  validate: validateCommand,
  run: runCommand,
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** The `governance` command line: dispatches to a command and returns the exit status. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(USAGE + "\n");
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(version() + "\n");
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`governance: unknown command "${name}"\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`governance ${name}: ${(err as Error).message}\nRun "governance ${name} --help" for usage.\n`);
      return EXIT.usage;
    }
    io.stderr.write(`governance ${name}: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.failed;
  }
}
