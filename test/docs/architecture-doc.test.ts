import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

/** ARCHITECTURE.md names files, folders and functions: each must exist where it says. */
const doc = readFileSync(`${ROOT}ARCHITECTURE.md`, "utf8");

/** Backticked names that look like paths and are not: a lint rule, a repository's folder. */
const NOT_PATHS = new Set(["import-x/no-cycle", ".governance/"]);

/** A named path exists at the root, in src/ (the doc's module paths) or as a src/ folder. */
function exists(path: string): boolean {
  const clean = path.replace(/\/$/, "");
  return [clean, `src/${clean}`].some((p) => existsSync(`${ROOT}${p}`));
}

describe("ARCHITECTURE.md", () => {
  it("names only files and folders that exist", () => {
    const paths = [...doc.matchAll(/`([A-Za-z0-9_./-]+\/[A-Za-z0-9_./-]*|[A-Za-z0-9_-]+\.(?:ts|js|json))`/g)].map((m) => m[1]!).filter((p) => !p.includes("<") && !NOT_PATHS.has(p));
    expect(paths.length).toBeGreaterThan(30);
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });

  it("puts each shared rule in the file it names", () => {
    const rows = [...doc.matchAll(/^\| [^|]+ \| ((?:`\w+`(?:, | and | \(and )?)+)\)? in `([\w/.-]+\.ts)` \|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const [, names, file] of rows) {
      const source = readFileSync(`${ROOT}src/${file}`, "utf8");
      for (const [, name] of names!.matchAll(/`(\w+)`/g)) expect(source, `${name} in ${file}`).toMatch(new RegExp(`export (?:async function|const|function|class|type|interface) ${name}\\b`));
    }
  });
});
