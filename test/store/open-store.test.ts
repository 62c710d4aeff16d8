import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { openStore, parseDatabaseUrl } from "../../src/store/open-store.js";
import { makeDelivery } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "governance-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
});

/** The message a call throws. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

describe("parseDatabaseUrl", () => {
  it("reads sqlite::memory:", () => {
    expect(parseDatabaseUrl("sqlite::memory:")).toEqual({ kind: "sqlite", filename: ":memory:" });
  });

  it("reads a path relative to the working directory, or an absolute one", () => {
    expect(parseDatabaseUrl("sqlite:./data/governance.db", "/srv/app")).toEqual({ kind: "sqlite", filename: "/srv/app/data/governance.db" });
    expect(parseDatabaseUrl("sqlite:state.db", "/srv/app")).toEqual({ kind: "sqlite", filename: "/srv/app/state.db" });
    expect(parseDatabaseUrl("SQLite:/var/lib/governance.db", "/srv/app")).toEqual({ kind: "sqlite", filename: "/var/lib/governance.db" });
  });

  it("reads postgres:// and postgresql:// URLs as a Postgres target (see pg-store.test.ts)", () => {
    expect(parseDatabaseUrl("postgres://admin:s3cret-pw@db.internal:5432/governance")).toEqual({ kind: "postgres", connectionString: "postgres://admin:s3cret-pw@db.internal:5432/governance" });
    expect(parseDatabaseUrl("postgresql://admin:s3cret-pw@db.internal/governance?schema=gov")).toMatchObject({ kind: "postgres", schema: "gov" });
  });

  it.each(["postgres://admin:s3cret-pw@/governance", "postgresql://admin:s3cret-pw@db.internal/governance?schema=No-Such"])(
    "refuses a Postgres URL it cannot use, without echoing the URL: %s",
    (url) => {
      const message = messageOf(() => parseDatabaseUrl(url));
      expect(message).toMatch(/^DATABASE_URL/);
      expect(message).not.toMatch(/s3cret|admin|db\.internal/);
    },
  );

  it("names the accepted forms for another scheme, echoing only the scheme", () => {
    const message = messageOf(() => parseDatabaseUrl("mysql://root:hunter2@localhost/gov"));
    expect(message).toMatch(/unsupported scheme "mysql:"/);
    expect(message).toMatch(/sqlite:<path>.*sqlite::memory:/);
    expect(message).not.toMatch(/hunter2|root/);
  });

  it("refuses a bare path, an empty sqlite path and sqlite://", () => {
    expect(messageOf(() => parseDatabaseUrl("./data/governance.db"))).toMatch(/is not a database URL\. Use sqlite:<path>/);
    expect(messageOf(() => parseDatabaseUrl("sqlite:"))).toMatch(/needs a file path/);
    expect(messageOf(() => parseDatabaseUrl("sqlite://host/x.db"))).toMatch(/needs a file path/);
  });
});

describe("openStore", () => {
  it("creates the database file's missing folders", async () => {
    const file = join(dir, "deep", "er", "governance.db");
    const store = await openStore(`sqlite:${file}`);
    expect(await store.acceptDelivery(makeDelivery("d-1"))).toBe(true);
    await store.close();
    expect(existsSync(file)).toBe(true);
  });

  it("uses DATABASE_URL when no URL is given", async () => {
    const file = join(dir, "from-env.db");
    vi.stubEnv("DATABASE_URL", `sqlite:${file}`);
    await (await openStore()).close();
    expect(existsSync(file)).toBe(true);
  });

  it("refuses a Postgres URL without a host before connecting", async () => {
    await expect(openStore("postgres:///db")).rejects.toThrow(/^DATABASE_URL names no host/);
  });
});
