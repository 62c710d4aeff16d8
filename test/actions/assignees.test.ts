import { describe, expect, it } from "vitest";
import { MAX_ASSIGNEES, resolveAssignees, type AssigneeContext } from "../../src/actions/assignees.js";
import { FakeGitHub } from "../helpers/fake-github.js";

const REPO = { owner: "acme", repo: "api" };

function setup(findingPath?: string) {
  const github = new FakeGitHub();
  const ctx: AssigneeContext = { github, repository: REPO, defaultBranch: "trunk", ...(findingPath !== undefined ? { findingPath } : {}) };
  return { github, ctx };
}

describe("resolveAssignees: users and teams", () => {
  it("takes users with or without @, and a team's members, in order", async () => {
    const { github, ctx } = setup();
    github.teams["acme/security"] = ["sam", "sue"];
    const resolved = await resolveAssignees(["octocat", "@hubot", "@acme/security", "acme/security"], ctx);
    expect(resolved).toEqual({ logins: ["octocat", "hubot", "sam", "sue"], notes: [] });
    // One team read, however often the team is named.
    expect(github.teamReads).toEqual(["acme/security"]);
  });

  it("de-duplicates case-insensitively, keeping the first spelling", async () => {
    const { github, ctx } = setup();
    github.teams["acme/core"] = ["Alice", "carol"];
    const resolved = await resolveAssignees(["alice", "@ALICE", "@acme/core", "Carol"], ctx);
    expect(resolved.logins).toEqual(["alice", "carol"]);
  });

  it("a team not found or empty is a note, not an error; an entry that is no name is skipped with a note", async () => {
    const { ctx } = setup();
    const resolved = await resolveAssignees(["@acme/ghosts", "not a name!", "bob"], ctx);
    expect(resolved.logins).toEqual(["bob"]);
    expect(resolved.notes).toEqual([expect.stringContaining("team @acme/ghosts has no members"), expect.stringContaining('"not a name!" is not a user')]);
  });

  it("a team the app may not read (403) is a note; GitHub failing otherwise is an error", async () => {
    const { github, ctx } = setup();
    github.listTeamMembers = async () => {
      throw Object.assign(new Error("Resource not accessible by integration"), { status: 403 });
    };
    expect((await resolveAssignees(["@acme/core", "dan"], ctx)).notes).toEqual([expect.stringContaining("Members permission")]);
    github.listTeamMembers = async () => {
      throw Object.assign(new Error("Bad Gateway"), { status: 502 });
    };
    await expect(resolveAssignees(["@acme/core"], ctx)).rejects.toMatchObject({ status: 502 });
  });

  it(`keeps at most ${MAX_ASSIGNEES}, and says the rest were left out`, async () => {
    const { github, ctx } = setup();
    github.teams["acme/everyone"] = Array.from({ length: 80 }, (_, i) => `dev${i}`);
    const resolved = await resolveAssignees(["lead", "@acme/everyone", "late"], ctx);
    expect(resolved.logins).toHaveLength(MAX_ASSIGNEES);
    expect(resolved.logins[0]).toBe("lead");
    expect(resolved.logins).not.toContain("late");
    expect(resolved.notes).toEqual([`more than ${MAX_ASSIGNEES} assignees: only the first ${MAX_ASSIGNEES} were kept`]);
  });

  it("exactly the bound is no note", async () => {
    const { ctx } = setup();
    const spec = Array.from({ length: MAX_ASSIGNEES }, (_, i) => `u${i}`);
    expect(await resolveAssignees(spec, ctx)).toEqual({ logins: spec, notes: [] });
  });
});

