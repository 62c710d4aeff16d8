// CODEOWNERS parsing and matching: GitHub's documented example file, gitignore-style patterns, malformed lines, hostile input.
import { describe, expect, it } from "vitest";
import { CODEOWNERS_LIMITS, CODEOWNERS_PATHS, CodeownersTooCostlyError, ownersOf, parseCodeowners, ruleFor } from "../../src/events/codeowners.js";

/** GitHub's example file (docs: About code owners), comments shortened. */
const GITHUB_EXAMPLE = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most precedence.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer.
*.go docs@example.com

# Teams can be specified as code owners as well.
*.txt @octo-org/octocats

/build/logs/ @doctocat

# The \`docs/*\` pattern will match files like \`docs/getting-started.md\` but not
# further nested files like \`docs/build-app/troubleshooting.md\`.
docs/*  docs@example.com

apps/ @octocat

/docs/ @doctocat

/scripts/ @doctocat @octocat

**/logs @octocat

/apps/ @octocat
/apps/github
`;

const owners = (file: string, path: string) => ownersOf(parseCodeowners(file), path);

describe("CODEOWNERS: GitHub's example file", () => {
  const parsed = parseCodeowners(GITHUB_EXAMPLE);

  it("reads every rule, with its line, and no problem", () => {
    expect(parsed.problems).toEqual([]);
    expect(parsed.complete).toBe(true);
    expect(parsed.rules.map((r) => [r.line, r.pattern, r.owners])).toEqual([
      [5, "*", ["@global-owner1", "@global-owner2"]],
      [8, "*.js", ["@js-owner"]],
      [11, "*.go", ["docs@example.com"]],
      [14, "*.txt", ["@octo-org/octocats"]],
      [16, "/build/logs/", ["@doctocat"]],
      [20, "docs/*", ["docs@example.com"]],
      [22, "apps/", ["@octocat"]],
      [24, "/docs/", ["@doctocat"]],
      [26, "/scripts/", ["@doctocat", "@octocat"]],
      [28, "**/logs", ["@octocat"]],
      [30, "/apps/", ["@octocat"]],
      [31, "/apps/github", []],
    ]);
  });

  it.each([
    ["README.md", ["@global-owner1", "@global-owner2"]],
    ["src/deep/index.js", ["@js-owner"]],
    ["main.go", ["docs@example.com"]],
    ["notes/a.txt", ["@octo-org/octocats"]],
    // /build/logs/ is overtaken by the later **/logs.
    ["build/logs/today.log", ["@octocat"]],
    ["build/other.js", ["@js-owner"]],
    // docs/* is overtaken by the later /docs/, which covers nested files too.
    ["docs/getting-started.md", ["@doctocat"]],
    ["docs/build-app/troubleshooting.md", ["@doctocat"]],
    ["src/apps/x.md", ["@octocat"]],
    ["scripts/deploy.sh", ["@doctocat", "@octocat"]],
    ["deeply/nested/logs/x.txt", ["@octocat"]],
    ["apps/web/page.md", ["@octocat"]],
    // The last matching rule names no owner: un-owned.
    ["apps/github/workflow.md", []],
    ["apps/github", []],
  ])("%s is owned by %j", (path, expected) => {
    expect(ownersOf(parsed, path)).toEqual(expected);
  });

  it("says which rule decided", () => {
    expect(ruleFor(parsed, "apps/github/x")).toMatchObject({ line: 31, pattern: "/apps/github" });
    expect(ruleFor(parseCodeowners("/only @a"), "other")).toBeUndefined();
  });

  it("the lookup order is GitHub's", () => {
    expect(CODEOWNERS_PATHS).toEqual([".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]);
  });
});

describe("CODEOWNERS: patterns", () => {
  it("docs/* matches files directly in docs/ only, from the root", () => {
    const file = "docs/*  docs@example.com";
    expect(owners(file, "docs/getting-started.md")).toEqual(["docs@example.com"]);
    expect(owners(file, "docs/build-app/troubleshooting.md")).toEqual([]);
    expect(owners(file, "sub/docs/a.md")).toEqual([]);
  });

  it("a leading / anchors; a single segment matches at any depth, as a file or a directory", () => {
    expect(owners("/build/logs/ @d", "build/logs/x/y.log")).toEqual(["@d"]);
    expect(owners("/build/logs/ @d", "src/build/logs/y.log")).toEqual([]);
    expect(owners("logs @o", "a/b/logs")).toEqual(["@o"]);
    expect(owners("logs @o", "a/logs/b/c.txt")).toEqual(["@o"]);
    expect(owners("logs @o", "a/logsx")).toEqual([]);
    expect(owners("/README.md @o", "README.md")).toEqual(["@o"]);
    expect(owners("/README.md @o", "docs/README.md")).toEqual([]);
  });

  it("a trailing / matches what is under the directory, not a file of that name", () => {
    expect(owners("apps/ @o", "apps/a.js")).toEqual(["@o"]);
    expect(owners("apps/ @o", "x/y/apps/a/b.js")).toEqual(["@o"]);
    expect(owners("apps/ @o", "apps")).toEqual([]);
  });

  it("* does not cross /, ** does, ? is one character (one code point)", () => {
    expect(owners("/src/*.ts @o", "src/a.ts")).toEqual(["@o"]);
    expect(owners("/src/*.ts @o", "src/x/a.ts")).toEqual([]);
    expect(owners("/src/**/*.ts @o", "src/a.ts")).toEqual(["@o"]);
    expect(owners("/src/**/*.ts @o", "src/x/y/a.ts")).toEqual(["@o"]);
    expect(owners("/src/** @o", "src/x/y/a.ts")).toEqual(["@o"]);
    expect(owners("/src/** @o", "src")).toEqual([]);
    expect(owners("**/test/** @o", "test/a")).toEqual(["@o"]);
    expect(owners("**/test/** @o", "a/b/test/c/d")).toEqual(["@o"]);
    expect(owners("/a/**/b @o", "a/b")).toEqual(["@o"]);
    expect(owners("/a/**/b @o", "a/x/y/b/z")).toEqual(["@o"]);
    expect(owners("/file?.md @o", "file1.md")).toEqual(["@o"]);
    expect(owners("/file?.md @o", "file.md")).toEqual([]);
    expect(owners("/file?.md @o", "file😀.md")).toEqual(["@o"]);
    expect(owners("** @o", "any/thing")).toEqual(["@o"]);
    expect(owners("* @o", "any/thing")).toEqual(["@o"]);
  });

  it("is case-sensitive; brackets are literal; paths may start with / or ./", () => {
    expect(owners("/Docs/ @o", "docs/a.md")).toEqual([]);
    expect(owners("/pages/[id].tsx @o", "pages/[id].tsx")).toEqual(["@o"]);
    expect(owners("/pages/[id].tsx @o", "pages/i.tsx")).toEqual([]);
    expect(owners("/src/ @o", "/src/a.ts")).toEqual(["@o"]);
    expect(owners("/src/ @o", "./src/a.ts")).toEqual(["@o"]);
  });

  it("escapes: \\# starts a pattern, \\  is a space in it, \\* a literal star", () => {
    const parsed = parseCodeowners("\\#notes.md @a\n/my\\ dir/ @b\n/lit\\*.md @c");
    expect(parsed.problems).toEqual([]);
    expect(ownersOf(parsed, "x/#notes.md")).toEqual(["@a"]);
    expect(ownersOf(parsed, "my dir/f.txt")).toEqual(["@b"]);
    expect(ownersOf(parsed, "lit*.md")).toEqual(["@c"]);
    expect(ownersOf(parsed, "litx.md")).toEqual([]);
  });

  it("reads CRLF files, tabs, and repeated owners once", () => {
    const parsed = parseCodeowners("*\t@a\t@a @b\r\n/x/ @c\r\n");
    expect(parsed.rules.map((r) => r.owners)).toEqual([["@a", "@b"], ["@c"]]);
    expect(ownersOf(parsed, "x/y")).toEqual(["@c"]);
  });
});

describe("CODEOWNERS: malformed lines", () => {
  it("are skipped and reported with their line numbers; the rest still counts", () => {
    const parsed = parseCodeowners(["* @ok", "!keep.md @a", "/a/ not-an-owner", "/b/ @b", "/c//d @c", "/e\\", "/ @root", "/f/*** @f"].join("\n"));
    expect(parsed.rules.map((r) => r.pattern)).toEqual(["*", "/b/"]);
    expect(parsed.problems.map((p) => p.line)).toEqual([2, 3, 5, 6, 7, 8]);
    expect(parsed.problems[1]!.message).toMatch(/"not-an-owner" is not an owner/);
    expect(parsed.complete).toBe(true);
    // The skipped /a/ line does not take a/ away from the rule before it.
    expect(ownersOf(parsed, "a/x")).toEqual(["@ok"]);
  });

  it("an empty file has no rules and no problems", () => {
    expect(parseCodeowners("")).toEqual({ rules: [], problems: [], complete: true });
    expect(parseCodeowners("\n\n# only comments\n   \n")).toEqual({ rules: [], problems: [], complete: true });
  });

  it("lists at most the problem limit, then counts the rest", () => {
    const parsed = parseCodeowners(Array.from({ length: 150 }, () => "!x @a").join("\n"));
    expect(parsed.problems).toHaveLength(CODEOWNERS_LIMITS.problems + 1);
    expect(parsed.problems.at(-1)).toEqual({ line: 0, message: "50 more problems not listed" });
  });
});

describe("CODEOWNERS: hostile input", () => {
  const fast = (fn: () => void, ms = 1_000) => {
    const start = performance.now();
    fn();
    expect(performance.now() - start).toBeLessThan(ms);
  };

  it("a file over 3 MB is ignored whole, as GitHub does", () => {
    const parsed = parseCodeowners(`* @a\n${"#".repeat(CODEOWNERS_LIMITS.bytes)}`);
    expect(parsed).toMatchObject({ rules: [], complete: false, problems: [{ line: 0, message: expect.stringMatching(/over 3 MB/) }] });
    // Multi-byte characters count as the bytes they take.
    expect(parseCodeowners(`# ${"é".repeat(CODEOWNERS_LIMITS.bytes / 2)}`).complete).toBe(false);
  });

  it("too many rules: the file is marked incomplete and says where reading stopped", () => {
    const parsed = parseCodeowners(Array.from({ length: CODEOWNERS_LIMITS.rules + 5 }, (_, i) => `/d${i}/ @a`).join("\n"));
    expect(parsed.rules).toHaveLength(CODEOWNERS_LIMITS.rules);
    expect(parsed.complete).toBe(false);
    expect(parsed.problems).toEqual([{ line: CODEOWNERS_LIMITS.rules + 1, message: expect.stringMatching(/more than 10000 rules/) }]);
  });

  it("over-long lines and patterns are refused, not matched", () => {
    const parsed = parseCodeowners(`${"a".repeat(CODEOWNERS_LIMITS.lineLength + 1)} @a\n/${"b".repeat(CODEOWNERS_LIMITS.patternLength)} @b`);
    expect(parsed.rules).toEqual([]);
    expect(parsed.problems.map((p) => p.line)).toEqual([1, 2]);
  });

  it("long patterns of stars and wildcards against deep, long paths stay fast", () => {
    const deepPath = Array.from({ length: CODEOWNERS_LIMITS.pathSegments }, () => "a".repeat(15)).join("/");
    const rules = [
      `*${"a*".repeat(500)}b @x`,
      `${"*/".repeat(500)}b @x`,
      `${"**/".repeat(340)}b @x`,
      `${"**/a/".repeat(200)}b @x`,
      `/${"?".repeat(1000)} @x`,
      `${"*a".repeat(500)}*b @x`,
    ];
    fast(() => {
      const parsed = parseCodeowners(Array.from({ length: 1_000 }, (_, i) => rules[i % rules.length]!).join("\n"));
      expect(parsed.problems).toEqual([]);
      expect(ownersOf(parsed, deepPath)).toEqual([]);
      expect(ownersOf(parsed, `${deepPath.split("/").slice(0, 200).join("/")}/${"a".repeat(200)}`)).toEqual([]);
    }, 3_000);
  });

  it("a large file (about 5,000 rules) parses and matches quickly", () => {
    const line = "/src/components/**/legacy/*.tsx @acme/frontend-team @octocat\n";
    const text = line.repeat(Math.floor(CODEOWNERS_LIMITS.bytes / line.length / 10));
    fast(() => {
      const parsed = parseCodeowners(text);
      expect(parsed.complete).toBe(true);
      expect(ownersOf(parsed, "src/components/a/b/legacy/x.tsx")).toEqual(["@acme/frontend-team", "@octocat"]);
      expect(ownersOf(parsed, "src/other.ts")).toEqual([]);
    }, 2_000);
  });

  it("a file built to be slow to match is refused within the work limit, not waited for", () => {
    // Each wildcard chunk almost matches at every place of every path segment: text length × chunk length per segment.
    const parsed = parseCodeowners(Array.from({ length: 1_000 }, (_, i) => `**/*${"a".repeat(120)}b${i}*/** @x`).join("\n"));
    expect(parsed.problems).toEqual([]);
    const path = Array.from({ length: 16 }, () => "a".repeat(250)).join("/");
    fast(() => expect(() => ownersOf(parsed, path)).toThrow(CodeownersTooCostlyError));
    // The same file still answers for ordinary paths.
    expect(ownersOf(parsed, "src/index.ts")).toEqual([]);
  });

  it("a path past the bounds has no owner", () => {
    expect(owners("* @a", "a/".repeat(CODEOWNERS_LIMITS.pathSegments) + "b")).toEqual([]);
    expect(owners("* @a", "x".repeat(CODEOWNERS_LIMITS.pathLength + 1))).toEqual([]);
    expect(owners("* @a", "")).toEqual([]);
  });
});
