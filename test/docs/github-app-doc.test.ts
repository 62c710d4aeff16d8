import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pino } from "pino";
import { Probot } from "probot";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { webhookMiddleware } from "../../src/http/webhook-middleware.js";
import { ROOT } from "../helpers/fixtures.js";

/** docs/github-app.md tells an operator what to click: it must ask for exactly what app.yml asks for. */
const doc = readFileSync(`${ROOT}docs/github-app.md`, "utf8");
const appYml = parseYaml(readFileSync(`${ROOT}app.yml`, "utf8")) as { default_events: string[]; default_permissions: Record<string, string> };

/** The rows of the first table under `## <heading>`, as trimmed cells. */
function tableUnder(heading: string): string[][] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`docs/github-app.md has no "## ${heading}" section`);
  const next = doc.indexOf("\n## ", start + 1);
  const section = doc.slice(start, next === -1 ? doc.length : next);
  const rows = section.split("\n").filter((line) => line.startsWith("|"));
  return rows.slice(2).map((line) => line.slice(1, line.endsWith("|") ? -1 : undefined).split("|").map((cell) => cell.trim()));
}

/** A cell that holds one `code` span, without the backticks. */
function code(cell: string | undefined): string {
  const match = /^`([^`]+)`$/.exec(cell ?? "");
  if (!match) throw new Error(`expected a single \`code\` cell, got ${JSON.stringify(cell)}`);
  return match[1]!;
}

describe("docs/github-app.md", () => {
  it("lists exactly app.yml's events", () => {
    const events = tableUnder("Events").map((row) => code(row[0]));
    expect([...events].sort()).toEqual([...appYml.default_events].sort());
    expect(new Set(events).size).toBe(events.length);
  });

  it("lists exactly app.yml's permissions, each with app.yml's access", () => {
    const permissions = Object.fromEntries(tableUnder("Permissions").map((row) => [code(row[0]), code(row[2])]));
    expect(permissions).toEqual(appYml.default_permissions);
    expect(tableUnder("Permissions")).toHaveLength(Object.keys(appYml.default_permissions).length);
  });

  it("gives the webhook URL on the path the app's webhook endpoint serves", async () => {
    const line = doc.split("\n").find((l) => l.includes("**Webhook URL**"));
    const path = /`https:\/\/[^/`]+(\/[^`]*)`/.exec(line ?? "")?.[1];
    expect(path, "a Webhook URL line with an https URL").toBeDefined();

    const probot = new Probot({ githubToken: "test", log: pino({ level: "silent" }) });
    const endpoint = webhookMiddleware(probot);
    // A GET is refused with 405 by the endpoint itself; a path it does not serve is passed on.
    const served = await call(endpoint, path!);
    expect(served).toEqual({ handled: true, status: 405, passedOn: false });
    expect(await call(endpoint, "/")).toEqual({ handled: false, status: undefined, passedOn: true });
  });
});

async function call(endpoint: ReturnType<typeof webhookMiddleware>, url: string): Promise<{ handled: boolean; status: number | undefined; passedOn: boolean }> {
  let status: number | undefined;
  let passedOn = false;
  const req = { url, method: "GET", headers: {}, readableEnded: true } as unknown as IncomingMessage;
  const res = {
    headersSent: false,
    writableEnded: false,
    writeHead(code: number) {
      status = code;
      return this;
    },
    end() {
      return this;
    },
  } as unknown as ServerResponse;
  const handled = await endpoint(req, res, () => {
    passedOn = true;
  });
  return { handled, status, passedOn };
}
