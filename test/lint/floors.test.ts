import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ESLint } from "eslint";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

const FLOOR_RULE = "import-x/no-restricted-paths";
const CYCLE_RULE = "import-x/no-cycle";
const IMPORT_RULES = new Set([FLOOR_RULE, CYCLE_RULE]);

interface Finding {
  ruleId: string | null;
  message: string;
}

const findings = (results: ESLint.LintResult[]): Finding[] =>
  results.flatMap((r) => r.messages.filter((m) => IMPORT_RULES.has(m.ruleId ?? "")).map((m) => ({ ruleId: m.ruleId, message: m.message })));

/** The floor rule, as `npm run lint` enforces it, on one file of src/ that is not on disk (what it imports is). */
async function lintSrc(filePath: string, code: string): Promise<Finding[]> {
  const eslint = new ESLint({ cwd: ROOT });
  return findings(await eslint.lintText(code, { filePath: `${ROOT}${filePath}` }));
}

const zone = (importPath: string, message: string): Finding => ({
  ruleId: FLOOR_RULE,
  message: `Unexpected path "${importPath}" imported in restricted zone. Layer rule (README › Architecture): ${message}.`,
});

describe("imports point down the floors of src/", () => {
  it("an upward import is an error naming the rule, the floors and what may be imported", async () => {
    expect(await lintSrc("src/notify/example.ts", `import { truncate } from "../github/truncate.js";\nexport const y = truncate;\n`)).toEqual([
      zone("../github/truncate.js", "notify/ may not import github/: github/ is on a floor above it. notify/ may import config/, triggers/, events/, net/, domain/"),
    ]);
    expect(await lintSrc("src/domain/example.ts", `import { loadWorkflow } from "../workflows/load.js";\nexport const y = loadWorkflow;\n`)).toEqual([
      zone("../workflows/load.js", "domain/ may not import workflows/: workflows/ is on a floor above it. domain/ imports nothing from the other modules of src/"),
    ]);
  });

  it("type-only imports count: a type is a dependency too", async () => {
    expect(await lintSrc("src/domain/example.ts", `import type { EngineDeps } from "../engine/jobs.js";\nexport type Y = EngineDeps;\n`)).toHaveLength(1);
  });

  it("a sideways import is an error unless the table allows it", async () => {
    expect(await lintSrc("src/actions/example.ts", `import { parseDatabaseUrl } from "../store/open-store.js";\nexport const y = parseDatabaseUrl;\n`)).toEqual([
      zone(
        "../store/open-store.js",
        "actions/ may not import store/: store/ is beside it on the same floor. actions/ may import workflows/, triggers/, events/, domain/",
      ),
    ]);
    expect(await lintSrc("src/actions/example.ts", `import { parseDuration } from "../workflows/durations.js";\nexport const y = parseDuration;\n`)).toEqual([]);
    // Allowed one way only: the other way would be a cycle between folders.
    expect(await lintSrc("src/workflows/example.ts", `import { once } from "../actions/once.js";\nexport const y = once;\n`)).toHaveLength(1);
  });

  it("the engine does not import the queue, the store or the notifier, though they are below it", async () => {
    expect(await lintSrc("src/engine/example.ts", `import { Worker } from "../queue/worker.js";\nexport const y = Worker;\n`)).toEqual([
      zone(
        "../queue/worker.js",
        "engine/ may not import queue/: the engine reaches adapters through the ports in domain/. engine/ may import workflows/, actions/, config/, watchdog.ts, version.ts, triggers/, events/, domain/",
      ),
    ]);
    expect(await lintSrc("src/engine/example.ts", `import { parseDatabaseUrl } from "../store/open-store.js";\nexport const y = parseDatabaseUrl;\n`)).toHaveLength(1);
    expect(await lintSrc("src/engine/example.ts", `import { NonRetriableError } from "../domain/errors.js";\nexport const y = NonRetriableError;\n`)).toEqual([]);
  });

  it("the shared HTTP transport sits below both of its users, out of the inner layers' reach", async () => {
    const transport = `import { isRedirect } from "../net/http-transport.js";\nexport const y = isRedirect;\n`;
    expect(await lintSrc("src/notify/example.ts", transport)).toEqual([]);
    expect(await lintSrc("src/github/example.ts", transport)).toEqual([]);
    // No named exception is left: the notifier no longer reaches into github/.
    expect(await lintSrc("src/notify/example.ts", `import { httpFetch } from "../github/http-fetch.js";\nexport const y = httpFetch;\n`)).toHaveLength(1);
    // The inner layers do no HTTP, through node:http or through net/.
    expect(await lintSrc("src/actions/example.ts", transport)).toEqual([
      zone("../net/http-transport.js", "actions/ may not import net/: inner layers do no HTTP: go through a port in domain/. actions/ may import workflows/, triggers/, events/, domain/"),
    ]);
    for (const layer of ["domain", "events", "workflows", "engine"]) expect(await lintSrc(`src/${layer}/example.ts`, transport), layer).toHaveLength(1);
    // net/ is the bottom of its users: it imports nothing of src/ but domain/.
    expect(await lintSrc("src/net/example.ts", `import { truncate } from "../github/truncate.js";\nexport const y = truncate;\n`)).toHaveLength(1);
  });

  it("every file and folder of src/ has a floor", async () => {
    const config = (await new ESLint({ cwd: ROOT }).calculateConfigForFile(`${ROOT}src/index.ts`)) as { rules: Record<string, [unknown, { zones: { target: string }[] }]> };
    const targets = new Set(config.rules[FLOOR_RULE]![1].zones.map((z) => z.target));
    // main.ts may import everything, so it is the one module without a zone of its own.
    const modules = readdirSync(join(ROOT, "src")).filter((name) => name !== "main.ts" && (name.endsWith(".ts") || statSync(join(ROOT, "src", name)).isDirectory()));
    expect(modules.filter((name) => !targets.has(`src/${name}`)).map((name) => `src/${name}`)).toEqual([]);
  });
});

