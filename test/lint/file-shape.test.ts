import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

/** The longest a source file may be: past it, a file holds more than one thing and is split. */
const MAX_LINES = 300;

interface SourceFile {
  /** The path from the package root, `src/…`, with forward slashes. */
  path: string;
  text: string;
  lines: number;
}

/** Every .ts file under src/, at any depth, sorted by path. */
function sourceFiles(): SourceFile[] {
  const src = join(ROOT, "src");
  return (readdirSync(src, { recursive: true }) as string[])
    .filter((name) => name.endsWith(".ts"))
    .map((name) => name.split("\\").join("/"))
    .sort()
    .map((name) => {
      const text = readFileSync(join(src, name), "utf8");
      return { path: `src/${name}`, text, lines: lineCount(text) };
    });
}

/** Lines as an editor numbers them: a final newline does not start another line. */
function lineCount(text: string): number {
  if (text === "") return 0;
  const breaks = text.split("\n").length - 1;
  return text.endsWith("\n") ? breaks : breaks + 1;
}

/** Whether the file opens with a comment (`/**` or `//`): the one that says what the file is for. */
function startsWithComment(text: string): boolean {
  const start = text.replace(/^\uFEFF/, "").trimStart();
  return start.startsWith("/**") || start.startsWith("//");
}

/** One entry per offending file, `src/x.ts: 412 lines`, so a failure says at once what to fix. */
function listed(files: readonly SourceFile[]): string[] {
  return files.map((f) => `${f.path}: ${f.lines} lines`);
}

describe("the shape of every source file", () => {
  const files = sourceFiles();

  it("finds the source files", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.map((f) => f.path)).toContain("src/main.ts");
  });

  it("opens with a comment that says what the file is for, before the imports", () => {
    const bare = listed(files.filter((f) => !startsWithComment(f.text)));
    expect(bare, `these files do not start with a /** … */ or // comment saying what they are for:\n  ${bare.join("\n  ")}\n`).toEqual([]);
  });

  it(`has at most ${MAX_LINES} lines`, () => {
    const long = listed(files.filter((f) => f.lines > MAX_LINES));
    expect(long, `these files are longer than ${MAX_LINES} lines; split them by responsibility:\n  ${long.join("\n  ")}\n`).toEqual([]);
  });
});
