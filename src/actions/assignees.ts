/**
 * Who a remediation task (assignTask) is assigned to: its `assignees` (users, teams, the word
 * `codeowners`) resolved to GitHub logins, with a note for each thing that could not be resolved.
 * Nothing here is fatal but GitHub failing: a missing team, path or CODEOWNERS file is a note.
 */
import type { GitHubPort, RepoRef } from "../domain/ports.js";
import { CODEOWNERS_PATHS, CodeownersTooCostlyError, ownersOf, parseCodeowners, type Codeowners } from "../events/codeowners.js";

/** The most logins one task is assigned to; past it, the rest are left out with a note. */
export const MAX_ASSIGNEES = 50;

export interface AssigneeContext {
  github: Pick<GitHubPort, "readTextFile" | "listTeamMembers">;
  /** The repository whose CODEOWNERS counts: the event's (where the finding is), not where the issue goes. */
  repository: RepoRef;
  /** CODEOWNERS is read from the default branch only: a pull request cannot choose its own reviewers of record. */
  defaultBranch: string;
  /** The finding's file, relative to the repository's root; without it `codeowners` names no one. */
  findingPath?: string;
}

export interface ResolvedAssignees {
  /** Logins without `@`, in the order met, each once (case-insensitive), at most MAX_ASSIGNEES. */
  logins: string[];
  /** What could not be resolved and why, for the log and the issue body. Never an email address. */
  notes: string[];
}

const USER = /^@?([A-Za-z0-9_][A-Za-z0-9_-]{0,38})$/;
const TEAM = /^@?([A-Za-z0-9_][A-Za-z0-9_-]{0,38})\/([A-Za-z0-9_.-]{1,100})$/;

/**
 * Resolves a step's assignees. Each entry is a user (`octocat`, `@octocat`), a team
 * (`@org/team`: its members, as listTeamMembers bounds them), or `codeowners`: the owners of
 * `findingPath` in the first CODEOWNERS file of CODEOWNERS_PATHS on the default branch, the
 * last matching rule winning; owners that are teams expand to their members, email owners are
 * skipped (GitHub assigns logins). Whether GitHub can assign the logins is not checked here
 * (GitHubPort.filterAssignable). Errors from GitHub other than "not found" propagate: the step
 * tries again.
 */
export async function resolveAssignees(spec: readonly string[], ctx: AssigneeContext): Promise<ResolvedAssignees> {
  const logins: string[] = [];
  const seen = new Set<string>();
  const notes: string[] = [];
  let leftOut = false;
  const add = (login: string) => {
    const key = login.toLowerCase();
    if (seen.has(key)) return;
    if (logins.length >= MAX_ASSIGNEES) return void (leftOut = true);
    seen.add(key);
    logins.push(login);
  };
  const teams = new Map<string, string[]>();
  const addTeam = async (org: string, slug: string, from: string) => {
    const key = `${org}/${slug}`.toLowerCase();
    let members = teams.get(key);
    if (members === undefined) {
      members = await teamMembers(ctx, org, slug, from, notes);
      teams.set(key, members);
    }
    members.forEach(add);
  };
  let codeowners: Promise<{ path: string; parsed: Codeowners } | undefined> | undefined;

  for (const raw of spec) {
    if (logins.length >= MAX_ASSIGNEES) {
      leftOut = true;
      break;
    }
    const entry = raw.trim();
    const team = TEAM.exec(entry);
    const user = USER.exec(entry);
    if (entry === "codeowners") {
      // Without a path there is nothing to look up: the file is not read.
      if (ctx.findingPath?.trim()) codeowners ??= readCodeowners(ctx);
      for (const owner of await codeownersOf(ctx, await codeowners, notes)) {
        const ownerTeam = TEAM.exec(owner);
        if (ownerTeam) await addTeam(ownerTeam[1]!, ownerTeam[2]!, "codeowners");
        else add(owner.slice(1));
      }
    } else if (team) await addTeam(team[1]!, team[2]!, entry);
    else if (user) add(user[1]!);
    else notes.push(`${JSON.stringify(entry.slice(0, 100))} is not a user, a team (@org/team) or codeowners: skipped`);
  }
  if (leftOut) notes.push(`more than ${MAX_ASSIGNEES} assignees: only the first ${MAX_ASSIGNEES} were kept`);
  return { logins, notes: [...new Set(notes)] };
}

/** A team's members; a team not found, empty or not readable by the app is a note and no one. */
async function teamMembers(ctx: AssigneeContext, org: string, slug: string, from: string, notes: string[]): Promise<string[]> {
  const name = `@${org}/${slug}`;
  const via = from === "codeowners" ? " (an owner in CODEOWNERS)" : "";
  try {
    const members = await ctx.github.listTeamMembers(org, slug);
    if (members.length === 0) notes.push(`team ${name}${via} has no members the app can see, or does not exist`);
    return members;
  } catch (err) {
    const e = err as { status?: number; message?: string };
    // A 403 that is not a rate limit: the app may not read the organisation's teams (Members permission).
    if (e?.status !== 403 || /rate limit/i.test(e.message ?? "")) throw err;
    notes.push(`team ${name}${via} could not be read: the app needs the organisation's Members permission`);
    return [];
  }
}

/** The first CODEOWNERS file that exists on the default branch, in GitHub's order. */
async function readCodeowners(ctx: AssigneeContext): Promise<{ path: string; parsed: Codeowners } | undefined> {
  for (const path of CODEOWNERS_PATHS) {
    const text = await ctx.github.readTextFile(ctx.repository, path, ctx.defaultBranch);
    if (text !== undefined) return { path, parsed: parseCodeowners(text) };
  }
  return undefined;
}

/** The owners (`@user`, `@org/team`) of the finding's path, notes saying why there are none or fewer. */
async function codeownersOf(ctx: AssigneeContext, file: { path: string; parsed: Codeowners } | undefined, notes: string[]): Promise<string[]> {
  const path = ctx.findingPath?.trim();
  if (!path) {
    notes.push("codeowners: the finding has no file path, so it has no code owners");
    return [];
  }
  if (!file) {
    notes.push(`codeowners: there is no CODEOWNERS file on ${ctx.defaultBranch} (${CODEOWNERS_PATHS.join(", ")})`);
    return [];
  }
  if (!file.parsed.complete) notes.push(`codeowners: ${file.path} was not read whole (${file.parsed.problems[0]?.message ?? "too large"}), so its owners may be wrong`);
  let owners: string[];
  try {
    owners = ownersOf(file.parsed, path);
  } catch (err) {
    if (!(err instanceof CodeownersTooCostlyError)) throw err;
    notes.push(`codeowners: ${file.path} was not used: ${err.message}`);
    return [];
  }
  if (owners.length === 0) notes.push(`codeowners: no rule in ${file.path} gives ${path} an owner`);
  // Emails are not logins, and are not repeated: the issue may live in a more public repository.
  const emails = owners.filter((o) => !o.startsWith("@")).length;
  if (emails > 0) notes.push(`codeowners: ${emails} owner${emails === 1 ? "" : "s"} of ${path} given by email skipped: GitHub assigns users`);
  return owners.filter((o) => o.startsWith("@"));
}
