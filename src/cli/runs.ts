// `governance runs` and `governance runs show`: the command line of the read-only view of the runs the app stored.
import type { Run, RunStatus } from "../domain/run.js";
import { EXIT, UsageError, UserError, type CliIO } from "./io.js";
import { parseFlags } from "./parse-flags.js";
import { openRunReader, type RunReader } from "./read-only-store.js";
import { listedRun, renderList, renderRun, SHOWN_STATUSES, shownStatus, waitsOf, type ShownStatus } from "./runs-view.js";

export const RUNS_USAGE = `Usage: governance runs [--status <status>] [--repo <owner/name>] [--limit <n>] [--json]
       governance runs show <run-id> [--json]

Lists the runs the app has stored, newest first: id, repository, workflow, status, when it
started and finished, and what it is at (its wait, its running step, or the step it failed
at). "show" prints one run: its steps with their parameters, outputs and errors, its waits
and its log. Reads the database DATABASE_URL names (from the environment or ./.env, as
the app does; default sqlite:./data/governance.db) read-only: it works while the app runs,
and never changes or migrates the database.

Options:
  --status <status>   only runs that are ${SHOWN_STATUSES.join(", ")}
                      (waiting: running, with a step waiting for an approval, a time or an event)
  --repo <owner/name> only runs of this repository (its full name, as GitHub spells it)
  --limit <n>         at most n runs, 1 to 500 (default 50)
  --json              print JSON instead of a table
  -h, --help          show this help

Exit status: 0 done (also when no run matches), 2 a usage error, an unknown run id, or a
DATABASE_URL that cannot be read.`;

const FLAGS = {
  status: { type: "string" },
  repo: { type: "string" },
  limit: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The store's cap on one listRuns call. */
const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 50;

/** `governance runs` and `governance runs show <id>`: what ran, what waits and what failed, from the store. */
export async function runsCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags({ args, options: FLAGS, allowPositionals: true });
  if (values.help) {
    io.stdout.write(RUNS_USAGE + "\n");
    return EXIT.ok;
  }
  const [sub, id, ...extra] = positionals;
  if (sub !== undefined && sub !== "show") throw new UsageError(sub, `unknown subcommand; expected "show <run-id>" or none`);
  if (sub === "show") {
    if (id === undefined) throw new UsageError("show", "needs a run id: governance runs show <run-id>");
    if (extra.length > 0) throw new UsageError(extra[0]!, "unexpected argument: show takes one run id");
    if (values.status !== undefined || values.repo !== undefined || values.limit !== undefined) throw new UsageError("show", "takes no --status, --repo or --limit: it shows one run");
  }
  const status = values.status === undefined ? undefined : parseStatus(values.status);
  const limit = values.limit === undefined ? DEFAULT_LIMIT : parseLimit(values.limit);

  const store = await openRunReader(io.env ?? process.env, io.cwd);
  try {
    if (sub === "show") return await show(store, id!, values.json === true, io);
    const { runs, partial } = await list(store, { status, repository: values.repo, limit });
    if (values.json) {
      io.stdout.write(JSON.stringify({ runs: runs.map(listedRun), ...(partial ? { partial } : {}) }, null, 2) + "\n");
    } else if (runs.length === 0) {
      io.stdout.write(`No ${status ? `${status} ` : ""}runs${values.repo ? ` of ${values.repo}` : ""}.\n`);
    } else {
      io.stdout.write(renderList(runs));
      if (partial) io.stdout.write(`(${partial})\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function show(store: RunReader, id: string, json: boolean, io: CliIO): Promise<number> {
  const run = await store.getRun(id);
  if (!run) throw new UserError(id, "no run with this id in the database (governance runs lists them)");
  if (json) {
    const { log, ...rest } = run;
    io.stdout.write(JSON.stringify({ run: { ...rest, status: shownStatus(run), waits: waitsOf(run), log } }, null, 2) + "\n");
  } else {
    io.stdout.write(renderRun(run));
  }
  return EXIT.ok;
}

/**
 * Runs newest first. The store knows run statuses; "waiting" and "running" are both its
 * "running", told apart by their steps, so those two are filtered here from the newest
 * running runs the store returns (at most 500 in one call).
 */
async function list(store: RunReader, filter: { status?: ShownStatus; repository?: string; limit: number }): Promise<{ runs: Run[]; partial?: string }> {
  const { status, repository, limit } = filter;
  const split = status === "waiting" || status === "running";
  const stored: RunStatus | undefined = split ? "running" : (status as RunStatus | undefined);
  const runs = await store.listRuns({ ...(stored ? { status: stored } : {}), ...(repository ? { repository } : {}), limit: split ? MAX_LIMIT : limit });
  if (!split) return { runs };
  const kept = runs.filter((r) => shownStatus(r) === status).slice(0, limit);
  const partial = runs.length === MAX_LIMIT && kept.length < limit ? `only the newest ${MAX_LIMIT} running runs were looked at` : undefined;
  return { runs: kept, ...(partial ? { partial } : {}) };
}

function parseStatus(value: string): ShownStatus {
  if ((SHOWN_STATUSES as readonly string[]).includes(value)) return value as ShownStatus;
  throw new UsageError("--status", `unknown status "${value}"; expected one of ${SHOWN_STATUSES.join(", ")}`);
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_LIMIT) throw new UsageError("--limit", `"${value}" is not a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}
