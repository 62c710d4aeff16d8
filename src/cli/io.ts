/** What a CLI command needs from its process: streams to write to and a working directory. */
export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

/** Exit statuses shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how the command was called: reported with the usage text, exit status 2. */
export class UsageError extends Error {}
