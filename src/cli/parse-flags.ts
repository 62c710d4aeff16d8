/** Command-line flag parsing for every CLI command: strict `parseArgs`, with its errors as one-line usage errors that name the flag. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { didYouMean } from "../domain/suggest.js";
import { UsageError } from "./io.js";

/**
 * `parseArgs`, strict, with its errors turned into one-line usage errors that name the flag
 * (`--chaged-files: unknown option (did you mean "--changed-files"?)`).
 */
export function parseFlags<T extends ParseArgsConfig & { args: string[] }>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ ...config, strict: true });
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (!code.startsWith("ERR_PARSE_ARGS")) throw err;
    const message = (err as Error).message;
    const quoted = /'([^' ]+)/.exec(message)?.[1] ?? "";
    const known = Object.keys(config.options ?? {}).map((name) => `--${name}`);
    switch (code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new UsageError(quoted, `unknown option${didYouMean(quoted, known)}`);
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
        throw new UsageError(quoted, "unexpected argument: this command takes options only");
      default:
        // "Option '--format <value>' argument missing", "Option '--help' does not take an argument".
        throw new UsageError(quoted || "options", message.replace(/^Option '[^']*' /, "").replace(/^argument missing$/, "needs a value"));
    }
  }
}
