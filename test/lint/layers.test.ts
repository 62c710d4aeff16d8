import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

/** The layer rule of the architecture, as `npm run lint` enforces it. */
async function lint(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("inner layers cannot import the outer world", () => {
  const FORBIDDEN = ["probot", "@octokit/rest", "@octokit/webhooks", "kysely", "better-sqlite3", "pg", "pg-boss", "fastify", "node:http"];

  for (const layer of ["domain", "events", "workflows", "engine", "actions"]) {
    it(`src/${layer} may not import frameworks, clients or drivers`, async () => {
      for (const mod of FORBIDDEN) {
        const messages = await lint(`src/${layer}/example.ts`, `import x from "${mod}";\nexport const y = x;\n`);
        expect(messages, `${layer} importing ${mod}`).toHaveLength(1);
      }
    });
  }

  it("outer layers may import them", async () => {
    for (const layer of ["github", "handlers", "store", "cli"]) {
      expect(await lint(`src/${layer}/example.ts`, `import { Probot } from "probot";\nexport const y = Probot;\n`)).toEqual([]);
    }
  });

  // That src/domain imports nothing from the other layers is the floor rule's (floors.test.ts).
});
