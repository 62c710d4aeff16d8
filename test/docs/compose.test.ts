// docker-compose.yml, read as Compose reads it: PostgreSQL and two app replicas that share its database, each checked for readiness, secrets kept in an env file.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parsePostgresUrl } from "../../src/store/pg-connection.js";
import { ROOT } from "../helpers/fixtures.js";

type Service = { image?: string; build?: string; environment?: Record<string, string>; env_file?: string; ports?: string[]; depends_on?: Record<string, { condition: string }>; healthcheck?: { test: string[] } };
const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, "utf8"), { merge: true }) as { services: Record<string, Service> };

describe("docker-compose.yml", () => {
  const apps = Object.entries(compose.services).filter(([name]) => name.startsWith("app-"));

  it("runs two replicas of the app image on one PostgreSQL database", () => {
    expect(apps.map(([name]) => name)).toEqual(["app-1", "app-2"]);
    const urls = new Set(apps.map(([, s]) => s.environment?.DATABASE_URL));
    expect(urls.size).toBe(1);
    const target = parsePostgresUrl([...urls][0]!);
    const postgres = compose.services.postgres!;
    expect(new URL(target.connectionString).hostname).toBe("postgres");
    expect(new URL(target.connectionString).pathname).toBe(`/${postgres.environment!.POSTGRES_DB}`);
    expect(new URL(target.connectionString).username).toBe(postgres.environment!.POSTGRES_USER);
  });

  it("starts each replica once the database is healthy, checks it on /readyz, and gives each its own port", () => {
    for (const [, service] of apps) {
      expect(service.build).toBe(".");
      expect(service.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
      expect(service.healthcheck?.test.join(" ")).toContain("/readyz");
      expect(service.env_file).toBe("governance.env");
    }
    const hostPorts = apps.map(([, s]) => s.ports?.[0]?.split(":")[0]);
    expect(new Set(hostPorts).size).toBe(apps.length);
  });

  it("keeps the app's secrets out of the file", () => {
    const text = readFileSync(`${ROOT}docker-compose.yml`, "utf8");
    expect(text).not.toMatch(/WEBHOOK_SECRET:|PRIVATE_KEY:|APP_ID:/);
  });
});
