/** Tells the CLI's user errors (exit status 2, one line) from internal ones, and loads the operator configuration with its problems as user errors. */
import { GOVERNANCE_CONFIG_ENV, loadOperatorConfig, OperatorConfigError, type OperatorConfig } from "../config/operator-config.js";
import { UserError } from "./io.js";

/**
 * The line between a user's mistake and a bug: errors the CLI knows to be the user's become a
 * UserError (one line, exit status 2); anything else is left as it is, an internal error shown
 * with its stack (exit status 1).
 */
export function asUserError(err: unknown): UserError | undefined {
  if (err instanceof UserError) return err;
  if (err instanceof OperatorConfigError) return configError(err);
  return undefined;
}

/** The operator configuration GOVERNANCE_CONFIG names, as the app loads it; its problems are user errors. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): OperatorConfig {
  try {
    return loadOperatorConfig(env);
  } catch (err) {
    throw asUserError(err) ?? err;
  }
}

/** `bad.yml:3:5 (GOVERNANCE_CONFIG): <problem>`, the first of its problems, with how many more there are. */
function configError(err: OperatorConfigError): UserError {
  const [first, ...more] = err.problems;
  // The environment overrides (GOVERNANCE_CONCURRENCY, GOVERNANCE_PACING) name themselves as the "file".
  const isVariable = /^[A-Z][A-Z0-9_]*$/.test(err.file);
  const position = first?.line === undefined ? "" : `:${first.line}:${first.col ?? 1}`;
  const where = isVariable ? err.file : `${err.file}${position} (${GOVERNANCE_CONFIG_ENV})`;
  const rest = more.length > 0 ? ` (and ${more.length} more ${more.length === 1 ? "problem" : "problems"})` : "";
  return new UserError(where, `${oneLine(first?.message ?? "not a valid operator configuration")}${rest}`);
}

/** Messages are shown on one line: the first line of a multi-line one. */
export function oneLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? "";
}