describe("no cycles", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Writes `files` (path under src/ → source) to a fresh directory and lints them with the project's config. */
  async function lintTree(files: Record<string, string>): Promise<Record<string, Finding[]>> {
    dir = mkdtempSync(join(tmpdir(), "floors-"));
    for (const [path, code] of Object.entries(files)) {
      mkdirSync(join(dir, "src", path, ".."), { recursive: true });
      writeFileSync(join(dir, "src", path), code);
    }
    const eslint = new ESLint({ cwd: dir, overrideConfigFile: join(ROOT, "eslint.config.js") });
    const results = await eslint.lintFiles(["src"]);
    return Object.fromEntries(results.map((r) => [r.filePath.slice(dir!.length + "/src/".length), findings([r])]));
  }

  it("two files that import each other", async () => {
    expect(
      await lintTree({
        "engine/a.ts": `import { b } from "./b.js";\nexport const a = () => b();\n`,
        "engine/b.ts": `import { a } from "./a.js";\nexport const b = () => a();\n`,
      }),
    ).toEqual({
      "engine/a.ts": [{ ruleId: CYCLE_RULE, message: "Dependency cycle detected" }],
      "engine/b.ts": [{ ruleId: CYCLE_RULE, message: "Dependency cycle detected" }],
    });
  });

  it("three files in a ring", async () => {
    expect(
      await lintTree({
        "engine/a.ts": `import { b } from "./b.js";\nexport const a = () => b();\n`,
        "engine/b.ts": `import { c } from "./c.js";\nexport const b = () => c();\n`,
        "engine/c.ts": `import { a } from "./a.js";\nexport const c = () => a();\n`,
      }),
    ).toEqual({
      "engine/a.ts": [{ ruleId: CYCLE_RULE, message: 'Dependency cycle via "./c.js:1"' }],
      "engine/b.ts": [{ ruleId: CYCLE_RULE, message: 'Dependency cycle via "./a.js:1"' }],
      "engine/c.ts": [{ ruleId: CYCLE_RULE, message: 'Dependency cycle via "./b.js:1"' }],
    });
  });

  it("a chain without a ring is fine", async () => {
    expect(
      await lintTree({
        "engine/a.ts": `import { b } from "./b.js";\nexport const a = () => b();\n`,
        "engine/b.ts": `export const b = () => 1;\n`,
      }),
    ).toEqual({ "engine/a.ts": [], "engine/b.ts": [] });
  });
});

/**
 * The cycles among the .ts files under `dir`, counting type-only imports. import-x/no-cycle skips
 * those (they vanish at compile time), but a type cycle still ties two files together.
 */
function cyclesIn(dir: string): string[][] {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const imported = ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((i) => i.fileName);
    edges.set(file, imported.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s).replace(/\.js$/, ".ts")).filter((t) => files.includes(t)));
  }
  // Tarjan's strongly connected components: each one of more than one file is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of edges.get(v)!) {
      if (!index.has(w)) visit(w);
      if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, low.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = stack.splice(stack.indexOf(v));
    if (component.length > 1) cycles.push(component.map((f) => f.slice(dir.length + 1)).sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

describe("no cycles of types either", () => {
  it("a type-only import closing a ring is found", () => {
    const dir = mkdtempSync(join(tmpdir(), "floors-"));
    try {
      mkdirSync(join(dir, "engine"));
      writeFileSync(join(dir, "engine/intake.ts"), `import { manualRun } from "./requested-runs.js";\nexport interface IntakeDeps { run: typeof manualRun }\n`);
      writeFileSync(join(dir, "engine/requested-runs.ts"), `import type { IntakeDeps } from "./intake.js";\nexport const manualRun = (deps: IntakeDeps) => deps;\n`);
      expect(cyclesIn(dir)).toEqual([["engine/intake.ts", "engine/requested-runs.ts"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the real tree", () => {
  it("src/ has no cycle, counting type-only imports", () => {
    expect(cyclesIn(join(ROOT, "src"))).toEqual([]);
  });

  it("src/ breaks neither rule", async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const results = await eslint.lintFiles(["src"]);
    const found = results.flatMap((r) => findings([r]).map((f) => `${r.filePath.slice(ROOT.length)}: ${f.message}`));
    expect(found).toEqual([]);
  }, 60_000);
});