describe("resolveAssignees: codeowners", () => {
  it("reads the first CODEOWNERS file in GitHub's order, on the default branch, and the last matching rule wins", async () => {
    const { github, ctx } = setup("src/auth/login.ts");
    github.files[".github/CODEOWNERS"] = "* @everyone\nsrc/auth/ @alice @acme/identity\n";
    github.files["CODEOWNERS"] = "* @wrong\n";
    github.teams["acme/identity"] = ["ivan", "alice"];
    const resolved = await resolveAssignees(["codeowners"], ctx);
    expect(resolved).toEqual({ logins: ["alice", "ivan"], notes: [] });
    expect(github.fileReads).toEqual(["acme/api@trunk:.github/CODEOWNERS"]);
  });

  it("falls through to CODEOWNERS, then docs/CODEOWNERS", async () => {
    const { github, ctx } = setup("docs/guide.md");
    github.files["docs/CODEOWNERS"] = "*.md @writer\n";
    expect((await resolveAssignees(["codeowners"], ctx)).logins).toEqual(["writer"]);
    expect(github.fileReads).toEqual(["acme/api@trunk:.github/CODEOWNERS", "acme/api@trunk:CODEOWNERS", "acme/api@trunk:docs/CODEOWNERS"]);
  });

  it("mixes with users and teams, de-duplicated, in the order of the spec", async () => {
    const { github, ctx } = setup("lib/x.js");
    github.files["CODEOWNERS"] = "*.js @bob @carol\n";
    const resolved = await resolveAssignees(["carol", "codeowners", "dave"], ctx);
    expect(resolved.logins).toEqual(["carol", "bob", "dave"]);
  });

  it("skips email owners with a note that does not repeat the address", async () => {
    const { github, ctx } = setup("app.py");
    github.files[".github/CODEOWNERS"] = "*.py secret.person@example.com @pyteam-lead\n";
    const resolved = await resolveAssignees(["codeowners"], ctx);
    expect(resolved.logins).toEqual(["pyteam-lead"]);
    expect(resolved.notes).toHaveLength(1);
    expect(resolved.notes[0]).toContain("1 owner of app.py given by email skipped");
    expect(resolved.notes.join(" ")).not.toContain("example.com");
  });

  it("no path, no file, or no owning rule is a note, not an error", async () => {
    const none = setup();
    expect(await resolveAssignees(["codeowners", "zed"], none.ctx)).toEqual({ logins: ["zed"], notes: ["codeowners: the finding has no file path, so it has no code owners"] });
    expect(none.github.fileReads).toEqual([]);

    const noFile = setup("a.ts");
    const missing = await resolveAssignees(["codeowners"], noFile.ctx);
    expect(missing.logins).toEqual([]);
    expect(missing.notes).toEqual([expect.stringContaining("no CODEOWNERS file on trunk")]);

    const unowned = setup("a.ts");
    unowned.github.files["CODEOWNERS"] = "*.go @gopher\n/a.ts\n";
    const result = await resolveAssignees(["codeowners"], unowned.ctx);
    expect(result.logins).toEqual([]);
    expect(result.notes).toEqual(["codeowners: no rule in CODEOWNERS gives a.ts an owner"]);
  });

  it("a file whose patterns are too costly to match is a note", async () => {
    // Each wildcard chunk almost matches at every place of every path segment (as in codeowners.test.ts).
    const { github, ctx } = setup(Array.from({ length: 16 }, () => "a".repeat(250)).join("/"));
    github.files["CODEOWNERS"] = Array.from({ length: 1_000 }, (_, i) => `**/*${"a".repeat(120)}b${i}*/** @slow`).join("\n");
    const resolved = await resolveAssignees(["codeowners", "fallback"], ctx);
    expect(resolved.logins).toEqual(["fallback"]);
    expect(resolved.notes).toEqual([expect.stringMatching(/^codeowners: CODEOWNERS was not used: matching this CODEOWNERS file would take more than/)]);
  });

  it("a file not read whole says its owners may be wrong", async () => {
    const { github, ctx } = setup("x.rb");
    github.files["CODEOWNERS"] = "*.rb @ruby\n" + "c".repeat(3 * 1024 * 1024);
    const resolved = await resolveAssignees(["codeowners"], ctx);
    expect(resolved.notes[0]).toMatch(/^codeowners: CODEOWNERS was not read whole .*owners may be wrong$/);
  });

  it("reads CODEOWNERS once however often codeowners is named", async () => {
    const { github, ctx } = setup("x.ts");
    github.files[".github/CODEOWNERS"] = "* @o\n";
    await resolveAssignees(["codeowners", "codeowners"], ctx);
    expect(github.fileReads).toHaveLength(1);
  });
});
