/** What a CLI command needs from its process: streams to write to, a working directory, the environment. */
export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
  /** The variables the command reads (GOVERNANCE_CONFIG, DATABASE_URL); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Exit statuses shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * A mistake of the user's, not a bug of the program: a flag, a file, a variable. Shown as one
 * line, `governance: <where>: <what>`, with exit status 2 and never a stack. `where` is the
 * place to look: a file path (with a JSON pointer or line:col), a flag, a variable's name.
 */
export class UserError extends Error {
  override readonly name: string = "UserError";

  constructor(
    readonly where: string,
    readonly what: string,
  ) {
    super(`${where}: ${what}`);
  }
}

/** A mistake in how the command was called (a flag): a UserError whose line also points at `--help`. */
export class UsageError extends UserError {
  override readonly name = "UsageError";
}
